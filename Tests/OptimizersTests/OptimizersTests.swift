// Tests for Optimizers.
