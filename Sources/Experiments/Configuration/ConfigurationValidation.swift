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
    }
}
