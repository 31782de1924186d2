// Tests for HDF5Storage.
