"""Which levels review a dossier, per province, map and year: the routes as data.

`routes.json` names each route with the reviewer levels a commune's dossier passes, lowest first
(PV05 last), and assigns routes to dossiers by the map of their unit, optionally one province (its
code on that map) and a span of years. Assignments are read in order and the last one that matches
wins, so a province's own lines come after the defaults, e.g. a province whose district police were
dissolved before its units changed:

    {"map": "legacy", "province": "84", "years": {"from": 2025}, "route": "direct"}

A unit files its own dossiers only on routes on which its level reviews the communes' (a district
has none where there are no district police): `files_on` says so.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from criteria.text import Text

ROUTES_FILE = Path(__file__).with_name("routes.json")


@dataclass(frozen=True)
class Route:
    code: str
    name: Text
    levels: tuple[str, ...]  # the reviewer levels of a commune's dossier, in turn

    def reviewers_of(self, level: str) -> tuple[str, ...]:
        """The levels that review a dossier filed by `level`: those above it on the route."""
        return self.levels[self.levels.index(level) + 1:] if level in self.levels else self.levels

    def files_on(self, level: str) -> bool:
        """A commune always files; a higher level only where it also reviews its communes."""
        return level == "commune" or level in self.levels


@dataclass(frozen=True)
class Assignment:
    route: str
    map: str
    province: str | None = None
    year_from: int | None = None
    year_to: int | None = None

    def matches(self, map_: str, province: str, year: int) -> bool:
        return (self.map == map_ and self.province in (None, province)
                and (self.year_from is None or year >= self.year_from)
                and (self.year_to is None or year <= self.year_to))


@dataclass(frozen=True)
class RouteTable:
    routes: dict[str, Route]
    assignments: tuple[Assignment, ...]

    def route_for(self, map_: str, province: str, year: int) -> Route:
        chosen = None
        for a in self.assignments:
            if a.matches(map_, province, year):
                chosen = a
        if chosen is None:
            raise LookupError(f"no route is assigned to map {map_!r}, province {province}, year {year}")
        return self.routes[chosen.route]


def _text(raw) -> Text:
    return Text(raw, raw) if isinstance(raw, str) else Text(raw["vi"], raw.get("en", raw["vi"]))


def load_routes(path: Path = ROUTES_FILE) -> RouteTable:
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)
    routes = {code: Route(code, _text(r["name"]), tuple(r["levels"])) for code, r in raw["routes"].items()}
    assignments = []
    for a in raw["assignments"]:
        if a["route"] not in routes:
            raise ValueError(f"{path}: assignment {a} names no route of the file")
        years = a.get("years", {})
        assignments.append(Assignment(a["route"], a["map"], a.get("province"), years.get("from"), years.get("to")))
    return RouteTable(routes, tuple(assignments))
