"""MySQL 8 / MariaDB dialect (and helpers shared by the non-PostgreSQL generators)."""
