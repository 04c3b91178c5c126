# 信易贷 platform — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SERVICES := auth-service product-service order-service credit-service notification-service
PACKAGES := common $(SERVICES) gateway
STAMP := $(VENV)/.installed

.PHONY: install run demo test lint unit e2e format clean web web-check browser manual

# A fresh checkout builds its own virtual environment, pinned by constraints.txt.
$(STAMP): constraints.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt $(foreach p,$(PACKAGES),-e ./$(p)) \
		honcho ruff pytest pytest-timeout pyyaml kubernetes-validate playwright openpyxl
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

e2e: install web browser
	$(BIN)/pytest -q tests-e2e

# The web console (web/, Vue + Vite): built into web/dist when missing or older than its sources.
web: install
	@$(BIN)/python scripts/build_web.py --strict

# Type check + eslint, and the unit tests of the API client and the forms (vitest).
web-check: install
	@$(BIN)/python scripts/build_web.py --strict --deps-only
	cd web && npm run lint && npm test

# Chromium and a CJK font for the browser tests in tests-e2e/ (installed with apt when root).
browser:
	@scripts/ensure_browser.sh

# The screenshots of the manuals (docs/manual/institution/, docs/manual/enterprise/), from the browser
# walk-throughs.
manual: install web browser
	XYD_MANUAL_SCREENSHOTS=1 $(BIN)/pytest -q tests-e2e/test_web_institution.py -k "walk_through or phone"
	XYD_MANUAL_SCREENSHOTS=1 $(BIN)/pytest -q tests-e2e/test_web_enterprise.py tests-e2e/test_web_portal.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var web/node_modules web/dist
