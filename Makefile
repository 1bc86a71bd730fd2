# The two commands in the README are `make run` and `make test`; everything else is a helper they call.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=
PORT ?= 8000

.PHONY: run test test-full install install-dev lint browser-deps clean

$(VENV)/.runtime: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install '.'
	touch $@

# ComfyUI 0.30.0's own frontend beside the newer one in [dev]: the canvas browser tests run both.
FRONTEND_0300 := comfyui-frontend-package==1.48.7

$(VENV)/.dev: pyproject.toml Makefile $(VENV)/.runtime
	$(PIP) install '.[dev]'
	$(PIP) install --no-deps --upgrade --target $(VENV)/frontends/1.48.7 '$(FRONTEND_0300)'
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## run: install, migrate, seed the demo account and serve http://127.0.0.1:$(PORT) (SQLite, in-process
## tasks); `make run PORT=9000` serves on another port (links, e-mails and the sandbox follow it)
run: install
	$(PY) manage.py serve --port $(PORT)

## test: install and run the whole suite, on PostgreSQL and Redis when they answer on 127.0.0.1:5432/6379
## (tests/services.py; SQLite and local memory otherwise; DATABASE_URL/REDIS_URL override);
## the figures (quality.md) go to var/test-figures.txt
test: install-dev browser-deps
	@eval "$$($(PY) -m tests.services)" && $(PY) -m pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

## test-full: the ledger and payment suites at quality.md's full counts (1,000 concurrent reserves,
## 1,000 state-machine examples, 200 x 32 webhook deliveries); needs PostgreSQL (DATABASE_URL)
test-full: install-dev
	@eval "$$($(PY) -m tests.services)" && \
	LEDGER_FULL=1 PAYMENTS_FULL=1 $(PY) -m pytest -n $${PYTEST_WORKERS:-2} tests/billing $(PYTEST_ARGS)

## browser-deps: Debian's chromium for the Playwright tests (never a downloaded browser build): when it is
## missing and this runs as root, `apt-get install chromium` (said on screen first); else a hint
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "browser-deps: chromium is missing; running 'apt-get update && apt-get install chromium' (as root) for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	      && echo "browser-deps: installed $$(chromium --version 2>/dev/null || echo chromium)"; \
	  else echo "browser-deps: chromium is missing: apt-get install chromium (browser tests will be skipped)"; fi; }

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
