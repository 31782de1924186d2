// Tests for AudioFeatures.
