"""stats rollup: a covering index for the page's reads, months summed over channel and risk, referrals by creation

Every built month is marked stale, so the next `stats-refresh` rebuilds it with its new "a" rows
(grain "a": the month summed over every channel and risk); until then those months are read live,
as any stale month is.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 15:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_stats_rollup_read",
        "stats_rollup",
        ["dim", "grain", "agency", "period"],
        postgresql_include=["country", "channel", "risk", "value", "n", "k"],
    )
    op.execute("INSERT INTO stats_stale (month) SELECT month FROM stats_rollup_month")
    # Time to acknowledge reads a period's referrals (each month's build, every page's live part):
    # without it, each read scanned every referral.
    op.create_index(op.f("ix_referral_created_at"), "referral", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_referral_created_at"), table_name="referral")
    op.execute("DELETE FROM stats_rollup WHERE grain = 'a'")
    op.drop_index("ix_stats_rollup_read", table_name="stats_rollup")
