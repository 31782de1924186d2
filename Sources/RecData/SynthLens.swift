import Foundation
import SeededRandom

// synthlens: a synthetic MicroLens-like world with known ground truth (SYNTHETIC DATA; every
// report says so). It exists to test the paper's claims where we control where the preference
// signal lives: in the titles, in the audio, or in collaborative structure.
//
// World:
//   items  i: a text topic t_i (its title is composed from that topic's vocabulary: English
//             words, Chinese words, a hashtag and an emoji, like MicroLens titles), a sound
//             factor s_i (its soundtrack is the surrogate generator's voice s_i, see
//             SurrogateSoundtrack) and a collaborative vector c_i in R^d;
//   users  u: tastes a_u in R^T over topics, b_u in R^S over sound factors, e_u in R^d;
//             entries N(0, 1), the collaborative vectors' entries N(0, 1/d) (so <e_u, c_i>
//             has variance 1/d; the sqrt(d) below brings it to 1 like the other two terms).
//   like(u, i) ~ Bernoulli(sigmoid(sharpness * (w_text a_u[t_i] + w_audio b_u[s_i]
//                                               + w_cf sqrt(d) <e_u, c_i>)
//                                  + appeal * (w_text p_t[t_i] + w_audio p_s[s_i]) + bias))
// with (w_text, w_audio, w_cf) normalised to unit length, so the knobs move the signal between
// sources without changing its total strength. p_t, p_s ~ N(0, 1) are the appeal of a topic and
// of a sound, shared by all users (some topics are liked by most people); `appeal` is 0 in the
// tiny and paper presets, where every signal is personal, 5 in tiny-appeal and 2 in paper-appeal. Each user meets `interactionsPerUser` distinct
// items drawn uniformly, one per time step; step k of user u has timestamp k * 86400 + u, so
// users interleave in time and the TALLRec construction (the last samples in time, split 8:1:1
// in time) applies unchanged. A like is stored as rating 5, a not-like as rating 1.

public struct SynthLensOptions: Codable, Sendable, Equatable {
    public var users = 1000
    public var items = 1500
    public var interactionsPerUser = 30
    public var textTopics = 10
    public var soundFactors = 8
    public var collaborativeDimension = 8
    /// Where the preference signal lives (normalised to unit length).
    public var textWeight = 1.0
    public var audioWeight = 1.0
    public var collaborativeWeight = 1.0
    public var sharpness = 2.5
    /// Weight of the population-wide appeal of topics and sounds (0 = personal taste only).
    public var appeal = 0.0
    public var bias = 0.0
    /// Soundtrack length in seconds (16 kHz).
    public var clipSeconds = 30.0
    public var seed: UInt64 = 0

    public init() {}

    /// Runs in seconds: 80 users, 60 items, 5 s clips.
    public static var tiny: SynthLensOptions {
        var o = SynthLensOptions()
        o.users = 80
        o.items = 60
        o.interactionsPerUser = 25
        o.textTopics = 6
        o.soundFactors = 6
        o.clipSeconds = 5
        return o
    }

    /// The tiny world plus a population-wide appeal of topics and sounds (appeal 5): a signal
    /// that the title or the soundtrack of the target alone reveals (and that item ids learned
    /// from the training samples carry), so that a few gradient steps find it. CI trains the
    /// full ATFLRec pipeline and the baselines on it.
    public static var tinyAppeal: SynthLensOptions {
        var o = tiny
        o.appeal = 5
        return o
    }

    /// The paper-sized world: 1000 users, 1500 items, 30 interactions each, 30 s clips; the
    /// TALLRec construction keeps the last 10,000 of its 20,000 samples.
    public static var paper: SynthLensOptions { SynthLensOptions() }

    /// The paper-sized world plus a population-wide appeal of topics and sounds (appeal 2): in
    /// the plain paper world every preference is personal, and with K <= 500 samples over 1,000
    /// users no model (baseline or ATFLRec) gets above chance, so its tables test nothing; here a
    /// part of the signal is shared and lives, by construction, equally in the titles and the
    /// soundtracks. The full profile's synthlens tables use it.
    public static var paperAppeal: SynthLensOptions {
        var o = paper
        o.appeal = 2
        return o
    }

    public static func preset(_ name: String) throws -> SynthLensOptions {
        switch name {
        case "tiny": return .tiny
        case "tiny-appeal": return .tinyAppeal
        case "paper": return .paper
        case "paper-appeal": return .paperAppeal
        default: throw DataError("synthlens preset '\(name)': unknown (tiny, tiny-appeal, paper, paper-appeal)")
        }
    }

    public func validate() throws {
        guard users > 0, items > 1, interactionsPerUser > 0, interactionsPerUser <= items else {
            throw DataError("synthlens: need users > 0, items > 1 and 0 < interactionsPerUser <= items")
        }
        guard textTopics > 0, textTopics <= SynthLensVocabulary.topics.count else {
            throw DataError("synthlens: textTopics must be in 1...\(SynthLensVocabulary.topics.count)")
        }
        guard soundFactors > 0, collaborativeDimension > 0, clipSeconds > 0 else {
            throw DataError("synthlens: soundFactors, collaborativeDimension and clipSeconds must be positive")
        }
        guard textWeight >= 0, audioWeight >= 0, collaborativeWeight >= 0, textWeight + audioWeight + collaborativeWeight > 0 else {
            throw DataError("synthlens: signal weights must be non-negative and not all zero")
        }
    }
}

public struct SynthLensItem: Sendable, Equatable {
    public var id: Int
    public var title: String
    public var topic: Int
    public var soundFactor: Int
}

public struct SynthLensWorld: Sendable {
    public var options: SynthLensOptions
    /// Items by ascending id (ids start at 1, like MovieLens).
    public var items: [SynthLensItem]
    public var ratings: [Rating]

    public var soundtrackOptions: SurrogateSoundtrackOptions {
        SurrogateSoundtrackOptions(sampleRate: 16000, seconds: options.clipSeconds, seed: options.seed, voices: options.soundFactors)
    }

    /// The soundtrack of an item: its sound factor's voice; the tempo is a per-item draw so that
    /// tempo carries no preference signal.
    public func soundtrack(_ item: SynthLensItem, generator: SurrogateSoundtrack) -> [Float] {
        var r = SeedBook(seed: options.seed).stream(.dataGeneration, "tempo/\(item.id)")
        return generator.render(item: item.id, classes: [item.soundFactor], tempo: r.uniformDouble())
    }

    public static func generate(_ o: SynthLensOptions) throws -> SynthLensWorld {
        try o.validate()
        let seeds = SeedBook(seed: o.seed)
        var itemRandom = seeds.stream(.dataGeneration, "items")
        let d = o.collaborativeDimension
        var items: [SynthLensItem] = []
        var itemVectors: [[Double]] = []
        for i in 0..<o.items {
            let topic = itemRandom.int(below: o.textTopics)
            let factor = itemRandom.int(below: o.soundFactors)
            let title = SynthLensVocabulary.title(topic: topic, random: &itemRandom)
            items.append(SynthLensItem(id: i + 1, title: title, topic: topic, soundFactor: factor))
            itemVectors.append((0..<d).map { _ in itemRandom.normalDouble() / Double(d).squareRoot() })
        }
        let norm = (o.textWeight * o.textWeight + o.audioWeight * o.audioWeight + o.collaborativeWeight * o.collaborativeWeight).squareRoot()
        let (wt, wa, wc) = (o.textWeight / norm, o.audioWeight / norm, o.collaborativeWeight / norm)
        // Its own stream, so that worlds without appeal are unchanged by its existence.
        var appealRandom = seeds.stream(.dataGeneration, "appeal")
        let topicAppeal = (0..<o.textTopics).map { _ in appealRandom.normalDouble() }
        let soundAppeal = (0..<o.soundFactors).map { _ in appealRandom.normalDouble() }
        var ratings: [Rating] = []
        ratings.reserveCapacity(o.users * o.interactionsPerUser)
        for u in 0..<o.users {
            var r = seeds.stream(.dataGeneration, "user/\(u)")
            let a = (0..<o.textTopics).map { _ in r.normalDouble() }
            let b = (0..<o.soundFactors).map { _ in r.normalDouble() }
            let e = (0..<d).map { _ in r.normalDouble() / Double(d).squareRoot() }
            for (k, index) in r.sample(o.interactionsPerUser, from: o.items).enumerated() {
                let item = items[index]
                var dot = 0.0
                for j in 0..<d { dot += e[j] * itemVectors[index][j] }
                let score = wt * a[item.topic] + wa * b[item.soundFactor] + wc * dot * Double(d).squareRoot()
                let shared = o.appeal * (wt * topicAppeal[item.topic] + wa * soundAppeal[item.soundFactor])
                let p = 1 / (1 + exp(-(o.sharpness * score + shared + o.bias)))
                let like = r.uniformDouble() < p
                ratings.append(Rating(user: u + 1, item: item.id, rating: like ? 5 : 1, timestamp: k * 86400 + u))
            }
        }
        return SynthLensWorld(options: o, items: items, ratings: ratings)
    }
}

/// Topic vocabularies of synthlens titles: English and Chinese words, a hashtag and an emoji per
/// topic (MicroLens titles mix languages, hashtags and emoji). Disjoint across topics, so a title
/// says which topic its item has and nothing else.
public enum SynthLensVocabulary {
    public static let topics: [(english: [String], chinese: [String], hashtag: String, emoji: String)] = [
        (["spicy", "noodles", "dumplings", "recipe", "street food", "hotpot", "dessert", "breakfast"], ["美食", "火锅", "甜点", "早餐"], "#foodie", "🍜"),
        (["mountain", "beach", "road trip", "sunset", "island", "old town", "train ride", "hostel"], ["旅行", "海边", "日落", "古镇"], "#travel", "🏝"),
        (["kitten", "puppy", "hamster", "parrot", "cat nap", "dog park", "bunny", "goldfish"], ["猫咪", "狗狗", "萌宠", "仓鼠"], "#pets", "🐱"),
        (["basketball", "dunk", "marathon", "football", "workout", "yoga", "skateboard", "swimming"], ["篮球", "健身", "跑步", "瑜伽"], "#sports", "🏀"),
        (["outfit", "sneakers", "makeup", "lipstick", "vintage", "streetwear", "haircut", "nails"], ["穿搭", "化妆", "口红", "发型"], "#fashion", "💄"),
        (["boss fight", "speedrun", "esports", "pixel", "controller", "level up", "raid", "strategy"], ["游戏", "电竞", "通关", "攻略"], "#gaming", "🎮"),
        (["smartphone", "unboxing", "laptop", "gadget", "robot", "drone", "keyboard", "camera"], ["数码", "开箱", "手机", "测评"], "#tech", "📱"),
        (["prank", "sketch", "stand-up", "bloopers", "parody", "funny", "roommate", "awkward"], ["搞笑", "段子", "恶搞", "日常"], "#comedy", "😂"),
        (["choreography", "hip hop", "ballet", "tutorial", "freestyle", "k-pop", "waltz", "shuffle"], ["舞蹈", "街舞", "芭蕾", "编舞"], "#dance", "💃"),
        (["watercolor", "sketchbook", "pottery", "origami", "calligraphy", "knitting", "collage", "mural"], ["手工", "绘画", "书法", "陶艺"], "#diy", "🎨"),
    ]

    /// A title: two or three English words, a Chinese word, the hashtag, sometimes the emoji.
    static func title(topic: Int, random: inout RandomStream) -> String {
        let t = topics[topic]
        let count = 2 + random.int(below: 2)
        let words = random.sample(count, from: t.english.count).map { t.english[$0] }
        var parts = words + [t.chinese[random.int(below: t.chinese.count)], t.hashtag]
        if random.bernoulli(0.5) { parts.append(t.emoji) }
        return parts.joined(separator: " ")
    }
}
