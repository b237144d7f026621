"""Checks for socket handlers, where Flask-Login's login_required does not apply."""
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
            return {"error": "Your session has ended; please log in again."}
        try:
            case_id = int((data or {}).get("case_id"))
        except (TypeError, ValueError, AttributeError):
            return {"error": "case_id is missing or not a number."}
        case = db.session.get(Case, case_id)
        if case is None or not can_see(current_user, case):
            return {"error": "No such case, or it belongs to another clinic or consortium."}
        return handler(self, case, *args, **kwargs)
    return wrapper
