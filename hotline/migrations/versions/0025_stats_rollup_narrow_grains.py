"""stats rollup: each grain keeps only the columns its readers filter by

The day rows lose channel, risk and agency (a page by channel, risk or agency reads a partial
month's days live), the month rows by channel and risk lose agency (the per-agency rows are only
summed over channel and risk), and time to acknowledge keeps month histograms only. The rows already
built read correctly under the new rules but are up to five times as many: every built month is
marked stale, so the next `stats-refresh` rebuilds it narrow; until then those months are read live,
as any stale month is.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 18:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("INSERT INTO stats_stale (month) SELECT month FROM stats_rollup_month")


def downgrade() -> None:
    # The narrow rows lack what the wider reader asked of them: rebuild every month.
    op.execute("INSERT INTO stats_stale (month) SELECT month FROM stats_rollup_month")
