import ATFLRecModel
import Autograd
import Foundation
import HDF5Storage
import TensorCore

/// `intermediates.h5`: what the evaluated model saw and computed for the test samples, so that
/// another language can recompute the classifier outputs and the audio item vectors from the
/// checkpoint alone (paper/tools/load_checkpoint.py does, with numpy and h5py).
///
///   / attributes: format_version = 1, layout, stacking_pooling, fusion_pooling, frame_stride,
///                 representation
///   /sample_ids int64 [S], /labels int32 [S], /logits float32 [S]
///   /vectors/fused float32 [S, C]; /vectors/text, /vectors/audio float32 [S, C] where the layout has them
///   /items/ids int64 [I] (ascending), /items/vectors float32 [I, C]
///   /items/fbank float32 [sum F_i, M] (the FBank features used, before frame striding),
///   /items/fbank_offsets int64 [J + 1] (rows of item i: offsets[i] ..< offsets[i + 1]), for the
///   first J items of /items/ids: all of them unless `fbankItems` limits it (attribute
///   fbank_items = J). `make paper` keeps 32: the features of every test item of an ml100k run
///   are about 0.6 GB compressed, a copy of the dataset's feature cache; 32 items are enough for
///   another language to check the audio path, and the feature cache holds the rest.
public enum Intermediates {
    public static let formatVersion: Int64 = 1

    /// Evaluates `examples` and writes the file; returns their logits, so the caller needs no
    /// second forward pass for its predictions.
    @discardableResult
    public static func write(network: ATFLRecNetwork, configuration: ExperimentConfiguration, examples: [ATFLRecExample],
                             fbank: (Int) -> Tensor<Float>, fbankItems: Int? = nil, to path: String) throws -> [Float] {
        let batchSize = configuration.training.batchSize
        var logits: [Float] = [], fused: [Float] = [], text: [Float] = [], audio: [Float] = []
        var itemVectors: [Int: [Float]] = [:]
        let cache = network.audio == nil ? nil : network.evaluationItemVectors(examples.flatMap(\.audioItems), fbank: fbank)
        var i = 0
        while i < examples.count {
            let batch = Array(examples[i..<min(i + batchSize, examples.count)])
            let f = network.forward(batch, fbank: fbank, on: Tape(recording: false, training: false), cachedItemVectors: cache)
            logits += f.logits.value.scalars
            fused += f.fused.value.scalars
            if let t = f.text { text += t.value.scalars }
            if let a = f.audio { audio += a.value.scalars }
            if let v = f.itemVectors {
                let c = v.shape[1]
                for (k, item) in f.itemIDs.enumerated() where itemVectors[item] == nil {
                    itemVectors[item] = Array(v.value.scalars[(k * c)..<((k + 1) * c)])
                }
            }
            i += batchSize
        }
        let s = examples.count, c = network.backbone.hiddenSize
        let w = try HDF5Writer(path: path)
        try w.setAttribute("format_version", .int(formatVersion))
        try w.setAttribute("layout", .string(network.layout.rawValue))
        try w.setAttribute("stacking_pooling", .string(network.audio?.pooling.rawValue ?? "none"))
        try w.setAttribute("fusion_pooling", .string(network.fusion.pooling.rawValue))
        try w.setAttribute("frame_stride", .int(Int64(network.audio?.frameStride ?? 1)))
        try w.setAttribute("representation", .string(network.representation.rawValue))
        try w.write(examples.map { Int64($0.sampleID) }, shape: [s], to: "/sample_ids")
        try w.write(examples.map { Int32($0.label) }, shape: [s], to: "/labels")
        try w.write(logits, shape: [s], to: "/logits")
        try w.write(fused, shape: [s, c], to: "/vectors/fused")
        if !text.isEmpty { try w.write(text, shape: [s, c], to: "/vectors/text") }
        if !audio.isEmpty { try w.write(audio, shape: [s, c], to: "/vectors/audio") }
        if !itemVectors.isEmpty {
            let ids = itemVectors.keys.sorted()
            var offsets: [Int64] = [0], frames: [Float] = []
            var m = 0
            let withFBank = ids.prefix(max(0, fbankItems ?? ids.count))
            for id in withFBank {
                let f = fbank(id)
                m = f.shape[1]
                frames += f.scalars
                offsets.append(offsets.last! + Int64(f.shape[0]))
            }
            try w.write(ids.map(Int64.init), shape: [ids.count], to: "/items/ids")
            try w.write(ids.flatMap { itemVectors[$0]! }, shape: [ids.count, c], to: "/items/vectors")
            try w.setAttribute("fbank_items", .int(Int64(withFBank.count)))
            try w.write(frames, shape: [Int(offsets.last!), m], to: "/items/fbank", gzipLevel: 4)
            try w.write(offsets, shape: [offsets.count], to: "/items/fbank_offsets")
        }
        try w.commit()
        return logits
    }
}
