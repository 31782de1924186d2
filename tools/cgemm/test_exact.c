/* Exactness test for cgemm: every output bit must equal the scalar fmaf chain
 * c = fmaf(a_ik, b_kj, c), k ascending, from 0 (or C).  Not part of the package. */
#define _GNU_SOURCE 1
#include "cgemm.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rs = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return rs; }
static long rndr(long lo, long hi) { return lo + (long)(rnd() % (uint64_t)(hi - lo + 1)); }

static float rval(void)
{
    uint64_t r = rnd();
    switch (r & 31) {
    case 0: return 0.0f;
    case 1: return -0.0f;
    case 2: return ldexpf((float)((r >> 8) & 0xff) + 1.0f, -140); /* subnormal */
    default: {
        float u = (float)((r >> 8) & 0xffffff) / 16777216.0f * 2.0f - 1.0f;
        return ldexpf(u, (int)((r >> 40) % 17) - 8);
    }
    }
}

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }

#define OPA(i, p) (tA ? a[(p) * lda + (i)] : a[(i) * lda + (p)])
#define OPB(p, j) (tB ? b[(j) * ldb + (p)] : b[(p) * ldb + (j)])

/* Naive definition, element by element. */
static void ref_naive(int tA, int tB, long m, long n, long k, const float *a, long lda,
                      const float *b, long ldb, int acc, float *c, long ldc)
{
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) {
            float s = acc ? c[i * ldc + j] : 0.0f;
            for (long p = 0; p < k; p++) s = fmaf(OPA(i, p), OPB(p, j), s);
            c[i * ldc + j] = s;
        }
}

/* Same chains, loop order i,k,j (each element still k ascending); faster.  B is
 * first copied to K x N row-major so the inner loop is contiguous. */
static void ref_fast(int tA, int tB, long m, long n, long k, const float *a, long lda,
                     const float *b, long ldb, int acc, float *c, long ldc)
{
    float *bt = malloc(sizeof(float) * (size_t)(k * n + 1));
    for (long p = 0; p < k; p++) for (long j = 0; j < n; j++) bt[p * n + j] = OPB(p, j);
    float *row = malloc(sizeof(float) * (size_t)n);
    for (long i = 0; i < m; i++) {
        for (long j = 0; j < n; j++) row[j] = acc ? c[i * ldc + j] : 0.0f;
        for (long p = 0; p < k; p++) {
            const float aip = OPA(i, p);
            const float *br = bt + p * n;
            for (long j = 0; j < n; j++) row[j] = fmaf(aip, br[j], row[j]);
        }
        for (long j = 0; j < n; j++) c[i * ldc + j] = row[j];
    }
    free(row); free(bt);
}

static long ncases, nruns, nfail;

static void run_case(long m, long n, long k, int tA, int tB, int acc, int strided, int scalar_too, int naive)
{
    const long arows = tA ? k : m, acols = tA ? m : k;
    const long brows = tB ? n : k, bcols = tB ? k : n;
    const long lda = acols + (strided ? rndr(1, 7) : 0);
    const long ldb = bcols + (strided ? rndr(1, 7) : 0);
    const long ldc = n + (strided ? rndr(1, 7) : 0);
    const size_t asz = (size_t)(arows * lda + 1), bsz = (size_t)(brows * ldb + 1), csz = (size_t)(m * ldc + 1);
    float *a = malloc(asz * 4), *b = malloc(bsz * 4), *c0 = malloc(csz * 4), *cr = malloc(csz * 4), *c = malloc(csz * 4);
    for (size_t x = 0; x < asz; x++) a[x] = NAN;  /* padding = NaN: reading it would poison results */
    for (size_t x = 0; x < bsz; x++) b[x] = NAN;
    for (long i = 0; i < arows; i++) for (long j = 0; j < acols; j++) a[i * lda + j] = rval();
    for (long i = 0; i < brows; i++) for (long j = 0; j < bcols; j++) b[i * ldb + j] = rval();
    for (size_t x = 0; x < csz; x++) c0[x] = 12345.0f; /* gaps: must stay untouched */
    for (long i = 0; i < m; i++) for (long j = 0; j < n; j++) c0[i * ldc + j] = acc ? rval() : NAN;
    memcpy(cr, c0, csz * 4);
    if (naive) ref_naive(tA, tB, m, n, k, a, lda, b, ldb, acc, cr, ldc);
    else ref_fast(tA, tB, m, n, k, a, lda, b, ldb, acc, cr, ldc);

    struct { cgemm_isa isa; int threads; } cfg[12];
    int nc = 0;
    for (int t = 1; t <= 4; t++) { cfg[nc].isa = CGEMM_ISA_AVX2; cfg[nc++].threads = t; }
    if (cgemm_isa_supported(CGEMM_ISA_AVX512))
        for (int t = 1; t <= 4; t++) { cfg[nc].isa = CGEMM_ISA_AVX512; cfg[nc++].threads = t; }
    cfg[nc].isa = CGEMM_ISA_AUTO; cfg[nc++].threads = 2;
    if (scalar_too) { cfg[nc].isa = CGEMM_ISA_SCALAR; cfg[nc++].threads = 2; }
    ncases++;
    for (int q = 0; q < nc; q++) {
        memcpy(c, c0, csz * 4);
        cgemm_sgemm(cfg[q].isa, cfg[q].threads, tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc);
        nruns++;
        if (memcmp(c, cr, csz * 4) != 0) {
            nfail++;
            long bad = -1;
            for (size_t x = 0; x < csz; x++) if (memcmp(&c[x], &cr[x], 4)) { bad = (long)x; break; }
            fprintf(stderr, "MISMATCH m=%ld n=%ld k=%ld tA=%d tB=%d acc=%d lda=%ld ldb=%ld ldc=%ld isa=%d thr=%d at %ld: %a vs %a\n",
                    m, n, k, tA, tB, acc, lda, ldb, ldc, cfg[q].isa, cfg[q].threads, bad, c[bad], cr[bad]);
        }
    }
    free(a); free(b); free(c0); free(cr); free(c);
}

static void case4(long m, long n, long k, int scalar_too)
{
    /* all four transpose combinations; accumulate and strided alternate */
    const double vol = (double)m * n * k;
    const int naive = vol < 2e6;
    for (int t = 0; t < 4; t++) run_case(m, n, k, t & 1, t >> 1, (int)(rnd() & 1), (int)(rnd() % 3 != 0), scalar_too, naive);
}

int main(void)
{
    double t0 = now();
    printf("cgemm_isa_supported: AVX2=%d AVX512=%d SCALAR=%d; widest=%d\n",
           cgemm_isa_supported(CGEMM_ISA_AVX2), cgemm_isa_supported(CGEMM_ISA_AVX512),
           cgemm_isa_supported(CGEMM_ISA_SCALAR), (int)cgemm_isa_widest());
    if (!cgemm_isa_supported(CGEMM_ISA_AVX2)) { printf("AVX2 not supported: cannot test\n"); return 1; }

    /* 0. the two references agree (they define the same chains) */
    {
        long m = 37, n = 53, k = 301;
        float *a = malloc(4 * m * k), *b = malloc(4 * k * n), *c1 = calloc(m * n, 4), *c2 = calloc(m * n, 4);
        for (long x = 0; x < m * k; x++) a[x] = rval();
        for (long x = 0; x < k * n; x++) b[x] = rval();
        ref_naive(0, 0, m, n, k, a, k, b, n, 0, c1, n);
        ref_fast(0, 0, m, n, k, a, k, b, n, 0, c2, n);
        printf("references agree: %s\n", memcmp(c1, c2, 4 * m * n) ? "NO" : "yes");
        free(a); free(b); free(c1); free(c2);
    }

    /* 1. degenerate shapes */
    static const long z[][3] = {{0, 5, 7}, {5, 0, 7}, {5, 7, 0}, {0, 0, 0}, {1, 1, 0}, {13, 17, 0}};
    for (unsigned q = 0; q < sizeof z / sizeof z[0]; q++) case4(z[q][0], z[q][1], z[q][2], 1);

    /* 2. edges of MR (6, 12), NR (16, 32), KC (256, 384), MC (144, 480), NC (4080, 3072), primes */
    static const long e[] = {1, 2, 3, 5, 6, 7, 11, 12, 13, 15, 16, 17, 31, 32, 33, 47, 48, 49, 97};
    const long ne = sizeof e / sizeof e[0];
    for (long x = 0; x < ne; x++) for (long y = 0; y < ne; y++) case4(e[x], e[y], e[rndr(0, ne - 1)], (x + y) % 5 == 0);
    static const long kedge[] = {255, 256, 257, 383, 384, 385, 511, 512, 513, 767, 768, 769, 1031, 2003};
    for (unsigned q = 0; q < sizeof kedge / sizeof kedge[0]; q++) case4(rndr(1, 40), rndr(1, 70), kedge[q], q % 4 == 0);
    static const long medge[] = {143, 144, 145, 287, 288, 289, 479, 480, 481, 961, 1999};
    for (unsigned q = 0; q < sizeof medge / sizeof medge[0]; q++) case4(medge[q], rndr(1, 40), rndr(1, 300), q % 4 == 0);
    for (unsigned q = 0; q < sizeof medge / sizeof medge[0]; q++) case4(rndr(1, 40), medge[q], rndr(1, 300), 0);
    static const long nedge[] = {3071, 3072, 3073, 4079, 4080, 4081, 8161};
    for (unsigned q = 0; q < sizeof nedge / sizeof nedge[0]; q++) case4(rndr(1, 13), nedge[q], rndr(1, 300), 0);
    for (unsigned q = 0; q < sizeof nedge / sizeof nedge[0]; q++) case4(nedge[q], rndr(1, 13), rndr(1, 100), 0);
    /* a few where every level of blocking is crossed at once */
    case4(487, 4099, 389, 0);
    case4(1999, 389, 773, 0);
    case4(389, 1999, 773, 0);

    /* 3. random shapes, each dimension 1..2000, volume capped */
    for (int q = 0; q < 150; q++) {
        long m, n, k;
        do { m = rndr(1, 2000); n = rndr(1, 2000); k = rndr(1, 2000);
             if (rnd() & 1) m = rndr(1, 64);
             if (rnd() & 1) n = rndr(1, 64);
             if (rnd() & 1) k = rndr(1, 64);
        } while ((double)m * n * k > 1.2e8);
        case4(m, n, k, (double)m * n * k < 3e6);
    }

    /* 4. asking for AVX-512 */
    if (!cgemm_isa_supported(CGEMM_ISA_AVX512)) {
        printf("AVX-512 path: not run: CPU lacks AVX-512 (cgemm_isa_supported(CGEMM_ISA_AVX512) == 0; "
               "requests for it fall back to widest=%d, checked bit-identical below)\n", (int)cgemm_isa_widest());
        long m = 100, n = 70, k = 300;
        float *a = malloc(4 * m * k), *b = malloc(4 * k * n), *c1 = calloc(m * n, 4), *c2 = calloc(m * n, 4);
        for (long x = 0; x < m * k; x++) a[x] = rval();
        for (long x = 0; x < k * n; x++) b[x] = rval();
        ref_naive(0, 0, m, n, k, a, k, b, n, 0, c1, n);
        cgemm_sgemm(CGEMM_ISA_AVX512, 2, 0, 0, m, n, k, a, k, b, n, 0, c2, n);
        int ok = memcmp(c1, c2, 4 * m * n) == 0;
        printf("AVX512 request on this CPU -> fallback result bit-identical: %s\n", ok ? "yes" : "NO");
        if (!ok) nfail++;
        free(a); free(b); free(c1); free(c2);
    } else {
        printf("AVX-512 supported: AVX512 path included in every case above\n");
    }

    printf("tested: AVX2%s x threads 1..4, AUTO x 2 threads, SCALAR x 2 threads on small cases\n",
           cgemm_isa_supported(CGEMM_ISA_AVX512) ? " and AVX512" : "");
    printf("%ld shapes x transposes, %ld runs (ISA x threads), %ld mismatches, %.1f s\n", ncases, nruns, nfail, now() - t0);
    printf(nfail ? "FAIL\n" : "ALL BIT-IDENTICAL\n");
    return nfail != 0;
}
