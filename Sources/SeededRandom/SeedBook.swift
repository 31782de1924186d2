// Named streams of one experiment. Every purpose gets its own stream so that, for example,
// changing the dropout rate never changes the initial weights or the order of the samples.

/// The purposes the project draws randomness for. Raw values are the names hashed into the
/// stream key and stored in checkpoints; never rename one.
public enum RandomPurpose: String, CaseIterable, Sendable, Codable {
    case initialization = "init"
    case dropout
    case shuffling = "shuffle"
    case sampling = "sample"
    case dither
    case dataGeneration = "data"
    case negativeSampling = "negatives"
    case bootstrap
}

/// The streams of one experiment, all derived from one seed.
public struct SeedBook: Sendable, Equatable {
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// A fresh stream for `purpose` (its first draw is always the same for this seed).
    public func stream(_ purpose: RandomPurpose) -> RandomStream {
        RandomStream(seed: seed, purpose: purpose.rawValue)
    }

    /// A fresh stream for a purpose qualified by a name, e.g. `.dataGeneration` and "item-42".
    public func stream(_ purpose: RandomPurpose, _ qualifier: String) -> RandomStream {
        RandomStream(seed: seed, purpose: purpose.rawValue + "/" + qualifier)
    }
}
