"""The target table of a unit: official result, internal estimate, target, gap, P(met)."""
from dataclasses import dataclass

from analysis.targets import probability_met
from survey_app.services.periods import last_twelve_months
from survey_app.services.results import instruments_in_scope, unit_results

# Official node -> (instrument, node code, scale): the internal estimate of that node is
# scale x index. SIPAS nodes are percentages; PAR INDEX 8.1 turns SIPAS into points.
SIPAS_2023 = {code: ("sipas-2023", code, 1.0)
              for code in ("total", "I", "II", "1", "2", "3", "4", "5", "6", "7", "8", "9")}
COUNTER = {"II": ("sipas-counter", "total", 1.0),
           **{code: ("sipas-counter", code, 1.0) for code in ("5", "6", "7", "8", "9")}}
PAR_POINTS = {"8.1": ("sipas-2023", "total", 0.1),
              **{f"8.1.{i}": ("sipas-counter", str(4 + i), m / 100)
                 for i, m in zip(range(1, 6), (1.5, 1.5, 2.5, 2.5, 2.0), strict=True)}}


@dataclass(frozen=True)
class TargetRow:
    row: object             # OfficialResult
    estimate: float | None  # internal, on the row's scale
    ci_low: float | None
    ci_high: float | None
    source: str | None      # instrument/node the estimate comes from
    gap: float | None       # target - estimate
    probability: float | None


def mapping_for(index, available):
    if index == "SIPAS":
        return SIPAS_2023 if "sipas-2023" in available else COUNTER
    if index == "PAR_INDEX":
        return PAR_POINTS
    return {}


def target_table(unit, rows):
    """Rows of one official table with the unit's internal estimates (last 12 months)."""
    if not rows:
        return []
    available = set(instruments_in_scope(unit))
    mapping = mapping_for(rows[0].index, available)
    period = last_twelve_months()
    results = {}
    table = []
    for row in rows:
        estimate = low = high = gap = probability = source = None
        instrument, node, scale = mapping.get(row.code, (None, None, None))
        if instrument in available:
            if instrument not in results:
                results[instrument] = unit_results(unit, instrument, period).overall
            overall = results[instrument]
            found = overall.get(node) if overall else None
            if found is not None and found.estimate is not None:
                estimate, low, high = (scale * found.estimate, scale * found.ci_low,
                                       scale * found.ci_high)
                source = f"{instrument}:{node}"
                if row.target_next_year is not None:
                    gap = row.target_next_year - estimate
                    probability = probability_met(estimate, scale * found.se,
                                                  row.target_next_year)
        table.append(TargetRow(row, estimate, low, high, source, gap, probability))
    return table
