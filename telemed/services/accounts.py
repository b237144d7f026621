"""A user's own settings."""
from flask_babel import gettext as _

from telemed.extensions import db
from telemed.i18n import LANGUAGES
from telemed.models import User
from telemed.services.errors import BadRequest


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise BadRequest(_("Unknown language %(language)s; choose one of %(known)s.",
                           language=repr(language), known=", ".join(LANGUAGES)), code="unknown_language")
    return language


def set_on_duty(user: User, on_duty) -> User:
    """A cardiologist goes on or off duty (critical-case and SLA alerts go to those on duty)."""
    from telemed.models import Role
    from telemed.services.access import require_role

    require_role(user, Role.CARDIOLOGIST, action=_("go on duty"))
    if not isinstance(on_duty, bool):
        raise BadRequest(_("on_duty must be true or false."), code="invalid_on_duty")
    user.on_duty = on_duty
    db.session.commit()
    return user


def set_language(user: User, language: str) -> User:
    """Keep the user's choice of language; it follows them to every device."""
    user.language = check_language(language)
    db.session.commit()
    return user
