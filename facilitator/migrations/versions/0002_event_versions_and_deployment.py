"""Each event carries the version of its payload's shape (`v`, 1 for every event written before),
so that a later shape can be upcast when the log is folded; and `deployment` keeps facts every
worker must agree on (the fingerprint of the secret key, never the key).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event") as event:
        event.add_column(sa.Column("v", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "deployment",
        sa.Column("name", sa.String(length=64), primary_key=True),
        sa.Column("value", sa.String(length=128), nullable=False),
    )
