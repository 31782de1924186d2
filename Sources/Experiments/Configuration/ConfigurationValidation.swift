/// Range checks that JSON types cannot express. Each failure names the key.
enum ConfigurationValidation {
    static func check(_ c: ExperimentConfiguration, source: String) throws {
        func require(_ ok: Bool, _ key: String, _ rule: String) throws {
            if !ok { throw ConfigurationError("config \(source): key '\(key)' \(rule)") }
        }
        try require(c.threads >= 1 && c.threads <= 64, "threads", "must be in 1...64")
        try require(c.data.shots >= 1, "data.shots", "must be positive")
        try require(c.data.historyLength >= 1, "data.historyLength", "must be positive")
        try require(c.audio.numMelBins >= 1, "audio.numMelBins", "must be positive")
        try require(c.audio.frameShiftMs > 0 && c.audio.frameLengthMs > 0, "audio.frameLengthMs", "and frameShiftMs must be positive")
        try require(c.audio.maxSeconds > 0, "audio.maxSeconds", "must be positive")
        try require(c.audio.hiddenSize >= 1, "audio.hiddenSize", "must be positive")
        try require(c.audio.frameStride >= 1, "audio.frameStride", "must be at least 1")
        try require(c.text.maxLength >= 8 && c.text.maxLength <= 512, "text.maxLength", "must be in 8...512")
        try require(c.lora.rank >= 1, "lora.rank", "must be positive")
        try require(c.lora.dropout >= 0 && c.lora.dropout < 1, "lora.dropout", "must be in [0, 1)")
        try require(!c.lora.targets.isEmpty, "lora.targets", "must name at least one module")
        let knownTargets: Set = ["query", "key", "value", "attention.output", "intermediate", "output"]
        for t in c.lora.targets {
            try require(knownTargets.contains(t), "lora.targets", "has unknown module '\(t)' (known: \(knownTargets.sorted().joined(separator: ", ")))")
        }
        try require(c.training.batchSize >= 1, "training.batchSize", "must be positive")
        try require(c.training.gradientAccumulation >= 1, "training.gradientAccumulation", "must be positive")
        try require(c.training.learningRate > 0, "training.learningRate", "must be positive")
        try require(c.training.warmupSteps >= 0, "training.warmupSteps", "must not be negative")
        try require(c.training.warmupStartFactor > 0 && c.training.warmupStartFactor <= 1, "training.warmupStartFactor", "must be in (0, 1]")
        try require(c.training.epochs >= 1, "training.epochs", "must be positive")
        try require(c.training.earlyStoppingPatience >= 0, "training.earlyStoppingPatience", "must not be negative")
        try require(c.training.validationSamples >= 0, "training.validationSamples", "must not be negative")
        let q = c.sequence
        if !c.isSequential {
            try require(q == .init(), "sequence", "is read in the sequential protocol only (set data.protocol=sequential)")
            try require(c.model != .mllmMSR, "data.protocol", "must be sequential for model mllm-msr (it ranks candidates in issue 28's protocol)")
        } else {
            try require(c.data.dataset == "ml100k" || c.data.dataset == "synthlens", "data.dataset",
                        "must be ml100k or synthlens in the sequential protocol (it orders their time-stamped ratings)")
            try require(c.model == .atflrec || c.model == .mllmMSR || c.model == .gru4rec || c.model == .sasrec, "model",
                        "\(c.model.rawValue) is not run in the sequential protocol (atflrec, mllm-msr, gru4rec and sasrec are)")
        }
        try require(q.blockSize >= 1, "sequence.blockSize", "must be positive")
        try require(q.minimumLength >= 3, "sequence.minimumLength", "must be at least 3 (test, validation, one training target)")
        try require(q.maxHistory >= 1, "sequence.maxHistory", "must be positive")
        try require(q.negatives >= 1, "sequence.negatives", "must be positive")
        try require(q.trainNegatives >= 1, "sequence.trainNegatives", "must be positive")
        try require(q.trainPositionsPerUser >= 0, "sequence.trainPositionsPerUser", "must not be negative")
        try require((0...4).contains(q.summaryPhrases), "sequence.summaryPhrases", "must be in 0...4")
        try require(q.gradientBlocks >= 0, "sequence.gradientBlocks", "must not be negative")
        try require(q.rankingK >= 1 && q.rankingK <= q.negatives + 1, "sequence.rankingK", "must be in 1...negatives + 1")
    }
}
