"""The JSON API, version 1: the whole process for scripts and other systems."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import routes  # noqa: E402,F401
