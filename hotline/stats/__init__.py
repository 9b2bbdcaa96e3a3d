"""Statistics: the figures (funnel, time to acknowledge, people, incidents), the indicators the region
reports on, the rollups that make every period fast, and what a reader may see of each cell."""

from hotline.stats.figures import *  # noqa: F403
from hotline.stats.figures import (  # noqa: F401
    _bucket,
    _dialect,
    _ticket_filters,
)
