import Foundation
import TensorCore

/// The OpenBLAS kernels to re-make a committed run with, and whether this CPU can run them.
/// A run that recorded its kernels is re-made with those; one that did not (stored before
/// 2026-12-02) is tried with the portable kernels first, and, for baselines (seconds each), with
/// every other set this CPU runs, until one reproduces it: that set is then known.
public enum KernelChoice {
    /// OpenBLAS kernel sets of this project's runs, in the order verify tries them.
    public static let known = [BLASCore.portable, "Cooperlake", "SkylakeX", "Zen", "Prescott"]

    /// Whether a CPU with `cpuFlags` can run `core`'s kernels.
    public static func canRun(_ core: String, cpuFlags: Set<String>) -> Bool {
        switch core.lowercased() {
        case "haswell", "zen": return cpuFlags.isSuperset(of: ["avx2", "fma"])
        case "skylakex": return cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"])
        case "cooperlake": return cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16"])
        case "sandybridge": return cpuFlags.contains("avx")
        case "prescott": return true
        default: return false
        }
    }

    /// The environment a child `atflrec` needs to compute with `core`: the portable policy for
    /// the portable set, else the native policy with the core named.
    public static func environment(for core: String) -> [String: String] {
        core.caseInsensitiveCompare(BLASCore.portable) == .orderedSame
            ? [KernelPolicy.environmentVariable: KernelPolicy.portable.rawValue]
            : [KernelPolicy.environmentVariable: KernelPolicy.native.rawValue, "OPENBLAS_CORETYPE": core]
    }

    /// The kernel sets to try for a run that recorded `recorded` (nil: not recorded), on a CPU
    /// with `cpuFlags`; `exhaustive`: every runnable set (baselines), else the portable one only.
    public static func candidates(recorded: String?, cpuFlags: Set<String>, exhaustive: Bool) -> [String] {
        if let recorded { return canRun(recorded, cpuFlags: cpuFlags) ? [recorded] : [] }
        let runnable = known.filter { canRun($0, cpuFlags: cpuFlags) }
        return exhaustive ? runnable : Array(runnable.prefix(1))
    }
}
