"""Method choices, as enums."""
import enum


class CIMethod(enum.StrEnum):
    """How a confidence interval for a 0-100 index is formed.

    ``LOGIT``: logit(p) ± t·se/(p(1-p)), back-transformed (R ``svyciprop(method="logit")``);
    stays inside 0-100. ``WALD``: estimate ± t·se. ``BETA``: Korn-Graubard, Clopper-Pearson on
    the design's effective sample size with its degrees of freedom (R
    ``svyciprop(method="beta")``).
    """

    LOGIT = "logit"
    WALD = "wald"
    BETA = "beta"


class LonelyPSU(enum.StrEnum):
    """What a stratum with a single PSU contributes (R ``options(survey.lonely.psu=)``).

    ``ADJUST`` (default): its PSU total is centred at the overall mean (zero for the
    linearised values of a ratio). ``REMOVE``/``CERTAINTY``: nothing. ``AVERAGE``: the
    other strata's variance is scaled up by strata / strata-with-variance. ``FAIL``: error.
    """

    ADJUST = "adjust"
    AVERAGE = "average"
    REMOVE = "remove"
    CERTAINTY = "certainty"
    FAIL = "fail"
