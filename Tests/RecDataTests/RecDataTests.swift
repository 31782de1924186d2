// Tests for RecData.
