"""Entry points: `gunicorn wsgi:app`, `flask --app wsgi ...`, `celery -A wsgi:celery_app worker`."""
from telemed import create_app

app = create_app()
celery_app = app.extensions.get("celery")  # None unless REDIS_URL is set
