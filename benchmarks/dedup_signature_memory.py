"""Peak memory of MinHash signatures per byte of text, the figure that sizes
the pieces ``dedup_near`` hashes at once (``SIGNATURE_BYTES_PER_TEXT_BYTE``).

Each case runs ``document_signatures`` in a fresh process and reads that
process's peak RSS above its level once the text is built: one batch of the
synthetic corpus as the stage would hash it (32,768 documents), and one
8 MiB document (the reader's default record limit) in a Latin and a CJK script.

    python benchmarks/dedup_signature_memory.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import save  # noqa: E402

CASES = ("batch_32768_synthetic", "one_8mib_en", "one_8mib_zh")
ALPHABETS = {"en": "abcdefghij klmnopqrstuvwxyz", "zh": "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年"}


def _texts(case: str) -> tuple[pa.Array, pa.Array]:
    from filters.dedup_signatures import resolve_languages

    if case.startswith("batch"):
        from dedup_synthetic import corpus

        table, _ = corpus(32768)
        texts = table["text"].combine_chunks()
        return texts, resolve_languages(texts, table["lang"] if "lang" in table.column_names else None)
    lang = case.rsplit("_", 1)[1]
    alphabet = np.array([ord(c) for c in ALPHABETS[lang]], np.uint32)
    width = 1 if lang == "en" else 3
    points = alphabet[np.random.default_rng(0).integers(0, len(alphabet), (8 << 20) // width)]
    return pa.array([points.tobytes().decode("utf-32-le")], pa.large_string()), pa.array([lang])


def one(case: str) -> dict:
    from filters.dedup_config import DedupConfig
    from filters.dedup_signatures import document_signatures

    texts, langs = _texts(case)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    document_signatures(texts, langs, DedupConfig())
    above = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    nbytes = pc.sum(pc.binary_length(texts)).as_py()
    return {"text_bytes": nbytes, "peak_above_text_mb": round(above / 2**20, 1), "bytes_per_text_byte": round(above / nbytes, 1)}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(one(sys.argv[2])))
        return
    result = {"cases": {}}
    for case in CASES:
        out = subprocess.run([sys.executable, __file__, "--one", case], capture_output=True, text=True, check=True).stdout
        result["cases"][case] = json.loads(out.strip().splitlines()[-1])
        print(case, result["cases"][case], flush=True)
    save("dedup_signature_memory", result, {"pentaglot": {"document_signatures": "DedupConfig() defaults, one call per case"}, "baseline": None, "cases": list(CASES)})


if __name__ == "__main__":
    main()
