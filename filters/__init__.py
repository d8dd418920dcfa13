"""Per-document logic with no Ray inside: normalization, scripts, language ID, quality, shingles."""
