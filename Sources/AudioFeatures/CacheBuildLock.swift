// One builder at a time per cache folder. Two builders of the same cache (two tests of one
// process, or `make paper` beside `atflrec train`) would otherwise race over OUTPUT.parts: one
// merges and deletes the shards while the other still writes or reads them. The lock is an
// exclusive flock(2) on the output's folder: it serialises threads of one process too (each
// open() is its own open file description), is released by the kernel when a process dies,
// and leaves no file behind. Whoever waited then finds the finished work and reuses it.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct CacheBuildLock {
    private let descriptor: Int32

    /// Blocks until this thread holds the lock of `folder` (created if missing).
    init(folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw FBankError.badInput(folder, "cannot open the cache folder to lock it (\(String(cString: strerror(errno))))")
        }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw FBankError.badInput(folder, "cannot lock the cache folder (\(reason))")
            }
        }
        descriptor = fd
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
