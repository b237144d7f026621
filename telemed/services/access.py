"""Who may see and do what. Every query for cases goes through `visible_cases`."""
from flask_babel import gettext as _
import sqlalchemy as sa

from telemed.extensions import db
from telemed.models import Case, Clinic, Role, User
from telemed.services.errors import CaseNotFound, NotAuthorized
from telemed.vocabulary import role_plural

REVIEWER_ROLES = {Role.CARDIOLOGIST.value, Role.COORDINATOR.value}


def visible_cases(user: User) -> sa.Select:
    """Cases of the user's clinic (township doctor) or consortium (cardiologist, coordinator).

    An administrator manages accounts, not patients, and sees no cases.
    """
    stmt = sa.select(Case)
    if user.role == Role.TOWNSHIP_DOCTOR.value:
        return stmt.where(Case.clinic_id == user.clinic_id)
    if user.role in REVIEWER_ROLES:
        return stmt.join(Clinic, Case.clinic_id == Clinic.id).where(Clinic.consortium_id == user.consortium_id)
    return stmt.where(sa.false())


def can_see(user: User, case: Case) -> bool:
    if user.role == Role.TOWNSHIP_DOCTOR.value:
        return case.clinic_id == user.clinic_id
    if user.role in REVIEWER_ROLES:
        return case.clinic.consortium_id == user.consortium_id
    return False


def get_visible_case(case_id: int, user: User, *, for_update: bool = False) -> Case:
    case = db.session.get(Case, case_id, with_for_update=for_update)
    if case is None or not can_see(user, case):
        raise CaseNotFound()
    return case


def require_role(user: User, *roles: Role, action: str) -> None:
    if user.role not in {r.value for r in roles}:
        names = _(" or ").join(role_plural(r.value) for r in roles)
        raise NotAuthorized(_("Only %(roles)s can %(action)s.", roles=names, action=action))
