"""Serve the application for the fault tests, pausing inside one audited change so that a test
can kill the process right there: `python -m tests.fault_server DATABASE_URL UPLOAD_DIR ACTION MARKER`.

It prints the port it listens on, then serves until killed.
"""
import sys
import time
from pathlib import Path

from werkzeug.serving import make_server

from workflow_app import create_app
from workflow_app.audit import trail

from .conftest import base_config


def main() -> None:
    database_url, upload_dir, pause_on, marker = sys.argv[1:5]
    app = create_app(base_config(database_url, upload_dir))
    append = trail.append

    def pausing_append(actor, action, **kwargs):
        fields = append(actor, action, **kwargs)  # the change and its audit entry are written, not committed
        if action == pause_on:
            Path(marker).write_text("paused", encoding="utf-8")
            time.sleep(300)
        return fields

    trail.append = pausing_append
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
