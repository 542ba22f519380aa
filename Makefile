# Two commands set up everything on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test test-postgres clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_plan
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(BIN)/.installed
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles

# The suite on a throwaway PostgreSQL (needs Debian's postgresql package).
test-postgres: $(BIN)/.installed
	bash -c 'source .ci/postgres.sh && start_postgres "$$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)" && trap stop_postgres EXIT && DATABASE_URL="$$PG_URL" $(BIN)/pytest'
