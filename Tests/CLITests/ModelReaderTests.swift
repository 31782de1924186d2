// paper/tools/model_reader.c, the checkpoint reader in plain C (libhdf5 and libcrypto), against
// the Swift side: on a checkpoint that `atflrec train` wrote it must list the same /parameters
// and /buffers tensors as `atflrec inspect` and print the same model tensors hash as
// `atflrec inspect --model-sha256`, result.json and paper/tools/load_checkpoint.py. make/ctools.mk
// builds it (`make test` does first); a missing binary fails these tests, it never skips them.
//
// Cost: one GRU4Rec run on synthlens tiny (64 shots; measured 0.8 s), a few seconds in all.
import Foundation
import HDF5Storage
import Testing
import TestSupport

@Suite("C model reader (paper/tools/model_reader.c)")
struct ModelReaderTests {
    static let reader = Fixtures.repositoryRoot.appendingPathComponent(".build/ctools/model_reader")

    typealias Run = CLIRun

    static func run(_ executable: URL, _ arguments: [String]) throws -> Run {
        try runProcess(executable, arguments)
    }

    /// The reader on `file`; nil (with a failure saying how to build it) when it is not built.
    static func readModel(_ file: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Run? {
        guard FileManager.default.isExecutableFile(atPath: reader.path) else {
            Issue.record("\(reader.path) is missing: run `make .build/ctools/model_reader` (`make test` builds it)",
                         sourceLocation: sourceLocation)
            return nil
        }
        return try run(reader, [file])
    }

    /// "<group>/<name> <d0>x<d1>..." for every dataset of /parameters, then /buffers, in UTF-8
    /// byte order, from the tree `atflrec inspect` prints ("    name: float32 [3, 4] ...").
    static func tensorLines(inspectTree tree: String) -> [String] {
        var lines: [String: [String]] = [:]
        var group: String?
        for line in tree.split(separator: "\n").map(String.init) {
            if line.hasPrefix("  ") && !line.hasPrefix("   ") {
                group = line.hasSuffix("/") ? String(line.dropFirst(2).dropLast()) : nil
            } else if let g = group, line.hasPrefix("    "), !line.hasPrefix("     "), !line.hasPrefix("    @"),
                      let colon = line.range(of: ": ") {
                let name = line[line.index(line.startIndex, offsetBy: 4)..<colon.lowerBound]
                let description = line[colon.upperBound...]
                var shape = "scalar"
                if let open = description.firstIndex(of: "["), let close = description.firstIndex(of: "]") {
                    shape = description[description.index(after: open)..<close]
                        .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "x")
                }
                lines[g, default: []].append("\(g)/\(name) \(shape)")
            }
        }
        let byBytes: (String, String) -> Bool = { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return (lines["parameters"] ?? []).sorted(by: byBytes) + (lines["buffers"] ?? []).sorted(by: byBytes)
    }

    @Test func trainedCheckpointMatchesInspectResultAndPython() throws {
        let checkpoints = try Fixtures.temporaryDirectory("model-reader")
        let settings = ["name=ci-reader", "model=gru4rec", "threads=1", "data.dataset=synthlens",
                        "data.preset=tiny", "data.shots=64"]
        guard let train = try runATFLRec(["train", "--checkpoints", checkpoints.path] + settings.flatMap { ["--set", $0] })
        else { return }
        try #require(train.status == 0, "atflrec train exited \(train.status): \(train.stderr)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).filter { $0.hasPrefix("ci-") }
        try #require(runs.count == 1, "run directories: \(runs)")
        let runDirectory = checkpoints.appendingPathComponent(runs[0])
        let best = runDirectory.appendingPathComponent("best.h5").path

        guard let c = try Self.readModel(best) else { return }
        #expect(c.status == 0 && c.stderr.isEmpty, "model_reader exited \(c.status): \(c.stderr)")
        var lines = c.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.popLast() == "", "output ends with a newline")
        let hashLine = lines.popLast() ?? ""

        // (a) the hash: Swift's, the one the run recorded, and the Python reader's.
        guard let inspectHash = try runATFLRec(["inspect", "--model-sha256", best]) else { return }
        #expect(inspectHash.status == 0, "\(inspectHash.stderr)")
        let swiftHash = inspectHash.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(swiftHash.count == 64)
        #expect(hashLine == "model tensors sha256: \(swiftHash)")
        let data = try Data(contentsOf: runDirectory.appendingPathComponent("result.json"))
        let result = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        #expect(hashLine == "model tensors sha256: \(result["modelTensorsSHA256"] as? String ?? "none")")
        let python = try runPython("paper/tools/load_checkpoint.py", [runDirectory.path])
        if expectPythonSucceeded(python, "load_checkpoint.py") {
            #expect(python.stdout.split(separator: "\n").last.map(String.init) == hashLine, "\(python.stdout)")
        }

        // (b) the tensors, in hash order, as `atflrec inspect` lists the file's datasets.
        guard let tree = try runATFLRec(["inspect", best]) else { return }
        #expect(tree.status == 0, "\(tree.stderr)")
        let expected = Self.tensorLines(inspectTree: tree.stdout)
        #expect(expected.contains { $0.hasPrefix("parameters/") }, "no parameters in the tree:\n\(tree.stdout)")
        #expect(lines == expected)

        // A fixed-length configuration_hash (as h5py writes np.bytes_) names the same model.
        let fixed = checkpoints.appendingPathComponent("fixed-length.h5").path
        try FileManager.default.copyItem(atPath: best, toPath: fixed)
        let rewrite = """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "r+") as f:
                h = f.attrs["configuration_hash"]
                del f.attrs["configuration_hash"]
                f.attrs.create("configuration_hash", np.bytes_(h.encode()))
                assert h5py.check_string_dtype(f.attrs.get_id("configuration_hash").dtype).length == len(h)
            """
        let python3 = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
        let rewritten = try Self.run(URL(fileURLWithPath: "/usr/bin/env"), [python3, "-c", rewrite, fixed])
        try #require(rewritten.status == 0, "h5py rewrite: \(rewritten.stderr)")
        guard let cFixed = try Self.readModel(fixed) else { return }
        #expect(cFixed.status == 0, "\(cFixed.stderr)")
        #expect(cFixed.stdout == c.stdout)
    }

    /// Buffers, a scalar and names whose byte order differs from a dictionary's (capitals first,
    /// "a.10" before "a.9", non-ASCII last), in a checkpoint written by HDF5Storage.
    @Test func handWrittenCheckpointWithBuffersMatchesSwift() throws {
        let path = try Fixtures.temporaryDirectory("model-reader-buffers").appendingPathComponent("ck.h5").path
        let w = try HDF5Writer(path: path)
        try w.setAttribute("schema", .string("atflrec-checkpoint"))
        try w.setAttribute("schema_version", .int(1))
        try w.setAttribute("configuration_hash", .string(String(repeating: "0f", count: 32)))
        for (i, name) in ["b.weight", "B.weight", "a.9", "a.10", "é.bias"].enumerated() {
            try w.write((0..<6).map { Float($0) * 0.25 - Float(i) }, shape: [2, 3], to: "parameters/\(name)")
        }
        try w.write([Float(-1.5)], shape: [], to: "parameters/scale")
        try w.write([Float(0.5), 2, 1e-7], shape: [3], to: "buffers/running_var")
        try w.write([Int64(3)], shape: [1], to: "optimizer/steps")
        try w.commit()

        guard let c = try Self.readModel(path), let swift = try runATFLRec(["inspect", "--model-sha256", path]) else { return }
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout == """
            parameters/B.weight 2x3
            parameters/a.10 2x3
            parameters/a.9 2x3
            parameters/b.weight 2x3
            parameters/scale scalar
            parameters/é.bias 2x3
            buffers/running_var 3
            model tensors sha256: \(swift.stdout)
            """)
    }

    /// Each failure is one stderr line naming the file (and the object), exit status 1.
    @Test func failuresAreOneLineNamingTheFile() throws {
        let dir = try Fixtures.temporaryDirectory("model-reader-failures")
        let plain = dir.appendingPathComponent("plain.h5").path
        let w = try HDF5Writer(path: plain)
        try w.write([Float(1)], shape: [1], to: "parameters/w")
        try w.commit()
        let integers = dir.appendingPathComponent("integers.h5").path
        let v = try HDF5Writer(path: integers)
        try v.setAttribute("schema", .string("atflrec-checkpoint"))
        try v.setAttribute("schema_version", .int(1))
        try v.setAttribute("configuration_hash", .string("00"))
        try v.write([Int64(1), 2], shape: [2], to: "parameters/steps")
        try v.commit()
        let text = dir.appendingPathComponent("notes.h5").path
        try "not hdf5".write(toFile: text, atomically: true, encoding: .utf8)
        let missing = dir.appendingPathComponent("absent.h5").path

        let cases = [(plain, "/: not an atflrec checkpoint"), (integers, "/parameters/steps: not float32"),
                     (text, "/: not an HDF5 file"), (missing, "/: No such file")]
        for (file, reason) in cases {
            guard let c = try Self.readModel(file) else { return }
            #expect(c.status == 1, "\(file): exit \(c.status)")
            #expect(c.stderr.hasPrefix("model_reader: \(file): \(reason)"), "\(c.stderr)")
            #expect(c.stderr.filter { $0 == "\n" }.count == 1 && c.stderr.hasSuffix("\n"), "one line: \(c.stderr)")
            #expect(!c.stdout.contains("sha256"), "\(c.stdout)")
        }
    }
}
