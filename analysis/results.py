"""Result types: frozen dataclasses, ready for JSON."""
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class IndexEstimate:
    """One index (item, factor, aspect, total…) in one domain, on the 0-100 scale.

    ``estimate`` and the interval are None when the domain has no valid answer for it;
    ``reason`` then says why. ``items`` lists the item codes pooled into the node with
    their coefficients (renormalised when an item has no valid answer in the domain).
    """

    code: str
    level: str
    name: str
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_valid: int
    n_eff: float
    deff: float | None
    items: tuple
    mean_score: float | None = None
    mean_score_se: float | None = None
    points: float | None = None
    max_points: float | None = None
    reason: str | None = None
    df: int | None = None      # the domain's degrees of freedom (PSUs - strata it occupies)

    @property
    def score_100(self):
        """The mean score (1-5) rescaled to 0-100: 25 x (mean - 1)."""
        return None if self.mean_score is None else 25.0 * (self.mean_score - 1.0)

    def to_dict(self):
        # a shallow copy: dataclasses.asdict deep-copies every field (1 s for 60 domains)
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["items"] = [{"code": c, "coefficient": a} for c, a in self.items]
        data["score_100"] = self.score_100
        return data


@dataclass(frozen=True)
class DomainResult:
    """Every index of the instrument for one domain (``key`` is () for the whole sample)."""

    key: tuple
    n: int
    estimates: tuple

    def get(self, code):
        for estimate in self.estimates:
            if estimate.code == code:
                return estimate
        raise KeyError(code)


@dataclass(frozen=True)
class Comparison:
    """A difference between two estimates (a - b) with its CI and p-value."""

    code: str
    a: tuple
    b: tuple
    difference: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None = None
