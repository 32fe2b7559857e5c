"""Analysis results as JSON-ready dicts and flat rows (CSV/XLSX)."""
import math

ROW_FIELDS = ("code", "level", "name", "estimate", "se", "ci_low", "ci_high", "n", "n_valid",
              "n_eff", "deff", "mean_score", "mean_score_se", "score_100", "points",
              "max_points", "reason", "items")


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_json(analysis, by=(), instrument=None, design_info=None):
    """A plain dict (no NaN anywhere) describing every domain and estimate."""
    return {
        "instrument": instrument,
        "design": {**(design_info or {}), "df": analysis.design.df,
                   "lonely_psu": analysis.design.lonely.value},
        "ci": {"method": analysis.ci.value, "level": analysis.level},
        "by": list(by),
        "domains": [{
            "key": dict(zip(by, domain.key, strict=True)),
            "n": domain.n,
            "estimates": [{k: _clean(v) for k, v in e.to_dict().items()}
                          for e in domain.estimates],
        } for domain in analysis.domains],
    }


def to_rows(analysis, by=()):
    """One flat row per domain and estimate; ``items`` as 'code:coefficient;…'."""
    header = [*by, *ROW_FIELDS]
    rows = []
    for domain in analysis.domains:
        for estimate in domain.estimates:
            data = estimate.to_dict()
            data["items"] = ";".join(f"{i['code']}:{i['coefficient']:.6g}" for i in data["items"])
            rows.append([*domain.key, *(_clean(data[f]) for f in ROW_FIELDS)])
    return header, rows
