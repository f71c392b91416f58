# Two commands on a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.paperpanels-installed
PYTEST_ARGS ?=

.PHONY: install demo test lint typecheck bench clean

$(STAMP): pyproject.toml constraints.txt infra/install.sh
	PYTHON=$(PYTHON) infra/install.sh $(VENV) dev
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/paperpanels digest neurips-2025

# pytest's exit code 5 means no test ran: that is a failure here.
test: install
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy flows tasks config

bench: install
	$(BIN)/python bench/digest_bench.py

clean:
	rm -rf $(VENV) artifacts .pytest_cache .mypy_cache .ruff_cache
