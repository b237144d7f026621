"""Administration commands: `flask --app wsgi <command>`. Each prints the new id alone on its last line."""
import click
import sqlalchemy as sa
from flask import Flask

from telemed.extensions import db
from telemed.i18n import LANGUAGES, valid_timezone
from telemed.models import Clinic, Consortium, Role, User


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
        if db.session.scalar(sa.select(Consortium).where(Consortium.name == name)):
            _fail(f"A consortium named {name!r} exists already.")
        if not valid_timezone(timezone):
            _fail(f"Unknown time zone {timezone!r}; use an IANA name such as Asia/Shanghai.")
        consortium = Consortium(name=name, timezone=timezone, language=language)
        db.session.add(consortium)
        db.session.commit()
        click.echo(str(consortium.id))

    @app.cli.command("create-clinic")
    @click.argument("name")
    @click.option("--consortium", "consortium_id", type=int, required=True)
    def create_clinic(name, consortium_id):
        """Create a township clinic in a consortium."""
        if db.session.get(Consortium, consortium_id) is None:
            _fail(f"No consortium with id {consortium_id}.")
        clinic = Clinic(name=name, consortium_id=consortium_id)
        db.session.add(clinic)
        db.session.commit()
        click.echo(str(clinic.id))

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--password", required=True)
    @click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
    @click.option("--clinic", "clinic_id", type=int)
    @click.option("--consortium", "consortium_id", type=int)
    @click.option("--full-name", default="")
    def create_user(username, password, role, clinic_id, consortium_id, full_name):
        """Create a user: township doctors need --clinic, cardiologists and coordinators --consortium."""
        if len(password) < 8:
            _fail("The password must have at least 8 characters.")
        if db.session.scalar(sa.select(User).where(User.username == username)):
            _fail(f"The username {username!r} is taken.")
        if role == Role.TOWNSHIP_DOCTOR.value:
            if clinic_id is None or db.session.get(Clinic, clinic_id) is None:
                _fail("A township doctor needs --clinic with an existing clinic id.")
            consortium_id = None
        elif role in (Role.CARDIOLOGIST.value, Role.COORDINATOR.value):
            if consortium_id is None or db.session.get(Consortium, consortium_id) is None:
                _fail(f"A {role} needs --consortium with an existing consortium id.")
            clinic_id = None
        user = User(username=username, role=role, clinic_id=clinic_id, consortium_id=consortium_id,
                    full_name=full_name)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(str(user.id))


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
