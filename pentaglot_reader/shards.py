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


_WINDOW_BITS = 30
_WINDOW = 1 << _WINDOW_BITS


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
        self._dtype = np.dtype(self.tokenizer.dtype)
        # Binary views address a buffer with an int32 offset, so each shard's tokens are
        # offered as overlapping windows: one starting every 1 GiB, each 2 GiB long, so a
        # piece of up to 1 GiB lies whole in the window its start falls in.
        self._windows: list[pa.Buffer] = []
        base = []
        for values in self._values:
            base.append(len(self._windows))
            buffer = pa.py_buffer(values)
            self._windows += [buffer.slice(k, min(buffer.size - k, 2 * _WINDOW - 1)) for k in range(0, buffer.size, _WINDOW)]
        self._window_base = np.array(base, dtype=np.int64)
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

    def gather(self, docs, starts, stops) -> np.ndarray:
        """``doc[start:stop]`` for parallel arrays of documents and bounds, concatenated, in the shards' token dtype.

        One Arrow cast does the copying: each piece becomes a 16-byte binary
        *view* (length, buffer, offset) into the mapped shards, and casting
        the views to ``large_binary`` lays their bytes end to end in C++.
        A Python slice per piece cost ~2x as much and was most of a mixed
        epoch (benchmarks/reader_speed.py); Arrow's list ``take`` was 12x.
        The views' 4-byte prefixes, which only serve comparisons, are left
        zero: the array lives only as the cast's input.  Pieces of at most
        12 bytes are stored inline in their view, copied there one by one
        (short documents are rare; a few per thousand pieces).
        """
        docs = np.asarray(docs, dtype=np.int64)
        shard = self.doc_shard[docs]
        first = self.doc_start[docs] + starts
        size = self._dtype.itemsize
        nbytes = (np.asarray(stops) - starts) * size
        if len(nbytes) and nbytes.max() > _WINDOW:
            raise ValueError(f"gather: a piece of {int(nbytes.max()) // size:,} tokens; at most {_WINDOW // size:,} per piece")
        views = np.zeros((len(docs), 4), np.int32)  # length, prefix, buffer, offset
        views[:, 0] = nbytes
        out_of_line = np.flatnonzero(nbytes > 12)
        at = first[out_of_line] * size
        window = self._window_base[shard[out_of_line]] + (at >> _WINDOW_BITS)
        if len(self._windows) <= len(docs):  # naming every buffer costs less than finding the used ones
            buffers = self._windows
            views[out_of_line, 2] = window
        else:
            used, views[out_of_line, 2] = np.unique(window, return_inverse=True)
            buffers = [self._windows[w] for w in used.tolist()]
        views[out_of_line, 3] = at & (_WINDOW - 1)
        inline = views.view(np.uint8)
        short = np.flatnonzero(nbytes <= 12)
        for i, s, a, n in zip(short.tolist(), shard[short].tolist(), first[short].tolist(), (nbytes[short] // size).tolist()):
            inline[i, 4 : 4 + n * size] = self._values[s][a : a + n].view(np.uint8)
        data = pa.Array.from_buffers(pa.binary_view(), len(docs), [None, pa.py_buffer(views), *buffers]).cast(pa.large_binary())
        flat = data.buffers()[2]
        return np.frombuffer(flat, self._dtype, count=int(nbytes.sum()) // size) if flat is not None else np.zeros(0, self._dtype)

    def lang_of(self, docs) -> list[str]:
        codes = self.lang_codes[np.asarray(docs, dtype=np.int64)]
        return [self.lang_names[c] for c in codes.tolist()]
