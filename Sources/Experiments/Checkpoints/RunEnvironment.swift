import CBLAS
import CSndfile
import Foundation
import HDF5Storage

/// What a checkpoint records about the machine that made it (issue 6, item 7): the native
/// libraries as linked at run time, the compiler, the git commit of the source, and the BLAS
/// thread count. Stored as a JSON attribute; it identifies, it is never compared on resume.
public enum RunEnvironment {
    public static func current(threads: Int) -> [String: String] {
        [
            "swift": swiftVersion,
            "openblas": String(cString: openblas_get_config()),
            "fftw": fftwVersion,
            "libsndfile": String(cString: sf_version_string()),
            "hdf5": HDF5Version.string,
            "git_commit": gitCommit ?? "unknown",
            "blas_threads": String(threads),
            "os": ProcessInfo.processInfo.operatingSystemVersionString,
        ]
    }

    /// fftwf_version is an incomplete C array, which Swift does not import; it is looked up by
    /// name in the linked library instead (RTLD_DEFAULT is the null handle on glibc).
    public static var fftwVersion: String {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "fftwf_version") else { return "unknown" }
        return String(cString: symbol.assumingMemoryBound(to: CChar.self))
    }

    public static var swiftVersion: String {
        #if compiler(>=6.3)
        return "6.3+"
        #else
        return "<6.3"
        #endif
    }

    /// HEAD of the git checkout in the working directory, read from .git without running git
    /// (a fresh clone, a worktree file, or a packed ref); nil outside a checkout.
    public static var gitCommit: String? {
        let fm = FileManager.default
        var gitDir = URL(fileURLWithPath: ".git")
        if let text = try? String(contentsOf: gitDir, encoding: .utf8), text.hasPrefix("gitdir: ") {
            gitDir = URL(fileURLWithPath: text.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard let head = try? String(contentsOf: gitDir.appendingPathComponent("HEAD"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        guard head.hasPrefix("ref: ") else { return head }
        let ref = String(head.dropFirst(5))
        var common = gitDir
        if let c = try? String(contentsOf: gitDir.appendingPathComponent("commondir"), encoding: .utf8) {
            common = gitDir.appendingPathComponent(c.trimmingCharacters(in: .whitespacesAndNewlines)).standardized
        }
        for dir in [gitDir, common] {
            if let sha = try? String(contentsOf: dir.appendingPathComponent(ref), encoding: .utf8) {
                return sha.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        for dir in [gitDir, common] where fm.fileExists(atPath: dir.appendingPathComponent("packed-refs").path) {
            let packed = (try? String(contentsOf: dir.appendingPathComponent("packed-refs"), encoding: .utf8)) ?? ""
            for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                return String(line.prefix(40))
            }
        }
        return nil
    }
}
