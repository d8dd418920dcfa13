"""Token shards: the on-disk contract between pentaglot and a training job.

``format`` (schema, metadata, dtype), ``manifest`` (the commit point),
``config`` (the tokenize section), ``encode`` (text to token tables),
``runs`` (token rows grouped by id bucket between the two tokenize phases),
``writer`` (a bucket of token rows to shard files),
``verify``, ``packing`` (fixed-length training rows with document boundaries)
and ``permutation`` (the O(1)-memory shuffle the reader's epoch order uses).
None of it needs Ray; ``pipeline.stages.tokenize`` runs it in an actor pool.
"""
