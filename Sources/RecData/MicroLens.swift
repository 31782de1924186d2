import AudioFeatures
import Foundation

// The official MicroLens files (Ni et al., "A Content-Driven Micro-Video Recommendation Dataset
// at Scale", 2023; https://github.com/westlake-repl/MicroLens; REFERENCE.md section 2). The data
// is downloaded by the user from the authors' server; nothing of it is committed here (the
// fixture in Tests/Fixtures/microlens/ is invented content in the same shapes).
//
// Layout of a MicroLens directory (file names configurable in MicroLensOptions):
//   MicroLens-100k_pairs.csv    `user,item,timestamp` (milliseconds), one interaction a line, or
//   MicroLens-100k_pairs.tsv    `user<TAB>item item item ...`, items in time order, no times
//   MicroLens-100k_title_en.csv `item,title` (RFC 4180 quoting, or unquoted to the end of line)
//   audio/<item>.<ext>          one file per item in any format libsndfile reads
//
// Stated policies (each counted in MicroLensLoadReport, never silent):
// - pairs: the CSV is used when present (it has real times), else the TSV, whose "timestamps"
//   are the positions 0, 1, 2, ... in the user's line (one line per user, a second is an error);
//   ties in CSV times keep file order.
// - a first line whose first field is not an integer is a header and is skipped.
// - duplicated (user, item): `.keepFirst` keeps the earliest (then first in file) and counts the
//   rest; `.error` stops at the second occurrence's line.
// - audio: files are matched by the integer stem of their name; two files with one stem are an
//   error; names without an integer stem are ignored and counted. An item with interactions and
//   no audio file: `.error` stops, `.dropItem` drops its interactions and counts items and
//   interactions. A file that exists but libsndfile cannot open is always an error (a damaged
//   download must be fixed, not quietly shrunk).
// - titles: invalid UTF-8 is an error naming the line; an item with interactions and no title
//   keeps its interactions and is counted (prompts then show "item <id>"); titles of items
//   without interactions are counted and not kept.

/// What to do with an item that has interactions but no audio file.
public enum MicroLensMissingAudio: String, Sendable, CaseIterable {
    case error
    /// Drop the item's interactions; the counts go to the load report.
    case dropItem = "drop"
}

/// What to do with a (user, item) pair that occurs more than once.
public enum MicroLensDuplicates: String, Sendable, CaseIterable {
    case error
    /// Keep the earliest occurrence, count the others.
    case keepFirst = "keep-first"
}

public struct MicroLensOptions: Sendable, Equatable {
    /// Pairs file name; nil: `MicroLens-100k_pairs.csv` if it exists, else `MicroLens-100k_pairs.tsv`.
    public var pairsFile: String?
    /// Titles file name; nil: the first existing of `titleCandidates`.
    public var titlesFile: String?
    /// Folder of per-item audio, relative to the MicroLens directory.
    public var audioDirectory: String
    public var missingAudio: MicroLensMissingAudio
    public var duplicates: MicroLensDuplicates
    /// Open every used audio file's header with libsndfile while loading.
    public var checkAudioHeaders: Bool

    public static let pairsCandidates = ["MicroLens-100k_pairs.csv", "MicroLens-100k_pairs.tsv"]
    public static let titleCandidates = ["MicroLens-100k_title_en.csv", "MicroLens-100k_titles.csv", "titles.csv"]

    public init(pairsFile: String? = nil, titlesFile: String? = nil, audioDirectory: String = "audio",
                missingAudio: MicroLensMissingAudio = .error, duplicates: MicroLensDuplicates = .keepFirst,
                checkAudioHeaders: Bool = true) {
        self.pairsFile = pairsFile
        self.titlesFile = titlesFile
        self.audioDirectory = audioDirectory
        self.missingAudio = missingAudio
        self.duplicates = duplicates
        self.checkAudioHeaders = checkAudioHeaders
    }
}

/// One user's interactions in time order.
public struct MicroLensSequence: Sendable, Equatable {
    public var user: Int
    public var items: [Int]
    /// Milliseconds (CSV) or positions 0, 1, 2, ... (TSV).
    public var timestamps: [Int]
}

/// Counts of everything the loader and the k-core filter set aside.
public struct MicroLensLoadReport: Sendable, Equatable {
    public var pairsPath = ""
    public var titlesPath = ""
    public var audioDirectory = ""
    /// True when the pairs came from the TSV (order only).
    public var timestampsArePositions = false
    /// Interactions read from the pairs file, duplicates included.
    public var interactionsRead = 0
    public var duplicatesDropped = 0
    /// Items with interactions and no audio file (ascending); dropped under `.dropItem`.
    public var itemsWithoutAudio: [Int] = []
    public var interactionsDroppedForMissingAudio = 0
    public var audioFilesIgnored = 0
    public var itemsWithoutTitle = 0
    public var titlesWithoutInteractions = 0
    /// k-core: thresholds (nil before filtering), rounds until stable, and what was removed.
    public var kCoreUsers: Int?
    public var kCoreItems: Int?
    public var kCoreRounds = 0
    public var kCoreUsersRemoved = 0
    public var kCoreItemsRemoved = 0
    public var kCoreInteractionsRemoved = 0

    /// The report as `key value` lines (for `data describe` and run logs).
    public var lines: [String] {
        var out = [
            "pairs \(pairsPath)\(timestampsArePositions ? " (TSV: order only, timestamps are positions)" : "")",
            "titles \(titlesPath)",
            "audio \(audioDirectory)",
            "interactions_read \(interactionsRead)",
            "duplicates_dropped \(duplicatesDropped)",
            "items_without_audio \(itemsWithoutAudio.count)",
            "interactions_dropped_for_missing_audio \(interactionsDroppedForMissingAudio)",
            "audio_files_ignored \(audioFilesIgnored)",
            "items_without_title \(itemsWithoutTitle)",
            "titles_without_interactions \(titlesWithoutInteractions)",
        ]
        if let u = kCoreUsers, let i = kCoreItems {
            out.append("k_core users>=\(u) items>=\(i) rounds \(kCoreRounds) removed users \(kCoreUsersRemoved) items \(kCoreItemsRemoved) interactions \(kCoreInteractionsRemoved)")
        }
        return out
    }
}

public struct MicroLens: Sendable {
    /// One sequence per user, ascending user id.
    public var sequences: [MicroLensSequence]
    /// Every item with at least one interaction, ascending.
    public var items: [Int]
    /// Titles of `items` (items without a title are absent).
    public var titles: [Int: String]
    /// Audio file path of every item of `items` that has one.
    public var audioPaths: [Int: String]
    public var report: MicroLensLoadReport

    public var userCount: Int { sequences.count }
    public var interactionCount: Int { sequences.reduce(0) { $0 + $1.items.count } }

    /// Default location of a user's MicroLens download (a directory or a symbolic link to one).
    public static let defaultDirectory = ".cache/data/microlens"

    public static func load(directory: String, options: MicroLensOptions = MicroLensOptions()) throws -> MicroLens {
        let fm = FileManager.default
        func pick(_ given: String?, _ candidates: [String], _ what: String) throws -> String {
            if let given { return directory + "/" + given }
            for c in candidates where fm.fileExists(atPath: directory + "/" + c) { return directory + "/" + c }
            throw DataError("\(directory): no \(what) file (looked for \(candidates.joined(separator: ", ")))")
        }
        var report = MicroLensLoadReport()
        report.pairsPath = try pick(options.pairsFile, MicroLensOptions.pairsCandidates, "pairs")
        report.titlesPath = try pick(options.titlesFile, MicroLensOptions.titleCandidates, "titles")
        report.audioDirectory = directory + "/" + options.audioDirectory
        report.timestampsArePositions = report.pairsPath.hasSuffix(".tsv")

        // (user, item, timestamp, line) in file order.
        let raw = try report.timestampsArePositions ? readPairsTSV(report.pairsPath) : readPairsCSV(report.pairsPath)
        report.interactionsRead = raw.count

        // Per user, time order with file order breaking ties; then duplicates.
        var byUser: [Int: [PairRecord]] = [:]
        for r in raw { byUser[r.user, default: []].append(r) }
        var sequences: [MicroLensSequence] = []
        for user in byUser.keys.sorted() {
            let records = byUser[user]!.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
            var seen = Set<Int>()
            var seq = MicroLensSequence(user: user, items: [], timestamps: [])
            for r in records {
                if !seen.insert(r.item).inserted {
                    if options.duplicates == .error {
                        throw DataError("\(report.pairsPath):\(r.line): user \(user) item \(r.item) occurs again (duplicates policy: error)")
                    }
                    report.duplicatesDropped += 1
                    continue
                }
                seq.items.append(r.item)
                seq.timestamps.append(r.timestamp)
            }
            sequences.append(seq)
        }

        // Audio: one file per item id.
        let audioFiles = try scanAudio(report.audioDirectory, ignored: &report.audioFilesIgnored)
        let used = Set(sequences.flatMap(\.items))
        let missing = used.filter { audioFiles[$0] == nil }.sorted()
        report.itemsWithoutAudio = missing
        if !missing.isEmpty {
            if options.missingAudio == .error {
                let shown = missing.prefix(5).map(String.init).joined(separator: ", ")
                throw DataError("\(report.audioDirectory): \(missing.count) item(s) with interactions have no audio file (\(shown)\(missing.count > 5 ? ", ..." : "")); missing-audio policy: error")
            }
            let drop = Set(missing)
            for k in sequences.indices {
                let keep = sequences[k].items.indices.filter { !drop.contains(sequences[k].items[$0]) }
                report.interactionsDroppedForMissingAudio += sequences[k].items.count - keep.count
                sequences[k].items = keep.map { sequences[k].items[$0] }
                sequences[k].timestamps = keep.map { sequences[k].timestamps[$0] }
            }
            sequences.removeAll { $0.items.isEmpty }
        }
        let items = Set(sequences.flatMap(\.items)).sorted()
        var audioPaths: [Int: String] = [:]
        for item in items {
            let path = audioFiles[item]!  // every remaining item has a file (checked above)
            if options.checkAudioHeaders {
                do { _ = try AudioFile.header(path: path) } catch {
                    throw DataError("\(path): item \(item)'s audio cannot be opened: \(error)")
                }
            }
            audioPaths[item] = path
        }

        let allTitles = try readTitles(report.titlesPath)
        let itemSet = Set(items)
        var titles: [Int: String] = [:]
        for item in items { if let t = allTitles[item] { titles[item] = t } }
        report.itemsWithoutTitle = items.count - titles.count
        report.titlesWithoutInteractions = allTitles.keys.filter { !itemSet.contains($0) }.count
        return MicroLens(sequences: sequences, items: items, titles: titles, audioPaths: audioPaths, report: report)
    }

    // MARK: - Files

    struct PairRecord { var user: Int; var item: Int; var timestamp: Int; var line: Int }

    static func contents(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError("\(path): cannot be read")
        }
        return data
    }

    /// `user,item,timestamp` lines, an optional header.
    static func readPairsCSV(_ path: String) throws -> [PairRecord] {
        var out: [PairRecord] = []
        for (k, r) in try MicroLensCSV.records(try contents(path), path: path).enumerated() {
            if k == 0, let first = r.fields.first, Int(String(decoding: first, as: UTF8.self).trimmingCharacters(in: .whitespaces)) == nil {
                guard r.fields.count == 3 else { throw DataError("\(path):\(r.line): header needs 3 columns (user,item,timestamp), found \(r.fields.count)") }
                continue
            }
            guard r.fields.count == 3 else {
                throw DataError("\(path):\(r.line): expected 3 fields (user,item,timestamp), found \(r.fields.count)")
            }
            out.append(PairRecord(user: try MicroLensCSV.integer(r.fields[0], path: path, line: r.line, field: "user"),
                                  item: try MicroLensCSV.integer(r.fields[1], path: path, line: r.line, field: "item"),
                                  timestamp: try MicroLensCSV.integer(r.fields[2], path: path, line: r.line, field: "timestamp"),
                                  line: r.line))
        }
        return out
    }

    /// `user<TAB>item item ...` lines (time order), an optional header; timestamps = positions.
    static func readPairsTSV(_ path: String) throws -> [PairRecord] {
        let data = try contents(path)
        var out: [PairRecord] = []
        var userLine: [Int: Int] = [:]  // a user's positions restart on every line: one line per user
        var bytes = ArraySlice([UInt8](data))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        for (k, rawLine) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let n = k + 1
            var line = Array(rawLine)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.allSatisfy({ $0 == UInt8(ascii: " ") }) { continue }
            let parts = line.split(separator: UInt8(ascii: "\t"), maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw DataError("\(path):\(n): expected user<TAB>items") }
            if k == 0 && Int(String(decoding: parts[0], as: UTF8.self).trimmingCharacters(in: .whitespaces)) == nil { continue }
            let user = try MicroLensCSV.integer(Array(parts[0]), path: path, line: n, field: "user")
            let items = parts[1].split(separator: UInt8(ascii: " "))
            guard !items.isEmpty else { throw DataError("\(path):\(n): user \(user) has no items") }
            if let first = userLine[user] { throw DataError("\(path):\(n): user \(user) already has line \(first)") }
            userLine[user] = n
            for (p, item) in items.enumerated() {
                out.append(PairRecord(user: user, item: try MicroLensCSV.integer(Array(item), path: path, line: n, field: "item"),
                                      timestamp: p, line: n))
            }
        }
        return out
    }

    /// `item,title` records, an optional header; the title field takes the rest of the record.
    static func readTitles(_ path: String) throws -> [Int: String] {
        var out: [Int: String] = [:]
        for (k, r) in try MicroLensCSV.records(try contents(path), path: path, maxFields: 2).enumerated() {
            if k == 0, let first = r.fields.first, Int(String(decoding: first, as: UTF8.self).trimmingCharacters(in: .whitespaces)) == nil {
                continue
            }
            guard r.fields.count == 2 else { throw DataError("\(path):\(r.line): expected item,title") }
            let item = try MicroLensCSV.integer(r.fields[0], path: path, line: r.line, field: "item")
            let title = try MicroLensCSV.text(r.fields[1], path: path, line: r.line, field: "title")
            guard out[item] == nil else { throw DataError("\(path):\(r.line): item \(item) has a second title") }
            out[item] = title
        }
        return out
    }

    /// Item id -> file path for every file named `<integer>.<extension>`.
    static func scanAudio(_ directory: String, ignored: inout Int) throws -> [Int: String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError("\(directory): audio directory not found (see `make microlens-audio`)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        var out: [Int: String] = [:]
        for name in names {
            let stem = (name as NSString).deletingPathExtension
            guard stem != name, !stem.hasPrefix("+"), let item = Int(stem) else { ignored += 1; continue }
            let path = directory + "/" + name
            if let other = out[item] {
                throw DataError("\(directory): item \(item) has two audio files (\((other as NSString).lastPathComponent), \(name))")
            }
            out[item] = path
        }
        return out
    }
}
