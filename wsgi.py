"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
from telemed import create_app

app = create_app()
