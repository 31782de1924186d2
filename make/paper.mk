# make paper: the paper's Tables I-V re-run from paper/configs/ (profile-$(PROFILE).json), with
# the paper's values beside ours and a verdict per claim, then the figures. Finished runs are
# read from the run store and never re-run, so an interrupted `make paper` continues where it
# stopped and a finished one only re-renders.
#
#   make paper                              full profile (3 seeds, ml100k + synthlens [+ microlens])
#   make paper PROFILE=quick                pipeline check on tiny synthlens (one seed, minutes)
#   make paper TEXT_MODEL=/path/to/roberta-base   the paper's backbone, when you have its files
#   make paper PAPER_ARGS="--only gru4rec,sasrec,lightgcn,graphsage"   one sitting, some models
#   make paper PAPER_ARGS="--only atflrec --only-datasets ml100k --only-shots 100 --max-runs 3"   a smaller sitting
#   make paper PAPER_ARGS=--plan-only       print the plan and its estimated time

PROFILE ?= full
TEXT_MODEL ?=
PAPER_ARGS ?=
PAPER_OUT := $(if $(filter full,$(PROFILE)),paper,paper/$(PROFILE))

.PHONY: paper deps-paper

deps-paper: deps
	@$(PYTHON) tools/requirements_met.py requirements/paper.txt || \
	  $(PIP) install -q --root-user-action=ignore -r requirements/paper.txt

paper: deps-paper build $(TEST_PREREQUISITES)
	$(BIN)/atflrec paper --profile $(PROFILE) $(if $(TEXT_MODEL),--text-model $(TEXT_MODEL)) $(PAPER_ARGS)
	@case " $(PAPER_ARGS) " in *" --plan-only "*) ;; *) $(PYTHON) paper/tools/make_figures.py $(PAPER_OUT) ;; esac
