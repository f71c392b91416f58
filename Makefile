# Two commands on a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.paperpanels-installed
PYTEST_ARGS ?=
# Three pytest-xdist workers on 2 cores: much of the suite waits on servers and subprocesses, and two
# workers kept only ~1.5 cores busy (970 s wall; three: 709 s; measured again on one tree after the
# servers were lightened: two 555 s / 786 CPU-s, three 511 s / 826 CPU-s). Tests are handed out one by one as
# workers free up, except groups, each run by one worker one after another (tests/conftest.py marks
# them: the heavy end-to-end tests, the tests that load a diffusion pipeline, a module whose tests
# share a module-scoped fixture); the longest chains go out first (conftest's order, not xdist's by
# number of tests: --no-loadscope-reorder). Each worker starts one Prefect server beside its first tests.
# TEST_WORKERS=0 runs everything in this process.
TEST_WORKERS ?= 3
# Every test's cost counts: the run prints the slowest and the most costly, and fails when one costs
# more CPU seconds (its own processes': the same on a busy runner as on an idle box) than
# MAX_TEST_SECONDS, or takes more wall time than MAX_TEST_WALL_SECONDS (tests/timing.py).
MAX_TEST_SECONDS ?= 60
MAX_TEST_WALL_SECONDS ?= 240
# Tests run with bytecode caching on even where the shell sets PYTHONDONTWRITEBYTECODE (this kind of
# machine does): otherwise every worker and every CLI subprocess compiles the project again, and pytest
# assertion-rewrites every test module again in each worker (~1 CPU-s per process; 5 per worker).
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest

.PHONY: install demo test test-quick lint typecheck bench clean

$(STAMP): pyproject.toml requirements.lock infra/install.sh
	PYTHON=$(PYTHON) infra/install.sh $(VENV) dev
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/paperpanels digest neurips-2025

# pytest's exit code 5 means no test ran: that is a failure here.
test: install
	@$(PYTEST) -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder --max-test-seconds $(MAX_TEST_SECONDS) \
	  --max-test-wall-seconds $(MAX_TEST_WALL_SECONDS) \
	  $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

# The quick loop while you work: every test that needs no server process (Prefect, S3, Redis,
# Postgres), no browser and no CLI end to end. `make test` before you push: it runs everything.
test-quick: install
	@$(PYTEST) -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder -m "not server" -q $(PYTEST_ARGS); rc=$$?; \
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
