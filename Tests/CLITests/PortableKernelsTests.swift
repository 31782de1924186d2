// Issue 25, point 1: one configuration gives the same bytes on every x86-64 CPU with AVX2 and
// FMA. The proof without a second machine: two committed baseline runs were made with
// OpenBLAS's Haswell kernels (re-made byte for byte under OPENBLAS_CORETYPE=Haswell on an Intel
// Xeon with AVX-512, and not under the Cooperlake kernels that CPU picks by itself: 837 and 802
// of 1,000 scores differed). `atflrec train` on their committed config.json must give their
// committed predictions.csv byte for byte with nothing set, on whatever CPU runs this test; and
// so with a machine's OPENBLAS_CORETYPE set to other kernels, and whatever OPENBLAS_L2_SIZE says
// (the portable kernels' blocking must not depend on the cache size).
import Foundation
import TensorCore
import Testing
import TestSupport

@Suite("Portable kernels: committed runs re-made byte for byte", .serialized)
struct PortableKernelsTests {
    static let runs = ["sasrec-019e3242", "gru4rec-0fb8b3a6"]

    func retrain(_ run: String, environment: [String: String?] = [:], label: String) throws -> (CLIRun, URL)? {
        let checkpoints = try Fixtures.temporaryDirectory("portable-\(run)-\(label)")
        let config = Fixtures.repositoryRoot.appendingPathComponent("paper/runs/\(run)/config.json").path
        guard let r = try runATFLRec(["train", "--config", config, "--checkpoints", checkpoints.path,
                                      "--baseline-settings", Fixtures.repositoryRoot.appendingPathComponent("paper/configs/baselines").path],
                                     environment: environment) else { return nil }
        #expect(r.status == 0, "\(run) (\(label)): atflrec train exited \(r.status): \(r.stderr.suffix(2000))")
        return (r, checkpoints.appendingPathComponent(run))
    }

    @Test(arguments: runs)
    func committedBaselineIsReMadeWithNothingSet(run: String) throws {
        guard let (r, dir) = try retrain(run, label: "default") else { return }
        let committed = try Data(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("paper/runs/\(run)/predictions.csv"))
        #expect(try Data(contentsOf: dir.appendingPathComponent("predictions.csv")) == committed,
                "\(run): predictions.csv differs from the committed file")
        // The portable policy says nothing (no restart notice), and the run records it.
        #expect(!r.stderr.contains("OpenBLAS") && !r.stderr.contains("native"), "\(r.stderr.prefix(500))")
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("result.json"))) as? [String: Any] ?? [:]
        #expect(result["blasCore"] as? String == "Haswell")
        let numerics = result["numerics"] as? [String: Any] ?? [:]
        #expect(numerics["kernels"] as? String == "portable" && numerics["blasCore"] as? String == "Haswell", "\(numerics)")
        #expect(numerics["blasThreads"] as? Int == 2 && (numerics["cpuFlags"] as? [String] ?? []).contains("avx2"), "\(numerics)")
        for field in ["cpuModel", "openblas", "fftw", "libc", "hdf5", "swift", "compilerFlags", "gitCommit"] {
            #expect(!(numerics[field] as? String ?? "").isEmpty, "numerics.\(field) missing: \(numerics)")
        }
    }

    /// Other kernels set by the machine's environment, and other cache sizes, change nothing.
    @Test func machineSettingsDoNotChangeTheBytes() throws {
        let run = "gru4rec-0fb8b3a6"
        let committed = try Data(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("paper/runs/\(run)/predictions.csv"))
        for (label, environment) in [("coretype-prescott", ["OPENBLAS_CORETYPE": "Prescott"]),
                                     ("l2-64k", ["OPENBLAS_L2_SIZE": "65536"]),
                                     ("l2-32m", ["OPENBLAS_L2_SIZE": "33554432"])] as [(String, [String: String?])] {
            guard let (_, dir) = try retrain(run, environment: environment, label: label) else { return }
            #expect(try Data(contentsOf: dir.appendingPathComponent("predictions.csv")) == committed, "\(run) with \(environment)")
        }
    }

    /// ATFLREC_KERNELS=native keeps the kernels asked for, says so on the first line, and the run
    /// records that it is bound to them; an unknown policy is one line and exit 1.
    @Test func nativeKernelsAreAnnouncedAndRecorded() throws {
        guard let (r, dir) = try retrain("gru4rec-0fb8b3a6", environment: ["ATFLREC_KERNELS": "native", "OPENBLAS_CORETYPE": "Prescott"],
                                         label: "native") else { return }
        #expect(r.stderr.hasPrefix("atflrec: native OpenBLAS kernels (Prescott), ATFLREC_KERNELS=native: results of numerics=openblas runs are bound to this CPU family\n"),
                "\(r.stderr.prefix(300))")
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("result.json"))) as? [String: Any] ?? [:]
        let numerics = result["numerics"] as? [String: Any] ?? [:]
        #expect(result["blasCore"] as? String == "Prescott" && numerics["kernels"] as? String == "native", "\(numerics)")
        guard let bad = try runATFLRec(["--help"], environment: ["ATFLREC_KERNELS": "fastest"]) else { return }
        #expect(bad.status == 1 && bad.stderr == "atflrec: ATFLREC_KERNELS=fastest: expected portable or native\n", "\(bad.stderr)")
    }
}
