"""The survey form, built at runtime from an instrument (fields named by item code)."""
import uuid
from functools import lru_cache

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField

from instruments.answers import DECLINED, NOT_APPLICABLE, clean_answers, without_control_characters
from instruments.schema import PROFILE_FIELDS, PROFILE_QUESTIONS, SATISFACTION_LABELS
from survey_app.choices import choice_list
from survey_app.public import form_token
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
    """The citizen form. Its anti-forgery token is ``form_token``'s, not the session's."""

    class Meta:
        csrf = False  # cookies may be blocked: see survey_app.public.form_token

    csrf_token = HiddenField()
    client_uuid = HiddenField()
    instrument = None
    point_id = None

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        client_uuid = parse_uuid(self.client_uuid.data)
        if client_uuid is None:
            self.client_uuid.errors = [problem_message("uuid", {})]
            ok = False
        self.token_failed = not form_token.is_valid(self.csrf_token.data, client_uuid,
                                                     self.point_id)
        self.cleaned = clean_answers(self.instrument, self.raw_answers())
        for name, (problem, params) in self.cleaned.errors.items():
            field = getattr(self, name, None)
            if field is not None:
                field.errors = [*field.errors, problem_message(problem, params)]
        return ok and not self.token_failed and not self.cleaned.errors

    def raw_answers(self):
        names = [i.code for i in self.instrument.items] + list(self.instrument.profile)
        return {name: getattr(self, name).data for name in names}

    @property
    def csrf_failed(self):
        return getattr(self, "token_failed", False)

    def fresh_token(self):
        """A token for this form's UUID, to render (a stale one is replaced, answers kept);
        a form shown again keeps the time it was first shown."""
        return form_token.issue(self.client_uuid.data, self.point_id, self.rendered_at)

    @property
    def rendered_at(self):
        """When this form was first shown, from the posted token (None on a first GET)."""
        return form_token.rendered_at(self.csrf_token.data, self.client_uuid.data,
                                      self.point_id)

    def problems(self):
        """``(field, first message)`` of every question with an error, in form order."""
        names = [i.code for i in self.instrument.items] + list(self.instrument.profile)
        return [(self[name], self[name].errors[0]) for name in names if self[name].errors]

    @property
    def profile_touched(self):
        """Whether the collapsed "about you" part holds an answer or an error."""
        return any(self[name].data or self[name].errors for name in self.instrument.profile)


def make_survey_form(instrument, lang, point_id, client_uuid=None, **kwargs):
    """A ``SurveyForm`` for ``instrument`` at a service point, labels in ``lang``.

    On a post the client UUID comes from the form; otherwise ``client_uuid`` (the form's
    own, derived from its URL) or a new one.
    """
    form = survey_form_class(instrument, lang)(**kwargs)
    form.point_id = point_id
    if not form.client_uuid.data:
        form.client_uuid.data = str(client_uuid or uuid.uuid4())
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
