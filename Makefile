# Two commands do all the set-up on a fresh machine:
#   make run    install into .venv and serve the API on the embedded default (SQLite file)
#   make test   install into .venv and run the whole suite on SQLite, then on PostgreSQL
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
RUN_STAMP  = $(VENV)/.installed-run
TEST_STAMP = $(VENV)/.installed-test
PIP     = $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt
PG_URL  = postgresql://postgres@127.0.0.1:5432/postgres  # the suite's server: IPCASE_TEST_PG

.PHONY: run test lint clean constraints

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# `make run` installs only what running needs; `make test` adds the test extras.
$(RUN_STAMP): pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP) -e .
	touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP) -e '.[test]'
	touch $(TEST_STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/ipcase serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

test: $(TEST_STAMP) lint
	$(BIN)/lint-imports
	IPCASE_TEST_DB=sqlite $(BIN)/python -m pytest
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL =="; \
		IPCASE_TEST_DB=postgresql $(BIN)/python -m pytest; \
	else \
		echo "PostgreSQL is not reachable at $(PG_URL): the PostgreSQL run was skipped"; \
		test -z "$$CI"; \
	fi

constraints: $(TEST_STAMP)
	{ sed -n '1,3p' constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -vi '^ipcase'; } > constraints.new
	mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
