# Meshport: `make demo` to try it, `make test` to check it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs over this many processes (pytest-xdist), each with its own test database.
TEST_WORKERS ?= 2

.PHONY: install demo serve test lint bench worker beat clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# The demo serves with meshport.settings.demo: plain HTTP and a local key as with DEBUG, but Meshport's
# own 404/403/500 pages rather than Django's technical ones. The logins are printed last, with the
# address served (HOST, PORT); DEMO_LOG_LEVEL=INFO shows every task while the demo loads.
demo: install  ## migrate, load the demo mesh (data files, profiles, index) and serve it
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} HOST=$(HOST) PORT=$(PORT) $(PY) manage.py load_demo
	DJANGO_SETTINGS_MODULE=meshport.settings.demo $(PY) manage.py runserver $(HOST):$(PORT)

serve: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	@scripts/ensure-chromium
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

worker: install  ## a Celery worker with an embedded beat (needs REDIS_URL); at scale run them apart
	$(BIN)/celery -A meshport worker --beat --loglevel=INFO

beat: install
	$(BIN)/celery -A meshport beat --loglevel=INFO

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
