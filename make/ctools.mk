# C tools (paper/tools/*.c): a checkpoint reader in plain C on libhdf5 and libcrypto, a second
# language beside paper/tools/load_checkpoint.py. Tests/CLITests/ModelReaderTests.swift runs it,
# so `make test` builds it first.
#
#   make .build/ctools/model_reader     then .build/ctools/model_reader FILE.h5

CTOOLS_CC ?= gcc
APT_PACKAGES += gcc libssl-dev
CTOOLS := .build/ctools
CTOOLS_CFLAGS := -std=c11 -O2 -Wall -Wextra -Werror
CTOOLS_LIBS = $(shell pkg-config --cflags --libs hdf5-serial libcrypto)

TEST_PREREQUISITES += $(CTOOLS)/model_reader

# `deps` is phony and would rebuild the reader every time as a normal prerequisite; order-only,
# it still runs first (installing the libraries) while the .c alone decides when to rebuild.
# CTOOLS_LIBS is deferred (=) so pkg-config runs after `deps` has installed it.
$(CTOOLS)/model_reader: paper/tools/model_reader.c | deps
	@mkdir -p $(CTOOLS)
	$(CTOOLS_CC) $(CTOOLS_CFLAGS) -o $@.tmp $< $(CTOOLS_LIBS)
	mv $@.tmp $@
