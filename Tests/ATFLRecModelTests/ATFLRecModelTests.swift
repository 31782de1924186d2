// Tests for ATFLRecModel.
