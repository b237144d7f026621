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


def set_language(user: User, language: str) -> User:
    """Keep the user's choice of language; it follows them to every device."""
    user.language = check_language(language)
    db.session.commit()
    return user
