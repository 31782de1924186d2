import Foundation
import TensorCore
import Testing
import TestSupport

// The atflrec program on a CPU its OpenBLAS does not know restarts once with the kernels the CPU
// supports and says so in one line on stderr (BLASCore); elsewhere it says nothing. Which case
// applies depends on the machine: this test predicts it from this process (same library, same
// CPU) and checks the program does that.
@Suite struct BLASCoreRestartTests {
    @Test func restartsOnlyWhereOpenBLASFellBackToGenericKernels() throws {
        guard let r = try runATFLRec(["--help"], choosingBLASCore: false) else { return }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("USAGE: atflrec"))
        let notice = { (core: String) in
            "atflrec: OpenBLAS \(BLASCore.versionNumber) does not know this CPU and chose its generic Prescott kernels; "
                + "restarting with OPENBLAS_CORETYPE=\(core) (set OPENBLAS_CORETYPE to choose)\n"
        }
        if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
            // This process loaded OpenBLAS as the program does before restarting.
            if let core = BLASCore.replacementForThisMachine() {
                #expect(r.stderr == notice(core))
            } else {
                #expect(r.stderr.isEmpty, "\(r.stderr)")
            }
        } else {
            // This process's kernels were chosen by the caller; the program's own pick is unknown
            // here, but it restarts at most once.
            #expect(r.stderr.isEmpty || (r.stderr.hasPrefix("atflrec: OpenBLAS ") && r.stderr.filter { $0 == "\n" }.count == 1),
                    "\(r.stderr)")
        }
    }
}
