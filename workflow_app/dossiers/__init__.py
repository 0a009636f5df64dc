"""Dossiers: list, open, fill, review, move through the workflow."""
from flask import Blueprint

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")

from . import routes  # noqa: E402,F401
