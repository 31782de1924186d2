import AudioFeatures
import Foundation
import Testing
import TestSupport
@testable import RecData

@Suite("Surrogate soundtracks (synthesized from metadata; documented as surrogate)")
struct SurrogateSoundtrackTests {
    let generator = SurrogateSoundtrack(options: SurrogateSoundtrackOptions(seconds: 4, seed: 0, voices: 19))

    @Test func deterministicPerItemAndVariedAcrossItems() {
        let a = generator.render(item: 7, classes: [3, 11], tempo: 0.4)
        #expect(a == generator.render(item: 7, classes: [3, 11], tempo: 0.4), "same bytes twice")
        #expect(a.count == 64_000)
        #expect(a != generator.render(item: 8, classes: [3, 11], tempo: 0.4), "per-item variation")
        let other = SurrogateSoundtrack(options: SurrogateSoundtrackOptions(seconds: 4, seed: 1, voices: 19))
        #expect(a != other.render(item: 7, classes: [3, 11], tempo: 0.4), "the seed matters")
        #expect(a.allSatisfy { $0.isFinite && abs($0) <= 1 }, "within full scale")
    }

    /// Voice k's band is centred at 80 Hz * 2^(5k/19): the loudest mel bin of a clip rises with k
    /// (a closed-form property of the generator's layout; voices without noise bursts, k % 3 != 0,
    /// so the broadband bursts do not decide the peak).
    @Test func pitchBandsRiseWithTheVoiceIndex() throws {
        var options = FBankOptions()
        options.numMelBins = 40
        options.dither = 0
        let fbank = try FBank(options: options)
        var centroids: [Double] = []
        for k in [1, 5, 10, 14] {
            let f = try fbank.compute(generator.render(item: 1, classes: [k], tempo: 0.5))
            var energy = [Double](repeating: 0, count: 40)
            for r in 0..<f.numFrames { for c in 0..<40 { energy[c] += exp(Double(f.values[r * 40 + c])) } }
            centroids.append(Double(energy.indices.max { energy[$0] < energy[$1] }!))
        }
        #expect(zip(centroids, centroids.dropFirst()).allSatisfy { $0 < $1 }, "loudest bins \(centroids)")
    }

    /// Year sets the tempo: a faster clip has more note onsets (frames where energy jumps).
    @Test func tempoSetsTheOnsetRate() throws {
        func onsets(_ x: [Float]) -> Int {
            let hop = 160
            let energy = stride(from: 0, to: x.count - hop, by: hop).map { s in x[s..<(s + hop)].reduce(0) { $0 + $1 * $1 } }
            return zip(energy, energy.dropFirst()).filter { $1 > 4 * $0 + 1e-3 }.count
        }
        let slow = onsets(generator.render(item: 3, classes: [1], tempo: 0))
        let fast = onsets(generator.render(item: 3, classes: [1], tempo: 1))
        #expect(fast > slow, "onsets at 60 bpm \(slow), at 140 bpm \(fast)")
    }
}
