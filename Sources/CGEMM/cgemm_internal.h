/* Internal interface between the driver (gemm.c) and the micro-kernels. */
#ifndef CGEMM_INTERNAL_H
#define CGEMM_INTERNAL_H

/*
 * A micro-kernel computes one MR x NR tile of C over one k-block of length kc:
 *
 *   for each (i, j) in the tile:  c = load_c ? C[i][j] : 0.0f
 *   for p = 0 .. kc-1:            c = fma(a[i*rs_a + p*cs_a], b[p*NR + j], c)   (in this order)
 *   store c to C[i][j]
 *
 * `a` is an MR-row micro-panel of op(A) with general strides: packed
 * (rs_a = 1, cs_a = MR, MR consecutive floats per k) or read in place from the
 * caller's matrix (rs_a, cs_a = lda, 1 or 1, lda; as in BLIS's unpacked "sup"
 * path) when packing it would cost more than it saves.
 * `rows` (1..MR) is how many leading rows of the tile are needed; a kernel may
 * then skip the others (AVX2: rows <= 3, AVX-512: rows <= 6 compute only the
 * top half), leaving them unread and unwritten.  Needed rows are computed
 * identically either way.
 * `b` a packed NR-column micro-panel of op(B) (NR consecutive floats per k,
 * 32-byte aligned for AVX2, 64-byte aligned for AVX-512).  The kernel always
 * reads and writes the full MR x NR tile; edge tiles are handled by the driver
 * with a scratch tile.  Vectors run along j; each lane's value is one output
 * element's own fma chain, so nothing is ever reassociated.
 */
typedef void (*cgemm_kernel_fn)(long kc, const float *a, long rs_a, long cs_a,
                                const float *b, float *c, long ldc, int load_c, int rows);

#if defined(__x86_64__) || defined(__i386__)
#define CGEMM_X86 1
void cgemm_kernel_avx2_6x16(long kc, const float *a, long rs_a, long cs_a,
                            const float *b, float *c, long ldc, int load_c, int rows);
void cgemm_kernel_avx512_12x32(long kc, const float *a, long rs_a, long cs_a,
                               const float *b, float *c, long ldc, int load_c, int rows);
/* dst[p*rows + i] = src[i*lds + p] for i < rows, p < kc (a transposing copy). */
void cgemm_pack_t_avx2(int rows, long kc, const float *src, long lds, float *dst);
#endif

#endif
