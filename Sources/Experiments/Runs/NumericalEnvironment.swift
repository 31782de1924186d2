import CBLAS
import CSndfile
import Foundation
import HDF5Storage
import TensorCore

/// Everything that decides the last bits of a run, as the run's `result.json` records it
/// (issue 25): the OpenBLAS kernels and their policy, the BLAS thread count, the CPU and the
/// vector-unit flags it has, the libraries (FFTW for the filter bank's FFT, glibc for libm's
/// exp/log/tanh/erf), the compiler and its flags, the git commit. Two runs of one configuration
/// with equal `kernels`, `blasCore` and `blasThreads` and equal library versions give the same
/// bytes on any x86-64 CPU with AVX2 and FMA (DETERMINISM.md says why each piece holds);
/// `cpuModel` and `cpuFlags` say where a run was made, they do not change its bits.
public struct NumericalEnvironment: Codable, Equatable, Sendable {
    /// The single-precision matrix product (issue 31): `exact-fma` (ours: its bits depend on no
    /// kernel set, path or thread count) or `openblas` (the kernels below decide its bits).
    /// Absent in runs stored before 2026-12-07, all made with OpenBLAS.
    public var matrixProduct: MatrixProduct?
    /// The exact product's vector path (avx2 or avx512; speed only). Absent under OpenBLAS.
    public var gemmPath: GEMMPath?
    /// `portable` (OpenBLAS's Haswell kernels pinned) or `native` (the CPU's own: machine-bound).
    public var kernels: KernelPolicy
    public var blasCore: String
    public var blasThreads: Int
    /// openblas_get_config(): version and build options.
    public var openblas: String
    public var cpuModel: String
    /// The CPU's vector-unit flags among those that select code paths (`selectingFlags`).
    public var cpuFlags: [String]
    public var fftw: String
    /// How FFTW plans: estimated, never timed, so the plan depends only on the codelets the
    /// library has (Debian's libfftw3f: SSE2 and AVX, which every AVX2 CPU runs alike).
    public var fftwPlanning: String
    /// glibc, whose libm picks its FMA variants of expf/logf on every AVX2 + FMA CPU.
    public var libc: String
    public var hdf5: String
    public var libsndfile: String
    public var swift: String
    /// How the Swift code was compiled (release or debug, the target CPU, cross-module optimisation).
    public var compilerFlags: String
    public var gitCommit: String

    /// Flags that decide which kernels a library may pick.
    public static let selectingFlags = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw",
                                        "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile"]

    public static func current(threads: Int) -> NumericalEnvironment {
        let cpuinfo = BLASCore.cpuinfo
        let flags = BLASCore.cpuFlags(cpuinfo: cpuinfo)
        let product = MatrixProductSettings.product
        return NumericalEnvironment(
            matrixProduct: product, gemmPath: product == .exactFMA ? MatrixProductSettings.path : nil,
            kernels: BLASCore.policy, blasCore: BLASCore.current, blasThreads: threads, openblas: BLASCore.configuration,
            cpuModel: BLASCore.cpuinfoField("model name", in: cpuinfo) ?? "unknown",
            cpuFlags: selectingFlags.filter(flags.contains),
            fftw: RunEnvironment.fftwVersion, fftwPlanning: "FFTW_ESTIMATE",
            libc: libcVersion, hdf5: HDF5Version.string, libsndfile: String(cString: sf_version_string()),
            swift: RunEnvironment.swiftVersion, compilerFlags: compilerFlags,
            gitCommit: RunEnvironment.gitCommit ?? "unknown")
    }

    static var libcVersion: String {
        // gnu_get_libc_version is not in Swift's Glibc module map; looked up by name instead.
        typealias Version = @convention(c) () -> UnsafePointer<CChar>
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gnu_get_libc_version") else { return "unknown" }
        return "glibc " + String(cString: unsafeBitCast(symbol, to: Version.self)())
    }

    /// The flags the Makefile builds with, as compilation conditions it sets beside them.
    static var compilerFlags: String {
        var flags: [String] = []
        #if DEBUG
        flags.append("-c debug")
        #else
        flags.append("-c release")
        #endif
        #if ATFLREC_TARGET_HASWELL
        flags.append("-target-cpu haswell")
        #endif
        #if ATFLREC_CROSS_MODULE_OPTIMIZATION
        flags.append("-cross-module-optimization")
        #endif
        return flags.joined(separator: " ")
    }
}
