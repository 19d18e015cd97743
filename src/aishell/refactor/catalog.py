"""The other refactors (filled in below)."""
