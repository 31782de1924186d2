import Foundation
import Testing
import TestSupport
@testable import Experiments

@Suite("Paper writer")
struct PaperWriterTests {
    @Test func manifestHashesMatchTheStandardDigest() throws {
        let root = try Fixtures.temporaryDirectory()
        let file = root.appendingPathComponent("abc.txt")
        try Data("abc".utf8).write(to: file)
        let manifest = try PaperWriter(root: root).writeManifest([file])
        // FIPS 180-2 example: SHA-256("abc").
        #expect(try String(contentsOf: manifest, encoding: .utf8)
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  abc.txt\n")
    }

    /// Checkpoints are listed with the hash their run recorded, whether or not the file is
    /// here, by a path relative to the manifest's folder, so `sha256sum -c` can check them.
    @Test func recordedCheckpointsAreListedRelativeToTheManifest() throws {
        let root = try Fixtures.temporaryDirectory()
        let paper = root.appendingPathComponent("paper")
        try FileManager.default.createDirectory(at: paper.appendingPathComponent("tables"), withIntermediateDirectories: true)
        let table = paper.appendingPathComponent("tables/t.csv")
        try Data("abc".utf8).write(to: table)
        let absent = root.appendingPathComponent("checkpoints/paper/full/run-1/best.h5")
        let manifest = try PaperWriter(root: paper).writeManifest([table], recorded: [(String(repeating: "0", count: 64), absent)])
        #expect(try String(contentsOf: manifest, encoding: .utf8) == """
            0000000000000000000000000000000000000000000000000000000000000000  ../checkpoints/paper/full/run-1/best.h5
            ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  tables/t.csv

            """)
    }

    @Test func tablesAndReportAreWrittenAndByteIdenticalTwice() throws {
        let plan = PaperPlan(tables: [PaperTables.comparison()], datasets: ["synthlens"], seeds: [0], base: ExperimentConfiguration())
        let cells = plan.cells.map { CellSummary(row: $0.row, column: $0.column, aucs: [0.6], pValue: 0.5, paperValue: nil) }
        let table = RenderedTable(id: "II", title: "t", dataset: "synthlens", rows: PaperTables.comparison().rows.map(\.label),
                                  columns: ["K=100", "K=500"], cells: cells)
        var bytes: [[Data]] = []
        for _ in 0..<2 {
            let root = try Fixtures.temporaryDirectory()
            let writer = PaperWriter(root: root)
            let files = try writer.writeTables([table], plan: plan)
            #expect(files.map(\.lastPathComponent) == ["table-II-synthlens.md", "table-II-synthlens.tex", "table-II-synthlens.csv", "cells.json"])
            let context = ReportContext(profile: "quick", backbone: "MiniLM-L6", surrogateNotes: ["audio is synthesized"],
                                        environment: [("swift", "6.3.1")], tableOne: "template", seeds: [0], totalComputeSeconds: 65)
            let verdicts = PaperAssembly.verdicts([table]) { _, _, _, _ in nil }
            let report = try writer.writeReport(writer.report([table], verdicts: verdicts, context: context))
            let manifest = try writer.writeManifest(files + [report])
            bytes.append(try (files + [report, manifest]).map { try Data(contentsOf: $0) })
            let text = try String(contentsOf: report, encoding: .utf8)
            #expect(text.contains("| ATFLRec beats every baseline at K=100 and K=500 | II | synthlens | **inconclusive** |"))
            #expect(text.contains("Total compute (sum of run wall times): 1m 05s."))
        }
        #expect(bytes[0] == bytes[1])
    }

    /// The report's environment counts the finished runs per OpenBLAS kernel family, most first,
    /// ties by name, runs stored before the kernels were recorded as "not recorded".
    @Test func kernelFamiliesOfTheRunsAreCounted() {
        #expect(PaperSession.kernelCounts(["Cooperlake", nil, "Haswell", nil, "Cooperlake", nil]) == "not recorded 3, Cooperlake 2, Haswell 1")
        #expect(PaperSession.kernelCounts(["Zen", "Haswell"]) == "Haswell 1, Zen 1")
        #expect(PaperSession.kernelCounts([]) == "no runs")
    }
}
