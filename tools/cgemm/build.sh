#!/bin/sh
set -e
cd "$(dirname "$0")/../.." && mkdir -p .build/cgemm/obj
for f in Sources/CGEMM/*.c; do nice -n 19 gcc -O3 -std=c11 -Wall -Wextra -ffp-contract=off -pthread -ISources/CGEMM/include -c $f -o .build/cgemm/obj/$(basename $f .c).o; done
nice -n 19 gcc -O2 -std=c11 -mfma -ffp-contract=off -Wall -ISources/CGEMM/include tools/cgemm/test_exact.c .build/cgemm/obj/*.o -o .build/cgemm/test_exact -lm -pthread
nice -n 19 gcc -O2 -std=c11 -ISources/CGEMM/include tools/cgemm/bench.c .build/cgemm/obj/*.o -o .build/cgemm/bench -lopenblas -lm -pthread
