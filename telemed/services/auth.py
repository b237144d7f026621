from flask_babel import gettext as _
import sqlalchemy as sa

from telemed.extensions import db
from telemed.models import User
from telemed.services.errors import DomainError


class BadCredentials(DomainError):
    status = 401
    code = "bad_credentials"


def authenticate(username, password) -> User:
    """The active user with these credentials, or BadCredentials (same message either way)."""
    if not isinstance(username, str) or not isinstance(password, str):
        raise BadCredentials(_("Please give a username and a password."))
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None or not user.active or not user.check_password(password):
        raise BadCredentials(_("Wrong username or password."))
    return user
