// OpenBLAS's CBLAS interface (Debian libopenblas-dev, pthread variant, 32-bit integers).
// openblas_set_num_threads / openblas_get_num_threads are declared by OpenBLAS's cblas.h;
// the project pins the thread count explicitly (see TensorCore/BLASThreads.swift).
#include <cblas.h>
