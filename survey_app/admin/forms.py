"""Staff forms (Flask-WTF: CSRF on every one)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

import instruments
from survey_app.choices import choice_list
from survey_app.labels import choices, reader_lang

CODE = Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Use letters, digits, '.', '_' or '-' only."))


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40), CODE])
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choice_list(choices("unit_kind")))
    parent_id = SelectField(_l("Parent unit"), coerce=int)


class ServicePointForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40), CODE])
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    sector = SelectField(_l("Sector"), choices=choice_list(choices("sector")))
    instrument_code = SelectField(_l("Questionnaire"))
    unit_id = SelectField(_l("Unit"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument_code.choices = choice_list(
            (code, inst.title[reader_lang()]) for code, inst in sorted(instruments.bundled().items()))


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with its CSRF token."""


class ApiKeyForm(FlaskForm):
    label = StringField(_l("Label"), validators=[Optional(), Length(max=200)])
