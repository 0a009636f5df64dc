"""The province overview: dossiers and recognitions per district, and the districts' readiness."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import routes  # noqa: E402,F401
