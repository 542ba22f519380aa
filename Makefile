# Two commands set up everything on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint test-postgres bench loadtest cluster-test clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# The test tools and the linter (requirements-dev.txt), for `make test`, `make lint` and CI.
$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# The benchmark's and the load tests' tools (requirements-load.txt).
$(BIN)/.installed-load: $(BIN)/.installed requirements-load.txt
	$(BIN)/pip install --quiet -r requirements-load.txt
	touch $@

# axe-core for the accessibility tests (tests/browser/test_accessibility.py), from the npm
# registry into node_modules/ (git-ignored); never served to users. Without npm those tests
# are skipped, except under CI=true.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found (apt-get install npm): the accessibility tests will be skipped"; fi

# The background worker (mail) runs beside the development server and stops with it.
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_plan
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py db_worker --no-reload --interval 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The suite in TEST_WORKERS processes (pytest-xdist), each with its own test database
# (test_<name>_gw0, _gw1… on PostgreSQL), S3 server and live server on free ports.
TEST_WORKERS ?= 2

test: $(BIN)/.installed-dev node_modules/.installed
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $(TEST_WORKERS)

# ruff as configured in pyproject.toml: the lint rules, then the formatting; then
# import-linter's contracts (pyproject.toml: which package may import which).
lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Pages, export and peers at 1x and 10x synthetic scale; writes bench/results.json.
bench: $(BIN)/.installed-load
	$(BIN)/python bench/run.py

# 50 simulated staff for 90 s against gunicorn on PostgreSQL (needs Debian's postgresql); exits 1 on any
# failed request or a p95 over 300 ms once all are logged in.
loadtest: $(BIN)/.installed-load
	bash loadtest/run.sh

# Two app servers behind nginx on one PostgreSQL and one S3 object store, a
# worker on each, a slow mail server (needs Debian's nginx and postgresql).
cluster-test: $(BIN)/.installed-dev $(BIN)/.installed-load
	bash cluster/run.sh

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles node_modules

# The suite on a throwaway PostgreSQL (needs Debian's postgresql package).
test-postgres: $(BIN)/.installed-dev node_modules/.installed
	bash -c 'source .ci/postgres.sh && start_postgres "$$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)" && trap stop_postgres EXIT && DATABASE_URL="$$PG_URL" $(BIN)/pytest -n $(TEST_WORKERS)'
