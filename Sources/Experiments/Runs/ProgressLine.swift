import Foundation

/// A one-line progress display with ETA on stderr. When stderr is not a terminal (CI, logs) it
/// stays quiet except for `log` lines, so redirected output is not flooded with redraws.
public final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let start: Date
    private let isTerminal: Bool
    private var lastDraw = Date.distantPast
    private let lock = NSLock()

    public init(label: String, total: Int, forceQuiet: Bool = false) {
        self.label = label
        self.total = max(total, 1)
        self.start = Date()
        self.isTerminal = !forceQuiet && isatty(STDERR_FILENO) != 0
    }

    /// Seconds since the start.
    public var elapsed: Double { Date().timeIntervalSince(start) }

    /// "12m 05s" style duration.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh %02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm %02ds", s / 60, s % 60) }
        return "\(s)s"
    }

    /// Redraws the line for `done` of `total` units, at most ten times a second.
    public func update(_ done: Int, detail: String = "") {
        guard isTerminal else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let fraction = Double(done) / Double(total)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : .nan
        let width = 24
        let filled = min(width, Int(fraction * Double(width)))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let text = "\r\(label) [\(bar)] \(done)/\(total) elapsed \(Self.duration(elapsed)) eta \(Self.duration(eta)) \(detail)"
        FileHandle.standardError.write(Data((text + "\u{1B}[K").utf8))
    }

    /// A permanent log line (printed in every mode).
    public func log(_ line: String) {
        lock.lock(); defer { lock.unlock() }
        let prefix = isTerminal ? "\r\u{1B}[K" : ""
        FileHandle.standardError.write(Data((prefix + line + "\n").utf8))
    }

    /// Ends the line.
    public func finish() {
        guard isTerminal else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
