import TensorCore

// The one configuration type of the project (STYLE habit 7). Every default lives here, once;
// experiment files under paper/configs/ only state what differs. Coding keys are the JSON names
// stored in checkpoints and results, so never rename a field without bumping
// `ExperimentConfiguration.schemaVersion`.
//
// Defaults follow the paper (seeds/atflrec-paper.txt, section III-4) where it states a value and
// are justified in a comment where it does not.

/// Which model a run trains.
public enum ModelKind: String, NamedChoice, CaseIterable, Sendable {
    case atflrec, gru4rec, sasrec, lightgcn, graphsage
    /// MLLM-MSR adapted to audio (issue 28): recurrent preference inference over blocks of the
    /// history, in the sequential protocol (`sequence` section).
    case mllmMSR = "mllm-msr"
    /// Matrix factorisation, the CF model of CoLLM and CCF-LLM (issue 27; Baselines/MF.swift).
    case mf

    /// The ID baselines (the paper's four and MF), whose settings live in paper/configs/baselines/<model>.json.
    public var isBaseline: Bool { self != .atflrec && self != .mllmMSR }
}

/// Paper Figure 4: (a) separate text and audio adapters fused afterwards, (b) one adapter over
/// the concatenated audio+text sequence, (c) text only with one adapter (TALLRec).
public enum LoRALayout: String, NamedChoice, CaseIterable, Sendable {
    case a, b, c
}

/// Pooling used for the audio frames/items ("audio stacking pooling") and for fusing the audio
/// and text vectors ("fusion pooling"), paper section III-C.
public enum Pooling: String, NamedChoice, CaseIterable, Sendable {
    case max, mean, sum
}

/// How a run's samples are drawn and scored (`data.protocol`).
public enum EvaluationProtocol: String, NamedChoice, CaseIterable, Sendable {
    /// The paper's: TALLRec's (user, history, target, like) samples, K of them to train on,
    /// scored by AUC over the validation and test samples.
    case fewShot = "few-shot"
    /// Issue 28's (MLLM-MSR's): each user's last positive ranked among sampled unrated items
    /// (RecData/SequentialSamples, Experiments/Training/SequentialProtocol), by HR@K, NDCG@K and
    /// AUC; the `sequence` section's keys apply.
    case sequential
}

/// Which encoder output represents a sequence.
public enum SequenceRepresentation: String, NamedChoice, CaseIterable, Sendable {
    case firstToken = "first-token"
    case maskedMean = "masked-mean"
}

/// TensorCore's matrix products, named in configurations (`numerics`).
extension MatrixProduct: NamedChoice {}

public struct ExperimentConfiguration: Codable, Equatable, Sendable {
    /// Bumped when a field is added, removed or changes meaning.
    public static let schemaVersion = 2  // 2: `numerics` (issue 31)

    /// Run name; the run directory is `checkpoints/<name>-<hash8>/`.
    public var name = "atflrec"
    public var model = ModelKind.atflrec
    /// Master seed; every random stream of the run derives from it (SeededRandom.SeedBook).
    public var seed: UInt64 = 0
    /// BLAS threads for this run (2 = both cores of the reference machine).
    public var threads = 2
    /// The single-precision matrix product (issue 31): `exact-fma`, ours, whose bits are the same
    /// on every CPU and for every thread count, for every new configuration; `openblas` for the
    /// runs made before it (OpenBLAS's pinned Haswell kernels), which keep their product so that
    /// their committed config.json still re-makes them byte for byte. A stored configuration
    /// that names no product was written before the field existed, so it reads as `openblas`
    /// (see init(from:)); hashes leave `openblas` out, so those runs keep their names.
    public var numerics = MatrixProduct.exactFMA
    public var data = DataSection()
    public var audio = AudioSection()
    public var text = TextSection()
    public var lora = LoRASection()
    public var fusion = FusionSection()
    public var training = TrainingSection()
    /// The sequential protocol and the recurrence (data.protocol sequential only). Stored and
    /// hashed only in that protocol, so every few-shot configuration keeps its bytes and its run name.
    public var sequence = SequenceSection()

    /// Whether the run is ranked in issue 28's sequential protocol (`data.protocol`).
    public var isSequential: Bool { data.evaluationProtocol == .sequential }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case name, model, seed, threads, numerics, data, audio, text, lora, fusion, training, sequence
    }

    /// Set (to true) in an encoder's userInfo for the hashed form (ConfigurationIdentity).
    static let canonicalFormKey = CodingUserInfoKey(rawValue: "atflrec.canonicalForm")!
    /// Set (to true) for the tree of valid keys (ConfigurationLoader.defaultsTree): every section,
    /// whatever the model, so that `--set sequence.blockSize=2` finds its key.
    static let everySectionKey = CodingUserInfoKey(rawValue: "atflrec.everySection")!

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        model = try c.decode(ModelKind.self, forKey: .model)
        seed = try c.decode(UInt64.self, forKey: .seed)
        threads = try c.decode(Int.self, forKey: .threads)
        // Absent: a configuration stored before the field existed, made with OpenBLAS.
        numerics = try c.decodeIfPresent(MatrixProduct.self, forKey: .numerics) ?? .openBLAS
        data = try c.decode(DataSection.self, forKey: .data)
        audio = try c.decode(AudioSection.self, forKey: .audio)
        text = try c.decode(TextSection.self, forKey: .text)
        lora = try c.decode(LoRASection.self, forKey: .lora)
        fusion = try c.decode(FusionSection.self, forKey: .fusion)
        training = try c.decode(TrainingSection.self, forKey: .training)
        sequence = try c.decodeIfPresent(SequenceSection.self, forKey: .sequence) ?? SequenceSection()
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(model, forKey: .model)
        try c.encode(seed, forKey: .seed)
        try c.encode(threads, forKey: .threads)
        // The hashed form leaves out `openblas`, the product of every run hashed before the field.
        let canonical = encoder.userInfo[Self.canonicalFormKey] as? Bool == true
        if !(canonical && numerics == .openBLAS) { try c.encode(numerics, forKey: .numerics) }
        try c.encode(data, forKey: .data)
        try c.encode(audio, forKey: .audio)
        try c.encode(text, forKey: .text)
        try c.encode(lora, forKey: .lora)
        try c.encode(fusion, forKey: .fusion)
        try c.encode(training, forKey: .training)
        if isSequential || encoder.userInfo[Self.everySectionKey] as? Bool == true { try c.encode(sequence, forKey: .sequence) }
    }

    public struct DataSection: Codable, Equatable, Sendable {
        /// ml100k (real ratings, surrogate audio), synthlens (synthetic), microlens (user files).
        public var dataset = "ml100k"
        /// Dataset preset where the dataset has several (synthlens: tiny, tiny-appeal, paper, paper-appeal).
        public var preset = "paper"
        /// K of the K-shot setting (paper: 100 and 500).
        public var shots = 100
        /// Previous interactions forming the history (TALLRec: 10). In the sequential protocol
        /// the cases keep `sequence.maxHistory` positives; ATFLRec's prompt and audio sequence
        /// read the last `historyLength` of them, the ID baselines and mllm-msr all of them.
        public var historyLength = 10
        /// How samples are drawn and scored. Stored only when not `few-shot` (every run made
        /// before the key existed is few-shot, and keeps its bytes and run name).
        public var evaluationProtocol = EvaluationProtocol.fewShot

        enum CodingKeys: String, CodingKey {
            case dataset, preset, shots, historyLength
            case evaluationProtocol = "protocol"
        }

        public init() {}

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            dataset = try c.decode(String.self, forKey: .dataset)
            preset = try c.decode(String.self, forKey: .preset)
            shots = try c.decode(Int.self, forKey: .shots)
            historyLength = try c.decode(Int.self, forKey: .historyLength)
            evaluationProtocol = try c.decodeIfPresent(EvaluationProtocol.self, forKey: .evaluationProtocol) ?? .fewShot
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(dataset, forKey: .dataset)
            try c.encode(preset, forKey: .preset)
            try c.encode(shots, forKey: .shots)
            try c.encode(historyLength, forKey: .historyLength)
            if evaluationProtocol != .fewShot || encoder.userInfo[ExperimentConfiguration.everySectionKey] as? Bool == true {
                try c.encode(evaluationProtocol, forKey: .evaluationProtocol)
            }
        }
    }

    public struct AudioSection: Codable, Equatable, Sendable {
        /// Kaldi FBank options (paper II-B1: 25 ms frames, 10 ms shift; Table V: 80 bins best).
        public var numMelBins = 80
        public var frameLengthMs = 25.0
        public var frameShiftMs = 10.0
        public var sampleFrequency = 16000.0
        /// Paper III-1: the first 30 s of each soundtrack.
        public var maxSeconds = 30.0
        /// Hidden width of the audio embedding MLP (paper II-B1: 256).
        public var hiddenSize = 256
        /// Keep every n-th FBank frame before the MLP (1 = all frames, as the paper). A cost
        /// knob: 3,000 frames per item dominate the forward pass; its effect is measured.
        public var frameStride = 1
        /// Pooling of frames into one vector per item ("audio stacking pooling").
        public var stackingPooling = Pooling.max
        /// A feature cache file to use as is (made by `atflrec fbank-cache` or an earlier run);
        /// empty = the automatic cache under .cache/features, built when missing. An explicit
        /// file made with other options is an error, never overwritten.
        public var featureCache = ""
    }

    public struct TextSection: Codable, Equatable, Sendable {
        /// Encoder folder (config.json, model.safetensors, vocabulary); empty = the MiniLM-L6
        /// weights fetched by make (RoBERTa weights do not exist offline).
        public var modelPath = ""
        /// Paper III-4: text length 512, the model maximum.
        public var maxLength = 512
        /// First token ([CLS]/<s>) as in sequence classification heads.
        public var representation = SequenceRepresentation.firstToken
    }

    public struct LoRASection: Codable, Equatable, Sendable {
        public var layout = LoRALayout.a
        /// Paper III-4: R = 4.
        public var rank = 4
        /// Not stated in the paper; PEFT's default alpha (8) gives scaling alpha/r = 2.
        public var alpha = 8.0
        /// Not stated in the paper; TALLRec's 0.05.
        public var dropout = 0.05
        /// Paper II-B2: the self-attention projections; PEFT's RoBERTa default is query, value.
        public var targets = ["query", "value"]
    }

    public struct FusionSection: Codable, Equatable, Sendable {
        /// Pooling of the text and audio vectors ("fusion pooling"); the paper's text names both
        /// max and sum as best, so both are run in Table IV.
        public var pooling = Pooling.max
    }

    public struct TrainingSection: Codable, Equatable, Sendable {
        /// Paper III-4: batch 8, gradient accumulation every 4 iterations, incomplete batches dropped.
        public var batchSize = 8
        public var gradientAccumulation = 4
        /// Paper III-4: Adam, 50 warm-up iterations from a tiny value, then linear decay to 0.
        public var learningRate = 1e-3
        public var warmupSteps = 50
        /// The "tiny value" the warm-up starts from, as a fraction of the learning rate.
        public var warmupStartFactor = 1e-3
        public var weightDecay = 0.0
        /// Not stated in the paper. With K = 100 and an effective batch of 32 an epoch is 3
        /// optimizer steps, so epochs must be many for the 50 warm-up steps to complete.
        public var epochs = 40
        /// Stop when validation AUC has not improved for this many evaluations (0 = never).
        public var earlyStoppingPatience = 5
        /// Validation samples used for early stopping (0 = the whole validation split).
        public var validationSamples = 0
    }

    /// Issue 28's sequential protocol (RecData/SequentialSamples.swift) and MLLM-MSR's
    /// recurrence (ATFLRecModel/RecurrentPreferenceNetwork.swift).
    public struct SequenceSection: Codable, Equatable, Sendable {
        /// Items per history block (MLLM-MSR's block size; at least the history: no recurrence).
        public var blockSize = 5
        /// Positives a user needs to be kept (test, validation and at least three to learn from).
        public var minimumLength = 5
        /// Most recent positives a history keeps.
        public var maxHistory = 20
        /// Sampled negatives beside each held-out positive (the same for every model).
        public var negatives = 19
        /// Sampled negatives beside each training positive, drawn once (epoch 0's draw,
        /// SequentialSamples.trainingNegatives), so every model trains on the same samples.
        public var trainNegatives = 1
        /// Training positions kept per user, drawn by the run's seed (0: every position).
        public var trainPositionsPerUser = 0
        /// Phrases of each item's audio summary beside its title (0: titles only; at most 4).
        public var summaryPhrases = 4
        /// Block passes whose gradient is kept (0: every block, the whole recurrence).
        public var gradientBlocks = 0
        /// Cut-off K of HR@K and NDCG@K (MLLM-MSR: 5).
        public var rankingK = 5
    }
}

/// A configuration value chosen from a fixed set of names. Decoding an unknown name is an error
/// that lists the valid ones ("unknown value 'gru': expected one of atflrec, gru4rec, ..."), not
/// Foundation's "Cannot initialize ModelKind from invalid String value".
public protocol NamedChoice: Codable, CaseIterable, RawRepresentable where RawValue == String {}

extension NamedChoice {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let value = Self(rawValue: name) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription:
                "unknown value '\(name)': expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = value
    }
}

extension ExperimentConfiguration {
    /// Pins this run's numerics for the process before any product: OpenBLAS's thread count and
    /// the matrix product with its threads. Every trainer and evaluator calls it first.
    public func pinNumerics() {
        BLASThreads.set(threads)
        MatrixProductSettings.use(numerics, threads: threads)
    }
}
