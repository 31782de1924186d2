import Foundation

/// Wall time of one ATFLRec run summed over the processes that trained it.
///
/// A run that is killed (a sitting of `make paper` ends, a machine reboots) resumes from
/// `checkpoint.h5` in a new process. Timing only that process would make a resumed run look
/// cheap and `make paper`'s compute total (REPORT.md) undercount, so each process adds its time
/// to `elapsed.json` after every checkpoint it writes and the next one starts from there. Work
/// done after the last checkpoint of a killed process is redone and counted once.
///
/// The record sits beside the checkpoint, not inside it: checkpoint bytes must not depend on
/// timing, since their SHA-256 is recorded in the run's result and the paper's manifest.
struct TrainingClock {
    struct Record: Codable {
        /// The epoch of the checkpoint written just before this record.
        var epoch: Int
        /// Seconds of every process so far, each up to its last checkpoint.
        var seconds: Double
        var resumedAtEpochs: [Int]
    }

    static let fileName = "elapsed.json"

    let url: URL
    private let start = Date()
    private var earlierSeconds = 0.0
    /// Epochs at which this run continued in a new process (empty: one process so far).
    private(set) var resumedAtEpochs: [Int] = []

    init(runDirectory: URL) {
        url = runDirectory.appendingPathComponent(Self.fileName)
    }

    /// Seconds of the earlier processes plus this one's so far.
    var totalSeconds: Double { earlierSeconds + Date().timeIntervalSince(start) }

    /// Called when training continues from a checkpoint of `epoch` epochs. A checkpoint written
    /// before this record existed (2026-12-02) has none: its earlier processes go uncounted.
    mutating func resume(atEpoch epoch: Int) throws {
        if FileManager.default.fileExists(atPath: url.path) {
            let record: Record
            do {
                record = try JSONDecoder().decode(Record.self, from: Data(contentsOf: url))
            } catch {
                throw ConfigurationError("\(url.path): not a training-time record (\(error.localizedDescription))")
            }
            earlierSeconds = record.seconds
            resumedAtEpochs = record.resumedAtEpochs
        }
        resumedAtEpochs.append(epoch)
    }

    /// Records the time so far; called right after checkpoint.h5 of `epoch` epochs is written.
    func record(epoch: Int) throws {
        try AtomicFile.writeJSON(Record(epoch: epoch, seconds: totalSeconds, resumedAtEpochs: resumedAtEpochs), to: url)
    }
}
