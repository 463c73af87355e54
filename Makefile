# Wallets service. `make run` serves the API locally; `make test` runs everything CI runs.
# Both create the virtualenv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
CHECKOV_VENV := .venv-checkov
SCHEMATHESIS_VENV := .venv-schemathesis
LOCALSTRIPE_VENV := .venv-localstripe
CODEGEN_VENV := .venv-codegen
GENERATORS_VENV := .venv-generators
PORT ?= 3000
export AWS_DEFAULT_REGION ?= us-east-1
export AWS_ACCOUNT_ID_ENDPOINT_MODE ?= disabled
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export SAM_CLI_TELEMETRY := 0

.PHONY: help run run-clean localstripe client-models openapi-generators chromium test lint format typecheck template openapi openapi-check requirements currency-table build invoke \
        bench soak clean docs

help:
	@echo "make run        serve the API on http://127.0.0.1:$(PORT) (DynamoDB Local, data kept in .local/)"
	@echo "make run-clean  the same, starting from an empty DynamoDB Local"
	@echo "make docs       the API reference from docs/openapi.json (.local/docs/, served by make run at /docs)"
	@echo "make localstripe  a fake Stripe on :$(LOCALSTRIPE_PORT) for PAYMENT_GATEWAY=stripe make run (README Payments)"
	@echo "make test       lint, type check, template checks and the whole test suite"
	@echo "make invoke FUNCTION=GetWalletFunction EVENT=events/get_wallet.json"
	@echo "make bench      performance budgets (docs/contract.md section 7)"
	@echo "make soak       long concurrency race and property runs"
	@echo "make build      sam build (python3.13 via pyenv when present), and each function's size"

$(VENV)/.installed: pyproject.toml clients/python/pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	@echo "== Installing the service's Python packages into $(VENV) (once; about a minute and a half) =="
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install --progress-bar on -e ".[dev]" -e ./clients/python
	@touch $@

$(SAM_VENV)/.installed:
	@echo "== Installing aws-sam-cli into $(SAM_VENV) (once) =="
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --progress-bar on aws-sam-cli
	@touch $@

# checkov has its own virtualenv: its dependency pins would fight the service's.
$(CHECKOV_VENV)/.installed:
	@echo "== Installing checkov into $(CHECKOV_VENV) (once) =="
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --progress-bar on checkov==3.3.30
	@touch $@

# schemathesis too (tests/e2e/test_contract.py runs it against the local server).
$(SCHEMATHESIS_VENV)/.installed:
	@echo "== Installing schemathesis into $(SCHEMATHESIS_VENV) (once) =="
	$(PYTHON) -m venv $(SCHEMATHESIS_VENV)
	$(SCHEMATHESIS_VENV)/bin/pip install --progress-bar on schemathesis==4.32.5
	@touch $@

# localstripe (a fake Stripe server: tests/e2e/test_stripe.py, and `make run` against it; README "Payments"),
# served through local/localstripe_server.py, which adds the Stripe behaviours localstripe lacks.
$(LOCALSTRIPE_VENV)/.installed:
	@echo "== Installing localstripe into $(LOCALSTRIPE_VENV) (once) =="
	$(PYTHON) -m venv $(LOCALSTRIPE_VENV)
	$(LOCALSTRIPE_VENV)/bin/pip install --progress-bar on localstripe==1.15.10
	@touch $@

# datamodel-code-generator: the Python client's models from docs/openapi.json (tests/client/test_drift.py).
$(CODEGEN_VENV)/.installed:
	@echo "== Installing datamodel-code-generator into $(CODEGEN_VENV) (once) =="
	$(PYTHON) -m venv $(CODEGEN_VENV)
	$(CODEGEN_VENV)/bin/pip install --progress-bar on datamodel-code-generator==0.89.0
	@touch $@

# openapi-python-client and mypy: a client generated from docs/openapi.json by a generator we do not
# control must type-check (tests/unit/test_openapi_generators.py; openapi-typescript is the TypeScript
# client's own, in clients/typescript/node_modules).
openapi-generators: $(GENERATORS_VENV)/.installed
$(GENERATORS_VENV)/.installed:
	@echo "== Installing openapi-python-client and mypy into $(GENERATORS_VENV) (once) =="
	$(PYTHON) -m venv $(GENERATORS_VENV)
	$(GENERATORS_VENV)/bin/pip install --progress-bar on openapi-python-client==0.29.1 mypy==2.4.1
	@touch $@

# Debian's chromium and chromium-driver for the portal's browser test (tests/e2e/test_portal.py):
# installed with apt-get when missing and possible (root); otherwise that test skips and says why.
chromium:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      echo "== Installing Debian's chromium and chromium-driver with apt-get (once; a minute or two) =="; \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium chromium-driver \
	        >/dev/null || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	        --no-install-recommends chromium chromium-driver >/dev/null; }; \
	    else echo "chromium/chromedriver missing (apt-get install chromium chromium-driver): the browser test skips"; fi; }

client-models: $(CODEGEN_VENV)/.installed
	$(CODEGEN_VENV)/bin/python clients/python/tools/generate_models.py

LOCALSTRIPE_PORT ?= 8420
localstripe: $(LOCALSTRIPE_VENV)/.installed
	$(LOCALSTRIPE_VENV)/bin/python local/localstripe_server.py --port $(LOCALSTRIPE_PORT) --from-scratch

# DynamoDB Local (installed into .local/ on first use; needs java, else moto). LOCAL_ENGINE=moto for
# the embedded moto, DYNAMODB_ENDPOINT_URL=... for an engine of your own.
run: $(VENV)/.installed
	PORT=$(PORT) $(PY) -m local.server

run-clean: $(VENV)/.installed
	PORT=$(PORT) $(PY) -m local.server --fresh

# The API reference (Redoc, pinned in docs/reference/package-lock.json; needs node 20.19+ and npm), built
# again only when docs/openapi.json changed; `make run` builds it too, and serves it at /docs.
docs: $(VENV)/.installed
	$(PY) -m local.reference

# Every DynamoDB test runs twice, [moto] and [ddb] (DynamoDB Local), in pytest-xdist workers: one per
# core, at most 4 (each worker runs its own DynamoDB Local and two e2e servers).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n < 4 ? n : 4 )))

test: $(VENV)/.installed $(SCHEMATHESIS_VENV)/.installed $(LOCALSTRIPE_VENV)/.installed $(CODEGEN_VENV)/.installed \
      $(GENERATORS_VENV)/.installed \
      chromium lint typecheck template openapi-check
	$(PY) -m pytest -n $(TEST_WORKERS)

# lint-imports: the import contracts in pyproject.toml ([tool.importlinter]; the layer is on the path as
# in Lambda, functions/ is read as a namespace package).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=layers/wallets $(VENV)/bin/lint-imports --no-cache

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

template: $(VENV)/.installed $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint --template template.yaml
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml -f template.yaml

openapi: $(VENV)/.installed
	$(PY) -m local.openapi --write docs/openapi.json

openapi-check: $(VENV)/.installed
	$(PY) -m local.openapi --check docs/openapi.json

# Each layer's requirements.txt (wallets, payments, auth), its whole tree pinned but boto3/botocore.
requirements: $(VENV)/.installed
	$(PY) -m local.requirements --write

# The currency symbols money.py formats with, from babel (a development dependency: its CLDR data is
# 32 MB); tests/unit/test_currency_table.py fails when the committed table is not what this prints.
currency-table: $(VENV)/.installed
	$(PY) -m local.currency_table > layers/wallets/wallets/currency_table.py

# Lambda's code directories are read-only, so a package without bytecode compiles every module on
# every cold start: compile it with the runtime's Python (hash-checked, as zip timestamps are not
# kept) into what sam build made (docs/decisions.md 42). Then each function's code plus its layers,
# unzipped: over 50 MB fails (local/layers.py).
build: $(SAM_VENV)/.installed $(VENV)/.installed
	PYENV_VERSION=3.11.7:3.13.0 $(SAM) build
	PYENV_VERSION=3.11.7:3.13.0 python3.13 -m compileall -q -j 0 --invalidation-mode checked-hash .aws-sam/build
	$(PY) -m local.layers

invoke: $(VENV)/.installed
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || (echo "usage: make invoke FUNCTION=<LogicalId> EVENT=events/<file>.json"; exit 2)
	$(PY) -m local.invoke $(FUNCTION) $(EVENT)

bench: $(VENV)/.installed
	$(PY) -m bench

# The long races: 8 writers x 50 operations on one wallet, reconcile alongside writers for a minute,
# and more examples of the stateful property test, each on both engines (moto and DynamoDB Local).
# Not part of `make test` (which runs the same tests shorter).
soak: $(VENV)/.installed
	WALLETS_RACE_OPS=50 WALLETS_PROPERTY_EXAMPLES=100 RECONCILE_RACE_SECONDS=60 $(PY) -m pytest -n $(TEST_WORKERS) \
		tests/integration/test_concurrency.py tests/property \
		tests/integration/test_jobs.py::test_reconcile_alongside_writers_reports_no_false_drift

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) $(SCHEMATHESIS_VENV) $(LOCALSTRIPE_VENV) $(CODEGEN_VENV) $(GENERATORS_VENV) .aws-sam .mypy_cache .ruff_cache .hypothesis .local/dynamodb-local
