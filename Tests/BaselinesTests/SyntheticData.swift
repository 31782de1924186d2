import SeededRandom

@testable import Baselines

/// A tiny data set with collaborative signal, made inside the tests (seeded): G taste groups,
/// items split evenly among the groups, each user in one group. A history holds `historyLength`
/// items, each from the user's group with probability `purity`, else from any group; the target
/// is uniform over all items and is liked exactly when it belongs to the user's group. Nothing
/// but co-occurrence tells a model which items share a group.
struct SyntheticTaste {
    let groups = 4
    let items = 40
    let users = 60
    let historyLength = 6
    let purity: Float = 0.85

    func group(ofItem item: Int) -> Int { item % groups }

    /// Raw ids: users 1000..., items 1... (0 never used, so raw ids differ from indices).
    func samples(count: Int, random: inout RandomStream) -> [RawInteractionSample] {
        (0..<count).map { _ in
            let user = random.int(below: users)
            let taste = user % groups
            let history = (0..<historyLength).map { _ -> Int in
                if random.uniformFloat() < purity {
                    return taste + groups * random.int(below: items / groups)
                }
                return random.int(below: items)
            }
            let target = random.int(below: items)
            return RawInteractionSample(user: 1000 + user, history: history.map { $0 + 1 }, target: target + 1,
                                        label: group(ofItem: target) == taste ? 1 : 0)
        }
    }
}

/// Train, validation and test splits of SyntheticTaste, encoded with the training vocabulary.
struct SyntheticSplits {
    let vocabulary: BaselineVocabulary
    let train, validation, test: [BaselineSample]

    init(seed: UInt64 = 7, train k: Int = 300) {
        var random = SeedBook(seed: seed).stream(.dataGeneration)
        let data = SyntheticTaste()
        let rawTrain = data.samples(count: k, random: &random)
        let rawValidation = data.samples(count: 150, random: &random)
        let rawTest = data.samples(count: 400, random: &random)
        vocabulary = BaselineVocabulary(training: rawTrain)
        train = vocabulary.encode(rawTrain)
        validation = vocabulary.encode(rawValidation)
        test = vocabulary.encode(rawTest)
    }
}
