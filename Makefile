# 信易贷 platform — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SERVICES := auth-service product-service order-service credit-service notification-service
PACKAGES := common $(SERVICES) gateway
STAMP := $(VENV)/.installed

.PHONY: install run demo test lint unit e2e faults bench format clean web web-check browser manual fuzz image-test

# A fresh checkout builds its own virtual environment, pinned by constraints.txt.
$(STAMP): constraints.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt $(foreach p,$(PACKAGES),-e ./$(p)) \
		honcho ruff pytest pytest-timeout pyyaml kubernetes-validate playwright openpyxl \
		schemathesis openapi-spec-validator
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

# Each package's tests run in their own pytest process: every service has its own conftest and app.
unit: install
	@set -e; for p in $(PACKAGES) deploy; do \
		if [ -d $$p/tests ]; then echo "== $$p"; (cd $$p && ../$(BIN)/pytest -q tests); fi; \
	done

# The fault scenarios that fit a few minutes run here too; the long ones only in `make faults`.
e2e: install web browser
	$(BIN)/pytest -q tests-e2e -m "not fault_long"

# The fault suite (tests-e2e/test_faults*.py): broker cuts and forced closes, killed relays, consumers
# and services, a poison message, PostgreSQL and Redis outages, against the real processes.
faults: install
	$(BIN)/pytest -q tests-e2e -m fault

# The platform's figures under load: a table printed and written into docs/benchmarks.md (needs wrk).
bench: install
	$(BIN)/python scripts/bench.py

# The web console (web/, Vue + Vite): built into web/dist when missing or older than its sources.
web: install
	@$(BIN)/python scripts/build_web.py --strict

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
