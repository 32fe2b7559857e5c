"""The publication rule of METHODOLOGY.md §2: small or imprecise estimates are not published."""
MIN_VALID = 30
MAX_CI_WIDTH = 20.0


def enough_data(estimate):
    """True when an ``IndexEstimate`` may be shown as a number in public views.

    An estimate with fewer than 30 valid answers or a confidence interval wider than 20
    points is shown as "not enough data" in public and flagged in staff views.
    """
    if estimate.estimate is None or estimate.ci_low is None:
        return False
    return estimate.n_valid >= MIN_VALID and (estimate.ci_high - estimate.ci_low) <= MAX_CI_WIDTH
