# hailong — the two entry points of the README.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test install install-dev lint translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make demo: SQLite under instance/, instruments, a demo city with ~2,000 responses, then serve.
# Links printed by `hailong demo` use this host and port unless HAILONG_BASE_URL is set.
demo: export FLASK_RUN_HOST = $(HOST)
demo: export FLASK_RUN_PORT = $(PORT)
demo: install
	$(BIN)/hailong db upgrade
	$(BIN)/hailong instruments sync
	$(BIN)/hailong demo --responses 2000
	$(BIN)/hailong run --host $(HOST) --port $(PORT)

## make test: the whole suite (SQLite; PostgreSQL too when HAILONG_TEST_DATABASE_URL is set).
test: install-dev
	$(BIN)/pytest -q

lint: install-dev
	$(BIN)/ruff check .

## Rebuild the message catalogues after changing user-facing strings.
translations: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -o survey_app/translations/messages.pot .
	$(BIN)/pybabel update -i survey_app/translations/messages.pot -d survey_app/translations
	$(BIN)/pybabel compile -d survey_app/translations

clean:
	rm -rf $(VENV) instance .pytest_cache
