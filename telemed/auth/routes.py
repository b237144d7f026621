from urllib.parse import urlsplit

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import get_timezone
from flask_login import current_user, login_required

from telemed.admin.forms import ChangePasswordForm
from telemed.auth import bp
from telemed.services.errors import DomainError
from telemed.models import Role
from telemed import i18n
from telemed.security import limit_login
from telemed.services import accounts, auth, sessions
from telemed.services.auth import BadCredentials

HOME_BY_ROLE = {
    Role.TOWNSHIP_DOCTOR.value: "cases.index",
    Role.CARDIOLOGIST.value: "cases.index",
    Role.COORDINATOR.value: "dashboard.index",
    Role.ADMIN.value: "admin.index",
}


@bp.get("/")
def home():
    """Each role lands on its own page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME_BY_ROLE[current_user.role]))


@bp.route("/login", methods=["GET", "POST"])
@limit_login
def login():
    """The login page."""
    error = None
    if request.method == "POST":
        try:
            sessions.start(auth.authenticate(request.form.get("username"), request.form.get("password")))
        except BadCredentials as exc:
            error = exc.message
        else:
            return redirect(_same_site(request.args.get("next", ""), url_for("auth.home")))
    return render_template("login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    """Log out: every session of the user ends, on every device."""
    if current_user.is_authenticated:
        sessions.logout(current_user)
    return redirect(url_for("auth.login"))


@bp.get("/account")
@login_required
def account():
    """Who am I (the administrator's landing page: accounts are managed with the flask CLI)."""
    return render_template("account.html")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change my password; my other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("Your password was changed; your other sessions have ended."))
            return redirect(url_for("auth.account"))
    return render_template("admin/form.html", form=form, title=_("Change password"))


def _same_site(target: str, fallback: str) -> str:
    """Only same-site paths: never an open redirect."""
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return fallback
    return target


@bp.post("/language")
def set_language():
    """The language switch of every page: kept on the user, or in a cookie before login."""
    language = request.form.get("language", "")
    back = _same_site(request.form.get("next", ""), url_for("auth.home"))
    response = redirect(back)
    if current_user.is_authenticated:
        accounts.set_language(current_user, language)
    else:
        accounts.check_language(language)
        response.set_cookie(i18n.LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/i18n/catalog.js")
def catalog():
    """The scripts' translations, language and clock (a classic script loaded before the modules)."""
    body = i18n.client_catalog_script(i18n.current_language(), str(get_timezone()))
    return Response(body, mimetype="text/javascript", headers={"Cache-Control": "private, no-cache"})
