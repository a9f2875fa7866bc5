"""Statistics on per-unit sufficient statistics (n, sum, sum of squares): pure, in-memory, vectorised."""

from servicechain.stats.agreement import IccResult, icc_oneway, rwg, rwg_j
from servicechain.stats.funnel import ALARM_Z, ALERT_Z, funnel_flags, funnel_limits
from servicechain.stats.ranking import percentile_rank
from servicechain.stats.reliability import cronbach_alpha
from servicechain.stats.shrinkage import (
    RandomEffects,
    Shrinkage,
    dersimonian_laird,
    empirical_bayes,
    pooled_within_variance,
    shrink,
)
from servicechain.stats.summary import (
    describe,
    engagement_ratio,
    net_promoter,
    ratio_interval,
    wilson_interval,
)

__all__ = [
    "ALARM_Z",
    "ALERT_Z",
    "IccResult",
    "RandomEffects",
    "Shrinkage",
    "cronbach_alpha",
    "dersimonian_laird",
    "describe",
    "empirical_bayes",
    "engagement_ratio",
    "funnel_flags",
    "funnel_limits",
    "icc_oneway",
    "net_promoter",
    "percentile_rank",
    "pooled_within_variance",
    "ratio_interval",
    "rwg",
    "rwg_j",
    "shrink",
    "wilson_interval",
]
