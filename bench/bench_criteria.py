"""Time criteria evaluation and loading: `python bench/bench_criteria.py`.

Guards and pages evaluate a dossier freely, so one evaluation of the largest set must stay
well under a millisecond on an ordinary office machine.
"""
import time
import timeit

import criteria
from criteria.loader import load_directory
from criteria.samples import passing_facts


def main() -> None:
    started = time.perf_counter()
    registry = load_directory()
    print(f"load all sets: {(time.perf_counter() - started) * 1000:.1f} ms")
    for cset in registry.all():
        facts = passing_facts(cset, 2024)
        runs = 2000
        best = min(timeit.repeat(lambda: criteria.evaluate(cset, facts), number=runs, repeat=5)) / runs
        print(f"evaluate {cset.code:<20} {len(cset.criteria):>3} criteria: {best * 1e6:7.1f} µs")


if __name__ == "__main__":
    main()
