"""Extensions, created unbound and initialised in create_app()."""
from flask.globals import _cv_request  # the request context's variable (what `request` resolves through)
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, which reads PostgreSQL outside a transaction for a request that
    reads (GET, HEAD, OPTIONS).

    psycopg opens a transaction with a round trip of its own (BEGIN) before the first statement,
    and the end of the request closes it with another (ROLLBACK): two of the four round trips a
    signed-in page made besides its own statements (the pool's ping, BEGIN, the session's user,
    ROLLBACK), each a wait and a wake-up of the worker. Under READ COMMITTED (PostgreSQL's default, and ours) every statement of a transaction
    reads a snapshot of its own anyway: a page read statement by statement reads what it read in
    one transaction. What such a request writes (the access log's entry, the language chosen) is
    one statement, committed at once as it was. A view that streams a long result through a
    server-side cursor, which lives only inside a transaction, says so: `reads_in_transaction`.
    SQLite's driver opens no transaction for reads: nothing changes there.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is None and engine.dialect.name == "postgresql" and _request_reads():
            return _outside_transaction(engine)
        return engine


def _request_reads() -> bool:
    context = _cv_request.get(None)
    if context is None or context.request.method not in READING_METHODS:
        return False
    view = context.app.view_functions.get(context.request.endpoint)
    return not getattr(view, "reads_in_transaction", False)


def _outside_transaction(engine):
    """The engine's connections in autocommit (the same pool: the mode is set when a connection is
    taken and restored when it is given back), made once per engine."""
    try:
        return engine.autocommit_twin
    except AttributeError:
        engine.autocommit_twin = engine.execution_options(isolation_level="AUTOCOMMIT")
        return engine.autocommit_twin


def commits_each_statement() -> bool:
    """Whether the session's statements are committed one by one as they run (a reading request
    on PostgreSQL): a write then needs no commit of its own, which would give the connection back."""
    return db.session.get_bind().get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def reads_in_transaction(view):
    """Mark a reading view whose statements need a transaction: a long export streamed through a
    server-side cursor (which PostgreSQL keeps only inside one)."""
    view.reads_in_transaction = True
    return view


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
