"""Annotations: cardiologists mark spans of the ECG together; stale edits are refused, never merged silently."""
from flask_babel import gettext as _
import sqlalchemy as sa

from telemed.extensions import db
from telemed.models import Annotation, AnnotationReply, Case, Role, User
from telemed.models._time import utcnow
from telemed.models.case import OPEN_FOR_REVIEW
from telemed import domain_events
from telemed.services import audit
from telemed.services.access import can_see, get_visible_case, require_role
from telemed.vocabulary import status_label
from telemed.services.errors import (AnnotationNotFound, BadRequest, CaseNotFound, InvalidTransition, NotAssigned,
                                    NotAuthorized, StaleVersion)

OPEN_STATUSES = {s.value for s in OPEN_FOR_REVIEW}


def _checked_fields(case: Case, data: dict, *, partial: bool) -> dict:
    """Validate lead, span, label and text against the case's recording."""
    out = {}
    rec = case.recording
    if "lead" in data or not partial:
        lead = data.get("lead")
        if lead in ("", "all"):
            lead = None
        if lead is not None and lead not in rec.lead_names:
            raise BadRequest(_("This recording has no lead %(lead)s; its leads are %(leads)s.",
                               lead=repr(lead), leads=", ".join(rec.lead_names)))
        out["lead"] = lead
    for key in ("start_s", "end_s"):
        if key in data or not partial:
            try:
                out[key] = float(data.get(key))
            except (TypeError, ValueError):
                raise BadRequest(_("%(field)s must be a time in seconds.", field=key)) from None
    if "label" in data or not partial:
        label = (data.get("label") or "").strip()
        if not label or len(label) > 100:
            raise BadRequest(_("An annotation needs a label of at most 100 characters."))
        out["label"] = label
    if "text" in data:
        text = data.get("text") or ""
        if not isinstance(text, str) or len(text) > 4000:
            raise BadRequest(_("Annotation text must be at most 4000 characters."))
        out["text"] = text
    return out


def _check_span(case: Case, start_s: float, end_s: float) -> None:
    if not (0 <= start_s <= end_s <= case.recording.duration_s + 1e-6):
        raise BadRequest(_("The span %(start).3f-%(end).3f s is outside the recording (0-%(duration).1f s) "
                           "or ends before it starts.", start=start_s, end=end_s, duration=case.recording.duration_s))


def _editable_case(case_id: int, user: User) -> Case:
    require_role(user, Role.CARDIOLOGIST, action=_("annotate ECGs"))
    case = get_visible_case(case_id, user)
    if case.status not in OPEN_STATUSES:
        raise InvalidTransition(_("Annotations are closed while the case is %(status)s.",
                                  status=status_label(case.status)))
    return case


def add_annotation(case_id: int, user: User, data: dict) -> Annotation:
    """Add an annotation to a case under review."""
    case = _editable_case(case_id, user)
    fields = _checked_fields(case, data, partial=False)
    _check_span(case, fields["start_s"], fields["end_s"])
    annotation = Annotation(case_id=case.id, author_id=user.id, **fields)
    db.session.add(annotation)
    db.session.flush()
    audit.record(user, "annotation_created", case.id, annotation_id=annotation.id)
    db.session.commit()
    domain_events.annotation_saved.send(annotation, event="annotation_created")
    return annotation


def _expected_version(data: dict) -> int:
    try:
        return int(data["version"])
    except (KeyError, TypeError, ValueError):
        raise BadRequest("Say which version of the annotation you changed (field 'version').") from None


def _load(annotation_id: int, user: User) -> tuple[Annotation, Case]:
    annotation = db.session.get(Annotation, annotation_id)
    # Visibility before anything else: another clinic's or consortium's annotation answers exactly
    # like one that does not exist (not 403 for a role, which would tell that it exists).
    if annotation is None or not can_see(user, db.session.get(Case, annotation.case_id)):
        raise AnnotationNotFound()
    try:
        case = _editable_case(annotation.case_id, user)
    except CaseNotFound:
        raise AnnotationNotFound() from None
    return annotation, case


def _stale(annotation_id: int) -> StaleVersion:
    db.session.rollback()
    current = db.session.get(Annotation, annotation_id)
    if current is None:
        return StaleVersion(_("A colleague deleted this annotation meanwhile."))
    return StaleVersion(_("%(author)s's annotation was changed meanwhile (now version %(version)s); your edit "
                          "was not saved. Here is the current version.",
                          author=current.author.full_name or current.author.username, version=current.version),
                        current=current.to_dict())


def _own(annotation: Annotation, user: User) -> None:
    if annotation.author_id != user.id:
        raise NotAuthorized(_("Only the author can change this annotation; reply to it or make your own."),
                            code="not_author")


def update_annotation(annotation_id: int, user: User, data: dict) -> Annotation:
    """Change one's own annotation if it was not changed since the version the caller saw."""
    annotation, case = _load(annotation_id, user)
    _own(annotation, user)
    version = _expected_version(data)
    fields = _checked_fields(case, data, partial=True)
    _check_span(case, fields.get("start_s", annotation.start_s), fields.get("end_s", annotation.end_s))
    updated = db.session.execute(
        sa.update(Annotation).where(Annotation.id == annotation.id, Annotation.version == version)
        .values(**fields, version=Annotation.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if updated != 1:
        raise _stale(annotation.id)
    audit.record(user, "annotation_updated", case.id, annotation_id=annotation.id, fields=sorted(fields))
    db.session.commit()
    db.session.refresh(annotation)
    domain_events.annotation_saved.send(annotation, event="annotation_updated")
    return annotation


def delete_annotation(annotation_id: int, user: User, data: dict) -> dict:
    """Delete one's own annotation if it was not changed since the version the caller saw."""
    annotation, case = _load(annotation_id, user)
    _own(annotation, user)
    version = _expected_version(data)
    snapshot = annotation.to_dict()
    for reply in list(annotation.replies):
        db.session.delete(reply)
    db.session.flush()
    deleted = db.session.execute(
        sa.delete(Annotation).where(Annotation.id == annotation.id, Annotation.version == version)
        .execution_options(synchronize_session=False)).rowcount
    if deleted != 1:
        raise _stale(annotation.id)
    audit.record(user, "annotation_deleted", case.id, annotation_id=snapshot["id"], label=snapshot["label"])
    db.session.commit()
    domain_events.annotation_deleted.send(snapshot)
    return snapshot


def reply(annotation_id: int, user: User, data: dict) -> Annotation:
    """A colleague answers an annotation (a thread on it)."""
    annotation, case = _load(annotation_id, user)
    text = data.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > 4000:
        raise BadRequest(_("A reply needs a text of at most 4000 characters."), code="invalid_reply")
    db.session.add(AnnotationReply(annotation_id=annotation.id, author_id=user.id, text=text.strip()))
    audit.record(user, "annotation_replied", case.id, annotation_id=annotation.id)
    db.session.commit()
    db.session.refresh(annotation)
    domain_events.annotation_saved.send(annotation, event="annotation_updated")
    return annotation


def set_hidden(annotation_id: int, user: User, data: dict) -> Annotation:
    """The assigned reader leaves an annotation out of the report, or puts it back (recorded)."""
    annotation, case = _load(annotation_id, user)
    if case.assigned_to_id != user.id:
        raise NotAssigned(_("Only the cardiologist reading this case decides what the report shows."))
    hidden = data.get("hidden")
    if not isinstance(hidden, bool):
        raise BadRequest(_("hidden must be true or false."), code="invalid_hidden")
    annotation.hidden_from_report, annotation.hidden_by_id = hidden, user.id if hidden else None
    audit.record(user, "annotation_hidden" if hidden else "annotation_shown", case.id, annotation_id=annotation.id)
    db.session.commit()
    db.session.refresh(annotation)
    domain_events.annotation_saved.send(annotation, event="annotation_updated")
    return annotation


def list_annotations(case: Case) -> list[Annotation]:
    return list(db.session.scalars(
        sa.select(Annotation).where(Annotation.case_id == case.id).order_by(Annotation.start_s, Annotation.id)))
