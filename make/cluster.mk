# The paper's plan across machines (issue 26; docs/cluster.md). Slurm or GNU parallel schedule;
# every task is one `atflrec paper worker` on the shared run store, which trains its run under
# the run's lock, so tasks may run in any order, many at once, or twice.
#
#   make paper JOBS=4                       GNU parallel, 4 runs at once on this machine (each at
#                                           its pinned thread count: JOBS x threads <= cores)
#   make paper-slurm                        submit the pending runs as Slurm job arrays and a
#                                           render job after them (from a login node)
#   make paper-slurm SLURM_ARGS="--partition cpu --account lab42 --sbatch-option=--mem=8G"
#   make test-cluster                       a one-node Slurm started here (slurm-wlm, munge):
#                                           array = serial, scancel + resubmit, two submissions

JOBS ?= 1
SLURM_ARGS ?=
PLAN_OPTIONS = --profile $(PROFILE) $(if $(TEXT_MODEL),--text-model $(TEXT_MODEL)) $(if $(NUMERICS),--numerics $(NUMERICS))

APT_PACKAGES += parallel

.PHONY: paper-slurm test-cluster

paper-slurm: deps-paper build $(TEST_PREREQUISITES)
	$(BIN)/atflrec paper slurm $(PLAN_OPTIONS) --figures $(PAPER_ARGS) $(SLURM_ARGS)

# Out of `make test` (about 5 minutes of Slurm jobs); .ci/run runs it after the tests.
test-cluster: build $(TEST_PREREQUISITES)
	paper/tools/test-cluster.sh
