/*
 * cgemm: a bit-reproducible single-precision matrix product (issue 31).
 *
 * THE INVARIANT.  cgemm_sgemm computes C = op(A) * op(B)  (or C += op(A) * op(B)
 * when `accumulate` is non-zero), all matrices row-major.  Every stored output
 * element is exactly the chain
 *
 *     c = 0.0f                       (accumulate == 0)   or   c = C[i][j]   (accumulate != 0)
 *     for k = 0, 1, ..., K-1:  c = fmaf(op(A)[i][k], op(B)[k][j], c)
 *
 * in that order, one correctly rounded fused multiply-add per step.  Vectors
 * span i and j, never k; blocking over k keeps the running value in C between
 * k-blocks; threads split the output, never k.  Hence the result is bit for bit
 * the same for every ISA, vector width, block size, thread count and CPU (and
 * equal to the plain scalar fmaf loop above).  There is no alpha / beta other
 * than "1 * op(A) op(B) (+ C)".
 *
 * K == 0 gives C = 0 (accumulate == 0) or leaves C unchanged (accumulate != 0).
 * M == 0 or N == 0 does nothing.  Only the M x N elements of C are written;
 * the gap between a row's N-th element and the next row (ldc > N) is not touched.
 */
#ifndef CGEMM_H
#define CGEMM_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CGEMM_ISA_AUTO = 0,    /* widest supported (cgemm_isa_widest) */
    CGEMM_ISA_AVX2 = 1,    /* x86-64 AVX2 + FMA, 6x16 micro-kernel */
    CGEMM_ISA_AVX512 = 2,  /* x86-64 AVX-512 F+BW+VL+DQ, 12x32 micro-kernel */
    CGEMM_ISA_SCALAR = 3   /* portable C (fmaf), any CPU; also the fallback */
} cgemm_isa;

/* 1 when this CPU and OS can run `isa` (CPUID feature bits and, for the
 * vector ISAs, XGETBV showing the OS saves the register state), else 0.
 * CGEMM_ISA_AUTO and CGEMM_ISA_SCALAR are always supported. */
int cgemm_isa_supported(cgemm_isa isa);

/* The widest supported ISA: AVX512, else AVX2, else SCALAR. */
cgemm_isa cgemm_isa_widest(void);

/* C = op(A) * op(B) (+ C if accumulate), row-major.
 *   op(A) is M x K: A[i*lda + k] if transA == 0, A[k*lda + i] if transA != 0.
 *   op(B) is K x N: B[k*ldb + j] if transB == 0, B[j*ldb + k] if transB != 0.
 *   C is M x N: C[i*ldc + j].
 * isa: CGEMM_ISA_AUTO picks cgemm_isa_widest(); an unsupported isa is
 *   replaced by cgemm_isa_widest() (the result is identical either way).
 * threads: <= 1 runs on the caller's thread; otherwise up to `threads`
 *   threads (a persistent pool) each own a block of rows or columns of C.
 *   Small products may use fewer threads; the result never depends on it.
 *   Concurrent calls are allowed (a call that finds the pool busy starts its
 *   own threads).  Each calling thread and each pool thread keeps its packing
 *   buffers (at most about 6.5 MB) for reuse until it exits.
 * C must not overlap A or B. */
void cgemm_sgemm(cgemm_isa isa, int threads, int transA, int transB,
                 long m, long n, long k,
                 const float *a, long lda,
                 const float *b, long ldb,
                 int accumulate, float *c, long ldc);

#ifdef __cplusplus
}
#endif

#endif /* CGEMM_H */
