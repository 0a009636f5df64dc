"""What an application server runs: `gunicorn 'workflow_app.wsgi:app'`.

The same application as `flask` runs, without the command line: the migrations (Alembic) and the
commands are not loaded into each worker, which saves memory in every one of them.
"""
import ctypes
import gc

from . import create_app

app = create_app(command_line=False)

# The cyclic garbage collector: what the application holds for the whole life of the process (its
# modules, routes, criteria sets, mapped classes) is set aside from it, and it runs a tenth as often.
# A page allocates tens of thousands of short-lived objects (rows, ORM states, template contexts);
# each collection of the oldest generation walked everything the process holds, 17–38 ms a request
# on the heaviest pages (measured; 3–5 ms so). Reference cycles are still collected, less often.
GC_FIRST_GENERATION = 7000  # Python's default is 700
gc.collect()
gc.freeze()
gc.set_threshold(GC_FIRST_GENERATION, *gc.get_threshold()[1:])

# glibc gives each thread that allocates its own heap (arena), up to eight per core, and a heap
# keeps what it once held: four threads of a worker kept ~7 MB more resident than two heaps do
# (measured under the load run). Set here rather than as MALLOC_ARENA_MAX in every deployment's
# environment; elsewhere than glibc there is no mallopt and nothing to do.
M_ARENA_MAX = -8
try:
    ctypes.CDLL(None).mallopt(M_ARENA_MAX, 2)
except (OSError, AttributeError):
    pass
