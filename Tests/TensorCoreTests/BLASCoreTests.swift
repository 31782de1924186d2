import Testing
@testable import TensorCore

@Suite("OpenBLAS core choice")
struct BLASCoreTests {
    static let avx2 : Set<String> = ["sse3", "avx", "avx2", "fma"]
    static let avx512 = avx2.union(["avx512f", "avx512bw", "avx512vl", "avx512dq"])

    /// Only OpenBLAS's generic fallback on a CPU that can do better is replaced, by the best
    /// core the flags allow; a core the user chose is never overridden.
    @Test func replacesOnlyTheGenericFallback() {
        #expect(BLASCore.replacement(current: "Prescott", cpuFlags: Self.avx512.union(["avx512_bf16"]), userChoice: nil) == "Cooperlake")
        #expect(BLASCore.replacement(current: "Prescott", cpuFlags: Self.avx512, userChoice: nil) == "SkylakeX")
        #expect(BLASCore.replacement(current: "Prescott", cpuFlags: Self.avx2, userChoice: nil) == "Haswell")
        // AVX2 without FMA, or plain SSE: the generic kernels are right.
        #expect(BLASCore.replacement(current: "Prescott", cpuFlags: ["sse3", "avx", "avx2"], userChoice: nil) == nil)
        #expect(BLASCore.replacement(current: "Prescott", cpuFlags: ["sse3"], userChoice: nil) == nil)
        // A core OpenBLAS recognised, or one the user asked for (even Prescott), is kept.
        for known in ["Haswell", "Zen", "SkylakeX", "Cooperlake", "Sandybridge"] {
            #expect(BLASCore.replacement(current: known, cpuFlags: Self.avx512, userChoice: nil) == nil)
        }
        #expect(BLASCore.replacement(current: "Prescott", cpuFlags: Self.avx512, userChoice: "Prescott") == nil)
        #expect(BLASCore.replacement(current: "Prescott", cpuFlags: Self.avx512, userChoice: "") == nil)
    }

    @Test func cpuFlagsAreReadFromTheFirstProcessor() {
        let cpuinfo = """
            processor\t: 0
            model name\t: Intel(R) Xeon(R) Processor
            flags\t\t: fpu sse3 avx2 fma avx512f avx512_bf16
            bugs\t\t: spectre_v1

            processor\t: 1
            flags\t\t: fpu sse3
            """
        #expect(BLASCore.cpuFlags(cpuinfo: cpuinfo) == ["fpu", "sse3", "avx2", "fma", "avx512f", "avx512_bf16"])
        #expect(BLASCore.cpuFlags(cpuinfo: "processor\t: 0\n").isEmpty)
    }

    /// The library answers with a core name, and (in this process, which OpenBLAS set up at load)
    /// one of the names this module decides between or OpenBLAS's own.
    @Test func currentCoreIsNamed() {
        #expect(!BLASCore.current.isEmpty)
        #expect(BLASCore.versionNumber.hasPrefix("0."))
    }
}
