import Foundation

// What `atflrec data describe` prints: the counts a reader checks a dataset against.
public struct DatasetDescription: Sendable {
    public var lines: [String] = []

    public init(_ d: RecDataset) {
        let s = d.samples
        let all = s.train + s.validation + s.test
        func rate(_ xs: [InteractionSample]) -> String {
            xs.isEmpty ? "-" : String(format: "%.4f", Double(xs.filter { $0.label == 1 }.count) / Double(xs.count))
        }
        lines.append("dataset        \(d.name)")
        lines.append("users          \(d.userCount)")
        lines.append("items          \(d.items.count)")
        lines.append("interactions   \(d.ratingCount)")
        lines.append("samples        train \(s.train.count) / validation \(s.validation.count) / test \(s.test.count)")
        lines.append("positive rate  train \(rate(s.train)) / validation \(rate(s.validation)) / test \(rate(s.test)) / all \(rate(all))")
        lines.append("sample users   \(Set(all.map(\.user)).count), target items \(Set(all.map(\.target)).count)")
        let liked = all.map { $0.likedHistory.count }.sorted()
        if !liked.isEmpty {
            let q = { (p: Double) in liked[min(liked.count - 1, Int(p * Double(liked.count - 1)))] }
            lines.append("history        length \(all.map(\.history.count).min()!)..\(all.map(\.history.count).max()!); liked items per history min \(q(0)) / q1 \(q(0.25)) / median \(q(0.5)) / q3 \(q(0.75)) / max \(q(1))")
            var counts = [Int](repeating: 0, count: (liked.last ?? 0) + 1)
            for n in liked { counts[n] += 1 }
            lines.append("liked counts   " + counts.enumerated().map { "\($0.offset):\($0.element)" }.joined(separator: " "))
            lines.append("empty liked    \(liked.filter { $0 == 0 }.count) samples (their audio sequence is the target alone)")
        }
        let audioItems = d.items.filter { d.audio[$0] != nil }.count
        if let seconds = d.clipSeconds {
            lines.append(String(format: "audio          %d items x %.0f s = %.1f h%@", audioItems, seconds, Double(audioItems) * seconds / 3600,
                                d.audioIsSurrogate ? " (SURROGATE: synthesized, not real soundtracks)" : ""))
        } else {
            lines.append("audio          \(audioItems) of \(d.items.count) items have a file")
        }
        lines.append("audio source   \(d.audioDescription)")
        lines.append("samples sha256 \(d.samplesSHA256)")
    }
}
