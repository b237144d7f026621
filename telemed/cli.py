"""Administration commands: `flask --app wsgi <command>`. Each prints the new id alone on its last line."""
import sys

import click
from flask import Flask

from telemed.extensions import db
from telemed.i18n import LANGUAGES
from telemed.models import Clinic, Consortium, Role
from telemed.services import accounts
from telemed.services.errors import DomainError


def _fail(message: str):
    raise click.ClickException(message)


def register(app: Flask) -> None:
    register_token_commands(app)

    @app.cli.command("init-db")
    def init_db():
        """Create or upgrade the database schema to the latest migration (idempotent)."""
        from flask_migrate import upgrade

        upgrade()
        click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")

    @app.cli.command("seed-demo")
    @click.option("--holter-hours", default=24.0, show_default=True, type=click.FloatRange(0, 24),
                  help="Length of the demo Holter recording (0: none).")
    def seed_demo(holter_hours):
        """Seed a demo consortium with clinics, users of every role and real ECG cases."""
        from telemed.demo import seed

        consortium_id = seed(echo=click.echo, holter_hours=holter_hours)
        click.echo(str(consortium_id))

    @app.cli.command("create-consortium")
    @click.argument("name")
    @click.option("--timezone", default="Asia/Shanghai", show_default=True, help="IANA time zone of its clocks.")
    @click.option("--language", type=click.Choice(sorted(LANGUAGES)), default="zh_CN", show_default=True,
                  help="Language when neither the user nor the browser chooses one.")
    def create_consortium(name, timezone, language):
        """Create a consortium."""
        consortium = _run(accounts.create_consortium, None, name=name, timezone=timezone, language=language)
        click.echo(str(consortium.id))

    @app.cli.command("create-clinic")
    @click.argument("name")
    @click.option("--consortium", "consortium_id", type=int, required=True)
    def create_clinic(name, consortium_id):
        """Create a township clinic in a consortium."""
        if db.session.get(Consortium, consortium_id) is None:
            _fail(f"No consortium with id {consortium_id}.")
        clinic = _run(accounts.save_clinic, None, None, name=name, consortium_id=consortium_id)
        click.echo(str(clinic.id))

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
    @click.option("--clinic", "clinic_id", type=int)
    @click.option("--consortium", "consortium_id", type=int)
    @click.option("--full-name", default="")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
    @click.option("--password", hidden=True, help="Deprecated: visible in the process list and shell history.")
    def create_user(username, role, clinic_id, consortium_id, full_name, password_stdin, password):
        """Create a user (the password is asked for, or read with --password-stdin): township doctors
        need --clinic, cardiologists and coordinators --consortium."""
        if role == Role.TOWNSHIP_DOCTOR.value and (clinic_id is None or db.session.get(Clinic, clinic_id) is None):
            _fail("A township doctor needs --clinic with an existing clinic id.")
        if role in (Role.CARDIOLOGIST.value, Role.COORDINATOR.value) and (
                consortium_id is None or db.session.get(Consortium, consortium_id) is None):
            _fail(f"A {role} needs --consortium with an existing consortium id.")
        password = _new_password(password_stdin, password)
        user = _run(accounts.create_user, None, username=username, password=password, role=role,
                    clinic_id=clinic_id, consortium_id=consortium_id, full_name=full_name)
        click.echo(str(user.id))

    @app.cli.command("deactivate-user")
    @click.argument("username")
    def deactivate_user(username):
        """Deactivate a user: they cannot log in, and every open session and socket ends now."""
        user = _run(accounts.set_active, None, _run(accounts.user_by_name, username), False)
        click.echo(f"Deactivated {user.username}; their sessions have ended.")
        click.echo(str(user.id))

    @app.cli.command("reactivate-user")
    @click.argument("username")
    def reactivate_user(username):
        """Let a deactivated user log in again."""
        user = _run(accounts.set_active, None, _run(accounts.user_by_name, username), True)
        click.echo(str(user.id))

    @app.cli.command("reset-password")
    @click.argument("username")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
    def reset_password(username, password_stdin):
        """Give a user a new password (asked for, or read with --password-stdin); their sessions end."""
        user = _run(accounts.user_by_name, username)
        user = _run(accounts.reset_password, None, user, _new_password(password_stdin, None))
        click.echo(str(user.id))

    @app.cli.command("audit-verify")
    def audit_verify():
        """Check the audit trail's hash chain: exits 1 and names the rows if any was changed or removed."""
        from telemed.services import audit

        count, problems = audit.verify()
        for problem in problems[:50]:
            click.echo(problem, err=True)
        if problems:
            raise click.ClickException(f"The audit trail was tampered with: {len(problems)} problem(s) in {count} events.")
        click.echo(f"The audit trail is intact: {count} events.")


def _new_password(from_stdin: bool, given: str | None) -> str:
    if given is not None:
        click.echo("Warning: --password is deprecated (it shows in the process list and shell history); "
                   "use the prompt or --password-stdin.", err=True)
        return given
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _run(function, *args, **kwargs):
    """A service call whose refusal becomes a plain error message and exit status 1."""
    try:
        return function(*args, **kwargs)
    except DomainError as exc:
        db.session.rollback()
        _fail(exc.message)

def register_token_commands(app: Flask) -> None:
    @app.cli.command("create-token")
    @click.argument("name")
    @click.option("--clinic", "clinic_id", type=int, required=True)
    def create_token(name, clinic_id):
        """Make an API token for a clinic's ECG cart or PC; the token is printed this once."""
        from telemed.services.errors import DomainError
        from telemed.services.tokens import create_token as make

        try:
            row, token = make(clinic_id, name, None)
        except DomainError as exc:
            _fail(exc.message)
        click.echo(f"Token for {name!r} (clinic {clinic_id}); it is shown only now:")
        click.echo(token)
        click.echo(str(row.id))

    @app.cli.command("revoke-token")
    @click.argument("token_id", type=int)
    def revoke_token(token_id):
        """Revoke an API token at once."""
        from telemed.services.errors import DomainError
        from telemed.services.tokens import revoke_token as revoke

        try:
            revoke(token_id, None)
        except DomainError as exc:
            _fail(exc.message)
        click.echo(f"Token {token_id} revoked.")

    @app.cli.command("list-tokens")
    @click.option("--clinic", "clinic_id", type=int)
    def list_tokens(clinic_id):
        """List API tokens (never the tokens themselves)."""
        from telemed.services.tokens import list_tokens as listed

        for row in listed(clinic_id):
            state = "revoked" if row.revoked_at else "active"
            click.echo(f"{row.id}\tclinic {row.clinic_id}\t{row.prefix}…\t{state}\tlast used {row.last_used_at or '-'}\t{row.name}")
