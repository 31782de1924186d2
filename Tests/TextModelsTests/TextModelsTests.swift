// Tests for TextModels.
