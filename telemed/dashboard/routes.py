from flask import render_template
from flask_login import current_user, login_required

from telemed.dashboard import bp
from telemed.services import dashboard


@bp.get("/")
@login_required
def index():
    """The coordinator's live dashboard."""
    return render_template("dashboard/index.html", dashboard=dashboard.get_dashboard(current_user))
