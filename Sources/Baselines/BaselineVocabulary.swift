// Maps raw user and item ids to the indices the baselines use, from the training samples only.

/// A sample with raw ids, as the data layer gives it (history oldest first).
public struct RawInteractionSample: Sendable, Equatable {
    public var user: Int
    public var history: [Int]
    public var target: Int
    public var label: Float

    public init(user: Int, history: [Int], target: Int, label: Float) {
        self.user = user
        self.history = history
        self.target = target
        self.label = label
    }
}

/// Item index 0 is the shared unknown item; known items are numbered 1... in ascending raw id.
/// Users are numbered 0... in ascending raw id. Only training samples decide what is known, so
/// nothing about validation or test samples (not even which items they contain) shapes a model.
public struct BaselineVocabulary: Sendable, Equatable {
    public static let unknownItem = 0
    /// Raw item ids of indices 1..., ascending.
    public let items: [Int]
    /// Raw user ids of indices 0..., ascending.
    public let users: [Int]
    private let itemIndex: [Int: Int]
    private let userIndex: [Int: Int]

    public init(training: [RawInteractionSample]) {
        var itemSet = Set<Int>(), userSet = Set<Int>()
        for s in training {
            userSet.insert(s.user)
            itemSet.insert(s.target)
            itemSet.formUnion(s.history)
        }
        // Sorted so indices never depend on Set iteration order.
        items = itemSet.sorted()
        users = userSet.sorted()
        itemIndex = Dictionary(uniqueKeysWithValues: items.enumerated().map { ($1, $0 + 1) })
        userIndex = Dictionary(uniqueKeysWithValues: users.enumerated().map { ($1, $0) })
    }

    /// Number of item indices including the unknown item.
    public var itemCount: Int { items.count + 1 }
    public var userCount: Int { users.count }

    public func item(_ raw: Int) -> Int { itemIndex[raw] ?? Self.unknownItem }
    public func user(_ raw: Int) -> Int? { userIndex[raw] }

    public func encode(_ sample: RawInteractionSample) -> BaselineSample {
        BaselineSample(user: user(sample.user), history: sample.history.map(item),
                       target: item(sample.target), label: sample.label)
    }

    public func encode(_ samples: [RawInteractionSample]) -> [BaselineSample] { samples.map(encode) }
}
