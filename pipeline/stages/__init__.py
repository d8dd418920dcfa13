"""Stages as Ray Data operators: each takes a document Dataset and returns it annotated."""
