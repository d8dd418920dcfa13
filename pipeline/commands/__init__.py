"""One module per CLI command; ``pipeline.cli`` registers them."""
