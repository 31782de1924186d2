import Autograd
import NeuralLayers
import SeededRandom
import TensorCore

// LoRA (Hu et al., ICLR 2022) with PEFT 0.21's numerics (peft/tuners/lora/layer.py, Linear):
//   y = base(x) + (B (A dropout(x))) * scaling,   scaling = alpha / r,
//   A [r, in] ~ kaiming-uniform(a = sqrt 5) = U(-1/sqrt(in), 1/sqrt(in)),  B [out, r] = 0,
// dropout only on the adapter's input; merge adds scaling * B A to the frozen weight.
// Several named adapters can sit on one frozen layer; the forward pass names the active one
// (layout (a) of the paper uses "text" and "audio" on the same backbone).

/// One adapter's trainable matrices.
public struct LoRAAdapter {
    public let a: Variable<Float>   // [R, in]  PEFT: lora_A.<name>.weight
    public let b: Variable<Float>   // [out, R] PEFT: lora_B.<name>.weight
    public let scaling: Float
    public let dropout: Double
}

/// A frozen Linear with named LoRA adapters.
public final class LoRALinear {
    public let base: Linear<Float>
    public private(set) var adapters: [String: LoRAAdapter] = [:]
    /// Adapter names in the order they were added (parameter order).
    public private(set) var adapterNames: [String] = []

    public init(base: Linear<Float>) {
        self.base = base
    }

    public func addAdapter(_ name: String, rank: Int, alpha: Double, dropout: Double, random: inout RandomStream) {
        let inputs = base.weight.shape[1], outputs = base.weight.shape[0]
        let bound = 1 / Double(inputs).squareRoot()
        let a = (0..<(rank * inputs)).map { _ in Float(-bound + 2 * bound * random.uniformDouble()) }
        adapters[name] = LoRAAdapter(
            a: Variable(Tensor(shape: [rank, inputs], scalars: a), requiresGrad: true, name: "lora_A.\(name).weight"),
            b: Variable(Tensor(zeros: [outputs, rank]), requiresGrad: true, name: "lora_B.\(name).weight"),
            scaling: Float(alpha / Double(rank)), dropout: dropout)
        adapterNames.append(name)
    }

    /// base(x), plus the adapter `active` when given. `random` feeds the adapter's dropout.
    public func callAsFunction(_ x: Variable<Float>, active: String?, random: inout RandomStream, on tape: Tape<Float>) -> Variable<Float> {
        let positions = x.shape.count > 1 ? x.shape[1] : 1
        return self(x, active: active, random: &random, firstPositions: positions, of: positions, on: tape)
    }

    /// The same for the first `kept` of `length` positions (axis 1) of x [B, T, in], with the
    /// bits of those rows of the full call on the whole [B, length, in] under the exact product
    /// (whose rows are independent). x holds either all `length` positions, then each use of x
    /// (the frozen product, the adapter's dropout) slices it on its own, so x's gradient sums
    /// the same terms in the same order as the full call; or only the `kept` ones (rows already
    /// cut upstream). The adapter's dropout masks are drawn as for `length` positions.
    public func callAsFunction(_ x: Variable<Float>, active: String?, random: inout RandomStream, firstPositions kept: Int,
                               of length: Int, on tape: Tape<Float>) -> Variable<Float> {
        let positions = x.shape.count > 1 ? x.shape[1] : 1
        precondition(positions == kept || positions == length, "LoRALinear: \(positions) positions, expected \(kept) or \(length)")
        func firstRows() -> Variable<Float> { positions == kept ? x : tape.slice(x, axis: 1, 0..<kept) }
        let y = tape.linear(firstRows(), weight: base.weight, bias: base.bias)            // base(x), fused bias
        guard let name = active, let adapter = adapters[name] else { return y }
        let input = tape.dropout(firstRows(), p: adapter.dropout, random: &random, drawnForLength: length)
        let low = tape.matmul(input, adapter.a, transposeWeight: true)                 // [..., R]
        let update = tape.matmul(low, adapter.b, transposeWeight: true)                // [..., out]
        return tape.addScaled(y, update, adapter.scaling)                               // y + update * scaling
    }

    /// The same on packed rows (PackedRows, no padded rows): x [rows.rows, in] holds `rows`, and
    /// the call keeps `kept` (each sample's first kept.counts[b] of its rows; nil: all of them),
    /// giving [kept.rows, out] with the bits of those rows of the padded call under the exact
    /// product. As in the call above, each use of x (the frozen product, the adapter's dropout)
    /// cuts x on its own when kept differs from rows, and the adapter's dropout masks are drawn
    /// as for the padded [B, rows.length, in].
    public func callAsFunction(_ x: Variable<Float>, active: String?, random: inout RandomStream, packed rows: PackedRows,
                               keeping kept: PackedRows? = nil, on tape: Tape<Float>) -> Variable<Float> {
        let kept = kept ?? rows
        precondition(x.shape.count == 2 && x.shape[0] == rows.rows && kept.length == rows.length,
                     "LoRALinear: \(x.shape) is not [\(rows.rows), in] or keeps another length")
        let cut = kept == rows ? nil : rows.indices(keeping: kept)
        func keptRows() -> Variable<Float> { cut.map { tape.gatherRows(x, $0) } ?? x }
        let y = tape.linear(keptRows(), weight: base.weight, bias: base.bias)            // base(x), fused bias
        guard let name = active, let adapter = adapters[name] else { return y }
        let input = tape.dropout(keptRows(), p: adapter.dropout, random: &random, packed: kept)
        let low = tape.matmul(input, adapter.a, transposeWeight: true)                 // [rows, R]
        let update = tape.matmul(low, adapter.b, transposeWeight: true)                // [rows, out]
        return tape.addScaled(y, update, adapter.scaling)                               // y + update * scaling
    }

    /// The frozen weight with adapter `name` merged in: W + scaling * B A.
    public func mergedWeight(_ name: String) -> Tensor<Float> {
        guard let adapter = adapters[name] else { return base.weight.value }
        var w = base.weight.value
        w.addScaled(adapter.b.value.matmul(adapter.a.value), adapter.scaling)
        return w
    }

    /// Adds scaling * B A of adapter `name` into the frozen weight (PEFT merge); the adapter
    /// must then not be activated as well, or it counts twice.
    public func merge(_ name: String) {
        base.weight.value = mergedWeight(name)
    }

    /// Subtracts scaling * B A of adapter `name` from the frozen weight again (PEFT unmerge).
    public func unmerge(_ name: String) {
        guard let adapter = adapters[name] else { return }
        base.weight.value.addScaled(adapter.b.value.matmul(adapter.a.value), -adapter.scaling)
    }
}
