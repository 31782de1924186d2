import CBLAS
import Foundation

// Which OpenBLAS kernels a program computes with, and so the last bits of every product.
//
// Debian's OpenBLAS (DYNAMIC_ARCH) picks its kernels for the CPU when the library is loaded:
// Haswell or Zen on AVX2 machines, SkylakeX or Cooperlake on AVX-512 ones, and its generic
// Prescott kernels on a CPU newer than the library (Intel family 6 model 207 under 0.3.21). The
// kernel families split and order the sums over k differently, so one configuration trained on
// two CPU families gives different bits, and training carries them on into the weights and AUC
// (issue 25: 837 of 1,000 SASRec scores differed between Cooperlake and Haswell).
//
// So the programs pin one kernel set by default, the portable one: OpenBLAS's Haswell kernels
// (AVX2 + FMA), which run and are correct on every x86-64 CPU with AVX2 and FMA, Intel or AMD,
// with or without AVX-512 (Zen's kernels are the same code; Haswell is named so that every
// machine records one name). OpenBLAS reads OPENBLAS_CORETYPE only at load, so a program that
// finds other kernels loaded restarts itself once with OPENBLAS_CORETYPE=Haswell, silently.
// This overrides an OPENBLAS_CORETYPE that the machine's environment sets (some machines of
// this project's kind set it because 0.3.21 computes wrong results with its own choice there):
// the Haswell kernels are correct on those CPUs too.
//
// `ATFLREC_KERNELS=native` keeps OpenBLAS's own choice (or the user's OPENBLAS_CORETYPE) for
// speed: about 1.5x on AVX-512 machines (issue 31). The program then says so on its first line,
// and its runs record it: their bytes are bound to that CPU family.

/// How a program chooses its OpenBLAS kernels: `ATFLREC_KERNELS=portable` (the default) or `native`.
public enum KernelPolicy: String, Sendable, Codable, CaseIterable {
    case portable
    case native

    public static let environmentVariable = "ATFLREC_KERNELS"

    /// The policy the environment asks for; an unknown value is an error naming the variable.
    public static func from(environment: [String: String]) throws -> KernelPolicy {
        guard let value = environment[environmentVariable], !value.isEmpty else { return .portable }
        guard let policy = KernelPolicy(rawValue: value.lowercased()) else {
            throw BLASCoreError("\(environmentVariable)=\(value): expected portable or native")
        }
        return policy
    }
}

public struct BLASCoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum BLASCore {
    /// The kernel set of the portable policy: OpenBLAS's name for its AVX2 + FMA kernels.
    public static let portable = "Haswell"

    /// OpenBLAS's name of the kernels in use ("Haswell", "SkylakeX", "Cooperlake", "Prescott", ...).
    public static var current: String { String(cString: openblas_get_corename()) }

    /// The policy this process runs under (set by `pinAtStart`; portable when it was never called,
    /// as in test processes, which record the kernels they actually have).
    nonisolated(unsafe) public private(set) static var policy: KernelPolicy = .portable

    /// What a program does at start.
    public enum StartDecision: Equatable, Sendable {
        /// The loaded kernels are the ones to use.
        case proceed
        /// Restart with OPENBLAS_CORETYPE set to this core.
        case restart(core: String)
        /// Stop with this one-line message.
        case refuse(String)
    }

    /// The decision for a process under `policy` with `current` kernels loaded, `cpuFlags` from
    /// /proc/cpuinfo and `coreVariable` the OPENBLAS_CORETYPE it was started with.
    public static func decide(policy: KernelPolicy, current: String, cpuFlags: Set<String>, coreVariable: String?) -> StartDecision {
        let hasAVX2FMA = cpuFlags.isSuperset(of: ["avx2", "fma"])
        switch policy {
        case .portable:
            guard hasAVX2FMA else {
                return .refuse("this CPU has no AVX2 and FMA, which the portable kernels (OpenBLAS \(portable)) need; "
                    + "\(KernelPolicy.environmentVariable)=native runs on it with results bound to this CPU")
            }
            if current.caseInsensitiveCompare(portable) == .orderedSame { return .proceed }
            if coreVariable?.caseInsensitiveCompare(portable) == .orderedSame {
                // Already restarted for them and OpenBLAS still loaded others: never loop.
                return .refuse("OpenBLAS \(versionNumber) loaded its \(current) kernels although OPENBLAS_CORETYPE=\(portable)")
            }
            return .restart(core: portable)
        case .native:
            if let core = nativeReplacement(current: current, cpuFlags: cpuFlags, userChoice: coreVariable) {
                return .restart(core: core)
            }
            return .proceed
        }
    }

    /// Native policy only: the core to restart with when OpenBLAS fell back to its generic
    /// Prescott kernels on a CPU with AVX2 and FMA and the user chose no core: AVX-512 (F, BW,
    /// VL, DQ) with BF16 gives Cooperlake, without it SkylakeX; AVX2 and FMA give Haswell.
    public static func nativeReplacement(current: String, cpuFlags: Set<String>, userChoice: String?) -> String? {
        guard userChoice == nil || userChoice == "", current.lowercased() == "prescott" else { return nil }
        guard cpuFlags.isSuperset(of: ["avx2", "fma"]) else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) {
            return cpuFlags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
        }
        return "Haswell"
    }

    /// The flags of the first processor in /proc/cpuinfo (empty where there is none).
    public static func cpuFlags(cpuinfo: String) -> Set<String> {
        cpuinfoField("flags", in: cpuinfo).map { Set($0.split(separator: " ").map(String.init)) } ?? []
    }

    /// The value of a field ("flags", "model name") of the first processor in /proc/cpuinfo.
    public static func cpuinfoField(_ name: String, in cpuinfo: String) -> String? {
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix(name) {
            guard let colon = line.firstIndex(of: ":"),
                  line[..<colon].trimmingCharacters(in: .whitespaces) == name else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// /proc/cpuinfo of this machine (empty off Linux).
    public static var cpuinfo: String {
        (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    }

    /// Pins the kernels of this program (call first thing in main, before any BLAS work): reads
    /// the policy, restarts once with OPENBLAS_CORETYPE when the decision says so, and exits 1
    /// with one line on a refusal or an unknown policy. Under the native policy it prints one
    /// line saying which kernels the results are bound to.
    public static func pinAtStart(program: String) {
        #if os(Linux)
        let environment = ProcessInfo.processInfo.environment
        let fail = { (message: String) -> Never in
            FileHandle.standardError.write(Data("\(program): \(message)\n".utf8))
            exit(1)
        }
        do { policy = try KernelPolicy.from(environment: environment) } catch { fail("\(error)") }
        // A path of the exact product that is unknown or that this CPU lacks stops here, before any work.
        if environment[GEMMPath.environmentVariable] != nil {
            do { _ = try GEMMPath.from(environment: environment) } catch { fail("\(error)") }
        }
        switch decide(policy: policy, current: current, cpuFlags: cpuFlags(cpuinfo: cpuinfo),
                      coreVariable: environment["OPENBLAS_CORETYPE"]) {
        case .proceed:
            if policy == .native {
                FileHandle.standardError.write(Data(("\(program): native OpenBLAS kernels (\(current)), "
                    + "\(KernelPolicy.environmentVariable)=native: results of numerics=openblas runs are bound to this CPU family\n").utf8))
            }
        case .refuse(let message):
            fail(message)
        case .restart(let core):
            setenv("OPENBLAS_CORETYPE", core, 1)
            // The resolved path, not /proc/self/exe itself: the kernel names a process after the
            // file it executes, and ps and top should still say "\(program)", not "exe".
            let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
            execv(executable, CommandLine.unsafeArgv)
            fail("restart with OPENBLAS_CORETYPE=\(core) failed (errno \(errno))")
        }
        #endif
    }

    /// "0.3.21" from openblas_get_config ("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ...").
    public static var versionNumber: String {
        let words = String(cString: openblas_get_config()).split(separator: " ")
        return words.count > 1 ? String(words[1]) : "?"
    }

    /// openblas_get_config: version, build options and the loaded core.
    public static var configuration: String { String(cString: openblas_get_config()) }
}
