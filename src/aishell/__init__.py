"""aishell: a command-line schema designer for relational databases, PostgreSQL first."""

__version__ = "0.1.0"
