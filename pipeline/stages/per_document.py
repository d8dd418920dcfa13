"""Per-match values gathered into one list per document (``contaminated_by``, ``pii_found``)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def per_document(n_docs: int, doc: np.ndarray, values: pa.Array) -> pa.ListArray:
    """A list column of ``n_docs`` rows: ``values[k]`` goes to row ``doc[k]`` (``doc``
    sorted); a row without values is null, not an empty list, so "has any" is ``is_valid``."""
    counts = np.bincount(doc, minlength=n_docs)
    offsets = np.zeros(n_docs + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values, mask=pa.array(counts == 0))
