// `atflrec data describe`: the acceptance counts of issue 5 for ml100k (real data, fetched by
// make ml100k), byte-identical output twice, and one error line for an unknown dataset.
import Foundation
import Testing
import TestSupport

@Suite("atflrec data describe")
struct DataCommandTests {
    @Test func ml100kCountsMatchTheSourceAndTheTALLRecSplit() throws {
        let root = Fixtures.repositoryRoot.path
        guard let r = try runATFLRec(["data", "describe", "ml100k", "--root", root]) else { return }
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("users          943"))
        #expect(lines.contains("items          1682"))
        #expect(lines.contains("interactions   100000"))
        #expect(lines.contains("samples        train 8000 / validation 1000 / test 1000"))
        #expect(lines.contains { $0.hasPrefix("positive rate  train 0.5354 / validation 0.6220 / test 0.6420") })
        #expect(lines.contains { $0.contains("SURROGATE") })
        let again = try runATFLRec(["data", "describe", "ml100k", "--root", root])
        #expect(again?.stdout == r.stdout, "same bytes twice")
    }

    @Test func synthlensTinyIsDescribedAndAnUnknownDatasetIsOneLine() throws {
        guard let r = try runATFLRec(["data", "describe", "synthlens", "--preset", "tiny"]) else { return }
        #expect(r.status == 0)
        #expect(r.stdout.contains("samples        train 960 / validation 120 / test 120"))
        guard let bad = try runATFLRec(["data", "describe", "movielens-1m"]) else { return }
        #expect(bad.status != 0)
        #expect(bad.stderr.split(separator: "\n").count == 1 && bad.stderr.contains("movielens-1m"))
    }
}
