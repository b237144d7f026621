from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from telemed.auth import bp
from telemed.models import Role
from telemed.services import auth
from telemed.services.auth import BadCredentials

HOME_BY_ROLE = {
    Role.TOWNSHIP_DOCTOR.value: "cases.index",
    Role.CARDIOLOGIST.value: "cases.index",
    Role.COORDINATOR.value: "dashboard.index",
    Role.ADMIN.value: "auth.account",
}


@bp.get("/")
def home():
    """Each role lands on its own page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME_BY_ROLE[current_user.role]))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login page."""
    error = None
    if request.method == "POST":
        try:
            login_user(auth.authenticate(request.form.get("username"), request.form.get("password")))
        except BadCredentials as exc:
            error = exc.message
        else:
            target = request.args.get("next", "")
            # Only same-site paths: never an open redirect.
            if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
                target = url_for("auth.home")
            return redirect(target)
    return render_template("login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@bp.get("/account")
@login_required
def account():
    """Who am I (the administrator's landing page: accounts are managed with the flask CLI)."""
    return render_template("account.html")
