# Cloister: `make run` starts a devnet chain, `make test` runs every test.
# Both install the system libraries they need when they are missing (Debian/Ubuntu).

SWIFT ?= swift
APT_PACKAGES := libsecp256k1-dev libsqlite3-dev libssl-dev pkg-config python3-venv
BENCHMARK_TARGET ?=

.PHONY: all deps build run check test client-test client-test-postgres pg-outage-check crash-test soak bench fuzz fuzz-corpus sanitize format reset-devnet clean

all: build

## deps: install the Debian packages the build links against, if any is missing
deps:
	@missing=""; \
	for package in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

## build: debug build of the `cloister` executable
build: deps
	$(SWIFT) build --product cloister

DEVNET_MASTER_KEY := .data/devnet-master.key

## run: starts a devnet node on Config/ (SQLite in .data/devnet, HTTP on 127.0.0.1:8545); Ctrl-C stops it
run: build
	@mkdir -p .data
	@[ -f $(DEVNET_MASTER_KEY) ] || .build/debug/cloister keys new-master $(DEVNET_MASTER_KEY)
	.build/debug/cloister node --config Config/cloister.toml

## check: repository checks, no build: the checks' own tests, the module graph (Package.swift, imports,
## docs/ARCHITECTURE.md) and the size limits; both checks report before either fails
check:
	python3 scripts/test_checks.py
	@status=0; \
	python3 scripts/check-architecture.py || status=1; \
	python3 scripts/check-sizes.py || status=1; \
	exit $$status

PG_TEST_STATE := .build/pg-test-cluster

## test: the repository checks first (they fail fast), every Swift test, then the web3.py client tests;
## a throwaway PostgreSQL cluster (scripts/pg-test-cluster.sh) runs for both and is stopped afterwards, also on failure
test: deps
	$(MAKE) check
	scripts/pg-test-cluster.sh start $(PG_TEST_STATE)
	@trap 'scripts/pg-test-cluster.sh stop $(PG_TEST_STATE)' EXIT INT TERM; \
	set -a; . ./$(PG_TEST_STATE)/env; set +a; \
	$(SWIFT) test && $(MAKE) client-test

VENV := .venv

## client-test: web3.py + eth-account (pinned, in .venv) against `cloister node` on loopback
client-test: deps
	$(SWIFT) build --product cloister
	@[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r Tests/ClientTests/requirements.txt
	cd Tests/ClientTests && CLOISTER_BINARY=$(CURDIR)/.build/debug/cloister ../../$(VENV)/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

## client-test-postgres: the whole web3.py suite with every node on PostgreSQL (a throwaway cluster of its own)
client-test-postgres: deps
	scripts/pg-test-cluster.sh start $(PG_TEST_STATE)
	@trap 'scripts/pg-test-cluster.sh stop $(PG_TEST_STATE)' EXIT INT TERM; \
	set -a; . ./$(PG_TEST_STATE)/env; set +a; \
	CLOISTER_CLIENT_STORE=postgres $(MAKE) client-test

## pg-outage-check: a node on PostgreSQL under a light load while the server stops for 20 s (not part of `make test`)
pg-outage-check: deps
	scripts/pg-test-cluster.sh start $(PG_TEST_STATE)
	@trap 'scripts/pg-test-cluster.sh stop $(PG_TEST_STATE)' EXIT INT TERM; \
	set -a; . ./$(PG_TEST_STATE)/env; set +a; \
	CLOISTER_PG_OUTAGE_SECONDS=$${CLOISTER_PG_OUTAGE_SECONDS:-20} $(MAKE) client-test PYTEST_ARGS="-s -k outage"

CRASH_ARGS ?= --node-kills 100 --l1-kills 20 --max-minutes 60

## crash-test: the crash harness at full length (Tests/ClientTests/crash_harness.py): a real node and a separate
## L1 process SIGKILLed (≥ 100 and ≥ 20 times) under a mixed load, everything acknowledged checked after each
## restart; prints a summary, fails on any loss. `make test` runs a short version (test_crash.py).
crash-test: deps
	$(SWIFT) build --product cloister
	@[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r Tests/ClientTests/requirements.txt
	cd Tests/ClientTests && CLOISTER_BINARY=$(CURDIR)/.build/debug/cloister ../../$(VENV)/bin/python crash_harness.py $(CRASH_ARGS)

SOAK_MINUTES ?= 30

## soak: a real node and a separate L1 under the crash harness's mixed load for SOAK_MINUTES (release build),
## nothing killed: memory, file descriptors and the proof backlog must stop growing, every periodic check and
## `audit verify` pass (Tests/ClientTests/soak.py). `make test` runs a short version (test_soak.py).
soak: deps
	$(SWIFT) build -c release --product cloister
	@[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r Tests/ClientTests/requirements.txt
	cd Tests/ClientTests && CLOISTER_BINARY=$(CURDIR)/.build/release/cloister ../../$(VENV)/bin/python soak.py --minutes $(SOAK_MINUTES)

## bench: the ordo-one benchmarks (release build, separate build folder); BENCHMARK_TARGET=Name for one
bench: deps
	CLOISTER_BENCHMARKS=1 $(SWIFT) package --scratch-path .build-bench --disable-sandbox benchmark \
	  $(if $(BENCHMARK_TARGET),--target $(BENCHMARK_TARGET),)

FUZZ_SECONDS ?= 60

## fuzz: the libFuzzer targets of Fuzz/ (release, ASan, .build-fuzz), each for FUZZ_SECONDS in turn
## (FUZZ_TARGETS="FuzzRLP …" for some, FUZZ_RUNS=N to stop sooner); prints the executions per target
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) SWIFT=$(SWIFT) scripts/fuzz.sh

## fuzz-corpus: regenerate the seed corpora in Fuzz/Corpus from ../shared/vectors and the repository
fuzz-corpus:
	python3 scripts/fuzz-corpus.py

SANITIZERS ?= address thread
SANITIZE_FILTER ?=

## sanitize: every Swift test under AddressSanitizer (with LeakSanitizer; .build-asan), then under
## ThreadSanitizer (.build-tsan); SANITIZERS=thread for one, SANITIZE_FILTER=Suite for some suites
sanitize: deps
	@for sanitizer in $(SANITIZERS); do \
	  scratch=.build-$$(echo $$sanitizer | sed 's/address/asan/;s/thread/tsan/'); \
	  echo "== swift test --sanitize=$$sanitizer ($$scratch)"; \
	  CLOISTER_SANITIZER=$$sanitizer LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan-suppressions.txt \
	    $(SWIFT) test --sanitize=$$sanitizer --scratch-path $$scratch $(if $(SANITIZE_FILTER),--filter '$(SANITIZE_FILTER)',) \
	    || exit 1; \
	done

## format: apply .swift-format to the sources and tests
format:
	$(SWIFT) format --in-place --recursive Sources Tests Benchmarks Package.swift

## reset-devnet: deletes the devnet chain data (keeps the master key)
reset-devnet:
	rm -rf .data/devnet

clean:
	rm -rf .build .build-bench .build-fuzz .build-asan .build-tsan .fuzz
