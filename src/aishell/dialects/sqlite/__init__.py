"""SQLite dialect."""
