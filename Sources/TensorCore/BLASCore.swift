import CBLAS
import Foundation

// OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its kernels for the CPU when the library is
// loaded. A CPU newer than the library falls back to the generic "Prescott" (SSE3) kernels:
// Debian 12's OpenBLAS 0.3.21 does not know Intel's family 6 model 207 (Emerald Rapids), and on
// such a machine (2026-12-02) sgemm ran at 30-38 GFLOP/s against 190-210 with the Cooperlake
// kernels the CPU supports, and a synthlens ATFLRec epoch took 6.5-9.5 minutes instead of about
// 2.5. OpenBLAS only reads its core choice (OPENBLAS_CORETYPE) at load, so the programs that
// train restart themselves once with it set, and say so on stderr. A core the user set is kept.
//
// The kernels also fix the last bits of every product: a machine OpenBLAS does not know gets the
// core it would have picked had it known the CPU, so it computes what that machine kind computes.

public enum BLASCore {
    /// OpenBLAS's name of the kernels in use ("Haswell", "SkylakeX", "Cooperlake", "Prescott", ...).
    public static var current: String { String(cString: openblas_get_corename()) }

    /// The core to restart with, or nil to keep the current one: only when OpenBLAS fell back to
    /// its generic Prescott kernels on a CPU with AVX2 and FMA, and the user has not chosen a
    /// core (OPENBLAS_CORETYPE). AVX-512 (F, BW, VL, DQ) with BF16 gives Cooperlake, without it
    /// SkylakeX; AVX2 and FMA give Haswell. `cpuFlags` are /proc/cpuinfo's flag names.
    public static func replacement(current: String, cpuFlags: Set<String>, userChoice: String?) -> String? {
        guard userChoice == nil, current.lowercased() == "prescott" else { return nil }
        guard cpuFlags.isSuperset(of: ["avx2", "fma"]) else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) {
            return cpuFlags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
        }
        return "Haswell"
    }

    /// `replacement` for this process and machine: its OpenBLAS core, /proc/cpuinfo and
    /// OPENBLAS_CORETYPE. Test helpers set it for the programs they start, so those do not
    /// restart (and print the notice) on a machine OpenBLAS does not know.
    public static func replacementForThisMachine() -> String? {
        #if os(Linux)
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return replacement(current: current, cpuFlags: cpuFlags(cpuinfo: cpuinfo),
                           userChoice: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"])
        #else
        return nil
        #endif
    }

    /// The flags of the first processor in /proc/cpuinfo (empty where there is none).
    public static func cpuFlags(cpuinfo: String) -> Set<String> {
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    /// Restarts this program with OPENBLAS_CORETYPE set when `replacement` says so (call first
    /// thing in main, before any other work). Returns only when no restart is needed or it failed;
    /// a failed restart is reported and the program goes on with the generic kernels.
    public static func restartWithSupportedCoreIfNeeded(program: String) {
        #if os(Linux)
        guard let core = replacementForThisMachine() else { return }
        FileHandle.standardError.write(Data(("\(program): OpenBLAS \(versionNumber) does not know this CPU and chose its generic "
            + "Prescott kernels; restarting with OPENBLAS_CORETYPE=\(core) (set OPENBLAS_CORETYPE to choose)\n").utf8))
        setenv("OPENBLAS_CORETYPE", core, 1)
        // The resolved path, not /proc/self/exe itself: the kernel names a process after the
        // file it executes, and ps and top should still say "\(program)", not "exe".
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
        execv(executable, CommandLine.unsafeArgv)
        FileHandle.standardError.write(Data("\(program): restart failed (errno \(errno)); going on with the Prescott kernels\n".utf8))
        #endif
    }

    /// "0.3.21" from openblas_get_config ("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ...").
    public static var versionNumber: String {
        let words = String(cString: openblas_get_config()).split(separator: " ")
        return words.count > 1 ? String(words[1]) : "?"
    }
}
