"""Request-level defences: CSRF, security headers, the Server header.

One small after-request hook rather than Flask-Talisman: the headers are a handful of fixed
strings, the hook knows which responses carry patient data (everything but static files and
the served catalogue gets `Cache-Control: no-store`), and it adds no dependency to keep current.
"""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import generate_csrf

from telemed.extensions import csrf, limiter

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SERVER_NAME_HEADER = "telemed"


def bearer_authenticated() -> bool:
    """Is this request authenticated by a clinic API token rather than the session cookie?

    Such requests carry no ambient credential (a browser never adds an Authorization header on
    its own, and a cross-site page cannot without a CORS preflight we never grant), so they are
    exempt from CSRF. Only the endpoints that accept tokens count; elsewhere the header is ignored.
    """
    from telemed.services.tokens import TOKEN_ENDPOINTS

    header = request.headers.get("Authorization", "")
    return header[:7].lower() == "bearer " and request.endpoint in TOKEN_ENDPOINTS


def init_app(app: Flask) -> None:
    # CSRFProtect's own check is switched off (WTF_CSRF_CHECK_DEFAULT = False) so that ours,
    # below, can exempt bearer-token requests; the token, the form field and the
    # X-CSRFToken header are Flask-WTF's.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid as long as the session is
    csrf.init_app(app)

    @app.before_request
    def check_csrf():
        if request.method in UNSAFE_METHODS and not bearer_authenticated():
            csrf.protect()

    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)

    hops = int(app.config.get("TELEMED_PROXY_HOPS") or 0)
    if hops:
        # Behind a reverse proxy: the client's address (audit trail, per-address throttling) and
        # the public scheme and host (the socket's same-origin check) from X-Forwarded-*.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    app.jinja_env.globals["csrf_token"] = generate_csrf
    app.after_request(security_headers)
    _quiet_dev_server()


def content_security_policy() -> str:
    host = request.host
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",  # no inline script anywhere: every script is a static file
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        f"connect-src 'self' ws://{host} wss://{host}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def security_headers(response):
    """Headers on every response the app itself answers (Socket.IO's transport has its own)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint != "static" and "Cache-Control" not in headers:
        # Pages and API answers carry patient data: never kept by the browser or a proxy.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if current_app.config.get("TELEMED_PRODUCTION"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _quiet_dev_server() -> None:
    """The Werkzeug development server (`flask run`, socketio.run) names itself and Python's
    version in `Server`, before the app can answer; gunicorn says only "gunicorn"."""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.version_string = lambda self: SERVER_NAME_HEADER


# -- throttling (Flask-Limiter; limits read from the configuration at each request) ---------

def _login_account_key() -> str:
    data = request.get_json(silent=True) if request.is_json else None
    username = (data or {}).get("username") if isinstance(data, dict) else request.form.get("username")
    return "account:" + (username.strip().lower()[:80] if isinstance(username, str) else "")


def _failed_login(response) -> bool:
    return response.status_code == 401


def _current_user_key() -> str:
    from flask_login import current_user

    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


def limit_login(view):
    """Both login routes: failed attempts counted per account name and per address."""
    view = limiter.shared_limit(lambda: current_app.config["RATELIMIT_LOGIN_ADDRESS"], scope="login-address",
                                key_func=get_remote_address, deduct_when=_failed_login)(view)
    return limiter.shared_limit(lambda: current_app.config["RATELIMIT_LOGIN_ACCOUNT"], scope="login-account",
                                key_func=_login_account_key, deduct_when=_failed_login)(view)


def limit_upload(view):
    return limiter.limit(lambda: current_app.config["RATELIMIT_UPLOAD"], key_func=_current_user_key)(view)
