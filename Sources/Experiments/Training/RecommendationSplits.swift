/// One labelled (user, history, target) sample as every model of a comparison sees it: the
/// K-shot training samples, validation and test are the same for ATFLRec and the baselines.
public struct RecommendationSample: Sendable, Equatable {
    /// Stable id of the sample in its dataset (stored with predictions and few-shot draws).
    public var id: Int
    public var user: Int
    /// History items, oldest first.
    public var history: [Int]
    /// The history items the user liked (the audio sequence of ATFLRec uses these).
    public var likedHistory: [Int]
    public var target: Int
    /// 1 = like, 0 = not like.
    public var label: Int

    public init(id: Int, user: Int, history: [Int], likedHistory: [Int], target: Int, label: Int) {
        self.id = id
        self.user = user
        self.history = history
        self.likedHistory = likedHistory
        self.target = target
        self.label = label
    }
}

/// The samples of one run: K-shot training samples, validation and test.
public struct RecommendationSplits: Sendable {
    public var train: [RecommendationSample]
    public var validation: [RecommendationSample]
    public var test: [RecommendationSample]

    public init(train: [RecommendationSample], validation: [RecommendationSample], test: [RecommendationSample]) {
        self.train = train
        self.validation = validation
        self.test = test
    }
}
