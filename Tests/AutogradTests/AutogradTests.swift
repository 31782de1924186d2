// Tests for Autograd.
