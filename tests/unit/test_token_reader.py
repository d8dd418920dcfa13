"""The shard reader: zero-copy access, exact split, resume, mixture, damage detection."""

import os

import numpy as np
import pyarrow as pa
import pytest
from shard_fixtures import documents, tokenizer_model, write_folder

from pentaglot_reader import manifest as mf
from pentaglot_reader.batches import TokenBatches
from pentaglot_reader.format import MANIFEST_NAME, TokenizerInfo
from pentaglot_reader.mixture import Mixture, MixtureError
from pentaglot_reader.shards import ShardError, TokenShards
from pipeline.shards.config import TokenizeConfig
from pipeline.shards.encode import Encoder
from pipeline.shards.writer import write_shards
from pipeline.storage import Storage

N_DOCS = 230


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("reader") / "shards")
    write_folder(out, documents(N_DOCS), TokenizeConfig(special_tokens="none"))
    return out


def _all_samples(folder, world_size, num_workers, key="samples", **kw):
    seen = []
    for rank in range(world_size):
        reader = TokenBatches(folder, rank=rank, world_size=world_size, **kw)
        for worker in range(num_workers):
            for batch in reader.iter_batches(worker, num_workers):
                seen.extend(batch[key].tolist())
    return seen


def test_documents_decode_to_their_text_and_are_views_of_the_mapped_file(folder):
    shards = TokenShards(folder, checks="full")
    encoder = Encoder(tokenizer_model(), TokenizeConfig(special_tokens="none"))
    decoded = sorted(encoder.sp.decode(shards.doc(i).tolist()) for i in range(shards.num_docs))
    assert decoded == sorted(documents(N_DOCS)["text"].to_pylist())
    doc = shards.doc(7)
    assert not doc.flags.owndata and not doc.flags.writeable  # a view into the read-only map
    assert shards.num_tokens == shards.manifest["totals"]["tokens"]


@pytest.mark.parametrize("world_size, num_workers", [(1, 1), (2, 3), (3, 2), (4, 1)])
def test_ranks_times_workers_see_every_document_exactly_once(folder, world_size, num_workers):
    docs = _all_samples(folder, world_size, num_workers, key="docs", batch_size=7, seed=5)
    assert sorted(docs) == list(range(N_DOCS))


@pytest.mark.parametrize("world_size, num_workers", [(1, 1), (3, 2)])
def test_packed_rows_are_each_produced_exactly_once(folder, world_size, num_workers):
    reader = TokenBatches(folder, batch_size=4, seq_len=16, seed=1)
    rows = _all_samples(folder, world_size, num_workers, batch_size=4, seq_len=16, seed=1)
    assert sorted(rows) == list(range(reader.num_samples()))
    # every token of the epoch is a target exactly once: rows overlap by one token
    assert reader.num_samples() == (reader.shards.num_tokens - 1) // 16


def test_packed_rows_hold_the_shuffled_stream_with_boundaries(folder):
    reader = TokenBatches(folder, batch_size=7, seq_len=16, seed=2, positions=True)
    batches = list(reader)
    tokens = np.concatenate([b["tokens"] for b in batches])
    order = reader.order.docs(0, np.arange(N_DOCS))
    stream = np.concatenate([reader.shards.doc(d) for d in order])
    assert tokens.dtype == np.int32 and tokens.shape == (reader.num_samples(), 17)
    assert np.array_equal(tokens[:, :-1].ravel(), stream[: tokens.shape[0] * 16])
    doc_starts = set(np.cumsum(reader.shards.lengths[order])[:-1].tolist())
    for b in batches:
        rows = b["samples"]
        stream_pos = rows[:, None] * 16 + np.arange(16)
        expected = np.isin(stream_pos, list(doc_starts))
        expected[:, 0] = True
        assert b["cu_seqlens"].tolist() == np.flatnonzero(expected.ravel()).tolist() + [len(rows) * 16]
        assert np.array_equal(b["positions"] == 0, expected)


def test_order_depends_on_seed_and_epoch_only(folder):
    first = _all_samples(folder, 1, 1, key="docs", batch_size=10, seed=3)
    assert first == _all_samples(folder, 1, 1, key="docs", batch_size=10, seed=3)
    assert first != _all_samples(folder, 1, 1, key="docs", batch_size=10, seed=4)
    reader = TokenBatches(folder, batch_size=10, seed=3)
    reader.set_epoch(1)
    assert first != [d for b in reader for d in b["docs"].tolist()]


@pytest.mark.parametrize("seq_len", [None, 12])
@pytest.mark.parametrize("new_world, new_workers, new_batch", [(2, 2, 5), (3, 1, 4), (1, 2, 9)])
def test_resume_mid_epoch_yields_exactly_the_remaining_samples(folder, seq_len, new_world, new_workers, new_batch):
    kw = dict(seq_len=seq_len, seed=11)
    readers = [TokenBatches(folder, batch_size=5, rank=r, world_size=2, **kw) for r in range(2)]
    seen, consumed = [], None
    for reader in readers:  # 3 lockstep steps on 2 ranks, 1 worker each
        for batch in list(reader)[:3]:
            seen.extend(batch["samples"].tolist())
            consumed = batch["consumed"]
    state = readers[0].state_dict(consumed)
    assert state["consumed"] == 30
    rest = []
    for rank in range(new_world):
        reader = TokenBatches(folder, batch_size=new_batch, rank=rank, world_size=new_world, **kw)
        reader.load_state_dict(state)
        for worker in range(new_workers):
            rest.extend(b["samples"].tolist() for b in reader.iter_batches(worker, new_workers))
    rest = [s for batch in rest for s in batch]
    assert sorted(seen + rest) == list(range(readers[0].num_samples()))


def test_drop_last_gives_every_rank_the_same_number_of_full_batches(folder):
    counts = []
    for rank in range(3):
        batches = list(TokenBatches(folder, batch_size=8, rank=rank, world_size=3, drop_last=True))
        assert all(len(b["docs"]) == 8 for b in batches)
        counts.append(len(batches))
    assert len(set(counts)) == 1 and counts[0] * 3 * 8 > N_DOCS - 3 * 8


def test_state_from_another_order_is_refused(folder):
    state = TokenBatches(folder, batch_size=4, seed=1).state_dict()
    with pytest.raises(ValueError, match="seed is 1 in the checkpoint but 2 here"):
        TokenBatches(folder, batch_size=4, seed=2).load_state_dict(state)


def _epoch_docs(reader, epoch):
    reader.set_epoch(epoch)
    return np.concatenate([b["docs"] for b in reader])


def test_mixture_reaches_its_token_shares_repeating_and_subsampling(folder):
    mixture = Mixture(shares={"ko": 0.6, "en": 0.25, "zh": 0.15})
    reader = TokenBatches(folder, batch_size=50, seed=0, mixture=mixture)
    for epoch in (0, 1):
        docs = _epoch_docs(reader, epoch)
        langs = np.array(reader.shards.lang_of(docs))
        tokens = reader.shards.lengths[docs]
        assert set(langs) == {"ko", "en", "zh"}
        for lang, share in mixture.shares.items():
            assert abs(tokens[langs == lang].sum() / tokens.sum() - share) < 0.005
        ko_docs = np.flatnonzero(np.array(reader.shards.lang_of(np.arange(N_DOCS))) == "ko")
        per_doc = np.bincount(docs, minlength=N_DOCS)[ko_docs]
        assert per_doc.min() >= 2 and per_doc.max() - per_doc.min() <= 1  # whole passes, then a subset of one more
    reported = {a.lang: a for a in reader.order.achieved(1)}
    assert reported["ko"].tokens == tokens[langs == "ko"].sum() and reported["ko"].full_passes == 2


def test_mixture_is_a_function_of_the_seed(folder):
    mixture = Mixture(shares={"ko": 0.5, "es": 0.5})
    first = _epoch_docs(TokenBatches(folder, batch_size=9, seed=4, mixture=mixture), 0)
    assert np.array_equal(first, _epoch_docs(TokenBatches(folder, batch_size=9, seed=4, mixture=mixture), 0))
    assert not np.array_equal(np.sort(first), np.sort(_epoch_docs(TokenBatches(folder, batch_size=9, seed=5, mixture=mixture), 0)))


def test_infeasible_mixture_names_the_language_and_the_best_share(folder):
    with pytest.raises(MixtureError, match=r"ko at a share of 90.00% .* max_epochs allows 2; the best achievable share of ko is 4[0-9.]+%"):
        TokenBatches(folder, batch_size=4, mixture=Mixture(shares={"ko": 0.9, "en": 0.1}, max_epochs={"ko": 2}))
    with pytest.raises(MixtureError, match="fr at a share of 50.00% .*no tokens.* best achievable share of fr is 0.00%"):
        TokenBatches(folder, batch_size=4, mixture=Mixture(shares={"fr": 0.5, "en": 0.5}))


def test_state_after_a_full_pass_reports_the_whole_epoch_consumed(folder):
    reader = TokenBatches(folder, batch_size=16, seq_len=8, seed=3)
    assert reader.state_dict()["consumed"] == 0
    batches = list(reader)
    assert reader.state_dict()["consumed"] == reader.num_samples() == batches[-1]["consumed"]
    resumed = TokenBatches(folder, batch_size=16, seq_len=8, seed=3)
    resumed.load_state_dict(reader.state_dict())
    assert list(resumed) == []


def _damaged_copy(folder, tmp_path, damage):
    import shutil

    copy = str(tmp_path / "copy")
    shutil.copytree(folder, copy)
    name = mf.parse(open(os.path.join(copy, MANIFEST_NAME), "rb").read(), "m")["shards"][1]["path"]
    damage(os.path.join(copy, name))
    return copy, name


def test_reader_refuses_truncated_missing_and_corrupt_shards(folder, tmp_path):
    def truncate(path):
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) - 8)

    def flip(path):
        data = bytearray(open(path, "rb").read())
        data[len(data) // 2] ^= 0xFF
        open(path, "wb").write(bytes(data))

    for damage, expected, checks in [
        (truncate, "truncated", "quick"),
        (os.remove, "missing", "quick"),
        (flip, "sha256", "full"),
    ]:
        copy, name = _damaged_copy(folder, tmp_path / damage.__name__, damage)
        with pytest.raises(ShardError, match=f"{name}: {expected}"):
            TokenShards(copy, checks=checks)


@pytest.mark.parametrize("window_bits", [30, 6])  # 6: 64-byte windows, so pieces cross window starts
def test_gather_concatenates_the_pieces_long_short_and_empty(folder, monkeypatch, window_bits):
    from pentaglot_reader import shards as shards_module

    monkeypatch.setattr(shards_module, "_WINDOW_BITS", window_bits)
    monkeypatch.setattr(shards_module, "_WINDOW", 1 << window_bits)
    shards = TokenShards(folder)
    rng = np.random.default_rng(0)
    docs = rng.integers(0, shards.num_docs, 500)
    lengths = shards.lengths[docs]
    starts = rng.integers(0, lengths // 2 + 1)
    stops = np.minimum(lengths, starts + rng.integers(0, 40, len(docs)))  # empty, inline (<= 6 tokens) and longer
    if window_bits < 30:
        stops = np.minimum(stops, starts + (1 << window_bits) // 2)  # at most one window long
    expected = [shards.doc(int(d))[a:b] for d, a, b in zip(docs, starts, stops)]
    got = shards.gather(docs, starts, stops)
    assert got.dtype == np.uint16 and np.array_equal(got, np.concatenate(expected))
    assert ((stops - starts) <= 6).sum() > 50 and ((stops - starts) > 6).sum() > 50
    assert shards.gather(docs[:0], starts[:0], stops[:0]).size == 0


def test_uint32_shards_read_back_as_int32_batches(tmp_path):
    info = TokenizerInfo(sha256="c" * 64, vocab_size=100_000, bos_id=1, eos_id=2, pad_id=-1, unk_id=0)
    lists = [[70_000, 3, 99_999], [65_536], [4, 5]]
    table = pa.table({"id": ["a", "b", "c"], "lang": ["en"] * 3, "n_tokens": pa.array([3, 1, 2], pa.int32()),
                      "tokens": pa.array(lists, pa.large_list(pa.uint32()))})
    out = str(tmp_path / "wide")
    entries = write_shards(Storage(), out, 0, table, info, 1 << 20)
    Storage().write_bytes(os.path.join(out, MANIFEST_NAME), mf.dumps(mf.build_manifest(info, "m", {}, entries)))
    shards = TokenShards(out, checks="full")
    assert shards.doc(0).dtype == np.uint32 and shards.doc(0).tolist() == lists[0]
    [batch] = list(TokenBatches(out, batch_size=3))
    assert batch["tokens"].dtype == np.int32
    assert sorted(batch["tokens"].tolist()) == sorted(sum(lists, []))


def test_torch_loader_with_workers_covers_and_resumes(folder):
    torch = pytest.importorskip("torch")
    from pentaglot_reader.torch_dataset import TokenDataset

    ds = TokenDataset(folder, batch_size=6, seq_len=8, seed=9, rank=0, world_size=1)
    first = []
    for i, batch in enumerate(ds.loader(num_workers=2, pin_memory=False)):
        assert batch["tokens"].dtype == torch.int32 and batch["tokens"].shape[1] == 9
        first.extend(batch["samples"].tolist())
        if i == 4:
            break
    state = ds.state_dict()
    assert state["consumed"] == 30 and sorted(first) == list(range(30))
    resumed = TokenDataset(folder, batch_size=4, seq_len=8, seed=9, rank=0, world_size=1)
    resumed.load_state_dict(state)
    rest = [s for b in resumed.loader(num_workers=1, pin_memory=False) for s in b["samples"].tolist()]
    assert sorted(first + rest) == list(range(resumed.batches.num_samples()))


def test_torch_loader_pins_memory_only_with_cuda(folder, recwarn):
    torch = pytest.importorskip("torch")
    from pentaglot_reader.torch_dataset import TokenDataset

    ds = TokenDataset(folder, batch_size=16, seed=1, rank=0, world_size=1)
    batches = list(ds.loader(num_workers=0))
    assert sum(len(b["docs"]) for b in batches) == N_DOCS
    assert batches[0]["tokens"].is_pinned() == torch.cuda.is_available()
    assert not [w for w in recwarn if "pin_memory" in str(w.message)]
