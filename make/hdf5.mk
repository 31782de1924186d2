# HDF5 storage, optimizers and evaluation metrics (hdf5 helper).
# libhdf5-dev is in the base APT_PACKAGES; the cross-language tests need numpy and h5py from
# requirements/ci.txt. Golden fixtures are regenerated from the pinned reference stack.

FIXTURE_STEPS += fixtures-optim fixtures-eval

.PHONY: fixtures-optim fixtures-eval

fixtures-optim:
	$(PYTHON) Tests/Fixtures/optim/make_adam_fixture.py Tests/Fixtures/optim/adam.h5

fixtures-eval:
	$(PYTHON) Tests/Fixtures/eval/make_eval_fixture.py Tests/Fixtures/eval/metrics.h5
