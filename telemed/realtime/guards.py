"""Checks for socket handlers, where Flask-Login's login_required does not apply."""
from flask_babel import gettext as _
import functools

from flask_login import current_user

from telemed.extensions import db
from telemed.services.access import can_see
from telemed.models import Case


def require_case_access(handler):
    """Resolve `data["case_id"]` to a case the user may see, or answer with an error ack."""
    @functools.wraps(handler)
    def wrapper(self, data=None, *args, **kwargs):
        if not current_user.is_authenticated:
            return {"error": _("Your session has ended; please log in again."), "code": "login_required"}
        try:
            case_id = int((data or {}).get("case_id"))
        except (TypeError, ValueError, AttributeError):
            return {"error": _("case_id is missing or not a number."), "code": "bad_request"}
        case = db.session.get(Case, case_id)
        if case is None or not can_see(current_user, case):
            return {"error": _("No such case, or it belongs to another clinic or consortium."), "code": "case_not_found"}
        return handler(self, case, *args, **kwargs)
    return wrapper
