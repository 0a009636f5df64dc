"""The records each step files (PDF, .docx), the page that checks a printed one against the
audit trail, and the data sheet in Excel."""
from flask import Blueprint

bp = Blueprint("documents", __name__)

from . import routes  # noqa: E402,F401
