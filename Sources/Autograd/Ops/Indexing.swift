import SeededRandom
import TensorCore

// Ops that move elements: embedding lookup, reshape, permute, concatenation, slicing, dropout.

extension Tape {
    /// Rows of `table` [V, C] at `ids`, giving [ids.count, C]; the gradient scatters back
    /// (repeated ids accumulate).
    public func embedding(_ table: Variable<Scalar>, ids: [Int]) -> Variable<Scalar> {
        let out = table.value.gatherRows(ids)
        return record(out, inputs: [table]) { g in
            var gt = Tensor<Scalar>(zeros: table.shape)
            gt.scatterAddRows(ids, g)
            table.accumulate(gt)
        }
    }

    public func reshape(_ x: Variable<Scalar>, _ shape: [Int]) -> Variable<Scalar> {
        let out = x.value.reshaped(shape)
        return record(out, inputs: [x]) { g in x.accumulate(g.reshaped(x.shape)) }
    }

    /// out.shape[i] = x.shape[axes[i]]; the gradient applies the inverse permutation.
    public func permute(_ x: Variable<Scalar>, _ axes: [Int]) -> Variable<Scalar> {
        let out = x.value.permuted(axes)
        var inverse = [Int](repeating: 0, count: axes.count)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return record(out, inputs: [x]) { g in x.accumulate(g.permuted(inverse)) }
    }

    public func concatenate(_ parts: [Variable<Scalar>], axis: Int) -> Variable<Scalar> {
        let out = Tensor.concatenate(parts.map(\.value), axis: axis)
        return record(out, inputs: parts) { g in
            var start = 0
            for p in parts {
                let n = p.shape[axis]
                if p.requiresGrad { p.accumulate(g.slice(axis: axis, start..<(start + n))) }
                start += n
            }
        }
    }

    public func slice(_ x: Variable<Scalar>, axis: Int, _ range: Range<Int>) -> Variable<Scalar> {
        let out = x.value.slice(axis: axis, range)
        return record(out, inputs: [x]) { g in
            var gx = Tensor<Scalar>(zeros: x.shape)
            gx.addSlice(g, axis: axis, at: range.lowerBound)
            x.accumulate(gx)
        }
    }

    /// Inverted dropout: in training, each element is kept with probability 1 - p and scaled by
    /// 1 / (1 - p); one uniform draw per element from `random` (the run's dropout stream).
    /// Identity on evaluation tapes or when p == 0 (no draws are made then).
    public func dropout(_ x: Variable<Scalar>, p: Double, random: inout RandomStream) -> Variable<Scalar> {
        dropout(x, p: p, random: &random, drawnForLength: x.shape.count > 1 ? x.shape[1] : 1)
    }

    /// The same dropout on x [B, T', ...], the first T' of `length` positions along axis 1,
    /// with the masks the full [B, length, ...] tensor would get: each sample's masks are drawn
    /// in the full tensor's order and the draws of its positions T'..<length are skipped
    /// (RandomStream.skip), so x gets exactly those rows of the full mask and the stream ends
    /// where the full dropout leaves it. For computations that keep only the first positions
    /// (BertEncoder's last layer on the first token) yet must give the full pass's bits.
    public func dropout(_ x: Variable<Scalar>, p: Double, random: inout RandomStream, drawnForLength length: Int) -> Variable<Scalar> {
        guard isTraining && p > 0 else { return x }
        precondition(p < 1, "dropout probability must be below 1")
        let kept = x.shape.count > 1 ? x.shape[1] : 1
        precondition(length >= kept, "dropout: \(kept) positions kept of \(length)")
        let keep = Scalar(1 / (1 - p))
        var mask = Tensor<Scalar>(zeros: x.shape)
        let samples = x.shape.first ?? 1, row = mask.count / max(samples * kept, 1)
        var i = 0
        for _ in 0..<samples {
            for _ in 0..<(kept * row) {
                mask.scalars[i] = random.uniformDouble() >= p ? keep : 0
                i += 1
            }
            random.skip((length - kept) * row)
        }
        let out = x.value.zip(mask, *)
        return record(out, inputs: [x]) { g in x.accumulate(g.zip(mask, *)) }
    }
}
