import Foundation

/// The small, committed outputs of one finished run (`paper/runs/<run>/`): the resolved
/// configuration, the metrics, and the test predictions with sample ids (for DeLong's test and
/// ROC curves). Checkpoints stay in `checkpoints/` and are not committed.
public struct RunResult: Codable, Equatable, Sendable {
    public static let formatVersion = 1

    public var formatVersion = RunResult.formatVersion
    public var run: String
    public var configurationHash: String
    public var testAUC: Double
    /// Mean AUC over the test users that have both labels (docs/runs.md, "Metrics"); NaN, written as
    /// JSON null, when no user has both (synthlens' paper preset has about one sample per user).
    @NullWhenNaN public var testUAUC: Double
    /// How many users `testUAUC` averages over (0 when it is null). Absent for runs stored before
    /// it was recorded (2026-12-06).
    public var testUAUCUsers: Int?
    public var testLogLoss: Double
    public var bestValidationAUC: Double
    public var epochsRun: Int
    public var optimizerSteps: Int
    /// Wall time of training and evaluation, seconds (informative; not part of any table). A run
    /// resumed after an interruption sums its processes, each up to its last checkpoint
    /// (TrainingClock); results stored before 2026-12-02 count the last process only.
    public var wallSeconds: Double
    public var trainSamplesPerSecond: Double
    /// Few-shot training samples by id, so every model of a comparison provably saw the same K.
    public var trainSampleIDs: [Int]
    /// Per evaluation (once per epoch): mean training loss since the previous one and
    /// validation AUC, for the training-curve figures.
    public var trainLossCurve: [Double] = []
    public var validationAUCCurve: [Double] = []
    /// Baselines: SHA-256 of the settings the run was trained with (BaselineSettings.identity,
    /// from paper/configs/baselines/<model>.json). They are not part of the configuration hash,
    /// so the store compares this instead (RunStore.expectedSettingsSHA256). Absent for ATFLRec,
    /// whose every setting is in the configuration.
    public var trainerSettingsSHA256: String?
    /// SHA-256 of the run's best checkpoint (`best.h5`) as the run wrote it. Checkpoints are not
    /// committed, so the manifest lists this recorded hash: it is the same on every machine that
    /// renders the tables, and `sha256sum -c` checks a re-trained or downloaded checkpoint
    /// against it. Absent for runs stored before it was recorded whose checkpoint is gone.
    public var checkpointSHA256: String?
    /// ModelTensorsHash of that checkpoint: configuration hash and tensors only, so it also
    /// matches a checkpoint re-trained at another git commit (checkpointSHA256 covers the file,
    /// whose `environment` attribute names the commit). `atflrec inspect --model-sha256 best.h5`
    /// and paper/tools/load_checkpoint.py print it. Absent for runs stored before 2026-12-03.
    public var modelTensorsSHA256: String?
    /// OpenBLAS's kernels the run was trained with (BLASCore.current: "Cooperlake", "Haswell",
    /// "Zen", ...). Different kernel families round products differently in the last bits, and
    /// training carries that on, so a re-run matches bit for bit only on the same family
    /// (DETERMINISM.md). Absent for runs stored before it was recorded (2026-12-02).
    public var blasCore: String?
    /// Everything else that decides the run's bits (NumericalEnvironment: kernel policy, thread
    /// count, CPU, libraries, compiler flags, git commit). Absent for runs stored before it was
    /// recorded (2026-12-06).
    public var numerics: NumericalEnvironment?
    /// ATFLRec: the epochs after which training continued from checkpoint.h5 in a new process
    /// (empty: trained in one go). Absent for baselines and for runs stored before it was
    /// recorded (2026-12-02).
    public var resumedAtEpochs: [Int]?
    /// The sequential protocol (data.protocol sequential, issue 28): K of HR@K and NDCG@K and the
    /// test users' means (each user's positive among its sampled candidates). Absent otherwise.
    public var rankingK: Int?
    public var testHitRate: Double?
    public var testNDCG: Double?

    public init(run: String, configurationHash: String, testAUC: Double, testUAUC: Double, testLogLoss: Double,
                bestValidationAUC: Double, epochsRun: Int, optimizerSteps: Int, wallSeconds: Double,
                trainSamplesPerSecond: Double, trainSampleIDs: [Int]) {
        self.run = run
        self.configurationHash = configurationHash
        self.testAUC = testAUC
        self.testUAUC = testUAUC
        self.testLogLoss = testLogLoss
        self.bestValidationAUC = bestValidationAUC
        self.epochsRun = epochsRun
        self.optimizerSteps = optimizerSteps
        self.wallSeconds = wallSeconds
        self.trainSamplesPerSecond = trainSamplesPerSecond
        self.trainSampleIDs = trainSampleIDs
    }
}

/// Test-set predictions of one run, in sample-id order.
public struct Predictions: Equatable, Sendable {
    public var sampleIDs: [Int]
    public var users: [Int]
    public var labels: [Int]
    public var scores: [Double]

    public init(sampleIDs: [Int], users: [Int], labels: [Int], scores: [Double]) {
        self.sampleIDs = sampleIDs
        self.users = users
        self.labels = labels
        self.scores = scores
    }

    /// CSV with a header; scores printed with 17 significant digits so they round-trip exactly.
    public func csv() -> String {
        var out = "sample_id,user,label,score\n"
        for i in sampleIDs.indices {
            out += "\(sampleIDs[i]),\(users[i]),\(labels[i]),\(String(format: "%.17g", scores[i]))\n"
        }
        return out
    }

    public static func parse(csv text: String, source: String) throws -> Predictions {
        var p = Predictions(sampleIDs: [], users: [], labels: [], scores: [])
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if n == 0 {
                guard line == "sample_id,user,label,score" else {
                    throw ConfigurationError("\(source):1: expected header sample_id,user,label,score")
                }
                continue
            }
            if line.isEmpty { continue }
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count == 4, let id = Int(f[0]), let user = Int(f[1]), let label = Int(f[2]),
                  label == 0 || label == 1, let score = Double(f[3]), score.isFinite else {
                throw ConfigurationError("\(source):\(n + 1): malformed prediction line")
            }
            p.sampleIDs.append(id); p.users.append(user); p.labels.append(label); p.scores.append(score)
        }
        return p
    }
}

/// A Double that is written as JSON null when it is NaN and read back as NaN from null (or from
/// the string "NaN" that runs stored before 2026-12-06 carry): UAUC where no user has both labels.
@propertyWrapper
public struct NullWhenNaN: Codable, Equatable, Sendable {
    public var wrappedValue: Double

    public init(wrappedValue: Double) { self.wrappedValue = wrappedValue }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? .nan : try container.decode(Double.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if wrappedValue.isNaN { try container.encodeNil() } else { try container.encode(wrappedValue) }
    }
}

extension RunResult {
    /// JSON has no NaN or infinity. UAUC's NaN is written as null (NullWhenNaN); any other
    /// non-finite number would be written as the strings "NaN", "Infinity", "-Infinity" and read
    /// back as numbers here (Python readers: float(value) accepts the same strings).
    public static let nonFiniteEncoding = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    public static let nonFiniteDecoding = JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
        positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")

    public static func decode(_ data: Data) throws -> RunResult {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = nonFiniteDecoding
        return try decoder.decode(RunResult.self, from: data)
    }
}
