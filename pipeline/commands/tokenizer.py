"""``pentaglot tokenizer train`` and ``pentaglot tokenizer eval``.

Both take ``--input IN`` (repeatable) instead of the positional ``IN... OUT``
of document stages, because neither writes a document stage folder; every
other shared flag (``--config``, reader, storage, ``--num-cpus``) is the
stage commands' own option, reused from ``io_options``.
"""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.common import StageSettings, io_options
from pipeline.errors import UserError
from tokenizer_training.train import TokenizerConfig


def tokenizer_io(with_out: bool):
    """``io_options`` with ``--input``/``--out`` in place of its positional IN... OUT.

    ``eval`` writes no folder, so it also drops ``--overwrite``.
    """

    def decorate(fn):
        fn = io_options(fn)
        drop = {"inputs", "out"} | (set() if with_out else {"overwrite"})
        fn.__click_params__ = [p for p in fn.__click_params__ if p.name not in drop]
        if with_out:
            fn = click.option("--out", required=True, metavar="DIR", help="folder for the tokenizer (local or s3://)")(fn)
        return click.option(
            "--input", "inputs", multiple=True, required=True, metavar="IN",
            help="corpus: file, folder, glob or stage output (repeatable); normally a langid/dedup kept/ output",
        )(fn)

    return decorate


def _shares(values: tuple[str, ...]) -> dict[str, float] | None:
    """``--share ko=0.3 --share en=0.2`` as a dict; None when no share is given."""
    if not values:
        return None
    shares = {}
    for value in values:
        lang, _, share = value.partition("=")
        try:
            if not lang.strip():
                raise ValueError(value)
            shares[lang.strip()] = float(share)
        except ValueError:
            raise UserError(f"--share {value!r}: expected LANG=SHARE, e.g. --share ko=0.3") from None
    return shares


@click.group("tokenizer")
def group():
    """Train a sentencepiece tokenizer for the language mix, or evaluate tokenizers per language."""


@group.command("train")
@click.option("--vocab-size", type=int, help="vocabulary size (default 64000)")
@click.option("--model-type", type=click.Choice(["unigram", "bpe"]), help="sentencepiece algorithm (default bpe)")
@click.option("--alpha", type=float, help="temperature: language share ∝ chars**alpha (default 0.5)")
@click.option("--share", "shares", multiple=True, metavar="LANG=SHARE", help="explicit share instead of alpha (repeatable)")
@click.option("--char-budget", type=int, help="characters to sample in all (default 200M)")
@click.option("--max-memory-gb", type=float, help="refuse to train above this estimated peak (default 16)")
@click.option("--special-token", "special_tokens", multiple=True, help="user-defined symbol, e.g. <|im_start|> (repeatable; replaces the defaults)")
@click.option("--seed", type=int, help="sampling seed (default 0)")
@click.option("--normalization", type=click.Choice(["identity", "nfkc", "nmt_nfkc", "nfkc_cf", "nmt_nfkc_cf"]), help="sentencepiece normalization (default identity)")
@click.option("--byte-fallback/--no-byte-fallback", default=None, help="unknown characters as UTF-8 bytes (default on)")
@tokenizer_io(with_out=True)
def train_command(vocab_size, model_type, alpha, shares, char_budget, max_memory_gb, special_tokens, seed,
                  normalization, byte_fallback, **opts):
    """Sample the corpus per language (Ray, streaming), then train sentencepiece into --out."""
    flags = {
        "vocab_size": vocab_size, "model_type": model_type, "alpha": alpha, "shares": _shares(shares),
        "char_budget": char_budget, "max_memory_gb": max_memory_gb,
        "special_tokens": list(special_tokens) or None, "seed": seed, "normalization": normalization,
        "byte_fallback": byte_fallback,
    }
    settings = StageSettings(opts, "tokenizer", TokenizerConfig, flags)
    settings.check("tokenizer")
    from pipeline.stages.tokenizer_train import train_from_corpus  # Ray: imported once the paths are known to be right

    result = train_from_corpus(
        settings.inputs, settings.out, settings.stage, reader=settings.reader, storage=settings.storage,
        overwrite=settings.overwrite, num_cpus=settings.num_cpus, progress=click.echo,
    )
    click.echo(f"tokenizer: {result['out']}  (vocab {settings.stage.vocab_size:,}, {result['train_seconds']:.1f}s)")


@group.command("eval")
@click.option("--model", "model", required=True, type=click.Path(exists=True, dir_okay=False), help="sentencepiece .model to evaluate")
@click.option("--compare", multiple=True, type=click.Path(exists=True, dir_okay=False), help="another .model to compare (repeatable)")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="write the report as JSON here")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False), help="write a PNG chart here (default: beside --json)")
@tokenizer_io(with_out=False)
def eval_command(model, compare, json_path, chart_path, **opts):
    """Per language: chars/token, bytes/token, tokens/word, byte-fallback and unk rates, parity vs English.

    Parity needs parallel text: rows with ``parallel_set`` and ``parallel_id``
    columns, where rows sharing an id within a set are translations.
    """
    from pipeline.runtime import ensure_ray
    from pipeline.stage_io import read_documents
    from pipeline.stages.tokenizer_eval import count_tokens
    from pipeline.storage import Storage
    from tokenizer_training.evaluate import format_table, summarize, tokenizer_names, write_chart, write_json

    settings = StageSettings(dict(opts, out=None, overwrite=False), None, None, {})
    ensure_ray(settings.num_cpus)
    models = [model, *compare]
    ds = read_documents(settings.inputs, settings.reader, Storage(settings.storage))
    sums = count_tokens(ds, [Path(m).read_bytes() for m in models], tokenizer_names(models))
    if not sums.num_rows:
        raise UserError(f"{', '.join(settings.inputs)}: no documents to evaluate on")
    report = summarize(sums)
    report["models"] = dict(zip(tokenizer_names(models), models))
    click.echo(format_table(report))
    if json_path:
        write_json(report, json_path)
        click.echo(f"json: {json_path}")
    chart_path = chart_path or (str(Path(json_path).with_suffix(".png")) if json_path else None)
    if chart_path:
        write_chart(report, chart_path)
        click.echo(f"chart: {chart_path}")


command = group
