"""Jinja templates of the web application (a package so that they install with it)."""
