# Two commands on a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.paperpanels-installed
PYTEST_ARGS ?=
# Two pytest-xdist workers, each test module on one worker (its servers are module fixtures): the
# end-to-end tests mostly wait on servers and subprocesses, so two workers fit two cores (measured
# with CI=1: 780 s serial, 493-627 s on two). xdist's default order (modules with the most tests
# first) mixes the slow end-to-end modules with quick ones; running the slow ones first made both
# workers fight over the cores (667 s). TEST_WORKERS=0 runs everything in this process.
TEST_WORKERS ?= 2

.PHONY: install demo test lint typecheck bench clean

$(STAMP): pyproject.toml requirements.lock infra/install.sh
	PYTHON=$(PYTHON) infra/install.sh $(VENV) dev
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/paperpanels digest neurips-2025

# pytest's exit code 5 means no test ran: that is a failure here.
test: install
	@$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy flows tasks config

bench: install
	$(BIN)/python bench/digest_bench.py

# The current digest of SLUG in headless Chromium at 1280, 768 and 390 px, before publishing it
# anywhere: artifacts/<slug>/screenshots/digest-<width>.png (REVIEWS=1: each review.html too).
SLUG ?= neurips-2025
.PHONY: screenshots
screenshots: install
	$(BIN)/python scripts/screenshots.py $(SLUG) $(if $(REVIEWS),--reviews)

clean:
	rm -rf $(VENV) artifacts .pytest_cache .mypy_cache .ruff_cache

# The Postgres-backed Prefect server e2e (tests marked `postgres`): makes a local Postgres answer on
# 127.0.0.1 (installs postgresql with apt only where no server binaries exist), creates the database,
# then runs the digest flow against a `prefect server` on it.
.PHONY: test-postgres
TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/paperpanels_prefect
test-postgres: install
	infra/postgres-local.sh
	@PAPERPANELS_TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest -m postgres $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no postgres tests: failing" >&2; exit 1; fi; exit $$rc
