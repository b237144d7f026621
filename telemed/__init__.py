"""telemed: township clinics upload ECGs; consortium cardiologists review them live."""
import importlib
import logging
from pathlib import Path

from flask import Flask
from flask import json as flask_json

from telemed import i18n, security
from telemed.extensions import db, login_manager, migrate, socketio
from telemed.json_provider import FiniteJSONProvider

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_object="config.Config") -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(ROOT / "instance"))
    if isinstance(config_object, str):
        module_name, _, class_name = config_object.rpartition(".")
        config_object = getattr(importlib.import_module(module_name), class_name)
    if isinstance(config_object, type):
        config_object = config_object()  # settings read from the environment now, not at import
    app.config.from_object(config_object)
    app.json = FiniteJSONProvider(app)  # NaN and Infinity never reach a response
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from telemed.storage import secure_files

    secure_files(app)  # before the database or any file is opened
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "telemed" / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    i18n.init_app(app)
    # cors_allowed_origins=None is python-engineio's same-origin check; a list names the origins.
    socketio.init_app(app, message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"), async_mode="threading",
                      cors_allowed_origins=app.config.get("SOCKETIO_ALLOWED_ORIGINS"), logger=False,
                      engineio_logger=False, json=flask_json)  # the app's JSON: no NaN on the socket either
    security.init_app(app)
    _configure_login()

    from telemed import cli, errors, jobs
    from telemed.admin import bp as admin_bp
    from telemed.api import bp as api_bp
    from telemed.auth import bp as auth_bp
    from telemed.cases import bp as cases_bp
    from telemed.dashboard import bp as dashboard_bp
    from telemed.realtime import subscriptions
    from telemed.realtime.events import LiveNamespace, on_error

    for bp in (admin_bp, api_bp, auth_bp, cases_bp, dashboard_bp):
        app.register_blueprint(bp)
    socketio.on_namespace(LiveNamespace("/"))
    subscriptions.subscribe()
    socketio.on_error_default(on_error)
    errors.register(app)
    cli.register(app)
    jobs.init_app(app)
    return app


def _configure_login() -> None:
    from flask import redirect, request, url_for
    from flask_babel import gettext

    from telemed.errors import error_response
    from telemed.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        from telemed.services import sessions

        user = db.session.get(User, int(user_id))
        return user if sessions.valid(user) else None  # ended, idle, expired or deactivated: logged out

    @login_manager.request_loader
    def load_user_from_token(request_):
        # Carts and clinic PCs: a bearer token, accepted on the upload and case-status endpoints
        # only. No session is created; pages never accept a token.
        from telemed.services.tokens import user_for_bearer

        return user_for_bearer(request_.headers.get("Authorization"), request_.endpoint)

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return error_response(401, gettext("Please log in first."), code="login_required")
        return redirect(url_for("auth.login", next=request.path))
