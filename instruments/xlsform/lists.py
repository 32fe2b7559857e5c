"""The choices sheet: hailong's fixed lists (scale, yes/no, profile) and items' own lists."""
from collections import defaultdict

from instruments.schema import PROFILE_FIELDS
from instruments.xlsform import layout as L
from instruments.xlsform.cells import as_int, bilingual
from instruments.xlsform.layout import N_


class ChoiceLists:
    """The lists of the choices sheet, each checked once, when a question first uses it."""

    def __init__(self, sheet, collect):
        self.collect = collect
        self.sheet = sheet
        self.rows = defaultdict(list)
        self._checked = {}
        for row in sheet.rows if sheet else ():
            list_name = row.text(L.LIST_NAME)
            if not list_name:
                collect.at(row, L.LIST_NAME, N_("The list name is empty."))
            else:
                self.rows[list_name].append(row)

    def exists(self, name):
        return name in self.rows

    def fixed(self, name, expected):
        """Check a list whose wording hailong fixes: same choice names; labels, where given,
        the same words (a Kobo form must not ask something else than hailong's)."""
        if name in self._checked:
            return
        self._checked[name] = True
        wanted = {choice: label for choice, label in expected}
        seen = set()
        for row in self.rows[name]:
            choice = row.text(L.NAME)
            if choice not in wanted:
                self.collect.at(row, L.NAME, N_(
                    "List '%(list)s' is hailong's and has the choices %(choices)s only."),
                    list=name, choices=", ".join(wanted))
                continue
            seen.add(choice)
            for lang in ("vi", "en"):
                given = row.text(f"label::{lang}")
                if given and given != wanted[choice][lang]:
                    self.collect.at(row, f"label::{lang}", N_(
                        "The wording of hailong's list '%(list)s' is fixed: write "
                        "'%(expected)s' or leave the cell empty."),
                        list=name, expected=wanted[choice][lang])
        missing = [choice for choice in wanted if choice not in seen]
        if missing:
            first = self.rows[name][0]
            self.collect.at(first, L.LIST_NAME, N_(
                "List '%(list)s' lacks the choices %(choices)s."),
                list=name, choices=", ".join(missing))

    def profile(self, name):
        self.fixed(name, PROFILE_FIELDS[name])

    def options(self, name, survey_row):
        """``(options, not_applicable)`` of a ``choice`` item's list; the ``na`` choice
        stands for "Không áp dụng"."""
        if name in self._checked:
            return self._checked[name]
        options, values, not_applicable = [], set(), False
        for row in self.rows[name]:
            choice = row.value(L.NAME)
            if str(choice or "").strip() == L.NOT_APPLICABLE:
                not_applicable = True
                for lang in ("vi", "en"):
                    given = row.text(f"label::{lang}")
                    if given and given != L.NOT_APPLICABLE_LABEL[lang]:
                        self.collect.at(row, f"label::{lang}", N_(
                            "The choice 'na' means \"%(expected)s\"; write that or leave the "
                            "cell empty."), expected=L.NOT_APPLICABLE_LABEL[lang])
                continue
            value = as_int(choice)
            if value is None:
                self.collect.at(row, L.NAME, N_(
                    "Choice names must be whole numbers (hailong stores the answer as a "
                    "number) or 'na'; found '%(value)s'."), value=row.text(L.NAME))
                continue
            if value in values:
                self.collect.at(row, L.NAME, N_(
                    "Choice '%(value)s' appears twice in list '%(list)s'."),
                    value=value, list=name)
                continue
            values.add(value)
            options.append({"value": value, "label": bilingual(self.collect, row, "label")})
        if len(options) < 2:
            self.collect.at(survey_row, L.TYPE, N_(
                "List '%(list)s' needs at least two choices."), list=name)
        self._checked[name] = (options, not_applicable)
        return self._checked[name]

