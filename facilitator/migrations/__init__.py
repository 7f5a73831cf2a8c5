"""The database schema's history, as Alembic migrations (see DEVELOPERS.md, "Migrations")."""
