"""Flask-WTF forms of the admin area and the password page (CSRF token included)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from telemed.i18n import LANGUAGES
from telemed.models import Role
from telemed.vocabulary import role_label

NONE_CHOICE = SelectChoice(0, "—")


def role_choices():
    return [SelectChoice(r.value, role_label(r.value)) for r in Role]


class ConsortiumForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    timezone = StringField(_l("Time zone (IANA name, e.g. Asia/Shanghai)"), default="Asia/Shanghai",
                           validators=[DataRequired(), Length(max=64)])
    language = SelectField(_l("Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()], default="zh_CN")
    # Minutes from upload to signed report (telemed/services/sla.py gives the defaults' sources).
    sla_critical_min = IntegerField(_l("Target for critical cases (minutes)"), default=10,
                                    validators=[DataRequired(), NumberRange(min=1, max=7 * 24 * 60)])
    sla_urgent_min = IntegerField(_l("Target for urgent cases (minutes)"), default=60,
                                  validators=[DataRequired(), NumberRange(min=1, max=7 * 24 * 60)])
    sla_routine_min = IntegerField(_l("Target for routine cases (minutes)"), default=1440,
                                   validators=[DataRequired(), NumberRange(min=1, max=7 * 24 * 60)])


class ClinicForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    consortium_id = SelectField(_l("Consortium"), coerce=int)


class UserForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"))
    clinic_id = SelectField(_l("Clinic (township doctors)"), coerce=int, default=0)
    consortium_id = SelectField(_l("Consortium (cardiologists and coordinators)"), coerce=int, default=0)


class NewPassword:
    password = PasswordField(_l("New password (at least 10 characters)"), validators=[DataRequired()])
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class NewUserForm(UserForm, NewPassword):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])


class TokenForm(FlaskForm):
    name = StringField(_l("Name (e.g. the ECG cart's model and room)"), validators=[DataRequired(), Length(max=100)])


class ResetPasswordForm(FlaskForm, NewPassword):
    pass


class ChangePasswordForm(FlaskForm, NewPassword):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form: it changes nothing

    user = StringField(_l("User"), validators=[Optional()])
    case = StringField(_l("Case"), validators=[Optional()])
    action = StringField(_l("Action"), validators=[Optional()])
    since = StringField(_l("From (YYYY-MM-DD)"), validators=[Optional()])
    until = StringField(_l("To (YYYY-MM-DD)"), validators=[Optional()])
