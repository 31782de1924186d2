# Baselines (GRU4Rec, SASRec, LightGCN, GraphSAGE): golden fixtures from PyTorch.
FIXTURE_STEPS += fixtures-baselines

.PHONY: fixtures-baselines
fixtures-baselines:
	$(PYTHON) Tests/Fixtures/baselines/make_baseline_fixtures.py Tests/Fixtures/baselines
