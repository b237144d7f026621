"""Domain model: one module per aggregate."""
from telemed.models.user import Clinic, Consortium, Role, User
from telemed.models.case import Analysis, Case, CaseStatus, Priority, Recording, RecordingFile, Report
from telemed.models.annotation import Annotation, AnnotationReply
from telemed.models.audit import AuditEvent
from telemed.models.message import Message
from telemed.models.notification import Notification
from telemed.models.token import ApiToken

__all__ = [
    "Analysis", "Annotation", "AnnotationReply", "ApiToken", "AuditEvent", "Case", "CaseStatus", "Clinic", "Consortium", "Message", "Notification",
    "Priority", "Recording", "RecordingFile", "Report", "Role", "User",
]
