# The exact matrix product (issue 31, Sources/CGEMM): ours beside OpenBLAS on the encoder's and the
# audio MLP's shapes, per vector path, then the encoder's train step and forward with each product.
# The AVX2 path is compared with OpenBLAS's portable Haswell kernels, the AVX-512 path (where the
# CPU has it) and the encoder with OpenBLAS's native kernels, the fastest it has on this CPU.
BENCH_STEPS += bench-gemm
.PHONY: bench-gemm

bench-gemm: deps
	$(SWIFT) build $(PROGRAM) --product atflrec-bench
	ATFLREC_GEMM_ISA=avx2 $(BIN)/atflrec-bench gemm
	@if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo; then \
	  ATFLREC_KERNELS=native ATFLREC_GEMM_ISA=avx512 $(BIN)/atflrec-bench gemm; \
	else echo "bench-gemm: this CPU has no AVX-512 (F, BW, VL, DQ): the AVX-512 path was NOT measured"; fi
	ATFLREC_KERNELS=native $(BIN)/atflrec-bench encoder-product
