"""WTForms choices from (value, label) pairs (WTForms 3.3 ``SelectChoice``)."""
from wtforms.fields.choices import SelectChoice


def choice_list(pairs):
    return [SelectChoice(str(value), label) for value, label in pairs]
