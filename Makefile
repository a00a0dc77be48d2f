# Taquilla — developer entry points. See README for details.
#
#   make run      PostgreSQL (+ Redis if available), migrate, demo data, serve on 127.0.0.1:8080
#   make test     the whole workspace with cargo-nextest against real PostgreSQL, then the web app's
#                 checks and its browser end-to-end suite (scripts/web-test.sh)
#   make screenshots  the README's pictures (docs/screenshots/), taken by the browser journey
#   make lint     rustfmt check + clippy with warnings denied
#   make fmt      format the code
#   make openapi  regenerate openapi/openapi.json
#   make bench    load benchmarks (bench/run.sh three times by spread.sh, graphql.sh, fanout.sh, webhooks.sh, search.sh, scripting.sh, pricing.sh, web.sh)
#   make bench-graphql  GraphQL beside REST only (bench/graphql.sh)
#   make bench-fanout   1,000 subscribers, one seat change (bench/fanout.sh)
#   make bench-webhooks webhook deliveries/s to a local receiver (bench/webhooks.sh)
#   make bench-search   search req/s with and without the Redis cache, 10,000 events (bench/search.sh)
#   make bench-scripting  per-evaluation time of the plugins/ scripts (criterion; bench/scripting.sh)
#   make bench-pricing  flash sale with a pricing script and a scripted coupon beside without (bench/pricing.sh)
#   make bench-web      storefront initial bundle (gzip) and first render in headless Chromium (bench/web.sh)
#   make audit-verify   verify every tenant's audit hash chain
#
# Variables: CARGO (default cargo), TEST_ARGS (extra args for the test runner,
# e.g. `make test TEST_ARGS='-E test(orders)'`).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
TEST_ARGS ?=
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
BIN := $(TARGET_DIR)/debug/taquilla

# Bring services up and load their environment into the recipe's shell.
# (Assign first: `eval "$(cmd)"` alone would ignore cmd's exit status.)
SERVICES = svc_env="$$(scripts/services.sh)" || exit $$?; eval "$$svc_env"

.PHONY: help run test screenshots lint fmt openapi bench bench-graphql bench-fanout bench-webhooks bench-search bench-scripting bench-pricing bench-web audit-verify services services-stop

help:
	@sed -n 's/^#   make /  make /p' $(firstword $(MAKEFILE_LIST))

run:
	@$(SERVICES); \
	scripts/web-build.sh || echo "make run: the web app could not be built; serving the APIs only" >&2; \
	$(CARGO) build -p taquilla; \
	$(BIN) migrate; \
	$(BIN) demo; \
	exec $(BIN) serve

# The exit status is the tests'; leftover taquilla_test_* databases are
# dropped afterwards whatever happened (also on Ctrl-C).
test:
	@$(SERVICES); \
	trap 'scripts/drop-test-dbs.sh || true' EXIT; \
	$(CARGO) build -p taquilla; \
	if $(CARGO) nextest --version >/dev/null 2>&1 || $(CARGO) install --locked cargo-nextest; then \
		$(CARGO) nextest run --workspace --no-fail-fast $(TEST_ARGS); \
	else \
		echo "make test: cargo-nextest unavailable; falling back to cargo test" >&2; \
		$(CARGO) test --workspace --no-fail-fast $(TEST_ARGS); \
	fi; \
	TAQUILLA_BIN=$(BIN) scripts/web-test.sh

# The README's pictures, taken by the browser journey on a fresh database.
screenshots:
	@$(SERVICES); \
	$(CARGO) build -p taquilla; \
	scripts/web-build.sh; \
	E2E_SHOWCASE_DIR=$(CURDIR)/docs/screenshots TAQUILLA_BIN=$(BIN) scripts/e2e.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

# Written to a temporary file first so a failed run leaves the old copy intact.
openapi:
	@$(SERVICES); \
	mkdir -p openapi; \
	trap 'rm -f openapi/openapi.json.tmp' EXIT; \
	$(CARGO) run -q -p taquilla -- openapi > openapi/openapi.json.tmp; \
	mv openapi/openapi.json.tmp openapi/openapi.json

bench:
	@$(SERVICES); \
	./bench/spread.sh; \
	./bench/graphql.sh; \
	./bench/fanout.sh; \
	./bench/webhooks.sh; \
	./bench/search.sh; \
	./bench/scripting.sh; \
	./bench/pricing.sh; \
	./bench/web.sh

bench-web:
	@$(SERVICES); \
	./bench/web.sh

bench-webhooks:
	@$(SERVICES); \
	./bench/webhooks.sh

bench-graphql:
	@$(SERVICES); \
	./bench/graphql.sh

bench-fanout:
	@$(SERVICES); \
	./bench/fanout.sh

bench-search:
	@$(SERVICES); \
	./bench/search.sh

bench-scripting:
	./bench/scripting.sh

bench-pricing:
	@$(SERVICES); \
	./bench/pricing.sh

audit-verify:
	@$(SERVICES); \
	$(BIN) audit verify --all

# Just bring the services up (e.g. before `eval "$$(scripts/services.sh)"` in a shell).
services:
	@scripts/services.sh >/dev/null

services-stop:
	@scripts/services.sh stop
