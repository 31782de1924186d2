# atflrec: build, test, benchmark and reproduce.
#
#   make test        install what is missing, build (release), run every test
#   make paper       the paper's tables I-V (PROFILE=quick for a pipeline check; see make/paper.mk)
#   make verify      a reviewer's check: re-derive the committed results within an hour (see README)
#   make reproduce   from a fresh clone: deps, tests, verify (see README)
#   make bench       speed, side by side with the reference implementations
#   make paper-slurm the plan as Slurm job arrays; make test-cluster checks it on a local Slurm
#   make fixtures    regenerate the golden fixtures from the reference implementations
#
# Area-specific rules live in make/*.mk (included below); they extend the variables here.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build
.DELETE_ON_ERROR:

PYTHON ?= python3
SWIFT ?= swift
PIP := $(PYTHON) -m pip --disable-pip-version-check
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CACHE := .cache

# Release builds target the CPU's vector units when it has AVX2 and FMA (all machines of this
# project's kind do): without it, Swift's SIMD fused multiply-add compiles to slow libm calls.
# It is passed on the command line, not as unsafeFlags in Package.swift. Results are
# deterministic per machine kind; a CPU without FMA rounds differently in the last bits.
CPU_FLAGS := $(shell grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && echo "-Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DATFLREC_TARGET_HASWELL")
RELEASE := -c release $(CPU_FLAGS)
# Programs that train or benchmark also let the optimiser specialise the generic autograd code
# across modules (Tape<Float> from the text and model targets); without it, element-wise ops run
# as unspecialised generics and a MiniLM epoch is several times slower. Tests build with it too:
# the CLI tests train ATFLRec through the `atflrec` binary of the test build (measured: one
# layout of the synthlens CI run took over 8 minutes without it, under 2 with it), and the
# build costs about the same.
PROGRAM := $(RELEASE) -Xswiftc -cross-module-optimization -Xswiftc -DATFLREC_CROSS_MODULE_OPTIMIZATION
BIN := .build/release

# OpenBLAS starts one thread per core unless told otherwise; tests run in parallel, so each
# BLAS call there uses one thread. Benchmarks and experiments set their own counts.
TEST_ENV := OPENBLAS_NUM_THREADS=1

APT_PACKAGES := pkg-config libopenblas-dev libfftw3-dev libsndfile1-dev libhdf5-dev libsamplerate0-dev
PIP_REQUIREMENTS := requirements/ci.txt
# Fragments add prerequisites (fetched weights, data) and benchmark steps to these.
TEST_PREREQUISITES :=
BENCH_STEPS :=
FIXTURE_STEPS :=

include $(sort $(wildcard make/*.mk))

.PHONY: help deps deps-fixtures build test bench fixtures reproduce clean

help:
	@sed -n '3,10p' Makefile

# Idempotent and quiet when everything is present: only missing packages are installed.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@$(PYTHON) tools/requirements_met.py $(PIP_REQUIREMENTS) || \
	  $(PIP) install -q --root-user-action=ignore -r $(PIP_REQUIREMENTS)

deps-fixtures: deps
	@$(PYTHON) tools/requirements_met.py requirements/fixtures.txt || \
	  $(PIP) install -q --root-user-action=ignore -r requirements/fixtures.txt

build: deps
	$(SWIFT) build $(PROGRAM)

test: deps $(TEST_PREREQUISITES)
	$(TEST_ENV) $(SWIFT) test $(PROGRAM) -Xswiftc -enable-testing

bench: deps-fixtures
	$(SWIFT) build $(PROGRAM) --product atflrec-bench
	$(BIN)/atflrec-bench
	@for step in $(BENCH_STEPS); do $(MAKE) --no-print-directory $$step; done

# Regenerates every committed golden fixture from the pinned reference implementations.
fixtures: deps-fixtures
	$(PYTHON) Tests/Fixtures/random/make_random_golden.py > Tests/Fixtures/random/golden.json.tmp
	mv Tests/Fixtures/random/golden.json.tmp Tests/Fixtures/random/golden.json
	@for step in $(FIXTURE_STEPS); do $(MAKE) --no-print-directory $$step; done

# From a fresh clone: dependencies, data and weights (hash-checked), build, the test suite, then
# `make verify` with its default budget, which re-trains runs and compares them byte for byte.
# It ends by saying plainly what was re-trained and what was only read back. Re-training every
# run is `make paper FRESH=1` (the whole plan's compute).
reproduce: test
	$(MAKE) --no-print-directory verify PROFILE=$(PROFILE)
	@echo "make reproduce: done. What was re-derived and what was read back ($(PAPER_OUT)/VERIFY.md):"
	@grep -E '^- (request|wall time|result):|re-trained from their committed|^[0-9]+ runs that this CPU|^- [A-Za-z]+: [0-9]+ runs' $(PAPER_OUT)/VERIFY.md
	@echo "Read back, not re-trained: every other committed run (its files checked against MANIFEST.sha256 and its metrics against its predictions); the tables, report and figures were rendered again from the stored runs."

clean:
	rm -rf .build
