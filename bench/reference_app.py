"""The reference the load run measures the application against, on the same stack (Flask,
Flask-SQLAlchemy, psycopg 3, Jinja, gunicorn): TechEmpower's "hello" and "fortunes" (one query of
a dozen rows, one added, sorted, rendered from a template file, bench/templates/fortunes.html, which
Flask compiles once and keeps, as TechEmpower's Flask implementation does), and a one-row
insert-and-commit for the transitions.

    DATABASE_URL=... gunicorn -k gthread -w 4 --threads 4 'bench.reference_app:create()'
"""
from __future__ import annotations

import os

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Integer, String, insert, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

MESSAGES = ["fortune: No such file or directory", "A computer scientist is someone who fixes things that aren't broken.",
            "After enough decimal places, nobody gives a damn.", "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
            "A computer program does what you tell it to do, not what you want it to do.",
            "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
            "Any program that runs right is obsolete.", "A list is only as strong as its weakest link. — Donald Knuth",
            "Feature: A bug with seniority.", "Computers make very fast, very accurate mistakes.",
            "<script>alert(\"This should not be displayed in a browser alert box.\");</script>", "フレームワークのベンチマーク"]


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Fortune(db.Model):
    __tablename__ = "bench_fortune"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message: Mapped[str] = mapped_column(String(2048))


class Written(db.Model):
    __tablename__ = "bench_insert"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note: Mapped[str] = mapped_column(String(64))


def create() -> Flask:
    app = Flask(__name__)
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db.init_app(app)
    with app.app_context():
        db.create_all()
        if not db.session.scalar(select(Fortune.id).limit(1)):
            db.session.execute(insert(Fortune), [{"id": i, "message": m} for i, m in enumerate(MESSAGES, start=1)])
            db.session.commit()

    @app.get("/hello")
    def hello():
        return "Hello, World!", 200, {"Content-Type": "text/plain"}

    @app.get("/fortunes")
    def fortunes():
        rows = [{"id": f.id, "message": f.message} for f in db.session.scalars(select(Fortune))]
        rows.append({"id": 0, "message": "Additional fortune added at request time."})
        rows.sort(key=lambda f: f["message"])
        return render_template("fortunes.html", fortunes=rows)

    @app.post("/insert")
    def write_one():
        db.session.execute(insert(Written).values(note="one row"))
        db.session.commit()
        return "", 204

    @app.get("/ping")
    def ping():
        db.session.execute(text("SELECT 1"))
        return "ok"

    return app
