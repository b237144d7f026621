"""Flask extensions, created unbound and initialised in create_app()."""
import sqlite3

import sqlalchemy as sa
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
socketio = SocketIO()
login_manager = LoginManager()
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
# Storage from RATELIMIT_STORAGE_URI (Redis when REDIS_URL is set, memory otherwise); limits on the views.
limiter = Limiter(key_func=get_remote_address)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Embedded SQLite: WAL lets readers work while an upload commits, and writers wait for the
    lock instead of failing with "database is locked" under a burst of uploads."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; originals are fsynced files
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()
