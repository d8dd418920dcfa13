"""``pentaglot export``: a committed shard folder to Megatron indexed datasets, as Ray work.

The driver plans and counts: it reads the shard manifest, checks the mixture
against the manifest's tokens per language (an infeasible one fails here,
before any work), and then runs three rounds of Ray tasks:

1. per shard, the mixture's key histograms of the languages that take a
   partial pass (skipped when none does); the driver sums them as they
   arrive, one histogram per language, and picks each language's cut;
2. per shard, its parts of every output dataset (``pipeline.export.shard_parts``);
3. per dataset, the parts joined into ``NAME.bin`` / ``NAME.idx`` /
   ``NAME.provenance.parquet`` (``pipeline.export.assemble``).

``export.json`` is written last and is the commit point: the source shards,
the dtype, every dataset, the mixture asked for and the one reached (token
shares, epochs and documents per language), and the ``--data-path`` blend
that gives Megatron the same shares.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import ray

from pentaglot_reader import manifest as mf
from pentaglot_reader.mixture import KEY_BUCKETS, Achieved, Mixture, MixtureError, achieved, cut, plan
from pipeline.errors import UserError
from pipeline.export.assemble import PROVENANCE_SUFFIX, assemble
from pipeline.export.megatron_index import megatron_dtype
from pipeline.export.shard_parts import PARTS, ShardTask, histograms, write_parts
from pipeline.resources import StageResources, task_options
from pipeline.runtime import cancel_all, ensure_ray, get_all
from pipeline.shards.verify import read_manifest
from pipeline.stage_files import prepare_output
from pipeline.storage import Storage, join

EXPORT_MANIFEST = "export.json"
FORMAT_NAME = "pentaglot.megatron_export"
FORMAT_VERSION = 1


@dataclass
class ExportReport:
    out: str
    manifest: dict
    seconds: float

    def summary(self) -> str:
        m = self.manifest
        lines = [
            f"export: {sum(d['sequences'] for d in m['datasets']):,} sequences in {len(m['datasets'])} Megatron "
            f"dataset{'s' if len(m['datasets']) != 1 else ''} ({m['dtype']}) in {self.seconds:.1f} s",
            f"    {'lang':<6} {'target':>7} {'share':>7} {'tokens':>14} {'documents':>11} {'epochs':>7}",
        ]
        for row in m["mixture"]["languages"]:
            target = f"{row['target_share']:.2%}" if m["mixture"]["settings"] else "-"
            lines.append(
                f"    {row['lang']:<6} {target:>7} {row['share']:>7.2%} {row['tokens']:>14,} {row['docs']:>11,} {row['epochs']:>7.2f}"
            )
        for name, why in m["skipped"].items():
            lines.append(f"    {name}: not written ({why})")
        if m["blend"]:
            lines.append(f"    Megatron --data-path {m['blend']}")
        lines.append(f"    output: {self.out}")
        return "\n".join(lines)


def read_export_manifest(storage: Storage, out: str) -> dict:
    """The committed ``export.json`` of ``out``; a damaged or foreign one is a UserError naming it."""
    uri = join(out, EXPORT_MANIFEST)
    try:
        export = json.loads(storage.read_bytes(uri))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UserError(f"{uri}: not valid JSON ({err}); the export is damaged, run pentaglot export again") from None
    if not isinstance(export, dict) or export.get("format") != FORMAT_NAME or export.get("format_version") != FORMAT_VERSION:
        raise UserError(f"{uri}: not a pentaglot export of format version {FORMAT_VERSION}; run pentaglot export again")
    return export


def _plans(mixture: Mixture | None, totals: dict) -> list | None:
    if mixture is None:
        return None
    try:
        return plan(mixture, totals["tokens_by_lang"])
    except MixtureError as err:
        raise UserError(str(err)) from None


def _summed_histograms(storage: Storage, tasks: list[ShardTask], options: dict) -> dict[str, np.ndarray]:
    """Per language, the shards' histograms summed in completion order (the driver holds one per language)."""
    pending = [ray.remote(histograms).options(**options).remote(storage, t) for t in tasks]
    total: dict[str, np.ndarray] = {}
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for lang, hist in ray.get(done[0]).items():
                total[lang] = total[lang] + hist if lang in total else hist
    except BaseException:
        cancel_all(pending)
        raise
    return total


def _reached(plans, hists: dict, cuts: dict, totals: dict) -> list[Achieved]:
    if plans is None:
        tokens, docs = totals["tokens_by_lang"], totals["docs_by_lang"]
        whole = sum(tokens.values()) or 1
        return [Achieved(lang, tokens[lang] / whole, tokens[lang] / whole, tokens[lang], docs[lang], 1.0, 1) for lang in sorted(tokens)]
    empty = np.zeros((2, KEY_BUCKETS), dtype=np.int64)
    return achieved(plans, {p.lang: hists.get(p.lang, empty) for p in plans}, cuts, totals["docs_by_lang"])


def run_export(
    shards: str,
    out: str,
    mixture: Mixture | None = None,
    seed: int = 0,
    per_language: bool = True,
    storage: Storage | None = None,
    overwrite: bool = False,
    num_cpus: int | None = None,
    resources: StageResources | None = None,
) -> ExportReport:
    """Export the committed shard folder ``shards`` to Megatron datasets under ``out``.

    ``resources`` is what each task reserves; a task holds one shard (read
    whole from S3) and a bounded write buffer, so the default 2 GiB fits
    shards up to ~1 GiB.
    """
    storage = storage or Storage()
    options = task_options(resources or StageResources(memory_mb=2048))
    if shards.rstrip("/") == out.rstrip("/"):
        raise UserError(f"{out}: output is the shard folder itself; choose another output path")
    try:
        manifest = read_manifest(storage, shards)
    except ValueError as err:
        raise UserError(str(err)) from None
    tokenizer = mf.manifest_tokenizer(manifest)
    try:
        dtype = megatron_dtype(tokenizer.vocab_size)
    except ValueError as err:
        raise UserError(f"{shards}: {err}") from None
    plans = _plans(mixture, manifest["totals"])
    prepare_output(out, storage, overwrite)
    ensure_ray(num_cpus)
    started = time.time()
    entries = mf.manifest_shards(manifest)
    first = np.concatenate([[0], np.cumsum([e.rows for e in entries])]).tolist()
    tasks = [ShardTask(shards, e, i, first[i], tokenizer, tuple(plans) if plans else None, seed) for i, e in enumerate(entries)]
    hists = _summed_histograms(storage, tasks, options) if plans and any(p.remainder > 0 for p in plans) else {}
    cuts = {lang: cut(h, next(p.remainder for p in plans if p.lang == lang)) for lang, h in hists.items()}
    write = ray.remote(write_parts).options(**options)
    written = get_all([write.remote(storage, t, cuts, per_language, out, dtype) for t in tasks])
    datasets: dict[str, list[tuple[int, dict]]] = {}
    for task, parts in zip(tasks, written):
        for name, counts in parts.items():
            datasets.setdefault(name, []).append((task.index, counts))
    skipped = {name: "no tokens: Megatron cannot memory-map an empty .bin"
               for name, parts in datasets.items() if not sum(c["tokens"] for _, c in parts)}
    names = [name for name in sorted(datasets) if name not in skipped]
    join_parts = ray.remote(assemble).options(**options)
    made = get_all([
        join_parts.remote(storage, out, name, [i for i, _ in datasets[name]], sum(c["sequences"] for _, c in datasets[name]), dtype)
        for name in names
    ])
    for name, entry in zip(names, made):
        entry["tokens"] = sum(c["tokens"] for _, c in datasets[name])
        entry["provenance"] = name + PROVENANCE_SUFFIX
    storage.delete(join(out, PARTS))
    reached = _reached(plans, hists, cuts, manifest["totals"])
    export = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source": {"shards": shards, "tokenizer": manifest["tokenizer"], "totals": manifest["totals"]},
        "layout": "per-language" if per_language else "merged",
        "dtype": dtype.name,
        "datasets": made,
        "skipped": skipped,
        "mixture": {
            "settings": mixture.to_dict() if mixture else None,
            "seed": seed,
            "languages": [r.to_dict() for r in reached],
        },
        "blend": " ".join(f"{d['tokens']} {join(out, d['name'])}" for d in made) if per_language else "",
    }
    storage.write_bytes(join(out, EXPORT_MANIFEST), (json.dumps(export, indent=2, ensure_ascii=False) + "\n").encode())
    return ExportReport(out, export, time.time() - started)
