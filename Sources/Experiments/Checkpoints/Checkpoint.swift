import Autograd
import Foundation
import HDF5Storage
import Optimizers

/// Everything needed to resume a run exactly, or to load its trained model elsewhere.
/// Stored as HDF5 with the schema documented in checkpoints/README.md (version 1):
///
///   /                      attributes: schema = "atflrec-checkpoint", schema_version = 1,
///                          configuration (resolved JSON), configuration_hash, model,
///                          backbone_name, backbone_sha256 (the frozen weights file; the weights
///                          are not copied), environment (JSON), step, epoch,
///                          best_validation_auc, best_epoch
///   /parameters/<name>     float32, trainable parameters under the reference library's names
///   /buffers/<name>        float32, non-trainable state (batch norm running statistics)
///   /optimizer/names       strings, parameter order of the optimizer state
///   /optimizer/steps       int64 [P], steps taken per parameter
///   /optimizer/exp_avg/<name>, /optimizer/exp_avg_sq/<name>   float32 (PyTorch's names)
///   /random/purposes       strings; /random/states int64 [n] (UInt64 bit patterns)
///   /curves/train_loss, /curves/validation_auc   float64 [epochs so far]
///   optional, when an epoch ended inside a gradient accumulation (micro-batches per epoch not
///   a multiple of training.gradientAccumulation: K=500 gives 62 micro-batches of 8, steps of 4):
///   attribute micro_batches (micro-batches trained so far) and
///   /accumulated_gradients/<name> float32, the gradients summed since the last optimizer step,
///   which the next epoch's first step adds to (without them a resumed run would lose them).
public struct Checkpoint: Equatable {
    public static let schema = "atflrec-checkpoint"
    public static let schemaVersion: Int64 = 1

    public var configuration: ExperimentConfiguration
    public var backboneName: String
    public var backboneSHA256: String
    public var environment: [String: String]
    public var step: Int
    public var epoch: Int
    public var bestValidationAUC: Double
    public var bestEpoch: Int
    /// (name, shape, values) in model order.
    public var parameters: [NamedArray]
    public var buffers: [NamedArray]
    public var optimizer: [AdamMoments]
    /// (purpose, stream state) in a fixed order.
    public var randomStates: [(String, UInt64)]
    /// Mean training loss and validation AUC of each finished epoch.
    public var trainLossCurve: [Double] = []
    public var validationAUCCurve: [Double] = []
    /// Micro-batches trained so far, where an epoch ended inside an accumulation (nil: at a step).
    public var microBatches: Int?
    /// Gradients accumulated since the last optimizer step (empty: none pending).
    public var accumulatedGradients: [NamedArray] = []

    /// A named tensor of the checkpoint (Autograd's detached parameter values).
    public typealias NamedArray = ParameterValues

    public init(configuration: ExperimentConfiguration, backboneName: String, backboneSHA256: String,
                environment: [String: String], step: Int, epoch: Int, bestValidationAUC: Double, bestEpoch: Int,
                parameters: [NamedArray], buffers: [NamedArray], optimizer: [AdamMoments], randomStates: [(String, UInt64)]) {
        self.configuration = configuration
        self.backboneName = backboneName
        self.backboneSHA256 = backboneSHA256
        self.environment = environment
        self.step = step
        self.epoch = epoch
        self.bestValidationAUC = bestValidationAUC
        self.bestEpoch = bestEpoch
        self.parameters = parameters
        self.buffers = buffers
        self.optimizer = optimizer
        self.randomStates = randomStates
    }

    public static func == (a: Checkpoint, b: Checkpoint) -> Bool {
        a.configuration == b.configuration && a.backboneName == b.backboneName && a.backboneSHA256 == b.backboneSHA256
            && a.environment == b.environment && a.step == b.step && a.epoch == b.epoch
            && a.bestValidationAUC == b.bestValidationAUC && a.bestEpoch == b.bestEpoch && a.parameters == b.parameters
            && a.buffers == b.buffers && a.optimizer == b.optimizer
            && a.randomStates.map(\.0) == b.randomStates.map(\.0) && a.randomStates.map(\.1) == b.randomStates.map(\.1)
            && a.trainLossCurve == b.trainLossCurve && a.validationAUCCurve == b.validationAUCCurve
            && a.microBatches == b.microBatches && a.accumulatedGradients == b.accumulatedGradients
    }

    // MARK: - Writing

    /// Writes through a temporary file and a rename (HDF5Writer.commit).
    public func write(to path: String) throws {
        let w = try HDF5Writer(path: path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try w.setAttribute("schema", .string(Self.schema))
        try w.setAttribute("schema_version", .int(Self.schemaVersion))
        try w.setAttribute("configuration", .string(configuration.canonicalJSON()))
        try w.setAttribute("configuration_hash", .string(configuration.hash()))
        try w.setAttribute("model", .string(configuration.model.rawValue))
        try w.setAttribute("backbone_name", .string(backboneName))
        try w.setAttribute("backbone_sha256", .string(backboneSHA256))
        try w.setAttribute("environment", .string(String(decoding: try encoder.encode(environment), as: UTF8.self)))
        try w.setAttribute("step", .int(Int64(step)))
        try w.setAttribute("epoch", .int(Int64(epoch)))
        try w.setAttribute("best_validation_auc", .double(bestValidationAUC))
        try w.setAttribute("best_epoch", .int(Int64(bestEpoch)))
        try w.createGroup("/parameters")
        for p in parameters { try w.write(p.values, shape: p.shape, to: "/parameters/\(p.name)") }
        try w.createGroup("/buffers")
        for b in buffers { try w.write(b.values, shape: b.shape, to: "/buffers/\(b.name)") }
        try w.createGroup("/optimizer")
        try w.writeStrings(optimizer.map(\.name), to: "/optimizer/names")
        try w.write(optimizer.map { Int64($0.step) }, shape: [optimizer.count], to: "/optimizer/steps")
        for m in optimizer {
            try w.write(m.expAvg, shape: [m.expAvg.count], to: "/optimizer/exp_avg/\(m.name)")
            try w.write(m.expAvgSq, shape: [m.expAvgSq.count], to: "/optimizer/exp_avg_sq/\(m.name)")
        }
        try w.createGroup("/random")
        try w.writeStrings(randomStates.map(\.0), to: "/random/purposes")
        try w.write(randomStates.map { Int64(bitPattern: $0.1) }, shape: [randomStates.count], to: "/random/states")
        try w.write(trainLossCurve, shape: [trainLossCurve.count], to: "/curves/train_loss")
        try w.write(validationAUCCurve, shape: [validationAUCCurve.count], to: "/curves/validation_auc")
        if let microBatches { try w.setAttribute("micro_batches", .int(Int64(microBatches))) }
        if !accumulatedGradients.isEmpty {
            try w.createGroup("/accumulated_gradients")
            for g in accumulatedGradients { try w.write(g.values, shape: g.shape, to: "/accumulated_gradients/\(g.name)") }
        }
        try w.commit()
    }

    // MARK: - Reading

    /// Reads a checkpoint, refusing another schema or schema version and, when given, a
    /// checkpoint made with another frozen backbone.
    public static func read(from path: String, expectBackboneSHA256: String? = nil) throws -> Checkpoint {
        let r = try HDF5Reader(path: path)
        func string(_ name: String) throws -> String {
            guard case .string(let s) = try r.attribute(name) else { throw ConfigurationError("\(path): attribute '\(name)' is not a string") }
            return s
        }
        func int(_ name: String) throws -> Int64 {
            guard case .int(let v) = try r.attribute(name) else { throw ConfigurationError("\(path): attribute '\(name)' is not an integer") }
            return v
        }
        guard r.exists("/parameters"), (try? string("schema")) == schema else {
            throw ConfigurationError("\(path): not an atflrec checkpoint (no schema attribute '\(schema)')")
        }
        let version = try int("schema_version")
        guard version == schemaVersion else {
            throw ConfigurationError("\(path): checkpoint schema version \(version), this build reads version \(schemaVersion)")
        }
        let backbone = try string("backbone_sha256")
        if let expected = expectBackboneSHA256, expected != backbone {
            throw ConfigurationError("\(path): made with backbone \(backbone.prefix(12))..., this run uses \(expected.prefix(12))...")
        }
        let configuration = try JSONDecoder().decode(ExperimentConfiguration.self, from: Data(try string("configuration").utf8))
        let environment = try JSONDecoder().decode([String: String].self, from: Data(try string("environment").utf8))
        guard case .double(let best) = try r.attribute("best_validation_auc") else {
            throw ConfigurationError("\(path): attribute 'best_validation_auc' is not a number")
        }
        func arrays(_ group: String) throws -> [NamedArray] {
            try r.children(of: group).map { name in
                let a = try r.read(Float.self, "\(group)/\(name)")
                return NamedArray(name: name, shape: a.shape, values: a.values)
            }
        }
        // children(of:) lists names sorted; restore the optimizer's own order from /optimizer/names.
        let names = try r.readStrings("/optimizer/names")
        let steps = try r.read(Int64.self, "/optimizer/steps").values
        var moments: [AdamMoments] = []
        for (i, n) in names.enumerated() {
            moments.append(AdamMoments(name: n, step: Int(steps[i]),
                                       expAvg: try r.read(Float.self, "/optimizer/exp_avg/\(n)").values,
                                       expAvgSq: try r.read(Float.self, "/optimizer/exp_avg_sq/\(n)").values))
        }
        let purposes = try r.readStrings("/random/purposes")
        let states = try r.read(Int64.self, "/random/states").values
        var checkpoint = Checkpoint(configuration: configuration, backboneName: try string("backbone_name"), backboneSHA256: backbone,
                          environment: environment, step: Int(try int("step")), epoch: Int(try int("epoch")),
                          bestValidationAUC: best, bestEpoch: Int(try int("best_epoch")),
                          parameters: try arrays("/parameters"), buffers: try arrays("/buffers"), optimizer: moments,
                          randomStates: zip(purposes, states).map { ($0, UInt64(bitPattern: $1)) })
        checkpoint.trainLossCurve = try r.read(Double.self, "/curves/train_loss").values
        checkpoint.validationAUCCurve = try r.read(Double.self, "/curves/validation_auc").values
        if try r.attributeNames().contains("micro_batches") { checkpoint.microBatches = Int(try int("micro_batches")) }
        if r.exists("/accumulated_gradients") { checkpoint.accumulatedGradients = try arrays("/accumulated_gradients") }
        return checkpoint
    }
}
