# The two commands: `make run` serves the demo county, `make test` runs the checks and tests.
# Both create .venv and install the project first; the local Neo4j is built on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# The graphql-http audit suite (tests/api/test_http_audit.py runs it with node); reinstalled when its lock changes.
AUDIT := tests/http_audit
AUDIT_DEPS := $(AUDIT)/node_modules/.package-lock.json

.PHONY: setup run test lint bench soak schema neo4j clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)
	$(BIN)/python -c "from graph.local_neo4j import build_launcher; build_launcher()"

run: setup
	$(BIN)/yimaqing serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup lint $(AUDIT_DEPS)
	env -u NEO4J_URI $(BIN)/pytest

$(AUDIT_DEPS): $(AUDIT)/package.json $(AUDIT)/package-lock.json
	npm ci --prefix $(AUDIT) --no-audit --no-fund
	@touch $@

bench: setup
	$(BIN)/python -m bench.run

# The property-based test with many more generated queries than the test command runs.
soak: setup
	env -u NEO4J_URI PROPERTY_EXAMPLES=$${PROPERTY_EXAMPLES:-3000} $(BIN)/pytest tests/api/test_property.py

schema: $(STAMP)
	$(BIN)/yimaqing schema --output schema/schema.graphql

neo4j: setup
	$(BIN)/yimaqing neo4j

clean:
	rm -rf $(VENV) graph/launcher/target .mypy_cache .ruff_cache .pytest_cache $(AUDIT)/node_modules
