"""Handing token shards to trainers that read other formats.

``megatron_index`` (the ``.idx`` format), ``shard_parts`` (one shard's share
of an export), ``assemble`` (parts to one dataset) and ``job`` (the Ray work
and the ``export.json`` commit point).  Hugging Face ``datasets`` needs no
export: it loads the shards themselves (``pentaglot_reader.hf``).
"""
