#!/usr/bin/env python3
"""FFTW's plans for the filter bank's FFT sizes, made by calling libfftw3f directly (ctypes), not
through atflrec: the batched r2c plan atflrec makes (fftwf_plan_many_dft_r2c, rank 1, howmany =
FBank.blockSize = 32 rows of n reals, contiguous rows of n/2+1 complex outputs, FFTW_ESTIMATE,
buffers from fftwf_alloc_*), printed by fftwf_sprint_plan. Writes fftw-plans.txt beside this file,
which Tests/AudioFeaturesTests/FFTWPlanTests.swift compares with atflrec's own plans.

Usage: make_fftw_plans.py [OUTPUT]   (needs Debian's libfftw3-single3)
"""
import ctypes
import ctypes.util
import os
import sys

FFTW_ESTIMATE = 1 << 6
BATCH = 32


def main(output):
    lib = ctypes.CDLL(ctypes.util.find_library("fftw3f") or "libfftw3f.so.3")
    lib.fftwf_alloc_real.restype = ctypes.c_void_p
    lib.fftwf_alloc_complex.restype = ctypes.c_void_p
    lib.fftwf_plan_many_dft_r2c.restype = ctypes.c_void_p
    lib.fftwf_plan_many_dft_r2c.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.c_int,
                                            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_uint]
    lib.fftwf_sprint_plan.restype = ctypes.POINTER(ctypes.c_char)
    lib.fftwf_sprint_plan.argtypes = [ctypes.c_void_p]
    libc = ctypes.CDLL(None)
    text = ""
    for n in (512, 1024):
        bins = n // 2 + 1
        inp = lib.fftwf_alloc_real(ctypes.c_size_t(n * BATCH))
        out = lib.fftwf_alloc_complex(ctypes.c_size_t(bins * BATCH))
        size = (ctypes.c_int * 1)(n)
        plan = lib.fftwf_plan_many_dft_r2c(1, size, BATCH, inp, None, 1, n, out, None, 1, bins, FFTW_ESTIMATE)
        raw = lib.fftwf_sprint_plan(plan)
        text += f"length {n} batch {BATCH}\n" + ctypes.cast(raw, ctypes.c_char_p).value.decode() + "\n"
        libc.free(raw)
    tmp = output + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, output)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "fftw-plans.txt"))
