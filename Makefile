# 信易贷 platform — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The one list of services is scripts/procfile.py (SERVICES); plain python3 reads it.
SERVICES := $(shell $(PYTHON) scripts/procfile.py directories)
PACKAGES := $(shell $(PYTHON) scripts/procfile.py packages)
# Every package with unit tests (tests/), run side by side, UNIT_JOBS at a time.
UNIT_PACKAGES := $(PACKAGES) deploy
# Two: the machines that run it have two cores, and a package's tests wait on PostgreSQL, RabbitMQ
# and their own servers much of the time.
UNIT_JOBS ?= 2
# The end-to-end modules run on this many pytest-xdist workers, each with a platform of its own (a module
# stays on one worker: its fixtures build one world); 2 fits the machines' two cores and 24 GB.
E2E_JOBS ?= 2
STAMP := $(VENV)/.installed

.PHONY: install run demo test test-times lint unit e2e faults faults-long bench bench-loans format clean web web-check browser manual fuzz image-test

# A fresh checkout builds its own virtual environment, pinned by constraints.txt.
$(STAMP): constraints.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt $(foreach p,$(PACKAGES),-e ./$(p)) \
		honcho ruff pytest pytest-timeout pytest-xdist pyyaml kubernetes-validate playwright openpyxl \
		schemathesis openapi-spec-validator hypothesis
	touch $(STAMP)

install: $(STAMP)

run: install
	@$(BIN)/python scripts/build_web.py
	@$(BIN)/python scripts/run.py

# Loads the Xuchang demo data set into a running platform (`make run` in another terminal) through
# the public API: regions, institutions with their users, products, credit records.
demo: install
	@$(BIN)/python scripts/demo.py

test: install lint web-check unit e2e

lint: install
	$(BIN)/ruff check .

# Where `make test`'s time goes: each step, each package's units, each end-to-end module, the platform and
# browser start-ups inside them, and the tests collected and passed (a table; the README's is its output).
test-times: install browser
	$(BIN)/python scripts/test_times.py --packages $(UNIT_PACKAGES) --unit-jobs $(UNIT_JOBS) \
		--e2e-args "-n $(E2E_JOBS) --dist loadfile --no-loadscope-reorder -m 'not fault_long'"

# Each package's tests run in their own pytest process (every service has its own conftest and app),
# UNIT_JOBS side by side, the slowest first; it prints each package's tests collected and passed.
unit: install
	$(BIN)/python scripts/run_units.py --jobs $(UNIT_JOBS) $(UNIT_PACKAGES)

# The fault scenarios that fit a few minutes run here too; the long ones only in `make faults`.
e2e: install web browser
	$(BIN)/pytest -q -n $(E2E_JOBS) --dist loadfile --no-loadscope-reorder tests-e2e -m "not fault_long"

# The fault suite (tests-e2e/test_faults*.py): broker cuts and forced closes, killed relays, consumers
# and services, a poison message, PostgreSQL and Redis outages, against the real processes.
faults: install
	$(BIN)/pytest -q tests-e2e -m fault

# Only the two long fault scenarios (tests-e2e/test_faults_long.py); `.ci/run` runs them after `make test`.
faults-long: install
	$(BIN)/pytest -q tests-e2e -m fault_long

# The platform's figures under load: a table printed and written into docs/benchmarks.md (needs wrk).
bench: install
	$(BIN)/python scripts/bench.py

# /loans/stats at 1,000,000 loans with their schedules (loan-service/bench/bench_loans.py): p50/p95 per
# typical query against the contract's 100 ms, on a throw-away PostgreSQL database (docs/benchmarks.md).
bench-loans: install
	cd loan-service && ../$(BIN)/python bench/bench_loans.py $(BENCH_ARGS)

# The web console (web/, Vue + Vite): built into web/dist when missing or its sources changed (a content
# hash, so a fresh clone builds once and a rerun with nothing changed skips it; `npm ci` likewise by the lock),
# then the JavaScript the portal's first page costs, printed and held to ≤ 250 KB gzipped (scripts/bundle_size.py).
web: install
	@$(BIN)/python scripts/build_web.py --strict
	@$(BIN)/python scripts/bundle_size.py --check

# Type check + eslint, and the unit tests of the API client and the forms (vitest); docs/openapi.json
# and the TypeScript types generated from it (web/src/api/schema.d.ts) must match the code: after
# changing an endpoint, `.venv/bin/python scripts/openapi_document.py && (cd web && npm run api-types)`.
web-check: install
	@$(BIN)/python scripts/build_web.py --strict --deps-only
	$(BIN)/python scripts/openapi_document.py --check
	cd web && npm run lint && npm test && npm run api-types:check

# schemathesis over every service's API document for longer than `make test` does (100 examples per
# operation and caller instead of 4; XYD_FUZZ_EXAMPLES overrides).
fuzz: install
	XYD_FUZZ_EXAMPLES=$${XYD_FUZZ_EXAMPLES:-100} $(BIN)/pytest -q tests-e2e/test_api_documents.py -k schemathesis

# Chromium and a CJK font for the browser tests in tests-e2e/ (installed with apt when root).
browser:
	@scripts/ensure_browser.sh

# The screenshots of the manuals (docs/manual/institution/, enterprise/, admin/, government/), from the
# browser walk-throughs.
manual: install web browser
	XYD_MANUAL_SCREENSHOTS=1 $(BIN)/pytest -q tests-e2e/test_web_institution.py -k "walk_through or phone"
	XYD_MANUAL_SCREENSHOTS=1 $(BIN)/pytest -q tests-e2e/test_web_enterprise.py tests-e2e/test_web_portal.py tests-e2e/test_web_credit_rights.py
	XYD_MANUAL_SCREENSHOTS=1 $(BIN)/pytest -q tests-e2e/test_web_admin.py tests-e2e/test_web_government.py
	XYD_MANUAL_SCREENSHOTS=1 $(BIN)/pytest -q tests-e2e/test_web_loans.py
	XYD_MANUAL_SCREENSHOTS=1 $(BIN)/pytest -q tests-e2e/test_web_instruments.py
	XYD_MANUAL_SCREENSHOTS=1 $(BIN)/pytest -q tests-e2e/test_web_subsidies.py

# The image for real (deploy/image_test.py): builds deploy/Dockerfile on a base made from Debian's
# packages, runs the platform in containers against this host's PostgreSQL, RabbitMQ and Redis with two
# order-service replicas, and walks the main flow through the gateway container before and after one
# replica stops. As root; about 5 minutes with the base image cached (README.md). Not part of `make test`:
# it starts a Docker engine and a dozen-and-a-half containers, too much for a shared 2-core machine.
image-test: install
	$(BIN)/python deploy/image_test.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var web/node_modules web/dist
