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


# What each role may do: the one table the templates (`can` in Jinja), the case JSON (`can`, for
# the scripts) and the checks below read. Per-case conditions (status, holder) are added in
# `case_permissions`; the services enforce the same rules and answer 403/409 when asked anyway.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.TOWNSHIP_DOCTOR.value: frozenset({"upload", "cases", "message", "send_recording"}),
    Role.CARDIOLOGIST.value: frozenset({"review", "cases", "claim", "annotate", "sign", "amend", "message",
                                        "request_rerecord", "go_on_duty"}),
    Role.COORDINATOR.value: frozenset({"dashboard", "cases", "assign", "audit"}),
    Role.ADMIN.value: frozenset({"administer", "audit"}),
}


def can(user: User | None, action: str) -> bool:
    """May this user's role do `action` at all?"""
    return bool(user and getattr(user, "is_authenticated", False)) and action in ROLE_ACTIONS.get(user.role, ())


def case_permissions(user: User, case: Case) -> dict[str, bool]:
    """What the user may do with this case now (for the page's buttons; the services decide)."""
    from telemed.models import CaseStatus
    from telemed.models.case import OPEN_FOR_REVIEW, can_transition

    status = case.status
    holds = case.assigned_to_id == user.id
    open_for_review = status in {s.value for s in OPEN_FOR_REVIEW}
    return {
        "claim": can(user, "claim") and status == CaseStatus.AWAITING_REVIEW.value,
        "annotate": can(user, "annotate") and open_for_review,
        "sign": can(user, "sign") and status == CaseStatus.IN_REVIEW.value and holds,
        "amend": can(user, "amend") and status == CaseStatus.REPORTED.value,
        "hide_annotations": can(user, "annotate") and status == CaseStatus.IN_REVIEW.value and holds,
        "request_rerecord": can(user, "request_rerecord") and (
            status == CaseStatus.AWAITING_REVIEW.value or (status == CaseStatus.IN_REVIEW.value and holds)),
        "send_recording": can(user, "send_recording") and can_transition(status, CaseStatus.ANALYZING.value),
        "message": can(user, "message"),
        "assign": can(user, "assign") and status in {s.value for s in OPEN_FOR_REVIEW},
    }
