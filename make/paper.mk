# make paper: the paper's Tables I-V re-run from paper/configs/ (profile-$(PROFILE).json), with
# the paper's values beside ours and a verdict per claim, then the figures. Finished runs are
# read from the run store and never re-run, so an interrupted `make paper` continues where it
# stopped and a finished one only re-renders.
#
#   make paper                              full profile (3 seeds, ml100k + synthlens [+ microlens])
#   make paper PROFILE=quick                pipeline check on tiny synthlens (one seed, minutes)
#   make paper PROFILE=fast                 the full profile's tables with every 8th audio frame under
#                                           the exact product (paper/fast; runs shared with paper/runs;
#                                           docs/performance.md, "The fast profile")
#   make paper PROFILE=sequential           issue 28's tables R1-R2: MLLM-MSR adapted to audio, GRU4Rec,
#                                           SASRec and ATFLRec (a)/(b) ranking 20 candidates per user
#                                           (paper/sequential; docs/runs.md, "The sequential protocol")
#   make paper PROFILE=tallrec              issue 27's Table T1: TALLRec's protocol at K = 16, 64, 256, the
#                                           five ID baselines, (c) text only and ATFLRec (a)/(b), beside
#                                           TALLRec's printed numbers (paper/tallrec; docs/paper.md)
#   make paper TEXT_MODEL=/path/to/roberta-base   the paper's backbone, when you have its files
#   make paper PAPER_ARGS="--only gru4rec,sasrec,lightgcn,graphsage"   one sitting, some models
#   make paper PAPER_ARGS="--only-runs NAME,NAME"   exactly these runs of the plan (names as --plan-only prints)
#   make paper PAPER_ARGS="--only atflrec --only-datasets ml100k --only-shots 100 --max-runs 3"   a smaller sitting
#   make paper PAPER_ARGS=--plan-only       print the plan and its estimated time
#   make paper JOBS=N                       N runs at once through GNU parallel; Slurm: make paper-slurm
#                                           (make/cluster.mk, docs/cluster.md)
#   make paper FRESH=1                      re-train every run this CPU can re-make into a scratch
#                                           folder and compare each with the committed one (the whole
#                                           plan's compute: about 23 hours on 2 cores)
#   make verify                             a reviewer's check within VERIFY_BUDGET minutes (default 60)
#   make verify VERIFY_ARGS="--sample-seed 3"   another draw of ATFLRec runs; or "--runs NAME ..."
#   make paper NUMERICS=exact-fma           the edition of every table under the exact product
#                                           (paper/exact-fma; with JOBS=N or make paper-slurm too)

PROFILE ?= full
TEXT_MODEL ?=
PAPER_ARGS ?=
# NUMERICS=exact-fma: the edition of the plan with every table's runs under that matrix product
# (issue 31, point 5), written to $(PAPER_OUT) = paper/exact-fma; runs share paper/runs.
NUMERICS ?=
PAPER_OUT := $(if $(filter full,$(PROFILE)),paper,paper/$(PROFILE))$(if $(NUMERICS),/$(NUMERICS))
# The exact-fma edition is checked by `make verify` too once it has outputs: its stored files and
# published models, and this many minutes of re-training (its runs are portable: any AVX2 CPU).
VERIFY_EDITION_BUDGET ?= 0
# The fast profile extends full and shares its run store (PaperProfile "extends").
PAPER_RUNS := $(if $(filter full fast,$(PROFILE)),paper,paper/$(PROFILE))/runs
# Checked by `make verify` (full profile) too once it has outputs: stored files, published models,
# this many minutes of re-training.
VERIFY_FAST_BUDGET ?= 0
# The sequential profile (paper/sequential), likewise: its baseline runs are always re-trained
# (under a minute each), its MLLM-MSR and ATFLRec runs within this many minutes.
VERIFY_SEQUENTIAL_BUDGET ?= 0
# The TALLRec profile (paper/tallrec), likewise: its baseline runs always (seconds each), its
# ATFLRec runs within this many minutes.
VERIFY_TALLREC_BUDGET ?= 0
FRESH ?=
VERIFY_BUDGET ?= 60
VERIFY_ARGS ?=

.PHONY: paper deps-paper verify

deps-paper: deps
	@$(PYTHON) tools/requirements_met.py requirements/paper.txt || \
	  $(PIP) install -q --root-user-action=ignore -r requirements/paper.txt

ifeq ($(FRESH),1)
paper: deps-paper build $(TEST_PREREQUISITES)
	$(BIN)/atflrec paper verify --profile $(PROFILE) --all --report $(PAPER_OUT)/VERIFY-FRESH.md
else ifneq ($(JOBS),1)
# GNU parallel over the plan's commands (make/cluster.mk), then one render; PAPER_ARGS may
# restrict the runs (--only, --only-datasets, --only-shots, --max-runs).
paper: deps-paper build $(TEST_PREREQUISITES)
	$(BIN)/atflrec paper commands $(PLAN_OPTIONS) $(PAPER_ARGS) | parallel --will-cite --jobs $(JOBS) --line-buffer --halt soon,fail=1
	$(BIN)/atflrec paper render $(PLAN_OPTIONS)
	$(PYTHON) paper/tools/make_figures.py $(PAPER_OUT) $(PAPER_RUNS)
else
paper: deps-paper build $(TEST_PREREQUISITES)
	$(BIN)/atflrec paper $(PLAN_OPTIONS) $(PAPER_ARGS)
	@case " $(PAPER_ARGS) " in *" --plan-only "*) ;; *) $(PYTHON) paper/tools/make_figures.py $(PAPER_OUT) $(PAPER_RUNS) ;; esac
endif

# The committed files against the manifest, every run's metrics against its predictions, the
# outputs (figures included) rendered again, the published models re-scored, all baseline runs
# and a seeded draw of ATFLRec runs re-trained, all byte for byte; writes $(PAPER_OUT)/VERIFY.md.
verify: deps-paper build $(TEST_PREREQUISITES)
	$(BIN)/atflrec paper verify --profile $(PROFILE) $(if $(NUMERICS),--numerics $(NUMERICS)) --budget $(VERIFY_BUDGET) $(VERIFY_ARGS)
	@edition=$(if $(filter full,$(PROFILE)),paper,paper/$(PROFILE))/exact-fma; \
	if [ -z "$(NUMERICS)" ] && [ -f $$edition/MANIFEST.sha256 ]; then \
	  echo "make verify: the exact-fma edition ($$edition)"; \
	  $(BIN)/atflrec paper verify --profile $(PROFILE) --numerics exact-fma --budget $(VERIFY_EDITION_BUDGET); \
	fi
	@if [ "$(PROFILE)" = full ] && [ -z "$(NUMERICS)" ] && [ -f paper/fast/MANIFEST.sha256 ]; then \
	  echo "make verify: the fast profile (paper/fast)"; \
	  $(BIN)/atflrec paper verify --profile fast --budget $(VERIFY_FAST_BUDGET); \
	fi
	@if [ "$(PROFILE)" = full ] && [ -z "$(NUMERICS)" ] && [ -f paper/sequential/MANIFEST.sha256 ]; then \
	  echo "make verify: the sequential profile (paper/sequential)"; \
	  $(BIN)/atflrec paper verify --profile sequential --budget $(VERIFY_SEQUENTIAL_BUDGET); \
	fi
	@if [ "$(PROFILE)" = full ] && [ -z "$(NUMERICS)" ] && [ -f paper/tallrec/MANIFEST.sha256 ]; then \
	  echo "make verify: the TALLRec profile (paper/tallrec)"; \
	  $(BIN)/atflrec paper verify --profile tallrec --budget $(VERIFY_TALLREC_BUDGET); \
	fi

# What the portable kernels cost against the CPU's own (issue 25): one epoch of the ml100k
# layout (a) K=500 seed-0 run, trained with ATFLREC_KERNELS=portable and then =native, back to
# back in one invocation, with the wall time of each and their ratio. Needs the data and weights.
# KERNEL_BENCH_ORDER="native portable" runs them the other way round (a cold page cache or a
# warming machine then falls on the other side).
KERNEL_BENCH_RUN ?= atflrec-a-eb463ccd
KERNEL_BENCH_ORDER ?= portable native
bench-kernels: build $(TEST_PREREQUISITES)
	@tmp=$$(mktemp -d); \
	for k in $(KERNEL_BENCH_ORDER); do \
	  start=$$(date +%s.%N); \
	  ATFLREC_KERNELS=$$k $(BIN)/atflrec train --config paper/runs/$(KERNEL_BENCH_RUN)/config.json \
	    --set training.epochs=1 --checkpoints $$tmp/$$k > $$tmp/$$k.log 2>&1 || { tail -3 $$tmp/$$k.log; exit 1; }; \
	  echo "$$k $$start $$(date +%s.%N)" >> $$tmp/times; \
	done; \
	awk '{t[$$1]=$$3-$$2} END {printf "one epoch of $(KERNEL_BENCH_RUN) (ml100k (a) K=500): portable %.1f s, native (%s) %.1f s, portable/native %.3fx\n", t["portable"], "'"$$(ATFLREC_KERNELS=native $(BIN)/atflrec --help 2>&1 >/dev/null | sed -n 's/.*kernels (\(.*\)),.*/\1/p')"'", t["native"], t["portable"]/t["native"]}' $$tmp/times; \
	rm -rf $$tmp

BENCH_STEPS += bench-kernels
.PHONY: bench-kernels

# How much of the machine a paper run uses (issue 29): one epoch and the test evaluation of an
# ml100k layout (a) K=500 run under the exact product, with the matrix products' FLOPs counted
# from their shapes, against the product's peak measured in the same invocation
# (PLAN_EFFICIENCY_RUN=<committed run> chooses another). Needs the data and weights.
bench-plan-efficiency: build $(TEST_PREREQUISITES)
	$(BIN)/atflrec-bench plan-efficiency

BENCH_STEPS += bench-plan-efficiency
.PHONY: bench-plan-efficiency
