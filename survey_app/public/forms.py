"""The survey form, built at runtime from an instrument (fields named by item code)."""
import uuid
from functools import lru_cache

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField

from instruments.answers import DECLINED, NOT_APPLICABLE, clean_answers, without_control_characters
from instruments.schema import PROFILE_FIELDS, PROFILE_QUESTIONS, SATISFACTION_LABELS
from survey_app.choices import choice_list
from survey_app.services.submit import parse_uuid


def problem_message(problem, params):
    """Word a validation problem (from ``instruments.answers``) in the current language."""
    messages = {
        "required": _("Please choose an answer."),
        "choice": _("This answer is not one of the choices."),
        "not_applicable": _("\"Not applicable\" cannot be chosen for this question."),
        "too_long": _("Please shorten your comment to %(n)d characters.", n=params.get("n", 0)),
        "unknown": _("This question is not part of the form."),
        "uuid": _("The form is damaged; please reload the page and answer again."),
    }
    return messages[problem]


def item_choices(item, lang):
    if item.type == "likert5":
        choices = [(str(v), label[lang]) for v, label in SATISFACTION_LABELS.items()]
    else:
        choices = [(str(o.value), o.label[lang]) for o in item.options]
    if item.not_applicable:
        choices.append((NOT_APPLICABLE, _("Not applicable")))
    if item.sensitive:
        choices.append((DECLINED, _("Prefer not to answer")))
    return choice_list(choices)


def clean_text(value):
    return without_control_characters(value) if isinstance(value, str) else value


class SurveyForm(FlaskForm):
    client_uuid = HiddenField()
    instrument = None

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if parse_uuid(self.client_uuid.data) is None:
            self.client_uuid.errors = [problem_message("uuid", {})]
            ok = False
        self.cleaned = clean_answers(self.instrument, self.raw_answers())
        for name, (problem, params) in self.cleaned.errors.items():
            field = getattr(self, name, None)
            if field is not None:
                field.errors = [*field.errors, problem_message(problem, params)]
        return ok and not self.cleaned.errors

    def raw_answers(self):
        names = [i.code for i in self.instrument.items] + list(self.instrument.profile)
        return {name: getattr(self, name).data for name in names}

    @property
    def csrf_failed(self):
        return bool(self.errors.get("csrf_token"))



def make_survey_form(instrument, lang, **kwargs):
    """A ``SurveyForm`` for ``instrument`` with labels in ``lang``, instantiated."""
    form = survey_form_class(instrument, lang)(**kwargs)
    if not form.client_uuid.data:
        form.client_uuid.data = str(uuid.uuid4())
    return form


@lru_cache(maxsize=256)
def survey_form_class(instrument, lang):
    """The form class of ``instrument`` in ``lang``, built once per process."""
    attrs = {"instrument": instrument}
    for item in instrument.items:
        label = item.label(lang)
        if item.type == "text":
            attrs[item.code] = TextAreaField(label, filters=[clean_text])
        else:
            attrs[item.code] = RadioField(label, choices=item_choices(item, lang),
                                          validate_choice=False)
    for name in instrument.profile:
        attrs[name] = RadioField(
            PROFILE_QUESTIONS[name][lang],
            choices=choice_list((code, label[lang]) for code, label in PROFILE_FIELDS[name]),
            validate_choice=False,
        )
    return type(f"Survey_{instrument.id}_{lang}", (SurveyForm,), attrs)
