"""Gap to a target and the probability that a target is met."""
from scipy import stats


def probability_met(estimate, se, target):
    """P(true value >= target) for an estimate with a normal sampling error ``se``.

    With ``se`` 0 the answer is certain (1 or 0). This is the sampling uncertainty of the
    current estimate only; forecasts to the target date add their own (issue: forecasts).
    """
    if estimate is None or se is None or target is None:
        return None
    if se <= 0:
        return float(estimate >= target)
    return float(stats.norm.sf((target - estimate) / se))
