import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Who trains a run: one worker (a Slurm task, a GNU parallel job, a `make paper`) holds the
/// run's lock, `<store>/.locks/<run>.lock`, while it trains and stores it (issue 26).
///
/// The mechanism is a POSIX record lock (`lockf(F_TLOCK)`, i.e. `fcntl(F_SETLK)` on the whole
/// file), not the file's existence:
/// - it works on a shared filesystem: NFSv4 carries such locks in the protocol and NFSv3 through
///   its lock manager (lockd), and Linux maps `flock` onto them on NFS anyway; Lustre needs its
///   `flock` mount option and GPFS supports them as is. A mount with `nolock` keeps locks local
///   to one client and is not safe (docs/cluster.md says so);
/// - the kernel (on NFS, the server, when the client's lease lapses) drops the lock when its
///   holder dies, however it dies (`scancel`, SIGKILL, a node lost), so a lock left by a killed
///   worker cannot block a run forever and needs no timeout of ours to be judged stale;
/// - the lock file itself stays behind with the last holder's record (host, process, Slurm task,
///   when it started), so the worker that takes a run over names whom it took it from, and the
///   checkpoint that worker left is resumed, not deleted.
/// A create-exclusive lock file (`O_EXCL`, `mkdir`, `link`) would survive its dead holder and
/// need heartbeats and a timeout to be taken over, with a race between two takers.
///
/// Record locks belong to the process and are released when *any* descriptor of the file is
/// closed by it, so the file is opened exactly once per holder and read through that descriptor.
public final class RunLock {
    /// The record a holder writes into the lock file.
    public struct Holder: Codable, Equatable, Sendable, CustomStringConvertible {
        public var host: String
        public var pid: Int32
        /// "SLURM_JOB_ID" or "SLURM_ARRAY_JOB_ID_SLURM_ARRAY_TASK_ID" when run by Slurm.
        public var slurmJob: String?
        public var startedAt: String

        public static func current() -> Holder {
            let env = ProcessInfo.processInfo.environment
            var job = env["SLURM_JOB_ID"]
            if let array = env["SLURM_ARRAY_JOB_ID"], let task = env["SLURM_ARRAY_TASK_ID"] { job = "\(array)_\(task)" }
            return Holder(host: ProcessInfo.processInfo.hostName, pid: getpid(), slurmJob: job,
                          startedAt: ISO8601DateFormatter().string(from: Date()))
        }

        public var description: String {
            "pid \(pid) on \(host)" + (slurmJob.map { ", Slurm job \($0)" } ?? "") + ", started \(startedAt)"
        }
    }

    public enum Attempt {
        /// The lock is ours; `previous` is the record of an earlier holder that did not finish
        /// (killed or lost), nil when the run was never started.
        case acquired(RunLock, previous: Holder?)
        /// Another live worker holds it; its record, where readable.
        case busy(Holder?)
    }

    public let url: URL
    private var fd: Int32

    private init(url: URL, fd: Int32) {
        self.url = url
        self.fd = fd
    }

    deinit { release() }

    /// Tries once, without waiting.
    public static func attempt(_ url: URL, holder: Holder = .current()) throws -> Attempt {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ConfigurationError("\(url.path): cannot open the run's lock file (\(String(cString: strerror(errno))))") }
        if lockf(fd, F_TLOCK, 0) != 0 {
            let code = errno
            let current = readHolder(fd)
            close(fd)
            guard code == EACCES || code == EAGAIN else {
                throw ConfigurationError("\(url.path): cannot lock (\(String(cString: strerror(code)))); a shared filesystem mounted with 'nolock'?")
            }
            return .busy(current)
        }
        let previous = readHolder(fd)
        let lock = RunLock(url: url, fd: fd)
        do {
            try lock.write(holder)
        } catch {
            lock.release()
            throw error
        }
        return .acquired(lock, previous: previous)
    }

    /// Waits for the lock (`lockf(F_LOCK)`), for steps that must not overlap but may queue:
    /// two render jobs of one store (two submissions of a plan) write the same tables, and the
    /// one that renders last must not be overwritten by one that read the store earlier.
    public static func wait(_ url: URL, holder: Holder = .current()) throws -> RunLock {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ConfigurationError("\(url.path): cannot open the lock file (\(String(cString: strerror(errno))))") }
        while lockf(fd, F_LOCK, 0) != 0 {
            guard errno == EINTR else {
                let code = errno
                close(fd)
                throw ConfigurationError("\(url.path): cannot lock (\(String(cString: strerror(code)))); a shared filesystem mounted with 'nolock'?")
            }
        }
        let lock = RunLock(url: url, fd: fd)
        try lock.write(holder)
        return lock
    }

    private func write(_ holder: Holder) throws {
        let data = try JSONEncoder().encode(holder) + Data("\n".utf8)
        let written = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == data.count, ftruncate(fd, off_t(data.count)) == 0, fsync(fd) == 0 else {
            throw ConfigurationError("\(url.path): cannot write the holder record (\(String(cString: strerror(errno))))")
        }
    }

    private static func readHolder(_ fd: Int32) -> Holder? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: Data(buffer[0..<n]))
    }

    /// The run is stored: the lock file goes (a later worker finds the run finished before it
    /// looks for a lock), then the lock is dropped. Removing it before the run is stored would
    /// let a second worker lock a new file while the first still trains.
    public func releaseFinished() {
        unlink(url.path)
        release()
    }

    /// Drops the lock and keeps the file with this holder's record (a failed or interrupted run).
    public func release() {
        guard fd >= 0 else { return }
        close(fd)  // closing drops the process's record locks on the file
        fd = -1
    }
}

/// What happened to each run, one line per event, in `<store>/.locks/<run>.history`: written only
/// by the lock's holder, so lines never interleave. `make test-cluster` counts "trained" lines to
/// check that two submissions of one plan train each run once.
public enum RunHistory {
    public static func append(_ url: URL, _ event: String, holder: RunLock.Holder) {
        let line = "\(ISO8601DateFormatter().string(from: Date())) \(event) (\(holder))\n"
        let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }  // the history is a diagnostic; the lock is what guards the run
        _ = line.utf8CString.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }
}
