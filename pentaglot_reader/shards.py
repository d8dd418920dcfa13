"""Zero-copy numpy access to a committed token shard folder.

Every shard is memory-mapped (``pa.memory_map`` + ``pa.ipc.open_file``) and its
token buffer exposed as a numpy view, so "reading" a document is slicing a view
of the page cache: no parse, no copy, and the OS shares the pages between all
dataloader workers on a machine.  Only the manifest's shards are opened, and
each one is checked against the manifest before use, so a truncated, corrupt,
missing or foreign shard stops the job at start-up with the shard's name
instead of poisoning a training run.

Needs no torch; ``pentaglot_reader.torch_dataset`` builds the training loader on it.
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pentaglot_reader import manifest as mf
from pentaglot_reader.check import check_shard, token_arrays
from pentaglot_reader.format import LANG, TokenizerInfo, numpy_view


class ShardError(ValueError):
    """A shard does not match its manifest; the message names the shard and the problem."""


class TokenShards:
    """All documents of a shard folder, addressed by a global document index.

    Document ``i`` is row ``i - first_doc[s]`` of shard ``s``, shards in manifest
    order.  Opening runs the "quick" shard checks (size, footer, metadata,
    counts: O(rows), so a job over terabytes starts in seconds); ``checks=
    "full"`` also hashes every byte, which is what catches silent corruption
    inside a token buffer -- run it once per dataset (or ``pentaglot verify``),
    not in every worker.
    """

    def __init__(self, folder: str, checks: str = "quick"):
        if checks not in ("quick", "structure", "full"):
            raise ValueError(f"checks must be 'quick', 'structure' or 'full', got {checks!r}")
        if folder.startswith("s3://"):
            raise ValueError(
                f"{folder}: memory-mapped reading needs local files; copy the folder first "
                "(aws s3 sync) or mount it, then pass the local path"
            )
        self.folder = folder
        self.manifest = mf.read_local(folder)
        self.tokenizer: TokenizerInfo = mf.manifest_tokenizer(self.manifest)
        self.entries = mf.manifest_shards(self.manifest)
        self._values: list[np.ndarray] = []
        self._offsets: list[np.ndarray] = []
        lang_columns = []
        for entry in self.entries:
            path = os.path.join(folder, entry.path)
            if not os.path.isfile(path):
                raise ShardError(f"{entry.path}: missing (listed in {folder}/manifest.json)")
            data = pa.memory_map(path, "r").read_buffer()
            problems = check_shard(data, entry, self.tokenizer, checks)
            if problems:
                raise ShardError("; ".join(problems))
            reader = pa.ipc.open_file(data)
            if reader.num_record_batches != 1:
                raise ShardError(f"{entry.path}: {reader.num_record_batches} record batches, expected 1")
            batch = reader.get_batch(0)
            values, offsets = token_arrays(batch)
            self._values.append(values)
            self._offsets.append(offsets)
            lang_columns.append(batch.column(batch.schema.get_field_index(LANG)))
        rows = np.array([e.rows for e in self.entries], dtype=np.int64)
        self.first_doc = np.concatenate([[0], np.cumsum(rows)])
        self.num_docs = int(self.first_doc[-1])
        self.lengths = (
            np.concatenate([np.diff(o) for o in self._offsets]) if self._offsets else np.zeros(0, np.int64)
        )
        self.num_tokens = int(self.lengths.sum())
        # Per document: its shard and where its tokens start in that shard's values,
        # so a batch's slices are computed in bulk (12 bytes per document).
        self.doc_shard = np.repeat(np.arange(len(rows), dtype=np.int32), rows)
        self.doc_start = (
            np.concatenate([o[:-1] for o in self._offsets]) if self._offsets else np.zeros(0, np.int64)
        )
        langs = pa.chunked_array(lang_columns, pa.string()) if lang_columns else pa.chunked_array([], pa.string())
        encoded = pc.dictionary_encode(langs).combine_chunks()
        self.lang_names: list[str] = encoded.dictionary.to_pylist()
        self.lang_codes = numpy_view(encoded.indices).astype(np.int16)

    def __getstate__(self):
        """Workers started by spawn reopen the maps instead of receiving copies of them."""
        return {"folder": self.folder}

    def __setstate__(self, state):
        self.__init__(state["folder"], checks="quick")

    def locate(self, docs) -> tuple[np.ndarray, np.ndarray]:
        """Shard and row of each global document index."""
        docs = np.asarray(docs, dtype=np.int64)
        shard = np.searchsorted(self.first_doc, docs, side="right") - 1
        return shard, docs - self.first_doc[shard]

    def doc(self, i: int) -> np.ndarray:
        """The tokens of document ``i``: a read-only view into the mapped shard."""
        if not 0 <= i < self.num_docs:
            raise IndexError(f"document {i} out of range [0, {self.num_docs})")
        shard, row = (int(x[0]) for x in self.locate([i]))
        offsets = self._offsets[shard]
        return self._values[shard][offsets[row] : offsets[row + 1]]

    def pieces(self, docs, starts, stops) -> list[np.ndarray]:
        """Views of ``doc[start:stop]`` for parallel arrays of documents and bounds.

        The bounds are computed vectorized; the one slice per piece is the only
        per-document Python work (separately mapped files allow no single gather,
        and Arrow's list ``take`` measured 12x slower than these slices).
        """
        docs = np.asarray(docs, dtype=np.int64)
        first = self.doc_start[docs]
        values = self._values
        return [
            values[s][a:b]
            for s, a, b in zip(self.doc_shard[docs].tolist(), (first + starts).tolist(), (first + stops).tolist())
        ]

    def lang_of(self, docs) -> list[str]:
        codes = self.lang_codes[np.asarray(docs, dtype=np.int64)]
        return [self.lang_names[c] for c in codes.tolist()]
