"""Export a trained unigram sentencepiece model to a Hugging Face ``tokenizer.json``.

Training stacks that load tokenizers through ``tokenizers``/``transformers``
want a ``tokenizer.json``.  The ``tokenizers`` package alone (optional extra
``pentaglot[hf]``; no transformers, no torch) can express both model types:
``Unigram`` runs the same Viterbi search over the same pieces and scores; for
BPE, sentencepiece merges the adjacent pair whose result has the best score,
so a merge list ordered by the merged piece's score (how transformers converts
Llama) replays the same merges.  With the same byte fallback, ids match
sentencepiece on text in all five languages (tested for both types),
including whitespace runs, tabs, emoji and chat tags.  Known
differences, at the edges:

* literal ``<s>``/``</s>`` in text: ``tokenizers`` maps them to the control
  ids, sentencepiece spells them out;
* models trained with ``add_dummy_prefix=True`` (not our default): a text that
  starts with spaces or with a user-defined symbol gets a different first
  token, because ``tokenizers`` prepends the dummy ``▁`` only where the text
  does not already start with one, and only to the first segment.
"""

from __future__ import annotations

from pathlib import Path

from sentencepiece import sentencepiece_model_pb2 as model_pb2

Piece = model_pb2.ModelProto.SentencePiece


def load_proto(model_path: str | Path) -> model_pb2.ModelProto:
    proto = model_pb2.ModelProto()
    proto.ParseFromString(Path(model_path).read_bytes())
    return proto


def bpe_merges(proto: model_pb2.ModelProto, ids: dict[str, int]) -> list[tuple[str, str]]:
    """Every split of a normal piece into two pieces, best merged piece first.

    sentencepiece BPE ranks by the merged piece's score, which falls with its
    id; splits of one piece go in id order of their parts.
    """
    merges = []
    for rank, p in enumerate(proto.pieces):
        if p.type != Piece.NORMAL:
            continue
        splits = [(p.piece[:i], p.piece[i:]) for i in range(1, len(p.piece))]
        splits = [(a, b) for a, b in splits if a in ids and b in ids]
        merges += [(rank, ids[a], ids[b], a, b) for a, b in splits]
    return [(a, b) for *_, a, b in sorted(merges)]


def to_hf_tokenizer(proto: model_pb2.ModelProto):
    """A ``tokenizers.Tokenizer`` equivalent to the sentencepiece model in ``proto``."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

    trainer, norm = proto.trainer_spec, proto.normalizer_spec
    if trainer.model_type == model_pb2.TrainerSpec.UNIGRAM:
        vocab = [(p.piece, p.score) for p in proto.pieces]
        model = models.Unigram(vocab, unk_id=trainer.unk_id, byte_fallback=trainer.byte_fallback)
    elif trainer.model_type == model_pb2.TrainerSpec.BPE:
        ids = {p.piece: i for i, p in enumerate(proto.pieces)}
        model = models.BPE(
            ids, bpe_merges(proto, ids), unk_token=proto.pieces[trainer.unk_id].piece,
            fuse_unk=True, byte_fallback=trainer.byte_fallback,
        )
    else:
        raise ValueError("only unigram and bpe sentencepiece models export to tokenizer.json")
    tokenizer = Tokenizer(model)
    steps = []
    if norm.precompiled_charsmap:
        steps.append(normalizers.Precompiled(norm.precompiled_charsmap))
    if norm.remove_extra_whitespaces:
        steps += [normalizers.Strip(), normalizers.Replace(Regex(" {2,}"), " ")]
    if steps:
        tokenizer.normalizer = normalizers.Sequence(steps)
    prepend = "first" if norm.add_dummy_prefix else "never"
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme=prepend, split=False)
    tokenizer.decoder = decoders.Sequence(
        [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()]
        + ([decoders.Strip(content=" ", left=1, right=0)] if norm.add_dummy_prefix else [])
    )
    control = [p.piece for p in proto.pieces if p.type in (Piece.CONTROL, Piece.UNKNOWN)]
    user = [p.piece for p in proto.pieces if p.type == Piece.USER_DEFINED]
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in control])
    tokenizer.add_tokens([AddedToken(t, special=False, normalized=False) for t in user])
    return tokenizer


def export_tokenizer_json(model_path: str | Path, out_path: str | Path) -> Path:
    """Write ``tokenizer.json`` for the model; raises ImportError without the ``tokenizers`` package."""
    tokenizer = to_hf_tokenizer(load_proto(model_path))
    tokenizer.save(str(out_path))
    return Path(out_path)
