import Foundation
import Testing
import TestSupport
@testable import SeededRandom

// Golden values come from Tests/Fixtures/random/make_random_golden.py, an independent Python
// implementation that first checks itself against the published splitmix64 output for state 0.

private struct Golden: Decodable {
    let raw_state0: [String]
    let named_42_init_state: String
    let named_42_init_raw: [String]
    let named_42_dropout_raw: [String]
    let uniform_float: [Double]
    let uniform_double: [Double]
    let int_below_10: [Int]
    let int_below_3e9: [Int]
    let normal: [Double]
    let shuffle_10: [Int]
    let sample_5_of_1000: [Int]
    let final_state: String
}

private func loadGolden() throws -> Golden {
    let data = try Data(contentsOf: Fixtures.url("random/golden.json"))
    return try JSONDecoder().decode(Golden.self, from: data)
}

@Suite("SeededRandom golden values")
struct SeededRandomGoldenTests {
    @Test func splitMixFromStateZeroMatchesPublishedValues() throws {
        let g = try loadGolden()
        var s = RandomStream(state: 0)
        #expect(s.next() == 0xE220_A839_7B1D_CDAF)  // splitmix64.c, state 0
        s = RandomStream(state: 0)
        #expect((0..<5).map { _ in String(s.next()) } == g.raw_state0)
    }

    @Test func namedStreamsMatchReference() throws {
        let g = try loadGolden()
        var s = RandomStream(seed: 42, purpose: "init")
        #expect(String(s.state) == g.named_42_init_state)
        #expect((0..<5).map { _ in String(s.next()) } == g.named_42_init_raw)
        var d = SeedBook(seed: 42).stream(.dropout)
        #expect((0..<3).map { _ in String(d.next()) } == g.named_42_dropout_raw)
    }

    @Test func distributionsMatchReference() throws {
        let g = try loadGolden()
        var s = SeedBook(seed: 7).stream(.sampling)
        // Uniform floats are exact multiples of 2^-24 and uniform doubles of 2^-53: exact match.
        #expect((0..<5).map { _ in Double(s.uniformFloat()) } == g.uniform_float)
        #expect((0..<5).map { _ in s.uniformDouble() } == g.uniform_double)
        #expect((0..<10).map { _ in s.int(below: 10) } == g.int_below_10)
        #expect((0..<5).map { _ in s.int(below: 3_000_000_000) } == g.int_below_3e9)
        // Normals go through log/cos of two libms (glibc here, CPython's platform libm there):
        // allow a few ulps.
        let normals = (0..<5).map { _ in s.normalDouble() }
        expectClose(normals, g.normal, atol: 0, rtol: 1e-14, "normal draws (libm ulps)")
        var xs = Array(0..<10)
        s.shuffle(&xs)
        #expect(xs == g.shuffle_10)
        #expect(s.sample(5, from: 1000) == g.sample_5_of_1000)
        #expect(String(s.state) == g.final_state)
    }
}

@Suite("SeededRandom behaviour")
struct SeededRandomBehaviourTests {
    @Test func stateRestoresTheSequence() {
        var a = SeedBook(seed: 3).stream(.shuffling)
        _ = (0..<17).map { _ in a.next() }
        let saved = a.state
        let continued = (0..<8).map { _ in a.next() }
        var b = RandomStream(state: saved)
        #expect((0..<8).map { _ in b.next() } == continued)
    }

    /// skip(n) leaves the stream where n draws would, for n across the counter's wrap-around.
    @Test(arguments: [0, 1, 2, 7, 1000, 65_537]) func skipEqualsThatManyDraws(count: Int) {
        var drawn = SeedBook(seed: 5).stream(.dropout), skipped = drawn
        for _ in 0..<count { _ = drawn.next() }
        skipped.skip(count)
        #expect(skipped.state == drawn.state)
        #expect(skipped.next() == drawn.next())
    }

    @Test func purposesAreIndependent() {
        let book = SeedBook(seed: 1)
        var a = book.stream(.initialization), b = book.stream(.dropout)
        let xa = (0..<1000).map { _ in a.next() }
        let xb = Set((0..<1000).map { _ in b.next() })
        #expect(xa.filter { xb.contains($0) }.isEmpty)
    }

    @Test func uniformAndNormalMomentsAreRight() {
        var s = SeedBook(seed: 11).stream(.initialization)
        let n = 200_000
        var sum = 0.0, sumSq = 0.0, usum = 0.0
        for _ in 0..<n {
            let z = s.normalDouble()
            sum += z; sumSq += z * z
            usum += Double(s.uniformFloat())
        }
        // Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032; allow 5 sigma.
        #expect(abs(sum / Double(n)) < 0.012)
        #expect(abs(sumSq / Double(n) - 1) < 0.016)
        #expect(abs(usum / Double(n) - 0.5) < 5 * 0.2887 / Double(n).squareRoot())
    }

    @Test func boundedIntegersAreUniform() {
        var s = SeedBook(seed: 5).stream(.sampling)
        var counts = [Int](repeating: 0, count: 7)
        let n = 70_000
        for _ in 0..<n { counts[s.int(below: 7)] += 1 }
        // Chi-square with 6 degrees of freedom; 22.46 is its 0.999 quantile.
        let expected = Double(n) / 7
        let chi2 = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chi2 < 22.46)
    }

    @Test func samplingWithoutReplacementGivesDistinctValuesInRange() {
        var s = SeedBook(seed: 9).stream(.sampling)
        let picked = s.sample(500, from: 600)
        #expect(Set(picked).count == 500)
        #expect(picked.allSatisfy { (0..<600).contains($0) })
        #expect(s.sample(10, from: 10).sorted() == Array(0..<10))
        #expect(s.sample(0, from: 10).isEmpty)
    }
}
