# Two commands do all the set-up on a fresh machine:
#   make run    install into .venv and serve the API on the embedded default (SQLite file)
#   make test   install into .venv and run the whole suite on SQLite, then on PostgreSQL
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
PG_URL  = postgresql://postgres@127.0.0.1:5432/postgres  # the suite's server: IPCASE_TEST_PG

.PHONY: run test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ipcase serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) lint
	IPCASE_TEST_DB=sqlite $(BIN)/python -m pytest
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL =="; \
		IPCASE_TEST_DB=postgresql $(BIN)/python -m pytest; \
	else \
		echo "PostgreSQL is not reachable at $(PG_URL): the PostgreSQL run was skipped"; \
		test -z "$$CI"; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
