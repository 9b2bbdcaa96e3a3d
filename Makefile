# The two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint translations prod-up diagrams

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/flask --app wsgi run-all

# The production shape on this machine: PostgreSQL, redis-server, gunicorn, RQ workers, scheduler
# (see docs/production.md). PROD_ARGS="--port 8001 --web-workers 4" and so on.
prod-up: $(VENV)/.installed
	$(BIN)/python scripts/prod_up.py $(PROD_ARGS)

# One pytest worker per core (at most four), each with its own Redis, PostgreSQL cluster and browser;
# a test file stays on one worker, so its module fixtures start once. PYTEST_ARGS= runs it serially.
PYTEST_ARGS ?= -n auto --maxprocesses 4 --dist loadfile

test: $(VENV)/.dev-installed
	$(BIN)/python scripts/system_deps.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/mypy

# Re-extract the strings and update the catalogs, then compile them (the .mo files are committed).
translations: $(VENV)/.dev-installed
	$(BIN)/pybabel extract --no-location -F babel.cfg -k _l -k N_ -o hotline/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i hotline/translations/messages.pot -d hotline/translations
	$(BIN)/pybabel compile -d hotline/translations

# The flowcharts' pictures: DOT from each flow file (Python), then SVG with Graphviz's `dot`
# (apt-get install graphviz; needed here only, never at run time). Commit both; a test checks the DOT.
diagrams: $(VENV)/.installed
	$(BIN)/python -m routing.flow_dot routing/flows/diagrams
	for dot in routing/flows/diagrams/*.dot; do dot -Tsvg "$$dot" -o "$${dot%.dot}.svg"; done
