# The front door. `make run` serves the app from a fresh clone; `make test` runs every check.
SHELL := /bin/bash
PYTHON_BIN ?= $(shell command -v python3.12 2>/dev/null || ls $$HOME/.pyenv/versions/3.12.*/bin/python3.12 2>/dev/null | tail -n 1)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
FRAMEWORKS := $(wildcard fixtures/frameworks/*.yaml)
CROSSWALKS := $(wildcard fixtures/crosswalks/*.yaml)
CHROMIUM := /usr/bin/chromium

.DELETE_ON_ERROR:
.PHONY: run test lint format check-migrations assets install system-deps test-deps bench smoke clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON_BIN)" || { echo "Python 3.12 is needed: install it (pyenv install 3.12.1) and try again"; exit 1; }
	test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

node_modules/.package-lock.json: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

static/build/app.css: node_modules/.package-lock.json $(wildcard static/scss/*.scss)
	mkdir -p static/build/vendor static/build/nhsuk
	npx sass --quiet-deps --load-path=node_modules --style=compressed --no-source-map static/scss/app.scss static/build/app.css
	npx sass --quiet-deps --load-path=node_modules --style=compressed --no-source-map static/scss/print.scss static/build/print.css
	cp node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.js static/build/vendor/
	cp node_modules/htmx.org/dist/htmx.min.js static/build/vendor/
	rm -rf static/build/nhsuk/assets && cp -r node_modules/nhsuk-frontend/dist/nhsuk/assets static/build/nhsuk/assets

assets: static/build/app.css

# WeasyPrint writes PDFs much faster with HarfBuzz's subsetter and embeds Liberation Sans (the
# metric twin of Arial, our font); browser tests need chromium.
system-deps:
	@missing=""; \
	for package in libharfbuzz-subset0 fonts-liberation; do \
	  dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then echo "Installing$$missing"; apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; fi

# The accessibility checks (tests/a11y) read PDFs back with poppler's pdftotext.
test-deps: system-deps
	@if [ ! -x $(CHROMIUM) ]; then echo "Installing Debian's chromium for browser tests"; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; fi
	@if ! command -v pdftotext >/dev/null; then echo "Installing poppler-utils for the PDF checks"; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends poppler-utils; fi

run: install assets system-deps
	$(MANAGE) create_signing_key
	$(MANAGE) migrate --noinput
	$(MANAGE) load_framework $(FRAMEWORKS)
	$(if $(CROSSWALKS),$(MANAGE) load_crosswalk $(CROSSWALKS))
	$(MANAGE) seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	$(MANAGE) serve $(HOST):$(PORT)   # runserver and a task worker (reports, emails)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-migrations: install
	DJANGO_SETTINGS_MODULE=iwl.settings.test $(MANAGE) makemigrations --check --dry-run

# Two workers (pytest-xdist), a test file each at a time: the machine has two cores, and a
# file's module fixtures (the accessibility crawl's seeded site) are made once.
TEST_WORKERS ?= 2
test: install assets test-deps lint check-migrations
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Quick subset for a second database backend (CI runs it on SQLite after the full suite).
smoke: install assets test-deps
	$(VENV)/bin/pytest -m smoke $(PYTEST_ARGS)

# The national benchmark (docs/performance.md): needs PostgreSQL at DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/iwl_bench, a database it creates and drops). Prints a table
# and, as its last line, the figures as JSON. BENCH_ARGS="--help" lists the options.
bench: install assets system-deps
	$(PY) -m bench $(BENCH_ARGS)
	$(PY) -m bench rollup $(ROLLUP_ARGS)

clean:
	rm -rf static/build staticfiles .pytest_cache
