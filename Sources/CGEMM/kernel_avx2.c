/*
 * AVX2 + FMA micro-kernel, MR x NR = 6 x 16 (12 ymm accumulators).
 *
 * Structure ported from BLIS (F. G. Van Zee and R. A. van de Geijn, "BLIS: A
 * Framework for Rapidly Instantiating BLAS Functionality", ACM TOMS 41(3),
 * 2015): the micro-kernel is the innermost loop around a rank-1 update of an
 * MR x NR register block from an MR-row micro-panel of packed A and an NR-column
 * micro-panel of packed B; the 6x16 shape is the one BLIS uses for sgemm on
 * Haswell/Zen (there, column-major 16x6; here row-major 6x16, vectors along j).
 *
 * Why it is bit-reproducible (see cgemm.h): for every k, a[i][k] is broadcast
 * and fused-multiply-added into the accumulator row i with one vector row of B,
 * so lane j of accumulator row i is exactly c_ij = fma(a_ik, b_kj, c_ij) with
 * k ascending.  The k loop is unrolled, but each accumulator still receives its
 * FMAs strictly in k order; there is no split of k across registers, no
 * horizontal sum, no separate multiply and add (explicit _mm256_fmadd_ps).
 * The first step of a fresh tile is fma(a, b, +0.0f), as in the scalar
 * definition (not a multiply, which would differ for -0.0 products).
 */
#include "cgemm_internal.h"

#ifdef CGEMM_X86
#include <immintrin.h>

#define CGEMM_AVX2 __attribute__((target("avx2,fma")))

/* One k step: two vector loads of B, six broadcasts of A (element (i, p) of
 * the micro-panel at a + i*rs_a; rows 3..5 through a3 = a + 3*rs_a), twelve
 * FMAs c_i = fma(a_i, b, c_i); then advance a, a3 by cs_a and b by NR floats.
 * Written as inline assembly so that the compiler cannot spill accumulators or
 * split the addressing into many induction variables; it is exactly the
 * intrinsic sequence _mm256_load_ps / _mm256_broadcast_ss / _mm256_fmadd_ps
 * (AT&T operand order: "vfmadd231ps b, t, c" is c = t * b + c, one rounding). */
#define STEP()                                                               \
    do {                                                                     \
        __asm__("vmovaps       (%[b]), %[b0]\n\t"                            \
                "vmovaps     32(%[b]), %[b1]\n\t"                            \
                "vbroadcastss  (%[a]), %[t]\n\t"                             \
                "vfmadd231ps %[b0], %[t], %[c00]\n\t"                        \
                "vfmadd231ps %[b1], %[t], %[c01]\n\t"                        \
                "vbroadcastss  (%[a],%[rs],4), %[t]\n\t"                     \
                "vfmadd231ps %[b0], %[t], %[c10]\n\t"                        \
                "vfmadd231ps %[b1], %[t], %[c11]\n\t"                        \
                "vbroadcastss  (%[a],%[rs],8), %[t]\n\t"                     \
                "vfmadd231ps %[b0], %[t], %[c20]\n\t"                        \
                "vfmadd231ps %[b1], %[t], %[c21]\n\t"                        \
                "lea (%[a],%[cs],4), %[a]\n\t"                               \
                "add $64, %[b]"                                              \
                : [c00] "+x"(c00), [c01] "+x"(c01), [c10] "+x"(c10), [c11] "+x"(c11), \
                  [c20] "+x"(c20), [c21] "+x"(c21),                           \
                  [b0] "=&x"(b0), [b1] "=&x"(b1), [t] "=&x"(t),               \
                  [a] "+r"(a), [b] "+r"(b)                                    \
                : [rs] "r"(rs), [cs] "r"(cs)                                  \
                : "memory");                                                 \
        if (!HALF)                                                           \
        __asm__("vbroadcastss  (%[a3]), %[t]\n\t"                            \
                "vfmadd231ps %[b0], %[t], %[c30]\n\t"                        \
                "vfmadd231ps %[b1], %[t], %[c31]\n\t"                        \
                "vbroadcastss  (%[a3],%[rs],4), %[t]\n\t"                    \
                "vfmadd231ps %[b0], %[t], %[c40]\n\t"                        \
                "vfmadd231ps %[b1], %[t], %[c41]\n\t"                        \
                "vbroadcastss  (%[a3],%[rs],8), %[t]\n\t"                    \
                "vfmadd231ps %[b0], %[t], %[c50]\n\t"                        \
                "vfmadd231ps %[b1], %[t], %[c51]\n\t"                        \
                "lea (%[a3],%[cs],4), %[a3]"                                 \
                : [c30] "+x"(c30), [c31] "+x"(c31), [c40] "+x"(c40), [c41] "+x"(c41), \
                  [c50] "+x"(c50), [c51] "+x"(c51), [t] "=&x"(t), [a3] "+r"(a3) \
                : [b0] "x"(b0), [b1] "x"(b1), [rs] "r"(rs), [cs] "r"(cs)      \
                : "memory");                                                 \
    } while (0)

/* The body.  HALF (a constant after inlining): only rows 0..2 are computed,
 * loaded and stored, for edge micro-panels with at most 3 valid rows; rows
 * 0..2 are computed exactly as in the full kernel.  (Strides are runtime
 * values in the assembly either way.) */
static inline __attribute__((always_inline)) CGEMM_AVX2 void
kernel_body(const int HALF, long kc, const float *restrict a, const long RS, const long CS,
            const float *restrict b, float *restrict c, long ldc, int load_c)
{
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    float *c0 = c, *c1 = c + ldc, *c2 = c + 2 * ldc, *c3 = c + 3 * ldc,
          *c4 = c + 4 * ldc, *c5 = c + 5 * ldc;
    const float *a3 = a + 3 * RS;
    const long rs = RS, cs = CS;
    __m256 b0, b1, t;

    if (load_c) {
        /* Continue each element's chain from the value the previous k-block stored
         * (or from the caller's C when accumulating). */
        c00 = _mm256_loadu_ps(c0); c01 = _mm256_loadu_ps(c0 + 8);
        c10 = _mm256_loadu_ps(c1); c11 = _mm256_loadu_ps(c1 + 8);
        c20 = _mm256_loadu_ps(c2); c21 = _mm256_loadu_ps(c2 + 8);
        if (!HALF) {
            c30 = _mm256_loadu_ps(c3); c31 = _mm256_loadu_ps(c3 + 8);
            c40 = _mm256_loadu_ps(c4); c41 = _mm256_loadu_ps(c4 + 8);
            c50 = _mm256_loadu_ps(c5); c51 = _mm256_loadu_ps(c5 + 8);
        } else {
            c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();
        }
    } else {
        /* Fresh chain: start from +0.0f (the first step is fma(a, b, +0)). */
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 =
            _mm256_setzero_ps();
        _mm_prefetch((const char *)c0, _MM_HINT_T0); _mm_prefetch((const char *)(c0 + 15), _MM_HINT_T0);
        _mm_prefetch((const char *)c1, _MM_HINT_T0); _mm_prefetch((const char *)(c1 + 15), _MM_HINT_T0);
        _mm_prefetch((const char *)c2, _MM_HINT_T0); _mm_prefetch((const char *)(c2 + 15), _MM_HINT_T0);
        if (!HALF) {
            _mm_prefetch((const char *)c3, _MM_HINT_T0); _mm_prefetch((const char *)(c3 + 15), _MM_HINT_T0);
            _mm_prefetch((const char *)c4, _MM_HINT_T0); _mm_prefetch((const char *)(c4 + 15), _MM_HINT_T0);
            _mm_prefetch((const char *)c5, _MM_HINT_T0); _mm_prefetch((const char *)(c5 + 15), _MM_HINT_T0);
        }
    }

    /* Unrolled by 4: the four steps are issued in k order, so every
     * accumulator's FMA chain keeps the order k, k+1, k+2, k+3. */
    long p = 0;
    for (; p + 4 <= kc; p += 4) {
        _mm_prefetch((const char *)(b + 8 * 16), _MM_HINT_T0);
        _mm_prefetch((const char *)(b + 8 * 16 + 16), _MM_HINT_T0);
        _mm_prefetch((const char *)(b + 8 * 16 + 32), _MM_HINT_T0);
        _mm_prefetch((const char *)(b + 8 * 16 + 48), _MM_HINT_T0);
        STEP(); STEP(); STEP(); STEP();
    }
    for (; p < kc; p++) STEP();

    _mm256_storeu_ps(c0, c00); _mm256_storeu_ps(c0 + 8, c01);
    _mm256_storeu_ps(c1, c10); _mm256_storeu_ps(c1 + 8, c11);
    _mm256_storeu_ps(c2, c20); _mm256_storeu_ps(c2 + 8, c21);
    if (!HALF) {
        _mm256_storeu_ps(c3, c30); _mm256_storeu_ps(c3 + 8, c31);
        _mm256_storeu_ps(c4, c40); _mm256_storeu_ps(c4 + 8, c41);
        _mm256_storeu_ps(c5, c50); _mm256_storeu_ps(c5 + 8, c51);
    }
}

CGEMM_AVX2
void cgemm_kernel_avx2_6x16(long kc, const float *restrict a, long rs_a, long cs_a,
                            const float *restrict b, float *restrict c, long ldc, int load_c,
                            int rows)
{
    if (rows <= 3)
        kernel_body(1, kc, a, rs_a, cs_a, b, c, ldc, load_c);
    else
        kernel_body(0, kc, a, rs_a, cs_a, b, c, ldc, load_c);
}

#undef STEP
#endif /* CGEMM_X86 */
