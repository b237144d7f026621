from flask_babel import gettext as _
from flask import Response, render_template, request
from flask_login import current_user, login_required

from telemed.cases import bp
from telemed.models import Role
from telemed.models.case import OPEN_FOR_REVIEW

# "Open" in the queue filter means the lifecycle's OPEN_FOR_REVIEW, in its declared order.
OPEN_STATUS_PARAM = ",".join(s.value for s in sorted(OPEN_FOR_REVIEW, key=lambda s: list(type(s)).index(s)))
from telemed.services import referrals, report_document
from telemed.services.access import require_role


@bp.get("/")
@login_required
def index():
    """Township doctor: my clinic's cases. Cardiologist and coordinator: the consortium's live queue."""
    filters = {k: request.args.get(k, "") for k in ("status", "priority", "clinic_id", "assigned_to")}
    cases = referrals.list_cases(current_user, **{k: v or None for k, v in filters.items()})
    return render_template("cases/index.html", cases=cases, filters=filters, open_statuses=OPEN_STATUS_PARAM)


@bp.get("/new")
@login_required
def new():
    """The upload form."""
    require_role(current_user, Role.TOWNSHIP_DOCTOR, action=_("send ECGs for review"))
    return render_template("cases/new.html")


@bp.get("/<int:case_id>")
@login_required
def detail(case_id):
    """One case: the ECG viewer, findings, annotations, report (an audited view)."""
    case = referrals.view_case(case_id, current_user)
    return render_template("cases/detail.html", case=case)


@bp.get("/<int:case_id>/report")
@login_required
def report(case_id):
    """The signed report, printable, with the ECG on grid paper."""
    case = report_document.reported_case(case_id, current_user)
    return render_template("cases/report.html", case=case, facts=report_document.report_facts(case),
                           ecg_svg=report_document.ecg_svg(case))


@bp.get("/<int:case_id>/report.pdf")
@login_required
def report_pdf(case_id):
    """The signed report as a PDF for the township doctor to download and print."""
    case = report_document.reported_case(case_id, current_user, action="report_pdf_downloaded")
    return Response(report_document.report_pdf(case), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="ecg-report-{case.id}.pdf"'})
