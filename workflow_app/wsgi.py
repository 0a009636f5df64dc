"""What an application server runs: `gunicorn 'workflow_app.wsgi:app'`.

The same application as `flask` runs, without the command line: the migrations (Alembic) and the
commands are not loaded into each worker, which saves memory in every one of them.
"""
from . import create_app

app = create_app(command_line=False)
