"""Token shards: the on-disk contract between pentaglot and a training job.

``format`` (schema and metadata), ``manifest`` (the commit point), ``encode``
(text to token tables), ``sink`` (the Ray datasink that writes them), ``verify``
and ``packing`` (fixed-length training rows with document boundaries).
"""
