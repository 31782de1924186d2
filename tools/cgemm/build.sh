#!/bin/sh
set -e
cd /work/wt-gemm
for f in Sources/CGEMM/*.c; do nice -n 19 gcc -O3 -std=c11 -Wall -Wextra -ffp-contract=off -pthread -ISources/CGEMM/include -c $f -o scratch/obj/$(basename $f .c).o; done
nice -n 19 gcc -O2 -std=c11 -mfma -ffp-contract=off -Wall -ISources/CGEMM/include scratch/test_exact.c scratch/obj/*.o -o scratch/test_exact -lm -pthread
nice -n 19 gcc -O2 -std=c11 -ISources/CGEMM/include scratch/bench.c scratch/obj/*.o -o scratch/bench -lopenblas -lm -pthread
