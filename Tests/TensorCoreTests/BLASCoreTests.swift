import Testing
@testable import TensorCore

@Suite("OpenBLAS kernel choice")
struct BLASCoreTests {
    static let avx2: Set<String> = ["sse3", "avx", "avx2", "fma"]
    static let avx512 = avx2.union(["avx512f", "avx512bw", "avx512vl", "avx512dq"])

    /// Portable policy: every AVX2 + FMA CPU ends up on the Haswell kernels, whatever OpenBLAS
    /// picked and whatever OPENBLAS_CORETYPE the machine's environment set; it restarts at most
    /// once, and a CPU without AVX2 and FMA is refused in one line.
    @Test func portablePinsHaswellEverywhere() {
        for current in ["Cooperlake", "SkylakeX", "Zen", "Prescott", "Sandybridge"] {
            for variable in [nil, "Cooperlake", "SkylakeX", ""] as [String?] {
                #expect(BLASCore.decide(policy: .portable, current: current, cpuFlags: Self.avx512, coreVariable: variable)
                        == .restart(core: "Haswell"), "\(current) with OPENBLAS_CORETYPE=\(variable ?? "unset")")
            }
        }
        #expect(BLASCore.decide(policy: .portable, current: "Haswell", cpuFlags: Self.avx2, coreVariable: nil) == .proceed)
        #expect(BLASCore.decide(policy: .portable, current: "Haswell", cpuFlags: Self.avx512, coreVariable: "Haswell") == .proceed)
        // Restarted with Haswell and still other kernels: refused, never a restart loop.
        guard case .refuse(let loop) = BLASCore.decide(policy: .portable, current: "Prescott", cpuFlags: Self.avx2, coreVariable: "Haswell") else {
            Issue.record("expected a refusal"); return
        }
        #expect(loop.contains("OPENBLAS_CORETYPE=Haswell") && !loop.contains("\n"))
        guard case .refuse(let old) = BLASCore.decide(policy: .portable, current: "Prescott", cpuFlags: ["sse3", "avx"], coreVariable: nil) else {
            Issue.record("expected a refusal"); return
        }
        #expect(old.contains("AVX2 and FMA") && old.contains("ATFLREC_KERNELS=native"))
    }

    /// Native policy: OpenBLAS's own choice is kept, except its generic fallback on a CPU that can
    /// do better, which is replaced by the best core the flags allow; a user's core is kept.
    @Test func nativeKeepsTheCPUsOwnKernels() {
        #expect(BLASCore.decide(policy: .native, current: "Prescott", cpuFlags: Self.avx512.union(["avx512_bf16"]), coreVariable: nil) == .restart(core: "Cooperlake"))
        #expect(BLASCore.decide(policy: .native, current: "Prescott", cpuFlags: Self.avx512, coreVariable: nil) == .restart(core: "SkylakeX"))
        #expect(BLASCore.decide(policy: .native, current: "Prescott", cpuFlags: Self.avx2, coreVariable: nil) == .restart(core: "Haswell"))
        #expect(BLASCore.decide(policy: .native, current: "Prescott", cpuFlags: ["sse3", "avx", "avx2"], coreVariable: nil) == .proceed)
        for known in ["Haswell", "Zen", "SkylakeX", "Cooperlake", "Sandybridge"] {
            #expect(BLASCore.decide(policy: .native, current: known, cpuFlags: Self.avx512, coreVariable: nil) == .proceed)
        }
        #expect(BLASCore.decide(policy: .native, current: "Prescott", cpuFlags: Self.avx512, coreVariable: "Prescott") == .proceed)
    }

    @Test func policyComesFromTheEnvironment() throws {
        #expect(try KernelPolicy.from(environment: [:]) == .portable)
        #expect(try KernelPolicy.from(environment: ["ATFLREC_KERNELS": "native"]) == .native)
        #expect(try KernelPolicy.from(environment: ["ATFLREC_KERNELS": "Portable"]) == .portable)
        #expect(throws: BLASCoreError.self) { try KernelPolicy.from(environment: ["ATFLREC_KERNELS": "fast"]) }
    }

    @Test func cpuinfoFieldsAreReadFromTheFirstProcessor() {
        let cpuinfo = """
            processor\t: 0
            model name\t: Intel(R) Xeon(R) Processor
            flags\t\t: fpu sse3 avx2 fma avx512f avx512_bf16
            bugs\t\t: spectre_v1

            processor\t: 1
            flags\t\t: fpu sse3
            """
        #expect(BLASCore.cpuFlags(cpuinfo: cpuinfo) == ["fpu", "sse3", "avx2", "fma", "avx512f", "avx512_bf16"])
        #expect(BLASCore.cpuinfoField("model name", in: cpuinfo) == "Intel(R) Xeon(R) Processor")
        #expect(BLASCore.cpuFlags(cpuinfo: "processor\t: 0\n").isEmpty)
    }

    @Test func currentCoreIsNamed() {
        #expect(!BLASCore.current.isEmpty)
        #expect(BLASCore.versionNumber.hasPrefix("0."))
    }
}
