# The Fenod guide's package.json scripts, the Python way.
#
#   make predeploy                 format check, lint, type check, tests
#   make deploy-staging            predeploy, then `pulumi up -s staging` (CI: secrets already in the env)
#   make deploy-prod               predeploy, then the gated promotion of staging's commit to prod
#   make deploy-staging-secrets    the same, wrapped in secret injection from Infisical (/cloudflare) for local use
#   make deploy-prod-secrets
#
# PREDEPLOY=0 skips predeploy (CI jobs that already ran it on the same commit).
VENV    ?= .venv
FENOD   ?= $(VENV)/bin/fenod-infra
PULUMI  ?= pulumi
PREDEPLOY ?= 1
predeploy_dep = $(if $(filter 0,$(PREDEPLOY)),,predeploy)

.PHONY: predeploy deploy-staging deploy-prod deploy-staging-secrets deploy-prod-secrets preview-staging preview-prod plan-staging plan-prod

predeploy:
	scripts/install-actionlint
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

deploy-staging: $(predeploy_dep)
	$(PULUMI) up -s staging --yes --non-interactive

deploy-prod: $(predeploy_dep)
	$(FENOD) promote --from staging --to prod

deploy-staging-secrets:
	$(FENOD) run --stack staging --path /cloudflare -- $(MAKE) deploy-staging

deploy-prod-secrets:
	$(FENOD) run --stack prod --path /cloudflare -- $(MAKE) deploy-prod

preview-%:
	$(PULUMI) preview -s $* --diff --non-interactive

plan-%:
	$(FENOD) plan --stack $*
