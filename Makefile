# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
DEMO_PASSWORD ?= demo-antt-2026
FLASK := $(BIN)/flask --app workflow_app
STAMP := $(VENV)/.installed

.PHONY: install run test security mutants translations messages screenshots document-pictures bench clean lock

install: $(STAMP) translations

# The exact versions in requirements.lock, then the project itself; again only when they change.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# After changing the ranges in pyproject.toml: pick the newest versions within them and lock them.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --upgrade --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements.lock pyproject.toml

translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d workflow_app/translations

run: install
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty --password '$(DEMO_PASSWORD)'
	$(FLASK) demo-logins --password '$(DEMO_PASSWORD)'
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# Static scan of our code (medium severity and up fails) and the locked dependencies' known vulnerabilities.
security: install
	$(BIN)/bandit -q -ll -r workflow_app states criteria
	$(BIN)/python .ci/audit-dependencies

# Change each threshold and comparison of the criteria, one at a time; every mutant must be killed.
mutants: install
	$(BIN)/python tools/mutants.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# After changing user-facing text: refresh the catalogue, then translate the new entries.
messages: $(STAMP)
	$(BIN)/pybabel extract -F workflow_app/babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k _ln:1,2 -o workflow_app/translations/messages.pot .
	$(BIN)/pybabel update -i workflow_app/translations/messages.pot -d workflow_app/translations --no-fuzzy-matching --ignore-obsolete

# Benchmarks on PostgreSQL (not tests): national data, then the load run against the reference app.
# DATABASE_URL=postgresql://root@127.0.0.1:5432/bench make bench   (BENCH_ARGS="--provinces 84" for one province)
bench: install
	@test -n "$(DATABASE_URL)" || { echo "make bench needs DATABASE_URL (an empty PostgreSQL database)"; exit 1; }
	$(BIN)/python bench/generate.py $(BENCH_ARGS)
	$(BIN)/python bench/load.py

# A picture of the first page of each record, for the docs (needs pdftoppm: apt-get install poppler-utils).
document-pictures: install
	$(BIN)/python tools/document_pictures.py docs/documents

# Play the whole process in chromium and keep a screenshot of each main page for the docs.
screenshots: install
	SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/test_browser.py
