"""Token shards: the on-disk contract between pentaglot and a training job.

``format`` (schema, metadata, dtype), ``manifest`` (the commit point),
``config`` (the tokenize section), ``encode`` (text to token tables),
``writer`` (buckets to shard files) and ``sink`` (the Ray datasink around it),
``verify``, ``packing`` (fixed-length training rows with document boundaries)
and ``permutation`` (the O(1)-memory shuffle the reader's epoch order uses).
Everything but ``sink`` works without Ray.
"""
