"""Alembic's environment: migrations run on the connection `facilitator.db.migrate` hands over
(in its transaction, under its lock), or on DATABASE_URL when run by the `alembic` command."""

from alembic import context
from sqlmodel import SQLModel

from facilitator import db

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    from facilitator.config import Settings

    engine = db.engine_for(Settings().database_url)
    connection = engine.connect()
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
