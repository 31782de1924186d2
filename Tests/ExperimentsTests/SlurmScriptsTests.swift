// Issue 26: the Slurm scripts a LauncherPlan becomes (the real submission is `make test-cluster`).
import Foundation
import Testing
@testable import Experiments

@Suite("Slurm scripts and launcher commands")
struct SlurmScriptsTests {
    static func task(_ name: String, threads: Int, seconds: Double) -> LauncherPlan.Task {
        var c = ExperimentConfiguration()
        c.name = name
        c.threads = threads
        return LauncherPlan.Task(configuration: c, configurationFile: URL(fileURLWithPath: "/shared/plan/\(name).json"),
                                 expectedSeconds: seconds, command: "atflrec paper worker --threads \(threads) --config /shared/plan/\(name).json")
    }

    @Test func timeLimitsRoundUpToWholeMinutesInSlurmsFormat() {
        #expect(SlurmScripts.timeLimit(seconds: 0) == "00:01:00")
        #expect(SlurmScripts.timeLimit(seconds: 61) == "00:02:00")
        #expect(SlurmScripts.timeLimit(seconds: 3600) == "01:00:00")
        #expect(SlurmScripts.timeLimit(seconds: 3601) == "01:01:00")
        #expect(SlurmScripts.timeLimit(seconds: 86_400 + 5 * 3600 + 30) == "1-05:01:00")
    }

    @Test func oneArrayPerThreadCountWithItsCommandsAndTheLongestRunsLimit() throws {
        let plan = LauncherPlan(tasks: [Self.task("a", threads: 2, seconds: 1800), Self.task("b", threads: 1, seconds: 30),
                                        Self.task("c", threads: 2, seconds: 600)],
                                renderCommand: "atflrec paper render --profile full")
        var options = SlurmScripts.Options(partition: "cpu", account: "lab42", extra: ["--mem=8G"], timeFactor: 2)
        options.afterRender = ["python3 paper/tools/make_figures.py /shared/paper"]
        let scripts = SlurmScripts(plan: plan, folder: URL(fileURLWithPath: "/shared/slurm"), options: options)
        #expect(scripts.arrays.map(\.threads) == [1, 2] && scripts.arrays.map(\.tasks) == [1, 2])
        // 1800 s x 2 + 600 s = 70 minutes; 30 s x 2 + 600 s = 11 minutes.
        #expect(scripts.arrays.map(\.timeLimit) == ["00:11:00", "01:10:00"])
        let text = Dictionary(uniqueKeysWithValues: scripts.files.map { ($0.url.lastPathComponent, $0.text) })
        #expect(text["commands-t2.txt"] == "atflrec paper worker --threads 2 --config /shared/plan/a.json\natflrec paper worker --threads 2 --config /shared/plan/c.json\n")
        let array = try #require(text["array-t2.sbatch"])
        for line in ["#SBATCH --partition=cpu", "#SBATCH --account=lab42", "#SBATCH --mem=8G", "#SBATCH --array=1-2",
                     "#SBATCH --cpus-per-task=2", "#SBATCH --time=01:10:00", "#SBATCH --output=/shared/slurm/logs/%A_%a.out",
                     "line=$(sed -n \"${SLURM_ARRAY_TASK_ID}p\" /shared/slurm/commands-t2.txt)"] {
            #expect(array.split(separator: "\n").contains(Substring(line)), "array-t2.sbatch lacks \(line):\n\(array)")
        }
        let render = try #require(text["render.sbatch"])
        #expect(render.hasSuffix("atflrec paper render --profile full\npython3 paper/tools/make_figures.py /shared/paper\n"), "\(render)")
        #expect(render.contains("#SBATCH --account=lab42") && !render.contains("--array"))
    }

    @Test func wordsAreQuotedOnlyWhereTheShellWouldSplitOrExpandThem() {
        #expect(LauncherPlan.shellQuoted("/work/main/paper/runs") == "/work/main/paper/runs")
        #expect(LauncherPlan.shellQuoted("text.modelPath=/a/b") == "text.modelPath=/a/b")
        #expect(LauncherPlan.shellQuoted("/my data/runs") == "'/my data/runs'")
        #expect(LauncherPlan.shellQuoted("it's") == "'it'\\''s'")
        #expect(LauncherPlan.shellQuoted("$HOME") == "'$HOME'")
        #expect(LauncherPlan.shellQuoted("") == "''")
    }
}
