# The two commands in the README are `make run` and `make test`; everything else is a helper they call.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=

.PHONY: run test test-full install install-dev lint browser-deps clean

$(VENV)/.runtime: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install '.'
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.runtime
	$(PIP) install '.[dev]'
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## run: install, migrate, seed the demo account and serve http://127.0.0.1:8000 (SQLite, in-process tasks)
run: install
	$(PY) manage.py serve

## test: install and run the whole suite, on PostgreSQL and Redis when they answer on 127.0.0.1:5432/6379
## (tests/services.py; SQLite and local memory otherwise; DATABASE_URL/REDIS_URL override)
test: install-dev browser-deps
	@eval "$$($(PY) -m tests.services)" && $(PY) -m pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

## test-full: the ledger and payment suites at quality.md's full counts (1,000 concurrent reserves,
## 1,000 state-machine examples, 200 x 32 webhook deliveries); needs PostgreSQL (DATABASE_URL)
test-full: install-dev
	@eval "$$($(PY) -m tests.services)" && \
	LEDGER_FULL=1 PAYMENTS_FULL=1 $(PY) -m pytest -n $${PYTEST_WORKERS:-2} tests/billing $(PYTEST_ARGS)

## browser-deps: Debian's chromium for the Playwright tests (never a downloaded browser build)
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: apt-get install chromium (browser tests will be skipped)"; fi; }

## lint: ruff (format + rules), mypy, migrations check, deploy check under production settings
lint: install-dev
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run
	COMFYWEB_ENV=production DEBUG=0 \
	SECRET_KEY=ci-only-dummy-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz \
	ALLOWED_HOSTS=comfyweb.example.com PUBLIC_BASE_URL=https://comfyweb.example.com \
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/comfyweb REDIS_URL=redis://127.0.0.1:6379/0 \
	STRIPE_SECRET_KEY=sk_test_ci_dummy STRIPE_WEBHOOK_SECRET=whsec_ci_dummy \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
