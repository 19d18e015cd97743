"""The analysis rules, a few related ones per module; each registers itself on import."""
