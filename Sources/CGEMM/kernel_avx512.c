/*
 * AVX-512 (F+BW+VL+DQ) micro-kernel, MR x NR = 12 x 32 (24 zmm accumulators).
 *
 * Same structure as kernel_avx2.c, ported from BLIS (F. G. Van Zee and
 * R. A. van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS
 * Functionality", ACM TOMS 41(3), 2015): an MR x NR register block updated by
 * one rank-1 product per k from a packed MR-row micro-panel of A and a packed
 * NR-column micro-panel of B.  BLIS's Skylake-X sgemm kernel is column-major
 * 32x12; this is its row-major transpose, 12x32 with vectors along j.
 *
 * Why it is bit-reproducible (see cgemm.h): lane j of accumulator row i is
 * exactly c_ij = fma(a_ik, b_kj, c_ij) for k ascending (explicit
 * _mm512_fmadd_ps, the k loop unrolled without changing any accumulator's
 * order, no k split, no horizontal sums).  A fresh tile starts from +0.0f.
 * So this kernel gives the same bits as the AVX2 and scalar ones.
 */
#include "cgemm_internal.h"

#ifdef CGEMM_X86
#include <immintrin.h>

#define CGEMM_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

/* One k step: two vector loads of B (64-byte aligned), twelve broadcasts of A
 * (element (i, p) of the micro-panel at a + i*rs_a), twenty-four FMAs; then
 * advance to k+1. */
#define STEP()                                                              \
    do {                                                                     \
        const __m512 b0 = _mm512_load_ps(b);                                 \
        const __m512 b1 = _mm512_load_ps(b + 16);                            \
        __m512 av;                                                           \
        av = _mm512_set1_ps(a[0 * rs_a]);                                \
        c0_0 = _mm512_fmadd_ps(av, b0, c0_0); c0_1 = _mm512_fmadd_ps(av, b1, c0_1); \
        av = _mm512_set1_ps(a[1 * rs_a]);                                \
        c1_0 = _mm512_fmadd_ps(av, b0, c1_0); c1_1 = _mm512_fmadd_ps(av, b1, c1_1); \
        av = _mm512_set1_ps(a[2 * rs_a]);                                \
        c2_0 = _mm512_fmadd_ps(av, b0, c2_0); c2_1 = _mm512_fmadd_ps(av, b1, c2_1); \
        av = _mm512_set1_ps(a[3 * rs_a]);                                \
        c3_0 = _mm512_fmadd_ps(av, b0, c3_0); c3_1 = _mm512_fmadd_ps(av, b1, c3_1); \
        av = _mm512_set1_ps(a[4 * rs_a]);                                \
        c4_0 = _mm512_fmadd_ps(av, b0, c4_0); c4_1 = _mm512_fmadd_ps(av, b1, c4_1); \
        av = _mm512_set1_ps(a[5 * rs_a]);                                \
        c5_0 = _mm512_fmadd_ps(av, b0, c5_0); c5_1 = _mm512_fmadd_ps(av, b1, c5_1); \
        if (!HALF) {                                                         \
        av = _mm512_set1_ps(a[6 * rs_a]);                                \
        c6_0 = _mm512_fmadd_ps(av, b0, c6_0); c6_1 = _mm512_fmadd_ps(av, b1, c6_1); \
        av = _mm512_set1_ps(a[7 * rs_a]);                                \
        c7_0 = _mm512_fmadd_ps(av, b0, c7_0); c7_1 = _mm512_fmadd_ps(av, b1, c7_1); \
        av = _mm512_set1_ps(a[8 * rs_a]);                                \
        c8_0 = _mm512_fmadd_ps(av, b0, c8_0); c8_1 = _mm512_fmadd_ps(av, b1, c8_1); \
        av = _mm512_set1_ps(a[9 * rs_a]);                                \
        c9_0 = _mm512_fmadd_ps(av, b0, c9_0); c9_1 = _mm512_fmadd_ps(av, b1, c9_1); \
        av = _mm512_set1_ps(a[10 * rs_a]);                               \
        c10_0 = _mm512_fmadd_ps(av, b0, c10_0); c10_1 = _mm512_fmadd_ps(av, b1, c10_1); \
        av = _mm512_set1_ps(a[11 * rs_a]);                               \
        c11_0 = _mm512_fmadd_ps(av, b0, c11_0); c11_1 = _mm512_fmadd_ps(av, b1, c11_1); \
        }                                                                    \
        a += cs_a;                                                           \
        b += 32;                                                             \
    } while (0)

/* HALF (a constant after inlining): only rows 0..5 are computed, loaded and
 * stored, for edge micro-panels with at most 6 valid rows; rows 0..5 are
 * computed exactly as in the full kernel. */
static inline __attribute__((always_inline)) CGEMM_AVX512 void
kernel_body(const int HALF, long kc, const float *restrict a, const long rs_a, const long cs_a,
            const float *restrict b, float *restrict c, long ldc, int load_c)
{
    __m512 c0_0, c0_1, c1_0, c1_1, c2_0, c2_1, c3_0, c3_1, c4_0, c4_1, c5_0, c5_1, c6_0, c6_1, c7_0, c7_1, c8_0, c8_1, c9_0, c9_1, c10_0, c10_1, c11_0, c11_1;

    if (load_c) {
        /* Continue each element's chain from the value stored after the
         * previous k-block (or the caller's C when accumulating). */
        c0_0 = _mm512_loadu_ps(c + 0 * ldc); c0_1 = _mm512_loadu_ps(c + 0 * ldc + 16);
        c1_0 = _mm512_loadu_ps(c + 1 * ldc); c1_1 = _mm512_loadu_ps(c + 1 * ldc + 16);
        c2_0 = _mm512_loadu_ps(c + 2 * ldc); c2_1 = _mm512_loadu_ps(c + 2 * ldc + 16);
        c3_0 = _mm512_loadu_ps(c + 3 * ldc); c3_1 = _mm512_loadu_ps(c + 3 * ldc + 16);
        c4_0 = _mm512_loadu_ps(c + 4 * ldc); c4_1 = _mm512_loadu_ps(c + 4 * ldc + 16);
        c5_0 = _mm512_loadu_ps(c + 5 * ldc); c5_1 = _mm512_loadu_ps(c + 5 * ldc + 16);
        if (!HALF) {
            c6_0 = _mm512_loadu_ps(c + 6 * ldc); c6_1 = _mm512_loadu_ps(c + 6 * ldc + 16);
            c7_0 = _mm512_loadu_ps(c + 7 * ldc); c7_1 = _mm512_loadu_ps(c + 7 * ldc + 16);
            c8_0 = _mm512_loadu_ps(c + 8 * ldc); c8_1 = _mm512_loadu_ps(c + 8 * ldc + 16);
            c9_0 = _mm512_loadu_ps(c + 9 * ldc); c9_1 = _mm512_loadu_ps(c + 9 * ldc + 16);
            c10_0 = _mm512_loadu_ps(c + 10 * ldc); c10_1 = _mm512_loadu_ps(c + 10 * ldc + 16);
            c11_0 = _mm512_loadu_ps(c + 11 * ldc); c11_1 = _mm512_loadu_ps(c + 11 * ldc + 16);
        } else {
            c6_0 = c6_1 = c7_0 = c7_1 = c8_0 = c8_1 = c9_0 = c9_1 = c10_0 = c10_1 = c11_0 = c11_1 =
                _mm512_setzero_ps();
        }
    } else {
        /* Fresh chain: start from +0.0f (the first step is fma(a, b, +0)). */
        c0_0 = c0_1 = c1_0 = c1_1 = c2_0 = c2_1 = c3_0 = c3_1 = c4_0 = c4_1 = c5_0 = c5_1 = c6_0 = c6_1 = c7_0 = c7_1 = c8_0 = c8_1 = c9_0 = c9_1 = c10_0 = c10_1 = c11_0 = c11_1 = _mm512_setzero_ps();
        _mm_prefetch((const char *)(c + 0 * ldc), _MM_HINT_T0); _mm_prefetch((const char *)(c + 0 * ldc + 31), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + 1 * ldc), _MM_HINT_T0); _mm_prefetch((const char *)(c + 1 * ldc + 31), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + 2 * ldc), _MM_HINT_T0); _mm_prefetch((const char *)(c + 2 * ldc + 31), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + 3 * ldc), _MM_HINT_T0); _mm_prefetch((const char *)(c + 3 * ldc + 31), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + 4 * ldc), _MM_HINT_T0); _mm_prefetch((const char *)(c + 4 * ldc + 31), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + 5 * ldc), _MM_HINT_T0); _mm_prefetch((const char *)(c + 5 * ldc + 31), _MM_HINT_T0);
        if (!HALF) {
            _mm_prefetch((const char *)(c + 6 * ldc), _MM_HINT_T0); _mm_prefetch((const char *)(c + 6 * ldc + 31), _MM_HINT_T0);
            _mm_prefetch((const char *)(c + 7 * ldc), _MM_HINT_T0); _mm_prefetch((const char *)(c + 7 * ldc + 31), _MM_HINT_T0);
            _mm_prefetch((const char *)(c + 8 * ldc), _MM_HINT_T0); _mm_prefetch((const char *)(c + 8 * ldc + 31), _MM_HINT_T0);
            _mm_prefetch((const char *)(c + 9 * ldc), _MM_HINT_T0); _mm_prefetch((const char *)(c + 9 * ldc + 31), _MM_HINT_T0);
            _mm_prefetch((const char *)(c + 10 * ldc), _MM_HINT_T0); _mm_prefetch((const char *)(c + 10 * ldc + 31), _MM_HINT_T0);
            _mm_prefetch((const char *)(c + 11 * ldc), _MM_HINT_T0); _mm_prefetch((const char *)(c + 11 * ldc + 31), _MM_HINT_T0);
        }
    }

    /* Unrolled by 4; the steps are issued in k order, so each accumulator's
     * FMA chain keeps the order k, k+1, k+2, k+3. */
    long p = 0;
    for (; p + 4 <= kc; p += 4) {
        _mm_prefetch((const char *)(b + 8 * 32), _MM_HINT_T0);
        _mm_prefetch((const char *)(b + 8 * 32 + 16), _MM_HINT_T0);
        _mm_prefetch((const char *)(b + 8 * 32 + 32), _MM_HINT_T0);
        _mm_prefetch((const char *)(b + 8 * 32 + 48), _MM_HINT_T0);
        STEP(); STEP(); STEP(); STEP();
    }
    for (; p < kc; p++) STEP();

    _mm512_storeu_ps(c + 0 * ldc, c0_0); _mm512_storeu_ps(c + 0 * ldc + 16, c0_1);
    _mm512_storeu_ps(c + 1 * ldc, c1_0); _mm512_storeu_ps(c + 1 * ldc + 16, c1_1);
    _mm512_storeu_ps(c + 2 * ldc, c2_0); _mm512_storeu_ps(c + 2 * ldc + 16, c2_1);
    _mm512_storeu_ps(c + 3 * ldc, c3_0); _mm512_storeu_ps(c + 3 * ldc + 16, c3_1);
    _mm512_storeu_ps(c + 4 * ldc, c4_0); _mm512_storeu_ps(c + 4 * ldc + 16, c4_1);
    _mm512_storeu_ps(c + 5 * ldc, c5_0); _mm512_storeu_ps(c + 5 * ldc + 16, c5_1);
    if (!HALF) {
        _mm512_storeu_ps(c + 6 * ldc, c6_0); _mm512_storeu_ps(c + 6 * ldc + 16, c6_1);
        _mm512_storeu_ps(c + 7 * ldc, c7_0); _mm512_storeu_ps(c + 7 * ldc + 16, c7_1);
        _mm512_storeu_ps(c + 8 * ldc, c8_0); _mm512_storeu_ps(c + 8 * ldc + 16, c8_1);
        _mm512_storeu_ps(c + 9 * ldc, c9_0); _mm512_storeu_ps(c + 9 * ldc + 16, c9_1);
        _mm512_storeu_ps(c + 10 * ldc, c10_0); _mm512_storeu_ps(c + 10 * ldc + 16, c10_1);
        _mm512_storeu_ps(c + 11 * ldc, c11_0); _mm512_storeu_ps(c + 11 * ldc + 16, c11_1);
    }
}

CGEMM_AVX512
void cgemm_kernel_avx512_12x32(long kc, const float *restrict a, long rs_a, long cs_a,
                               const float *restrict b, float *restrict c, long ldc, int load_c,
                               int rows)
{
    if (rows <= 6)
        kernel_body(1, kc, a, rs_a, cs_a, b, c, ldc, load_c);
    else
        kernel_body(0, kc, a, rs_a, cs_a, b, c, ldc, load_c);
}

#undef STEP
#endif /* CGEMM_X86 */
