// `atflrec fbank-cache`: FBank features of a whole catalogue into one HDF5 file (see
// AudioFeatures/FBankCache.swift for the layout), on both cores, resumable, with a progress bar.
import ArgumentParser
import AudioFeatures
import Foundation

struct FBankCacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fbank-cache",
        abstract: "FBank features of every item of a list into one resumable HDF5 cache.",
        discussion: """
            LIST holds one item per line: ID<TAB>AUDIO-PATH (relative paths are relative to the \
            list's folder; blank lines and lines starting with # are skipped). Rerunning with the \
            same options reuses every item whose source file is unchanged (SHA-256).
            """)

    @Argument(help: "Tab-separated list: item id, audio path.")
    var list: String
    @Option(help: "Output HDF5 file.")
    var output: String
    @Option(help: "Worker threads.")
    var workers: Int = 2
    @Flag(help: "No progress bar.")
    var quiet = false
    @OptionGroup var options: FBankArguments

    func run() throws {
        do {
            let items = try readList(list)
            let report = try FBankCache.build(items: items, options: options.frontEnd, output: output,
                                              workers: max(1, workers), progress: !quiet)
            print("\(output): \(items.count) items (\(report.computed) computed, \(report.reused) reused)")
        } catch {
            throw failFBank("fbank-cache", error)
        }
    }

    private func readList(_ path: String) throws -> [FBankCacheItem] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw FBankError.badInput(path, "cannot read the list (missing or not UTF-8)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var items: [FBankCacheItem] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw FBankError.badInput("\(path):\(n + 1)", "expected ID<TAB>AUDIO-PATH")
            }
            let audio = String(fields[1])
            let resolved = audio.hasPrefix("/") ? audio : folder.appendingPathComponent(audio).path
            items.append(FBankCacheItem(id: String(fields[0]), path: resolved))
        }
        return items
    }
}
