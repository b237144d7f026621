"""The admin area (administrators: consortia, clinics, users) and the audit viewer
(administrators, and coordinators for their own consortium). Administrators see no patient data."""
import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from telemed.admin import bp
from telemed.admin.forms import (NONE_CHOICE, AuditFilterForm, ClinicForm, ConsortiumForm, NewUserForm,
                                 ResetPasswordForm, TokenForm, UserForm, role_choices)
from telemed.extensions import db
from telemed.models import Clinic, Consortium, User
from telemed.services import accounts, audit, tokens
from telemed.services.errors import DomainError


def _admin():
    accounts.require_admin(current_user)


def _fill_choices(form) -> None:
    consortia = db.session.scalars(sa.select(Consortium).order_by(Consortium.name)).all()
    clinics = db.session.scalars(sa.select(Clinic).order_by(Clinic.consortium_id, Clinic.name)).all()
    names = {c.id: c.name for c in consortia}
    if hasattr(form, "role"):
        form.role.choices = role_choices()
        form.clinic_id.choices = [NONE_CHOICE] + [SelectChoice(c.id, f"{c.name} ({names.get(c.consortium_id, '')})")
                                                  for c in clinics]
    form.consortium_id.choices = (([NONE_CHOICE] if hasattr(form, "role") else [])
                                  + [SelectChoice(c.id, c.name) for c in consortia])


def _render_form(form, title: str, **extra):
    return render_template("admin/form.html", form=form, title=title, **extra)


@bp.get("/")
@login_required
def index():
    """Consortia, clinics and users (no patient data)."""
    _admin()
    return render_template(
        "admin/index.html",
        consortia=db.session.scalars(sa.select(Consortium).order_by(Consortium.name)).all(),
        clinics=db.session.scalars(sa.select(Clinic).order_by(Clinic.consortium_id, Clinic.name)).all(),
        users=db.session.scalars(sa.select(User).order_by(User.role, User.username)).all())


@bp.route("/consortia/new", methods=["GET", "POST"], defaults={"consortium_id": None})
@bp.route("/consortia/<int:consortium_id>", methods=["GET", "POST"])
@login_required
def consortium(consortium_id):
    """Create or edit a consortium (name, time zone, language)."""
    _admin()
    item = db.get_or_404(Consortium, consortium_id) if consortium_id else None
    form = ConsortiumForm(obj=item)
    if form.validate_on_submit():
        try:
            if item is None:
                item = accounts.create_consortium(current_user, name=form.name.data, timezone=form.timezone.data,
                                                  language=form.language.data)
                accounts.set_sla_targets(current_user, item, _sla_minutes(form))
            else:
                accounts.update_consortium(current_user, item, name=form.name.data, timezone=form.timezone.data,
                                           language=form.language.data)
                accounts.set_sla_targets(current_user, item, _sla_minutes(form))
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("Saved."))
            return redirect(url_for("admin.index"))
    return _render_form(form, _("Consortium") if item else _("New consortium"))


def _sla_minutes(form) -> dict:
    return {"critical": form.sla_critical_min.data, "urgent": form.sla_urgent_min.data,
            "routine": form.sla_routine_min.data}


@bp.route("/clinics/new", methods=["GET", "POST"], defaults={"clinic_id": None})
@bp.route("/clinics/<int:clinic_id>", methods=["GET", "POST"])
@login_required
def clinic(clinic_id):
    """Create or edit a township clinic."""
    _admin()
    item = db.get_or_404(Clinic, clinic_id) if clinic_id else None
    form = ClinicForm(obj=item)
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            accounts.save_clinic(current_user, item, name=form.name.data, consortium_id=form.consortium_id.data)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("Saved."))
            return redirect(url_for("admin.index"))
    return _render_form(form, _("Clinic") if item else _("New clinic"))


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    """Create a user; the password is typed by the administrator and never shown again."""
    _admin()
    form = NewUserForm()
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            accounts.create_user(current_user, username=form.username.data, password=form.password.data,
                                 role=form.role.data, clinic_id=form.clinic_id.data,
                                 consortium_id=form.consortium_id.data, full_name=form.full_name.data)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("User created."))
            return redirect(url_for("admin.index"))
    return _render_form(form, _("New user"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user(user_id):
    """Edit a user's role and membership; deactivate, reactivate, reset the password."""
    _admin()
    item = accounts.get_user(user_id)
    form = UserForm(obj=item, data=None if request.method == "POST" else {
        "clinic_id": item.clinic_id or 0, "consortium_id": item.consortium_id or 0})
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            accounts.update_user(current_user, item, role=form.role.data, clinic_id=form.clinic_id.data,
                                 consortium_id=form.consortium_id.data, full_name=form.full_name.data)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("Saved."))
            return redirect(url_for("admin.index"))
    return _render_form(form, _("User %(name)s", name=item.username), managed=item)


@bp.post("/users/<int:user_id>/active")
@login_required
def set_active(user_id):
    """Deactivate (their sessions end at once) or reactivate a user."""
    _admin()  # the CSRF token was checked before the view, as for every POST
    item = accounts.get_user(user_id)
    accounts.set_active(current_user, item, request.form.get("active") == "1")
    flash(_("Saved."))
    return redirect(url_for("admin.index"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@login_required
def reset_password(user_id):
    """Set a new password for a user (their sessions end)."""
    _admin()
    item = accounts.get_user(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(current_user, item, form.password.data)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("The password was changed; the user's sessions have ended."))
            return redirect(url_for("admin.index"))
    return _render_form(form, _("New password for %(name)s", name=item.username))


@bp.get("/audit")
@login_required
def audit_trail():
    """The audit viewer: administrators see all, coordinators their consortium."""
    form = AuditFilterForm(request.args)
    events = audit.search(current_user, request.args, limit=500)
    return render_template("admin/audit.html", form=form, events=events, names=audit.usernames(events),
                           actions=audit.READ_ACTIONS + audit.ACCOUNT_ACTIONS)


@bp.get("/audit.csv")
@login_required
def audit_csv():
    """The filtered audit events as CSV (times in the consortium's zone)."""
    body = audit.export_csv(current_user, request.args)
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="audit.csv"'})


@bp.route("/clinics/<int:clinic_id>/tokens", methods=["GET", "POST"])
@login_required
def clinic_tokens(clinic_id):
    """A clinic's API tokens for its carts and PCs: make one (shown once), see their last use, revoke."""
    _admin()
    clinic = db.get_or_404(Clinic, clinic_id)
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            _row, secret = tokens.create_token(clinic.id, form.name.data, current_user)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            form = TokenForm(formdata=None)
    return render_template("admin/tokens.html", clinic=clinic, form=form, secret=secret,
                           tokens=tokens.list_tokens(clinic.id, current_user))


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    """Revoke a token at once."""
    _admin()
    row = tokens.revoke_token(token_id, current_user)
    flash(_("Token %(name)s revoked.", name=row.name))
    return redirect(url_for("admin.clinic_tokens", clinic_id=row.clinic_id))
