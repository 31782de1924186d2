// Issue 31, point 4: a run of the exact product (numerics=exact-fma, the default of every new
// configuration) gives the same bytes whatever OPENBLAS_CORETYPE says, on either path of the
// product, and with any thread count, which no OpenBLAS kernel set gives: under OpenBLAS's
// Haswell kernels a small synthlens ATFLRec run with threads=1 gave other predictions than with
// threads=2 (issue 31). The proof here re-trains through the `atflrec` binary in child processes
// (the product is chosen per process) and compares predictions.csv byte for byte.
import Foundation
import Testing
import TestSupport

@Suite("Exact-product runs: the same bytes for every kernel set, path and thread count", .serialized)
struct ExactProductRunsTests {
    /// Trains with `arguments` into a fresh folder and returns the one run directory made.
    func train(_ arguments: [String], environment: [String: String?] = [:], label: String,
               sourceLocation: SourceLocation = #_sourceLocation) throws -> URL? {
        let checkpoints = try Fixtures.temporaryDirectory("exact-\(label)")
        guard let r = try runATFLRec(["train", "--checkpoints", checkpoints.path] + arguments, environment: environment,
                                     sourceLocation: sourceLocation) else { return nil }
        #expect(r.status == 0, "\(label): atflrec train exited \(r.status): \(r.stderr.suffix(2000))", sourceLocation: sourceLocation)
        let runs = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).filter { !$0.hasPrefix(".") }
        guard runs.count == 1 else {
            Issue.record("\(label): expected one run directory, found \(runs)", sourceLocation: sourceLocation)
            return nil
        }
        return checkpoints.appendingPathComponent(runs[0])
    }

    func predictions(_ dir: URL) throws -> Data { try Data(contentsOf: dir.appendingPathComponent("predictions.csv")) }

    func numerics(_ dir: URL) throws -> [String: Any] {
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("result.json"))) as? [String: Any]
        return result?["numerics"] as? [String: Any] ?? [:]
    }

    /// A GRU4Rec run (seconds): OpenBLAS's own Prescott kernels, the portable Haswell ones, one
    /// thread or two: one set of bytes. The run records the product and its path.
    @Test func baselineRunIsTheSameUnderEveryKernelSetAndThreadCount() throws {
        let root = Fixtures.repositoryRoot
        let base = ["--config", root.appendingPathComponent("paper/runs/gru4rec-0fb8b3a6/config.json").path,
                    "--baseline-settings", root.appendingPathComponent("paper/configs/baselines").path,
                    "--set", "numerics=exact-fma"]
        guard let reference = try train(base, label: "gru4rec-portable") else { return }
        let bytes = try predictions(reference)
        let recorded = try numerics(reference)
        #expect(recorded["matrixProduct"] as? String == "exact-fma" && recorded["gemmPath"] != nil, "\(recorded)")
        // The committed run (OpenBLAS Haswell) differs: the product is really another one.
        #expect(bytes != (try Data(contentsOf: root.appendingPathComponent("paper/runs/gru4rec-0fb8b3a6/predictions.csv"))))
        for (label, extra, environment) in [
            ("gru4rec-prescott", [], ["ATFLREC_KERNELS": "native", "OPENBLAS_CORETYPE": "Prescott"]),
            ("gru4rec-1-thread", ["--set", "threads=1"], [:]),
            ("gru4rec-avx2", [], ["ATFLREC_GEMM_ISA": "avx2"]),
        ] as [(String, [String], [String: String?])] {
            guard let dir = try train(base + extra, environment: environment, label: label) else { return }
            #expect(try predictions(dir) == bytes, "\(label): predictions.csv differs from the default run's")
        }
    }

    /// A tiny synthlens ATFLRec run (MiniLM cut to 2 layers, one epoch): threads=1 and threads=2
    /// give the same predictions byte for byte.
    @Test func atflrecRunIsTheSameWithOneAndTwoThreads() throws {
        guard let model = try truncatedMiniLM(layers: 2) else { return }
        func arguments(threads: Int) -> [String] {
            SynthLensCLIRun.arguments(layout: "b", model: model, checkpoints: URL(fileURLWithPath: "/unused"),
                                      extra: ["training.epochs=1", "threads=\(threads)", "numerics=exact-fma"])
                .dropFirst(3).map { $0 }  // drop "train --checkpoints <dir>": train() adds its own
        }
        guard let one = try train(arguments(threads: 1), label: "atflrec-1-thread"),
              let two = try train(arguments(threads: 2), label: "atflrec-2-threads") else { return }
        #expect(try predictions(one) == predictions(two), "ATFLRec: threads=1 and threads=2 give other predictions")
        #expect(try numerics(two)["matrixProduct"] as? String == "exact-fma")
    }

    /// Asking for a path this CPU lacks, or an unknown one, is one line and exit 1, before any work.
    @Test func unknownOrMissingPathIsOneLine() throws {
        guard let bad = try runATFLRec(["--help"], environment: ["ATFLREC_GEMM_ISA": "sse2"]) else { return }
        #expect(bad.status == 1 && bad.stderr == "atflrec: ATFLREC_GEMM_ISA=sse2: expected avx2 or avx512\n", "\(bad.stderr)")
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        guard !cpuinfo.contains(" avx512f") else { return }  // this CPU has the path: nothing to refuse
        guard let missing = try runATFLRec(["--help"], environment: ["ATFLREC_GEMM_ISA": "avx512"]) else { return }
        #expect(missing.status == 1 && missing.stderr.hasPrefix("atflrec: ATFLREC_GEMM_ISA=avx512: this CPU has no AVX-512")
                && missing.stderr.filter { $0 == "\n" }.count == 1, "\(missing.stderr)")
    }
}
