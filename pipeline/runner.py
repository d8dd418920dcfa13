"""``pentaglot run``: every step of a run config as one resumable batch job.

Each step writes its own committed output under ``OUTPUT/<step>/`` and then a
commit record ``OUTPUT/_commits/<step>.json`` holding a fingerprint of its
config and inputs.  Rerunning skips a step whose record matches and whose
committed output is still there with the recorded counts, and redoes the rest.
A step deletes its own record and every later step's before it starts
rewriting its folder, so a step killed half-way (also under ``--from``, where
an earlier record would match) has no record and is redone from scratch, which
is what makes a kill -9 or Ctrl-C harmless: no document is lost or duplicated
because no half-written step is ever read.

Invariants checked after every document step: it read exactly the documents
the previous step kept (quarantined records only exist at the first step), and
read = kept + rejected + quarantined, where ``read`` is what the step's reader
counted on its own (a committed stage.json from before a crash is checked
again); tokenize covered every kept document.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import time
from dataclasses import dataclass, field
from typing import Callable

from filters.langid import UNDETERMINED, model_path
from pentaglot_reader.format import MANIFEST_NAME
from pipeline.config import STEPS, RunConfig
from pipeline.errors import UserError
from pipeline.resources import check_resources
from pipeline.runtime import ensure_ray
from pipeline.preflight import require_lang
from pipeline.stage_files import read_stage_manifest
from pipeline.stages.decontaminate import eval_sets_fingerprint
from pipeline.storage import Storage, join

PENTAGLOT_VERSION = importlib.metadata.version("pentaglot")
COMMITS = "_commits"
REPORT = "run_report.json"
DOCUMENT_STEPS = ("normalize", "langid", "filter", "dedup", "decontaminate", "redact")
SECTIONS = {"filter": "quality"}  # step name -> config section, where they differ
# A language a step rejects entirely is worth a warning once it is this many
# documents and this share of the step's input: a typo in ``languages`` (fr for
# ja) looks exactly like that, and a handful of stray documents does not.
WHOLLY_REJECTED_DOCS = 5
WHOLLY_REJECTED_SHARE = 0.02


class InvariantError(RuntimeError):
    """A step's counts don't add up: a bug, never a user error; the run stops."""


def _digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def input_fingerprint(config: RunConfig, storage: Storage) -> str:
    """What the raw input is: every file's URI and size, and how it is read."""
    files = storage.expand(config.input)
    return _digest([(f.uri, f.size) for f in files], config.reader.model_dump(mode="json"))


@dataclass
class StepResult:
    name: str
    seconds: float
    resumed: bool
    summary: dict = field(default_factory=dict)


@dataclass
class RunState:
    """What flows from one step to the next."""

    documents: list[str]  # input of the next document step
    fingerprint: str
    kept: int | None = None  # documents the previous document step kept
    tokenizer: str | None = None


class Runner:
    def __init__(self, config: RunConfig, *, from_step: str | None = None, num_cpus: int | None = None, echo: Callable[[str], None] = print):
        if from_step is not None and from_step not in config.steps:
            raise UserError(f"--from {from_step}: not one of this run's steps ({', '.join(config.steps)})")
        self.config = config
        self.from_step = from_step
        self.num_cpus = num_cpus
        self.echo = echo
        self.storage = Storage(config.storage)
        self.out = config.output.rstrip("/")

    # -- commit records -----------------------------------------------------------
    def _record_uri(self, step: str) -> str:
        return join(self.out, COMMITS, f"{step}.json")

    def _committed(self, step: str, fingerprint: str) -> dict | None:
        uri = self._record_uri(step)
        if self.storage.stat(uri) is None:
            return None
        record = json.loads(self.storage.read_bytes(uri))
        return record if record.get("fingerprint") == fingerprint else None

    def _output_intact(self, step: str, record: dict) -> bool:
        """The committed output a record describes is still there, with its counts.

        A record alone proves nothing once its folder was deleted or replaced by
        hand; the cheap commit files (stage.json, manifest.json, the model) say
        whether the step's work can be reused.
        """
        summary = record["summary"]
        if step in DOCUMENT_STEPS:
            stage = read_stage_manifest(self.storage, join(self.out, step))
            return stage is not None and stage.get("counts") == summary["counts"]
        if step == "tokenize":
            uri = join(self.out, "shards", MANIFEST_NAME)
            return self.storage.stat(uri) is not None and json.loads(self.storage.read_bytes(uri)).get("totals") == summary["manifest"]["totals"]
        if step == "tokenizer":
            return self.storage.stat(summary["model"]) is not None
        return all(self.storage.stat(paths["json"]) is not None for paths in summary.values())

    def _invalidate(self, steps: list[str]) -> None:
        """Delete these steps' records before the first of them rewrites its output."""
        for step in steps:
            if self.storage.stat(self._record_uri(step)) is not None:
                self.storage.delete(self._record_uri(step))

    def _commit(self, step: str, fingerprint: str, summary: dict) -> None:
        record = {"step": step, "fingerprint": fingerprint, "summary": summary}
        self.storage.write_bytes(self._record_uri(step), json.dumps(record, indent=2, ensure_ascii=False).encode())

    # -- steps ---------------------------------------------------------------------
    def _section(self, step: str):
        return getattr(self.config, SECTIONS.get(step, step))

    def _document_step(self, step: str, state: RunState) -> dict:
        from pipeline.api import run_document_stage  # Ray Data: imported once the checks have passed

        out = join(self.out, step)
        report = run_document_stage(
            step,
            state.documents,
            out,
            self._section(step),
            reader=self.config.reader,
            storage=self.storage,
            overwrite=True,
            num_cpus=self.num_cpus,
            resources=self.config.resources,
        )
        self.echo(report.summary())
        return report.data

    def _tokenizer_step(self, state: RunState) -> dict:
        from pipeline.stages.tokenizer_train import train_from_corpus

        result = train_from_corpus(
            state.documents,
            join(self.out, "tokenizer"),
            self.config.tokenizer,
            reader=self.config.reader,
            storage=self.storage,
            overwrite=True,
            num_cpus=self.num_cpus,
            progress=self.echo,
            resources=self.config.resources,
        )
        return {"model": result["model"], "train_seconds": result["train_seconds"], "sample": result["sample"]}

    def _tokenize_step(self, state: RunState) -> dict:
        from pipeline.stages.tokenize import run_tokenize

        cfg = self.config.tokenize.model_copy(update={"tokenizer": state.tokenizer})
        report = run_tokenize(
            state.documents, join(self.out, "shards"), cfg, reader=self.config.reader, storage=self.storage, overwrite=True, num_cpus=self.num_cpus,
            resources=self.config.resources.tokenize,
        )
        self.echo(report.summary())
        return {"manifest": report.manifest}

    def _stats_step(self, state: RunState) -> dict:
        from pipeline.stats.outputs import run_stats

        written = {}
        # The run folder, not the last stage: its report then shows every stage's rejections.
        targets = {"corpus": self.out}
        if "tokenize" in self.config.steps:
            targets["shards"] = join(self.out, "shards")
        for name, path in targets.items():
            out = join(self.out, "stats", name)
            text = run_stats(path, out, self.config.stats, self.config.reader, self.storage, True, self.num_cpus, self.config.resources)
            self.echo(text)
            written[name] = {"report": join(out, "report.html"), "json": join(out, "stats.json")}
        return written

    # -- invariants ----------------------------------------------------------------
    def _check_documents(self, step: str, data: dict, state: RunState) -> None:
        c = data["counts"]
        if c["read"] != c["kept"] + c["rejected"] + c["quarantined"]:
            raise InvariantError(
                f"step {step}: the reader counted {c['read']} records in {', '.join(data.get('inputs', state.documents))} "
                f"but kept {c['kept']} + rejected {c['rejected']} + quarantined {c['quarantined']} were written"
            )
        if state.kept is not None and c["read"] != state.kept:
            raise InvariantError(f"step {step}: read {c['read']} documents but the previous step kept {state.kept}")

    def _check_tokenize(self, manifest: dict, state: RunState) -> None:
        covered = manifest["totals"]["rows"] + sum(manifest["skipped"].values())
        if state.kept is not None and covered != state.kept:
            raise InvariantError(f"step tokenize: {covered} documents tokenized or skipped, but {state.kept} were kept")

    # -- the run ---------------------------------------------------------------------
    def preflight(self) -> str:
        """Catch what would fail late (missing input, model files) before any work starts."""
        fingerprint = input_fingerprint(self.config, self.storage)
        steps = self.config.steps
        if "filter" in steps and "langid" not in steps:
            require_lang(self.storage.expand(self.config.input), self.config.reader, self.storage)
        files = {"tokenize.tokenizer": self.config.tokenize.tokenizer, "langid.model": self.config.langid.model}
        for key, path in files.items():
            if path is not None and self.storage.stat(path) is None:
                raise UserError(f"{key}: {path} does not exist; fix the path in the run config")
        if "decontaminate" in self.config.steps:
            eval_sets_fingerprint(self.config.decontaminate)
        return fingerprint

    def run(self) -> dict:
        started = time.time()
        fingerprint = self.preflight()
        steps = [s for s in STEPS if s in self.config.steps]
        state = RunState(list(self.config.input), fingerprint, tokenizer=self.config.tokenize.tokenizer)
        forced = False
        results: list[StepResult] = []
        for step in steps:
            if step == "tokenizer" and state.tokenizer is not None:
                continue
            if step == "decontaminate" and not self.config.decontaminate.eval_sets:
                self.echo("decontaminate: no decontaminate.eval_sets in the config; skipped")
                continue
            forced = forced or step == self.from_step
            section = self._section(step)
            fingerprint = _digest(state.fingerprint, step, section.model_dump(mode="json"), self._code_and_models(step, state))
            record = None if forced else self._committed(step, fingerprint)
            if record is not None and not self._output_intact(step, record):
                self.echo(f"{step}: committed output is missing or changed since its commit; redoing it")
                record = None
            t0 = time.time()
            if record is not None:
                self.echo(f"{step}: committed output matches its config and inputs; skipped")
                summary = record["summary"]
            else:
                self._invalidate(steps[steps.index(step) :])
                self.echo(f"== {step}")
                summary = self._run_step(step, state)
            if step in DOCUMENT_STEPS:
                self._check_documents(step, summary, state)
                state.documents, state.kept = [join(self.out, step)], summary["counts"]["kept"]
            elif step == "tokenizer":
                state.tokenizer = summary["model"]
            elif step == "tokenize":
                self._check_tokenize(summary["manifest"], state)
            if record is None:
                self._commit(step, fingerprint, summary)
            state.fingerprint = fingerprint
            results.append(StepResult(step, time.time() - t0, record is not None, summary))
        report = build_report(self.config, results, time.time() - started)
        self.storage.write_bytes(join(self.out, REPORT), json.dumps(report, indent=2, ensure_ascii=False).encode())
        self.echo(format_report(report))
        return report

    def _code_and_models(self, step: str, state: RunState) -> dict:
        """What besides config and input decides a step's output: the installed
        pentaglot and the content (not the path) of the model files and eval
        sets it uses, so an upgrade or a replaced model never reuses stale
        committed outputs."""
        digests = {
            "langid": lambda: self._file_digest(model_path(self.config.langid.model)),
            "tokenize": lambda: self._file_digest(state.tokenizer),
            "decontaminate": lambda: eval_sets_fingerprint(self.config.decontaminate),
        }
        return {"pentaglot": PENTAGLOT_VERSION, "model": digests[step]() if step in digests else None}

    def _file_digest(self, uri: str) -> str:
        return hashlib.sha256(self.storage.read_bytes(uri)).hexdigest()

    def _run_step(self, step: str, state: RunState) -> dict:
        ensure_ray(self.num_cpus)  # only now: a run whose steps are all committed never starts Ray
        check_resources(self.config.resources, list(self.config.steps))  # a later step no node type fits: stop now
        if step in DOCUMENT_STEPS:
            return self._document_step(step, state)
        return getattr(self, f"_{step}_step")(state)


def build_report(config: RunConfig, results: list[StepResult], seconds: float) -> dict:
    """The run report: per step and language, documents in, kept, rejected by reason, quarantined; tokens; time."""
    steps = []
    for r in results:
        entry = {"step": r.name, "seconds": round(r.seconds, 2), "resumed": r.resumed}
        if r.name in DOCUMENT_STEPS:
            entry.update(counts=r.summary["counts"], rejected_by_reason=r.summary["rejected_by_reason"], by_language=r.summary["by_language"])
        elif r.name == "tokenize":
            totals = r.summary["manifest"]["totals"]
            entry.update(documents=totals["rows"], tokens=totals["tokens"], tokens_by_lang=totals["tokens_by_lang"], shards=totals["shards"])
        else:
            entry.update({k: v for k, v in r.summary.items() if k != "sample"})
        steps.append(entry)
    outputs = {"shards": join(config.output, "shards") if "tokenize" in config.steps else None, "stats": join(config.output, "stats") if "stats" in config.steps else None}
    warnings = [w for s in steps if "counts" in s for w in wholly_rejected(s)]
    return {"format_version": 1, "output": config.output, "seconds": round(seconds, 2), "steps": steps, "outputs": outputs, "warnings": warnings}


def wholly_rejected(step: dict) -> list[str]:
    """A warning per language the step saw in quantity and kept none of."""
    read = step["counts"]["read"]
    out = []
    for lang, row in step["by_language"].items():
        if lang != UNDETERMINED and row["kept"] == 0 and row["read"] >= max(WHOLLY_REJECTED_DOCS, WHOLLY_REJECTED_SHARE * read):
            reasons = ", ".join(f"{reason} {n:,}" for reason, n in sorted(row["rejected_by_reason"].items(), key=lambda kv: -kv[1]))
            hint = "; if it should be kept, add it to languages" if step["step"] == "langid" else ""
            out.append(f"{step['step']} rejected all {row['read']:,} {lang} documents ({row['read'] / read:.0%} of its input: {reasons}){hint}")
    return out


def format_report(report: dict) -> str:
    lines = ["", "run report", f"{'step':<10} {'read':>9} {'kept':>9} {'rejected':>9} {'quarant.':>9} {'seconds':>8}  note"]
    for s in report["steps"]:
        note = "resumed" if s["resumed"] else ""
        if "counts" in s:
            c = s["counts"]
            lines.append(f"{s['step']:<10} {c['read']:>9,} {c['kept']:>9,} {c['rejected']:>9,} {c['quarantined']:>9,} {s['seconds']:>8.1f}  {note}")
            for reason, n in s["rejected_by_reason"].items():
                lines.append(f"{'':<10}   {reason}: {n:,}")
        elif "tokens" in s:
            lines.append(f"{s['step']:<10} {s['documents']:>9,} {'':>9} {'':>9} {'':>9} {s['seconds']:>8.1f}  {s['tokens']:,} tokens in {s['shards']} shards {note}")
        else:
            lines.append(f"{s['step']:<10} {'':>9} {'':>9} {'':>9} {'':>9} {s['seconds']:>8.1f}  {note}")
    lines.append(f"total {report['seconds']:.1f}s")
    if report["outputs"]["shards"]:
        lines.append(f"shards: {report['outputs']['shards']}")
    if report["outputs"]["stats"]:
        lines.append(f"stats report: {join(report['outputs']['stats'], 'corpus', 'report.html')}")
    lines.append(f"run report: {join(report['output'], REPORT)}")
    lines += [f"WARNING: {w}" for w in report["warnings"]]
    return "\n".join(lines)
