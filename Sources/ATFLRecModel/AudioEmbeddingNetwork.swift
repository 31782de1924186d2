import Autograd
import NeuralLayers
import SeededRandom
import TensorCore

// The audio embedding network of ATFLRec (paper section II-B1): FBank frames (F x M) ->
// Linear(M -> 256) -> SiLU -> Linear(256 -> C) -> BatchNorm, then pooling over the frames
// ("audio stacking pooling", section III-C) gives one C-vector per item.
//
// Parameter names are those of the PyTorch module
//     audio_embedding = nn.Sequential(nn.Linear(M, 256), nn.SiLU(), nn.Linear(256, C), nn.BatchNorm1d(C))
// i.e. audio_embedding.0.weight, .0.bias, .2.weight, .2.bias, .3.weight, .3.bias and the buffers
// .3.running_mean, .3.running_var.
//
// NOTE (cost): each distinct item of a batch is computed once, all frames of all items in one
// GEMM; batch norm statistics are taken over all those frames (as BatchNorm1d over the stacked
// frames would). `frameStride` keeps every n-th frame before the MLP (configuration
// audio.frameStride; 1 = the paper).

public struct AudioEmbeddingNetwork {
    public let inputLinear: Linear<Float>
    public let outputLinear: Linear<Float>
    public let batchNorm: BatchNorm1d<Float>
    public let pooling: PoolingKind
    public let frameStride: Int

    public init(melBins: Int, hiddenSize: Int = 256, outputSize: Int, pooling: PoolingKind, frameStride: Int,
                random: inout RandomStream) {
        inputLinear = Linear(inputSize: melBins, outputSize: hiddenSize, random: &random)
        outputLinear = Linear(inputSize: hiddenSize, outputSize: outputSize, random: &random)
        batchNorm = BatchNorm1d(channels: outputSize)
        self.pooling = pooling
        self.frameStride = frameStride
    }

    public var namedParameters: [(String, Variable<Float>)] {
        inputLinear.namedParameters(prefix: "audio_embedding.0.") + outputLinear.namedParameters(prefix: "audio_embedding.2.")
            + batchNorm.namedParameters(prefix: "audio_embedding.3.")
    }

    public var namedBuffers: [(String, Tensor<Float>)] {
        batchNorm.namedBuffers.map { ("audio_embedding.3." + $0.0, $0.1) }
    }

    /// Keeps frames 0, s, 2s, ... of an [F, M] FBank matrix.
    public func strided(_ fbank: Tensor<Float>) -> Tensor<Float> {
        guard frameStride > 1 else { return fbank }
        let f = fbank.shape[0], m = fbank.shape[1]
        let kept = Array(stride(from: 0, to: f, by: frameStride))
        var out = [Float]()
        out.reserveCapacity(kept.count * m)
        for r in kept { out.append(contentsOf: fbank.scalars[(r * m)..<((r + 1) * m)]) }
        return Tensor(shape: [kept.count, m], scalars: out)
    }

    /// One vector per item: FBank matrices [F_i, M] of I distinct items -> [I, C].
    public func itemVectors(_ fbanks: [Tensor<Float>], on tape: Tape<Float>) -> Variable<Float> {
        let frames = fbanks.map(strided)
        let counts = frames.map { $0.shape[0] }
        precondition(counts.allSatisfy { $0 > 0 }, "an item has no FBank frames")
        let stacked = tape.constant(Tensor.concatenate(frames, axis: 0))           // [sum F, M]
        let hidden = tape.silu(inputLinear(stacked, on: tape))                     // [sum F, 256]
        let projected = batchNorm(outputLinear(hidden, on: tape), on: tape)        // [sum F, C]
        // Each item's frames pooled in one op (its backward fills one gradient, not one per item).
        return tape.segmentPool(projected, counts: counts, pooling)               // [I, C]
    }
}
