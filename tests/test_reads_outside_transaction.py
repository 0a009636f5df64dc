"""A request that reads (GET, HEAD) reads PostgreSQL outside a transaction: no BEGIN before its
first statement and no ROLLBACK after its last, two of a signed-in page's round trips. A request
that writes (POST) runs in one transaction as before, and so does a reading view that streams
through a server-side cursor (the exports of the trail and of the access log)."""
import pytest
import sqlalchemy as sa
from flask import jsonify

from workflow_app.extensions import db, reads_in_transaction


def add_probe(app) -> None:
    """Routes that say how the request's statements were run: each statement in a transaction of
    its own (the clock of the transaction is the statement's), or all in one. Posted to without a
    form, so without its CSRF token."""
    app.config["WTF_CSRF_ENABLED"] = False

    def probe():
        connection = db.session.connection()
        driver = connection.connection.driver_connection
        if connection.dialect.name == "sqlite":  # None: the driver's autocommit mode
            return jsonify({"autocommit": driver.isolation_level is None})
        answer = {"autocommit": driver.autocommit}
        db.session.execute(sa.text("SELECT pg_sleep(0.01)"))
        answer["own_transaction"] = db.session.scalar(sa.text("SELECT transaction_timestamp() = statement_timestamp()"))
        return jsonify(answer)

    app.add_url_rule("/probe", "probe", probe, methods=["GET", "POST"])
    # a view of its own, marked (the mark is the function's: probe itself stays unmarked)
    app.add_url_rule("/probe-streamed", "probe_streamed", reads_in_transaction(lambda: probe()))


@pytest.mark.parametrize("method, path, outside", [
    ("GET", "/probe", True),
    ("POST", "/probe", False),
    ("GET", "/probe-streamed", False),  # marked: its server-side cursor lives in a transaction
])
def test_how_a_request_runs_its_statements(app, client, backend, method, path, outside):
    add_probe(app)
    answer = client.open(path, method=method).get_json()
    if backend == "postgresql":
        assert answer == {"autocommit": outside, "own_transaction": outside}
    else:  # SQLite's driver begins no transaction for a read: nothing is changed there
        assert answer == {"autocommit": False}


def test_a_connection_given_back_after_a_read_writes_in_a_transaction_again(app, client, backend):
    """The pool's connections are shared by reading and writing requests: the autocommit a read
    set is undone when its connection goes back, and a request that writes after it runs in a
    transaction."""
    add_probe(app)
    assert client.get("/probe").status_code == 200
    with db.engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert (driver.isolation_level is not None) if backend == "sqlite" else not driver.autocommit
    assert client.post("/probe").get_json()["autocommit"] is False


def test_a_dossier_opened_is_logged_and_its_page_read_through_one_connection(app, client, backend, people, make_dossier,
                                                                              login):
    """Who opened what is written and kept at once; on PostgreSQL its INSERT commits itself and the
    page reads on through the connection it had (a commit would give it back, and the next
    statement take one again, pinged first: a round trip)."""
    dossier = make_dossier("29269", "xa-ntm-19.2", "commune_submitted")
    login(people["district_officer"])
    client.get(f"/dossiers/{dossier.id}")  # the first view reads what later ones find kept
    taken = []
    sa.event.listen(db.engine.pool, "checkout", lambda *_args: taken.append(1))
    assert client.get(f"/dossiers/{dossier.id}").status_code == 200
    connections = len(taken)
    with db.engine.connect() as other:  # committed: another connection reads both entries
        assert other.scalar(sa.text("SELECT count(*) FROM access_log WHERE dossier_id = :id AND action = 'view'"),
                            {"id": dossier.id}) == 2
    if backend == "postgresql":
        assert connections == 1
