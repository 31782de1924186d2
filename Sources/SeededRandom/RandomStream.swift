// The project's only source of randomness.
//
// Goals, in order: (1) the same seed and purpose give the same numbers on every run, machine and
// Swift version; (2) a stream's whole state is one UInt64 that a checkpoint can store and restore;
// (3) streams for different purposes (init, dropout, shuffling, sampling, dither) never share
// draws, so adding a draw in one place never changes another.
//
// Generator: SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014; the constants are those of java.util.SplittableRandom and of Vigna's splitmix64.c).
// It is counter-based: output i is mix(start + (i+1) * gamma), so the state is a counter.
// Everything derived from it (bounded integers, floats, normals, shuffles) is implemented here
// rather than through the standard library, whose algorithms are not promised to stay fixed.

/// One seeded stream of pseudo-random numbers. A value type: copying it forks the sequence.
public struct RandomStream: RandomNumberGenerator, Sendable, Equatable {
    /// The whole generator state; store it to resume the stream exactly.
    public private(set) var state: UInt64

    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// Restores a stream from a saved `state`.
    public init(state: UInt64) {
        self.state = state
    }

    /// The stream for `purpose` under the experiment `seed`. Different purposes give unrelated
    /// starting points: the purpose name is hashed (FNV-1a over its UTF-8 bytes) and mixed with
    /// the seed, so "init" and "dropout" under seed 0 never overlap in any practical run length.
    public init(seed: UInt64, purpose: String) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in purpose.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        self.state = RandomStream.mix(seed ^ RandomStream.mix(h))
    }

    /// The SplitMix64 finaliser (variant 13 of Stafford's mixers).
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        state = state &+ RandomStream.gamma
        return RandomStream.mix(state)
    }

    /// Moves the stream past `draws` raw draws without making them, in O(1) (the state is a
    /// counter): afterwards the stream is where `draws` calls of `next()` would leave it. For a
    /// computation that skips work but must leave its stream where the full computation would
    /// (BertEncoder's last layer on the first positions only draws the dropout masks of the
    /// rows it keeps and skips the others'). `draws` must not be negative.
    public mutating func skip(_ draws: Int) {
        precondition(draws >= 0, "skip: \(draws) draws")
        state = state &+ RandomStream.gamma &* UInt64(draws)
    }

    /// A stream derived from this one for a sub-purpose (for example one per worker or per item),
    /// without consuming draws from `self`.
    public func derived(_ purpose: String) -> RandomStream {
        RandomStream(seed: state, purpose: purpose)
    }
}
