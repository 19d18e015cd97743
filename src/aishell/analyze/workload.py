"""Workload analysis placeholder (filled in below)."""
