import Foundation
import Testing
import TestSupport
@testable import RecData

@Suite("MovieLens-100K and TALLRec samples (real data, fetched by make ml100k)")
struct MovieLensTests {
    static let directory = Fixtures.repositoryRoot.appendingPathComponent(MovieLens100K.defaultDirectory).path

    @Test func countsMatchTheSource() throws {
        let ml = try MovieLens100K.load(directory: Self.directory)
        #expect(ml.ratings.count == 100_000)
        #expect(ml.userCount == 943)
        #expect(ml.itemCount == 1682)
        #expect(ml.movies.first?.title == "Toy Story" && ml.movies.first?.genres == ["Animation", "Children's", "Comedy"])
    }

    @Test func tallrecSplitsAreTimeOrderedWithFullHistories() throws {
        let ml = try MovieLens100K.load(directory: Self.directory)
        let s = TALLRecSamples.build(ml.ratings)
        let sizes: [Int] = [s.train.count, s.validation.count, s.test.count]
        #expect(sizes == [8000, 1000, 1000])
        let all = s.train + s.validation + s.test
        #expect(all.allSatisfy { $0.history.count == 10 })
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.0.timestamp <= $0.1.timestamp && $0.0.id < $0.1.id })
        // Every label and history flag agrees with the source ratings.
        var rating: [Int: Int] = [:]
        for r in ml.ratings { rating[r.user * 10_000 + r.item] = r.rating }
        #expect(all.allSatisfy { ($0.label == 1) == (rating[$0.user * 10_000 + $0.target]! > 3) })
        let positives = Double(all.filter { $0.label == 1 }.count) / Double(all.count)
        #expect(positives > 0.4 && positives < 0.7)
    }

    @Test func fewShotDrawsAreSeededAndDistinct() throws {
        let ml = try MovieLens100K.load(directory: Self.directory)
        let train = TALLRecSamples.build(ml.ratings).train
        let a = TALLRecSamples.fewShot(train, k: 100, seed: 0)
        #expect(a == TALLRecSamples.fewShot(train, k: 100, seed: 0))
        #expect(Set(a.map(\.id)).count == 100)
        #expect(a.map(\.id) != TALLRecSamples.fewShot(train, k: 100, seed: 1).map(\.id))
    }

    @Test func malformedLinesNameFileAndLine() throws {
        let dir = try Fixtures.temporaryDirectory()
        try Data("user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t2\t3\t4\n1\tx\t3\t4\n".utf8)
            .write(to: dir.appendingPathComponent("ml-100k.inter"))
        try Data("item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n2\tA\t1990\tDrama\n".utf8)
            .write(to: dir.appendingPathComponent("ml-100k.item"))
        do {
            _ = try MovieLens100K.load(directory: dir.path)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "\(dir.path)/ml-100k.inter:3: malformed rating line")
        }
    }

    @Test func aTitleWithInvalidUTF8NamesFileAndLine() throws {
        let dir = try Fixtures.temporaryDirectory()
        try Data("user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t2\t3\t4\n".utf8)
            .write(to: dir.appendingPathComponent("ml-100k.inter"))
        // Line 3 holds a Latin-1 e-acute (0xE9), which is not UTF-8.
        try (Data("item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n2\tA\t1990\tDrama\n3\tCaf".utf8)
             + Data([0xE9]) + Data("\t1991\tDrama\n".utf8))
            .write(to: dir.appendingPathComponent("ml-100k.item"))
        #expect { _ = try MovieLens100K.load(directory: dir.path) } throws: { error in
            "\(error)" == "\(dir.path)/ml-100k.item:3: not valid UTF-8"
        }
    }
}
