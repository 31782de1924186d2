/*
 * cgemm driver: ISA dispatch, blocking, packing and threading.
 *
 * The loop structure is the GotoBLAS/BLIS one (K. Goto and R. A. van de Geijn,
 * "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 2008; F. G. Van
 * Zee and R. A. van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS
 * Functionality", ACM TOMS 41(3), 2015), ported here for row-major C:
 *
 *   loop 5  jc over N in steps of NC      B panel  (KC x NC) packed -> L3
 *   loop 4  pc over K in steps of KC      (in ascending k order, see below)
 *   loop 3  ic over M in steps of MC      A block  (MC x KC) packed -> L2
 *   loop 2  jr over NC in steps of NR     B micro-panel (KC x NR) -> L1
 *   loop 1  ir over MC in steps of MR     A micro-panel (MR x KC)
 *   micro-kernel: MR x NR register block, one rank-1 update per k.
 *
 * THE INVARIANT (cgemm.h): every output element is the chain
 * c = fma(a_ik, b_kj, c), k = 0..K-1 in order, from 0.0f or from C.  The
 * driver keeps it by construction:
 *   - loop 4 visits the k-blocks in ascending order; the first k-block starts
 *     each element from +0.0f (or from the caller's C when accumulating), every
 *     later one reloads the value the previous k-block stored in C.  The
 *     running value lives in C between k-blocks, rounded exactly as in
 *     registers (it is a float either way).
 *   - the micro-kernels (kernel_*.c) vectorise along j and broadcast along i,
 *     never along k, and use explicit fused multiply-adds.
 *   - packing only copies floats.  Zero padding of edge micro-panels only feeds
 *     rows/columns of the register block that are never stored: each stored
 *     element's chain uses only its own row of op(A) and column of op(B).
 *     Edge tiles are computed in a scratch tile and only valid elements are
 *     copied back, with the same k order.
 *   - threads own disjoint blocks of rows (or of columns) of C; k is never split.
 * Therefore block sizes, MR/NR, vector width, thread count and CPU cannot
 * change any bit; the ISAs give identical results.
 *
 * This file does no floating-point arithmetic on matrix values other than
 * fmaf() in the portable kernel; build it (like the kernels) without
 * -ffast-math.  FP contraction is
 * irrelevant (there is no a*b+c expression to contract) but is turned off
 * anyway where the compiler honours the pragma.
 */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define _GNU_SOURCE 1
#include "cgemm.h"
#include "cgemm_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* ISA detection: CPUID feature bits plus XGETBV (the OS must save the ymm /   */
/* zmm state), done by hand so that it does not depend on the compiler's       */
/* runtime (__builtin_cpu_supports differs between gcc and clang versions).    */

#ifdef CGEMM_X86
#include <cpuid.h>

static unsigned long long cgemm_xgetbv0(void)
{
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

static int cgemm_detect(void)
{
    unsigned int a, b, c, d;
    int flags = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx) return 0;
    const unsigned long long xcr0 = cgemm_xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return 0; /* XMM and YMM state */
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    const int avx2 = (b >> 5) & 1;
    const int f512 = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    if (avx2 && fma) flags |= 1;
    if (avx2 && fma && f512 && dq && bw && vl && (xcr0 & 0xe0) == 0xe0) flags |= 2; /* opmask, ZMM0-15 hi, ZMM16-31 */
    return flags;
}
#else
static int cgemm_detect(void) { return 0; }
#endif

static int cgemm_flags(void)
{
    static int cached = -1; /* benign race: every thread computes the same value */
    int f = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (f < 0) {
        f = cgemm_detect();
        __atomic_store_n(&cached, f, __ATOMIC_RELAXED);
    }
    return f;
}

int cgemm_isa_supported(cgemm_isa isa)
{
    switch (isa) {
    case CGEMM_ISA_AUTO:
    case CGEMM_ISA_SCALAR: return 1;
    case CGEMM_ISA_AVX2: return (cgemm_flags() & 1) != 0;
    case CGEMM_ISA_AVX512: return (cgemm_flags() & 2) != 0;
    }
    return 0;
}

cgemm_isa cgemm_isa_widest(void)
{
    if (cgemm_isa_supported(CGEMM_ISA_AVX512)) return CGEMM_ISA_AVX512;
    if (cgemm_isa_supported(CGEMM_ISA_AVX2)) return CGEMM_ISA_AVX2;
    return CGEMM_ISA_SCALAR;
}

/* ------------------------------------------------------------------------ */
/* Portable micro-kernel, 4 x 8, fmaf per element: the reference structure.  */

#define SC_MR 4
#define SC_NR 8

static void cgemm_kernel_scalar_4x8(long kc, const float *restrict a, long rs_a, long cs_a,
                                    const float *restrict b, float *restrict c, long ldc, int load_c,
                                    int rows)
{
    (void)rows; /* always computes all SC_MR rows */
    float acc[SC_MR][SC_NR];
    for (int i = 0; i < SC_MR; i++)
        for (int j = 0; j < SC_NR; j++) acc[i][j] = load_c ? c[i * ldc + j] : 0.0f;
    for (long p = 0; p < kc; p++) {
        for (int i = 0; i < SC_MR; i++) {
            const float ai = a[i * rs_a + p * cs_a];
            for (int j = 0; j < SC_NR; j++) acc[i][j] = fmaf(ai, b[p * SC_NR + j], acc[i][j]);
        }
    }
    for (int i = 0; i < SC_MR; i++)
        for (int j = 0; j < SC_NR; j++) c[i * ldc + j] = acc[i][j];
}

/* ------------------------------------------------------------------------ */
/* Block sizes per ISA, chosen as in BLIS: the KC x NR micro-panel of B stays  */
/* in L1, the MC x KC block of A in L2, the KC x NC panel of B in L3.          */
/*   AVX2 6x16: MC 120, KC 384, NC 4080 (BLIS zen3 uses 144/256/4080; KC 384  */
/*     measured better here on Zen 3: K = 384 is one block, fewer C reloads;  */
/*     B micro-panel 24 KiB of the 32 KiB L1).                                */
/*   AVX-512 12x32: MC 240, KC 256, NC 3072 (B micro-panel 32 KiB, A block    */
/*     240 KiB); not tuned: no AVX-512 CPU was available.                     */
/* The driver balances the blocks (see gemm_serial).  Changing any of these   */
/* cannot change a result bit.                                                 */

typedef struct {
    int mr, nr;
    long mc, kc, nc;
    cgemm_kernel_fn kernel;
} cgemm_arch;

/* (Overridable at compile time for tuning experiments only.) */
#ifndef CGEMM_AVX2_MC
#define CGEMM_AVX2_MC 120
#endif
#ifndef CGEMM_AVX2_KC
#define CGEMM_AVX2_KC 384
#endif
#ifndef CGEMM_AVX2_NC
#define CGEMM_AVX2_NC 4080
#endif

static const cgemm_arch arch_scalar = {SC_MR, SC_NR, 128, 256, 4096, cgemm_kernel_scalar_4x8};
#ifdef CGEMM_X86
static const cgemm_arch arch_avx2 = {6, 16, CGEMM_AVX2_MC, CGEMM_AVX2_KC, CGEMM_AVX2_NC, cgemm_kernel_avx2_6x16};
static const cgemm_arch arch_avx512 = {12, 32, 240, 256, 3072, cgemm_kernel_avx512_12x32};
#endif

#define CGEMM_MAX_TILE (12 * 32)

/* Read A in place when the thread's share of C has at most this many
 * NR-column micro-panels (see gemm_serial). */
#ifndef CGEMM_DIRECT_MAX_PANELS
#define CGEMM_DIRECT_MAX_PANELS 16
#endif

/* ------------------------------------------------------------------------ */
/* Packing (copies only).                                                     */

/* The 6/12-row and 16/32-column panels exist only on x86 (AVX2 / AVX-512, which
 * both have AVX2), where the transposing packs use pack_avx2.c. */
#ifdef CGEMM_X86
#define CGEMM_T_PACK 1
#else
#define CGEMM_T_PACK 0
static void cgemm_pack_t_avx2(int rows, long kc, const float *src, long lds, float *dst)
{
    (void)rows; (void)kc; (void)src; (void)lds; (void)dst;
}
#endif

/* Pack an mc x kc block of op(A) (top-left at `a`) into MR-row micro-panels:
 * dst[panel][p][i] = op(A)[panel*MR + i][p], rows past mc padded with 0. */
static inline __attribute__((always_inline)) void
pack_a_block(const int MR, int use_avx2, int transA, long mc, long kc, const float *restrict a, long lda,
             float *restrict dst)
{
    for (long i0 = 0; i0 < mc; i0 += MR, dst += (long)MR * kc) {
        const long mr = mc - i0 < MR ? mc - i0 : MR;
        if (!transA) {
            const float *src = a + i0 * lda;
            if (mr == MR && use_avx2) {
                cgemm_pack_t_avx2(MR, kc, src, lda, dst);
            } else if (mr == MR) {
                for (long p = 0; p < kc; p++)
                    for (int i = 0; i < MR; i++) dst[p * MR + i] = src[i * lda + p];
            } else {
                for (long p = 0; p < kc; p++)
                    for (int i = 0; i < MR; i++) dst[p * MR + i] = i < mr ? src[i * lda + p] : 0.0f;
            }
        } else {
            const float *src = a + i0;
            if (mr == MR) {
                /* full panels are packed row by row in pack_a_rows */
                continue;
            } else {
                for (long p = 0; p < kc; p++)
                    for (int i = 0; i < MR; i++) dst[p * MR + i] = i < mr ? src[p * lda + i] : 0.0f;
            }
        }
    }
}

/* Pack a kc x nc block of op(B) (top-left at `b`) into NR-column micro-panels:
 * dst[panel][p][j] = op(B)[p][panel*NR + j], columns past nc padded with 0. */
static inline __attribute__((always_inline)) void
pack_b_block(const int NR, int use_avx2, int transB, long kc, long nc, const float *restrict b, long ldb,
             float *restrict dst)
{
    for (long j0 = 0; j0 < nc; j0 += NR, dst += (long)NR * kc) {
        const long nr = nc - j0 < NR ? nc - j0 : NR;
        if (!transB) {
            const float *src = b + j0;
            if (nr == NR) {
                /* full panels are packed row by row in pack_b_rows */
                continue;
            } else {
                for (long p = 0; p < kc; p++)
                    for (int j = 0; j < NR; j++) dst[p * NR + j] = j < nr ? src[p * ldb + j] : 0.0f;
            }
        } else {
            const float *src = b + j0 * ldb;
            if (nr == NR && use_avx2) {
                cgemm_pack_t_avx2(NR, kc, src, ldb, dst);
            } else if (nr == NR) {
                for (long p = 0; p < kc; p++)
                    for (int j = 0; j < NR; j++) dst[p * NR + j] = src[j * ldb + p];
            } else {
                for (long p = 0; p < kc; p++)
                    for (int j = 0; j < NR; j++) dst[p * NR + j] = j < nr ? src[j * ldb + p] : 0.0f;
            }
        }
    }
}

/* Rows ahead that the row-by-row packs prefetch (the source is usually
 * streamed from memory exactly once). */
#ifndef CGEMM_PACK_PREFETCH
#define CGEMM_PACK_PREFETCH 16
#endif

/* The full MR-row panels of a transposed A (op(A)[i][p] = a[p*lda + i]),
 * packed one row of the stored A at a time (contiguous reads). */
static inline __attribute__((always_inline)) void
pack_a_rows(const int MR, long mc, long kc, const float *restrict a, long lda, float *restrict dst)
{
    const long nfull = mc / MR;
    for (long p = 0; p < kc; p++) {
        const float *src = a + p * lda;
        if (p + CGEMM_PACK_PREFETCH < kc)
            for (long x = 0; x < nfull * MR; x += 16) __builtin_prefetch(src + CGEMM_PACK_PREFETCH * lda + x, 0, 3);
        float *d = dst + p * MR;
        for (long q = 0; q < nfull; q++)
            for (int i = 0; i < MR; i++) d[q * MR * kc + i] = src[q * MR + i];
    }
}

/* The full NR-column panels of an untransposed B, packed one row of B at a
 * time (reading each row of B contiguously, which streams better from memory
 * than one NR-wide strip after another). */
static inline __attribute__((always_inline)) void
pack_b_rows(const int NR, long kc, long nc, const float *restrict b, long ldb, float *restrict dst)
{
    const long nfull = nc / NR;
    for (long p = 0; p < kc; p++) {
        const float *src = b + p * ldb;
        if (p + CGEMM_PACK_PREFETCH < kc)
            for (long x = 0; x < nfull * NR; x += 16) __builtin_prefetch(src + CGEMM_PACK_PREFETCH * ldb + x, 0, 3);
        float *d = dst + p * NR;
        for (long q = 0; q < nfull; q++)
            for (int j = 0; j < NR; j++) d[q * NR * kc + j] = src[q * NR + j];
    }
}

static void pack_a(const cgemm_arch *ar, int transA, long mc, long kc, const float *a, long lda, float *dst)
{
    switch (ar->mr) {
    case 6: if (transA) pack_a_rows(6, mc, kc, a, lda, dst); pack_a_block(6, CGEMM_T_PACK, transA, mc, kc, a, lda, dst); break;
    case 12: if (transA) pack_a_rows(12, mc, kc, a, lda, dst); pack_a_block(12, CGEMM_T_PACK, transA, mc, kc, a, lda, dst); break;
    default: if (transA) pack_a_rows(SC_MR, mc, kc, a, lda, dst); pack_a_block(SC_MR, 0, transA, mc, kc, a, lda, dst); break;
    }
}

static void pack_b(const cgemm_arch *ar, int transB, long kc, long nc, const float *b, long ldb, float *dst)
{
    switch (ar->nr) {
    case 16: if (!transB) pack_b_rows(16, kc, nc, b, ldb, dst); pack_b_block(16, CGEMM_T_PACK, transB, kc, nc, b, ldb, dst); break;
    case 32: if (!transB) pack_b_rows(32, kc, nc, b, ldb, dst); pack_b_block(32, CGEMM_T_PACK, transB, kc, nc, b, ldb, dst); break;
    default: if (!transB) pack_b_rows(SC_NR, kc, nc, b, ldb, dst); pack_b_block(SC_NR, 0, transB, kc, nc, b, ldb, dst); break;
    }
}

/* ------------------------------------------------------------------------ */
/* Per-thread packing buffers (kept between calls; freed at thread exit).     */

typedef struct {
    float *p;
    size_t n; /* floats */
} cgemm_buf;

static pthread_key_t buf_key;
static pthread_once_t buf_once = PTHREAD_ONCE_INIT;

static void buf_free(void *v)
{
    cgemm_buf *b = v;
    if (b) { free(b->p); free(b); }
}
static void buf_key_init(void) { pthread_key_create(&buf_key, buf_free); }

static float *thread_buffer(size_t nfloats)
{
    pthread_once(&buf_once, buf_key_init);
    cgemm_buf *b = pthread_getspecific(buf_key);
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b) return NULL;
        pthread_setspecific(buf_key, b);
    }
    if (b->n < nfloats) {
        free(b->p);
        b->n = 0;
        size_t bytes = (nfloats * sizeof(float) + 4095) & ~(size_t)4095;
        b->p = aligned_alloc(4096, bytes);
        if (!b->p) return NULL;
        b->n = bytes / sizeof(float);
    }
    return b->p;
}

static long round_up(long x, long m) { return (x + m - 1) / m * m; }
static long min_l(long a, long b) { return a < b ? a : b; }

/* ------------------------------------------------------------------------ */
/* One thread's share: C[0:m, 0:n] (already offset) = op(A) op(B) (+ C).       */

static void gemm_serial(const cgemm_arch *ar, int tA, int tB, long m, long n, long k,
                       const float *a, long lda, const float *b, long ldb,
                       int accumulate, float *c, long ldc)
{
    const int MR = ar->mr, NR = ar->nr;
    /* Block sizes balanced over the problem (e.g. K = 300 with KC = 256 runs as
     * two blocks of 152 and 148, not 256 + 44), at most the ISA's KC / MC.
     * The k-blocks are still visited in ascending order. */
    const long nkb = (k + ar->kc - 1) / ar->kc;
    const long KCb = min_l(round_up((k + nkb - 1) / nkb, 8), k);
    const long nmb = (m + ar->mc - 1) / ar->mc;
    const long MCb = min_l(round_up((m + nmb - 1) / nmb, MR), ar->mc);
    const long abuf_n = round_up(min_l(MCb, m), MR) * KCb;
    const long bbuf_n = round_up(min_l(ar->nc, n), NR) * KCb;
    float *buf = thread_buffer((size_t)(abuf_n + bbuf_n + 64));
    if (!buf) {
        /* Out of memory for the packing buffers (C untouched so far): use the
         * unblocked definition, which gives the same bits. */
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) {
                float s = accumulate ? c[i * ldc + j] : 0.0f;
                for (long p = 0; p < k; p++)
                    s = fmaf(tA ? a[p * lda + i] : a[i * lda + p], tB ? b[j * ldb + p] : b[p * ldb + j], s);
                c[i * ldc + j] = s;
            }
        return;
    }
    float *bbuf = buf;                     /* 4096-aligned */
    float *abuf = buf + round_up(bbuf_n, 16); /* 64-byte aligned */
    _Alignas(64) float tile[CGEMM_MAX_TILE];

    /* Read an untransposed A in place instead of packing it (BLIS "sup"-style,
     * strides rs_a = lda, cs_a = 1: six contiguous row streams) when each A
     * block would be reused by only a few B micro-panels, so packing would cost
     * more than it saves.  Leading dimensions that are multiples of 1024 floats
     * are packed anyway (the rows would alias in the caches).  A transposed A
     * is always packed (reading it in place, 6 floats per row of the stored A,
     * measured slower).  Only speed depends on this choice. */
    const long npanels = (min_l(ar->nc, n) + NR - 1) / NR;
    const int direct = !tA && npanels <= CGEMM_DIRECT_MAX_PANELS && lda % 1024 != 0;
    const long rs_d = lda, cs_d = 1;

    for (long jc = 0; jc < n; jc += ar->nc) {
        const long nc = min_l(ar->nc, n - jc);
        /* k-blocks strictly in ascending order: the chain order. */
        for (long pc = 0; pc < k; pc += KCb) {
            const long kc = min_l(KCb, k - pc);
            const int load = accumulate || pc > 0;
            pack_b(ar, tB, kc, nc, tB ? b + jc * ldb + pc : b + pc * ldb + jc, ldb, bbuf);
            for (long ic = 0; ic < m; ic += MCb) {
                const long mc = min_l(MCb, m - ic);
                const float *ablk = tA ? a + pc * lda + ic : a + ic * lda + pc;
                const long medge = mc % MR, mfull = mc - medge;
                if (!direct)
                    pack_a(ar, tA, mc, kc, ablk, lda, abuf);
                else if (medge) /* the partial micro-panel is packed (zero padded) */
                    pack_a(ar, tA, medge, kc, tA ? ablk + mfull : ablk + mfull * lda, lda, abuf);
                for (long jr = 0; jr < nc; jr += NR) {
                    const long nr = min_l(NR, nc - jr);
                    const float *bp = bbuf + jr * kc;
                    for (long ir = 0; ir < mc; ir += MR) {
                        const long mr = min_l(MR, mc - ir);
                        const float *ap;
                        long rs, cs;
                        if (!direct) { ap = abuf + ir * kc; rs = 1; cs = MR; }
                        else if (mr < MR) { ap = abuf; rs = 1; cs = MR; }
                        else { ap = ablk + ir * lda; rs = rs_d; cs = cs_d; }
                        float *cp = c + (ic + ir) * ldc + jc + jr;
                        if (load) {
                            /* Later k-blocks start from C, which may have left
                             * the caches: fetch the next tile's C rows while
                             * this tile computes (cf. BLIS's a_next/b_next). */
                            const float *cn = ir + MR < mc ? cp + MR * ldc
                                            : c + ic * ldc + jc + jr + NR;
                            const long rn = ir + MR < mc ? min_l(MR, mc - ir - MR) : min_l(MR, mc);
                            if (ir + MR < mc || jr + NR < nc)
                                for (long i = 0; i < rn; i++) {
                                    __builtin_prefetch(cn + i * ldc, 0, 3);
                                    __builtin_prefetch(cn + i * ldc + NR - 1, 0, 3);
                                }
                        }
                        if (mr == MR && nr == NR) {
                            ar->kernel(kc, ap, rs, cs, bp, cp, ldc, load, MR);
                        } else {
                            /* Edge tile: same kernel, same k order, on a scratch
                             * tile; only the valid mr x nr elements are read
                             * from and written back to C. */
                            if (load) {
                                for (long i = 0; i < MR; i++)
                                    for (long j = 0; j < NR; j++)
                                        tile[i * NR + j] = (i < mr && j < nr) ? cp[i * ldc + j] : 0.0f;
                            }
                            ar->kernel(kc, ap, rs, cs, bp, tile, NR, load, (int)mr);
                            for (long i = 0; i < mr; i++)
                                for (long j = 0; j < nr; j++) cp[i * ldc + j] = tile[i * NR + j];
                        }
                    }
                }
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Threading: a static split of the output.  Part t of T owns either a block  */
/* of rows (a multiple of MR) or a block of columns (a multiple of NR) of C,   */
/* and packs its own operands.  We split the larger of M and N so the          */
/* duplicated packing (the other operand, packed by every thread) is the      */
/* smaller one.                                                                */

typedef struct {
    const cgemm_arch *ar;
    int tA, tB, accumulate, nparts, split_m;
    long m, n, k, lda, ldb, ldc, units, unit;
    const float *a, *b;
    float *c;
} cgemm_job;

static void run_part(cgemm_job *j, int t)
{
    const long u0 = j->units * t / j->nparts, u1 = j->units * (t + 1) / j->nparts;
    long lo = u0 * j->unit, hi = u1 * j->unit;
    const long dim = j->split_m ? j->m : j->n;
    if (hi > dim) hi = dim;
    if (lo >= hi) return;
    if (j->split_m)
        gemm_serial(j->ar, j->tA, j->tB, hi - lo, j->n, j->k,
                    j->tA ? j->a + lo : j->a + lo * j->lda, j->lda, j->b, j->ldb,
                    j->accumulate, j->c + lo * j->ldc, j->ldc);
    else
        gemm_serial(j->ar, j->tA, j->tB, j->m, hi - lo, j->k, j->a, j->lda,
                    j->tB ? j->b + lo * j->ldb : j->b + lo, j->ldb,
                    j->accumulate, j->c + lo, j->ldc);
}

#define CGEMM_MAX_THREADS 64

/* Persistent pool: workers 1..nworkers wait for a generation bump. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    int nworkers;
    unsigned long gen;
    unsigned long start_gen[CGEMM_MAX_THREADS];
    cgemm_job *job;
    int pending;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, {0}, NULL, 0};
static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_atfork_child(void)
{
    /* Worker threads do not survive fork(); start a fresh pool in the child. */
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.wake, NULL);
    pthread_cond_init(&pool.done, NULL);
    pthread_mutex_init(&pool_busy, NULL);
    pool.nworkers = 0;
    pool.job = NULL;
    pool.pending = 0;
}
static void pool_init(void) { pthread_atfork(NULL, NULL, pool_atfork_child); }

/* How long a worker (and a caller waiting for its workers) spins before it sleeps on the
 * condition variable: about 0.1 ms. Waking a sleeping thread costs tens of microseconds, as
 * much as a whole small product (one attention head: 256 x 256 x 32 takes about 50 us), so
 * back-to-back products find their workers awake; a longer spin would take the core from the
 * element-wise row kernels between products (cf. BLASThreads.sleepWhenIdle). Speed only. */
#ifndef CGEMM_SPIN
#define CGEMM_SPIN 20000
#endif

static inline void cpu_relax(void)
{
#ifdef CGEMM_X86
    __builtin_ia32_pause();
#endif
}

static void *pool_worker(void *arg)
{
    const int idx = (int)(intptr_t)arg; /* part idx+1 */
    pthread_mutex_lock(&pool.mu);
    unsigned long seen = pool.start_gen[idx];
    for (;;) {
        if (pool.gen == seen) {
            pthread_mutex_unlock(&pool.mu);
            for (int s = 0; s < CGEMM_SPIN && __atomic_load_n(&pool.gen, __ATOMIC_ACQUIRE) == seen; s++) cpu_relax();
            pthread_mutex_lock(&pool.mu);
        }
        while (pool.gen == seen) pthread_cond_wait(&pool.wake, &pool.mu);
        seen = pool.gen;
        cgemm_job *j = pool.job;
        if (j && idx + 1 < j->nparts) {
            pthread_mutex_unlock(&pool.mu);
            run_part(j, idx + 1);
            pthread_mutex_lock(&pool.mu);
            if (__atomic_sub_fetch(&pool.pending, 1, __ATOMIC_RELEASE) == 0) pthread_cond_signal(&pool.done);
        }
    }
    return NULL;
}

static void *spawn_worker(void *arg)
{
    void **v = arg;
    run_part(v[0], (int)(intptr_t)v[1]);
    return NULL;
}

/* Fallback when the pool is in use by another caller: one thread per part. */
static void run_spawned(cgemm_job *j)
{
    pthread_t tid[CGEMM_MAX_THREADS];
    void *args[CGEMM_MAX_THREADS][2];
    int started[CGEMM_MAX_THREADS] = {0};
    for (int t = 1; t < j->nparts; t++) {
        args[t][0] = j;
        args[t][1] = (void *)(intptr_t)t;
        started[t] = pthread_create(&tid[t], NULL, spawn_worker, args[t]) == 0;
    }
    run_part(j, 0);
    for (int t = 1; t < j->nparts; t++) {
        if (started[t]) pthread_join(tid[t], NULL);
        else run_part(j, t); /* could not start a thread: do its part here */
    }
}

static void run_job(cgemm_job *j)
{
    if (j->nparts <= 1) { run_part(j, 0); return; }
    pthread_once(&pool_once, pool_init);
    if (pthread_mutex_trylock(&pool_busy) != 0) { run_spawned(j); return; }
    pthread_mutex_lock(&pool.mu);
    while (pool.nworkers < j->nparts - 1) {
        const int idx = pool.nworkers;
        pool.start_gen[idx] = pool.gen;
        pthread_t t;
        if (pthread_create(&t, NULL, pool_worker, (void *)(intptr_t)idx) != 0) break;
        pthread_detach(t);
        pool.nworkers++;
    }
    /* Parts beyond the pool's size (if thread creation failed) run here. */
    const int nparts = j->nparts;
    const int pooled = pool.nworkers < nparts - 1 ? pool.nworkers + 1 : nparts;
    pool.job = j;
    __atomic_store_n(&pool.pending, pooled - 1, __ATOMIC_RELAXED);
    __atomic_store_n(&pool.gen, pool.gen + 1, __ATOMIC_RELEASE); /* spinning workers see this */
    pthread_cond_broadcast(&pool.wake);                            /* sleeping ones are woken */
    pthread_mutex_unlock(&pool.mu);

    run_part(j, 0);
    for (int t = pooled; t < nparts; t++) run_part(j, t);

    for (int s = 0; s < CGEMM_SPIN && __atomic_load_n(&pool.pending, __ATOMIC_ACQUIRE) > 0; s++) cpu_relax();
    pthread_mutex_lock(&pool.mu);
    while (pool.pending > 0) pthread_cond_wait(&pool.done, &pool.mu);
    pool.job = NULL;
    pthread_mutex_unlock(&pool.mu);
    pthread_mutex_unlock(&pool_busy);
}

/* ------------------------------------------------------------------------ */

/* Below this many flops per thread, extra threads cost more than they save
 * (affects speed only, never the result). */
#define CGEMM_MIN_FLOPS_PER_THREAD (1L << 21)

void cgemm_sgemm(cgemm_isa isa, int threads, int transA, int transB,
                 long m, long n, long k,
                 const float *a, long lda,
                 const float *b, long ldb,
                 int accumulate, float *c, long ldc)
{
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate)
            for (long i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(float));
        return;
    }
    if (isa == CGEMM_ISA_AUTO || !cgemm_isa_supported(isa)) isa = cgemm_isa_widest();
    const cgemm_arch *ar = &arch_scalar;
#ifdef CGEMM_X86
    if (isa == CGEMM_ISA_AVX512) ar = &arch_avx512;
    else if (isa == CGEMM_ISA_AVX2) ar = &arch_avx2;
#endif

    cgemm_job j = {0};
    j.ar = ar; j.tA = transA != 0; j.tB = transB != 0; j.accumulate = accumulate != 0;
    j.m = m; j.n = n; j.k = k; j.a = a; j.lda = lda; j.b = b; j.ldb = ldb; j.c = c; j.ldc = ldc;
    j.split_m = m >= n;
    j.unit = j.split_m ? ar->mr : ar->nr;
    j.units = ((j.split_m ? m : n) + j.unit - 1) / j.unit;

    long t = threads < 1 ? 1 : threads;
    if (t > CGEMM_MAX_THREADS) t = CGEMM_MAX_THREADS;
    if (t > j.units) t = j.units;
    const double flops = 2.0 * (double)m * (double)n * (double)k;
    while (t > 1 && flops / (double)t < (double)CGEMM_MIN_FLOPS_PER_THREAD) t--;
    j.nparts = (int)t;

    run_job(&j);
}
