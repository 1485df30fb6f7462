"""Regeneration pipeline: patch the vendored spec, check it, generate, format, stamp."""
