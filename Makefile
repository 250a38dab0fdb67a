# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
SP := $(BIN)/salespulse

.PHONY: run test setup serve demo messages lint bench clean

run: setup
	$(SP) migrate --noinput
	$(SP) tagger-defaults
	$(SP) compiletranslations
	$(SP) collectstatic --noinput -v 0
	$(SP) demo ensure
	$(SP) retag --since-days 60
	$(SP) detect
	$(SP) demo credentials
	$(BIN)/gunicorn salespulse.wsgi:application --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --access-logfile -

test: setup
	$(SP) compiletranslations
	$(BIN)/pytest -m "not browser and not postgres" -n 2 $(PYTEST_ARGS)

setup: $(VENV)/.installed node_modules/.installed
	$(SP) compiletranslations

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip==25.3"
	$(BIN)/pip install -q -c requirements.lock -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Extract new msgids into each app's zh_Hans catalogue (needs GNU gettext's xgettext).
messages: setup
	cd src/salespulse && ../../$(SP) makemessages -l zh_Hans --no-obsolete --no-location

lint: setup
	$(BIN)/ruff check src tests

bench: setup
	$(BIN)/python -m salespulse.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules var
