// Tests for Baselines.
