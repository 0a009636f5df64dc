"""The audit trail: append-only, HMAC-sealed entries, their verification, and the inspectors' pages."""
from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

from . import routes  # noqa: E402,F401
