/*
 * AVX2 transposing pack (a copy, no arithmetic): used for the operand whose
 * micro-panel dimension runs across rows of the caller's matrix, i.e. op(A)
 * with transA == 0 (MR rows of A) and op(B) with transB != 0 (NR rows of the
 * stored B).  It produces exactly what the scalar packing in gemm.c produces
 * (BLIS-style packed micro-panel, Van Zee and van de Geijn, ACM TOMS 2015):
 *
 *     dst[p * rows + i] = src[i * lds + p],   0 <= i < rows, 0 <= p < kc
 *
 * by 8 x 8 register transposes.  Since it only moves floats it cannot affect
 * any result bit; it exists because the scalar strided gather was a visible
 * fraction of the time for small N (or M).
 */
#include "cgemm_internal.h"

#ifdef CGEMM_X86
#include <immintrin.h>

#define CGEMM_AVX2 __attribute__((target("avx2,fma")))

static inline __attribute__((always_inline)) CGEMM_AVX2 void
transpose8(__m256 *r)
{
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20); r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20); r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20); r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20); r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

static inline __attribute__((always_inline)) CGEMM_AVX2 void
store_n(float *d, __m256 v, int n)
{
    if (n == 8) {
        _mm256_storeu_ps(d, v);
    } else {
        const __m128 lo = _mm256_castps256_ps128(v);
        if (n >= 4) {
            _mm_storeu_ps(d, lo);
            if (n == 6) _mm_storel_pi((__m64 *)(d + 4), _mm256_extractf128_ps(v, 1));
            else for (int x = 4; x < n; x++) d[x] = v[x];
        } else {
            for (int x = 0; x < n; x++) d[x] = v[x];
        }
    }
}

/* rows: the micro-panel size (6, 12, 16 or 32); all `rows` source rows exist. */
CGEMM_AVX2
void cgemm_pack_t_avx2(int rows, long kc, const float *restrict src, long lds, float *restrict dst)
{
    long p = 0;
    for (; p + 8 <= kc; p += 8) {
        for (int g = 0; g < rows; g += 8) {
            const int n = rows - g < 8 ? rows - g : 8;
            __m256 r[8];
            for (int i = 0; i < 8; i++)
                r[i] = i < n ? _mm256_loadu_ps(src + (long)(g + i) * lds + p) : _mm256_setzero_ps();
            transpose8(r);
            for (int q = 0; q < 8; q++) store_n(dst + (p + q) * rows + g, r[q], n);
        }
    }
    for (; p < kc; p++)
        for (int i = 0; i < rows; i++) dst[p * rows + i] = src[(long)i * lds + p];
}

#endif /* CGEMM_X86 */
