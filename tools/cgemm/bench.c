/* Benchmark: cgemm (AVX2, 2 threads) vs OpenBLAS cblas_sgemm (2 threads).
 * Run with OPENBLAS_CORETYPE=Haswell.  Not part of the package. */
#define _GNU_SOURCE 1
#include "cgemm.h"
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern void openblas_set_num_threads(int);

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
static int cmpd(const void *x, const void *y) { double a = *(const double *)x, b = *(const double *)y; return a < b ? -1 : a > b; }

typedef struct { const char *name; long m, n, k; int tA, tB, batch; } shape;

static const shape shapes[] = {
    {"fwd", 2048, 384, 384, 0, 0, 1},
    {"dX ", 2048, 384, 384, 0, 1, 1},
    {"fwd", 2048, 1536, 384, 0, 0, 1},
    {"dX ", 2048, 1536, 384, 0, 1, 1},
    {"fwd", 2048, 384, 1536, 0, 0, 1},
    {"dX ", 2048, 384, 1536, 0, 1, 1},
    {"dW ", 384, 384, 2048, 1, 0, 1},
    {"dW ", 384, 1536, 2048, 1, 0, 1},
    {"dW ", 1536, 384, 2048, 1, 0, 1},
    {"fwd", 150000, 256, 80, 0, 0, 1},
    {"fwd", 150000, 384, 256, 0, 0, 1},
    {"dX ", 150000, 256, 384, 0, 1, 1},
    {"dW ", 80, 256, 150000, 1, 0, 1},
    {"dW ", 256, 384, 150000, 1, 0, 1},
    {"QKt", 256, 256, 32, 0, 1, 96},
    {"PV ", 256, 32, 256, 0, 0, 96},
    {"QKt", 256, 256, 64, 0, 1, 96},
};

int main(int argc, char **argv)
{
    const int reps = 7;
    int only = argc > 1 ? atoi(argv[1]) : -1;
    if (only == -3) only = -1;
    const int threads = argc > 2 ? atoi(argv[2]) : 2;
    openblas_set_num_threads(threads);
    printf("%-4s %-22s %10s %10s %7s %7s\n", "op", "M x N x K (tA,tB) xB", "ours GF/s", "OpenBLAS", "ratio", "paired");
    double ratios[64]; int nr = 0;
    for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        if (only >= 0 && (int)s != only) continue;
        if (only == -2 && !(s == 0 || s == 5 || s == 7 || s == 11 || s == 12 || s == 13)) continue;
        const shape *sh = &shapes[s];
        const long m = sh->m, n = sh->n, k = sh->k, nb = sh->batch;
        const long lda = sh->tA ? m : k, ldb = sh->tB ? k : n, ldc = n;
        float *a = malloc(sizeof(float) * m * k * nb), *b = malloc(sizeof(float) * k * n * nb), *c = malloc(sizeof(float) * m * n * nb);
        for (long x = 0; x < m * k * nb; x++) a[x] = (float)((x * 7919) % 1000) / 1000.0f - 0.5f;
        for (long x = 0; x < k * n * nb; x++) b[x] = (float)((x * 104729) % 1000) / 1000.0f - 0.5f;
        memset(c, 0, sizeof(float) * m * n * nb);
        double to[16], tb[16], rr[16];
        int last_blas = 0;
        for (int r = -1; r < reps; r++) {
            /* ours and OpenBLAS back to back, order alternating (ABBA), so that
             * both see the same background load; ratio taken per repetition */
            double tour = 0, tbl = 0;
            for (int half = 0; half < 2; half++) {
                const int ours_first = ((r & 1) == half);
                for (int w = 0; w < 2; w++) {
                    const int do_ours = ours_first ? w == 0 : w == 1;
                    /* OpenBLAS's idle worker threads keep spinning for a while
                     * after a call (THREAD_TIMEOUT) and would steal a core from
                     * whatever runs next: let them go to sleep first. */
                    if (do_ours && last_blas) usleep(250000);
                    last_blas = !do_ours;
                    double t0 = now();
                    if (do_ours)
                        for (long q = 0; q < nb; q++)
                            cgemm_sgemm(CGEMM_ISA_AVX2, threads, sh->tA, sh->tB, m, n, k, a + q * m * k, lda, b + q * k * n, ldb, 0, c + q * m * n, ldc);
                    else
                        for (long q = 0; q < nb; q++)
                            cblas_sgemm(CblasRowMajor, sh->tA ? CblasTrans : CblasNoTrans, sh->tB ? CblasTrans : CblasNoTrans,
                                        m, n, k, 1.0f, a + q * m * k, lda, b + q * k * n, ldb, 0.0f, c + q * m * n, ldc);
                    double dt = now() - t0;
                    if (do_ours) tour += dt; else tbl += dt;
                }
            }
            if (r >= 0) { to[r] = tour / 2; tb[r] = tbl / 2; rr[r] = tbl / tour; }
        }
        qsort(to, reps, sizeof(double), cmpd);
        qsort(tb, reps, sizeof(double), cmpd);
        qsort(rr, reps, sizeof(double), cmpd);
        const double fl = 2.0 * m * n * k * nb;
        const double go = fl / to[reps / 2] * 1e-9, gb = fl / tb[reps / 2] * 1e-9;
        char desc[64];
        snprintf(desc, sizeof desc, "%ldx%ldx%ld (%c%c)%s", m, n, k, sh->tA ? 'T' : 'N', sh->tB ? 'T' : 'N', nb > 1 ? " x96" : "");
        printf("%-4s %-22s %10.1f %10.1f %7.3f %7.3f\n", sh->name, desc, go, gb, go / gb, rr[reps / 2]);
        fflush(stdout);
        ratios[nr++] = rr[reps / 2];
        free(a); free(b); free(c);
    }
    qsort(ratios, nr, sizeof(double), cmpd);
    printf("paired ratio: worst %.3f  median %.3f  best %.3f\n", ratios[0], nr % 2 ? ratios[nr / 2] : 0.5 * (ratios[nr / 2 - 1] + ratios[nr / 2]), ratios[nr - 1]);
    return 0;
}
