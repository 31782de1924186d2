import SeededRandom
import TensorCore

// A batch of variable-length sequences stored back to back, without padding rows (the "varlen"
// layout of packed attention kernels). A padded batch [B, T, C] computes and then ignores the
// padded rows; under the exact product (issue 31), whose output rows are independent and whose
// sums over rows only lose exact zeros when the padded rows are left out, the packed batch
// gives the valid rows' bits, their gradients' bits and the dropout stream of the padded one
// (BertEncoder's packed pass, checked in Tests/TextModelsTests/PackedRowsTests.swift).

/// Which rows of a padded batch [B, length, ...] a packed tensor holds: the first `counts[b]`
/// positions of sample b, samples back to back, so row `offsets[b] + t` is position t of
/// sample b. The padded layout is `counts` all equal to `length`.
public struct PackedRows: Equatable, Sendable {
    /// Rows kept of each sample, each in 0...length.
    public let counts: [Int]
    /// The padded length the rows stand in (dropout draws as for it).
    public let length: Int
    /// Where each sample's rows start; offsets[B] is the number of rows.
    public let offsets: [Int]

    public init(counts: [Int], length: Int) {
        precondition(counts.allSatisfy { $0 >= 0 && $0 <= length }, "PackedRows: counts \(counts) must lie in 0...\(length)")
        self.counts = counts
        self.length = length
        var offsets = [0]
        for n in counts { offsets.append(offsets.last! + n) }
        self.offsets = offsets
    }

    public var samples: Int { counts.count }
    public var rows: Int { offsets.last! }

    /// The first `kept` positions of every sample (fewer where a sample has fewer).
    public func first(_ kept: Int) -> PackedRows {
        PackedRows(counts: counts.map { Swift.min($0, kept) }, length: length)
    }

    /// Sample b's rows as a range of packed rows.
    public func range(_ b: Int) -> Range<Int> { offsets[b]..<offsets[b + 1] }

    /// The rows of `self` that hold the positions of `kept` (each sample's first kept.counts[b]),
    /// for gathering a packed tensor of layout `self` down to layout `kept`.
    public func indices(keeping kept: PackedRows) -> [Int] {
        precondition(kept.samples == samples && zip(kept.counts, counts).allSatisfy { $0 <= $1 },
                     "PackedRows: cannot keep \(kept.counts) of \(counts)")
        return (0..<samples).flatMap { b in offsets[b]..<(offsets[b] + kept.counts[b]) }
    }

    /// The packed rows' places in the padded [B * width, ...] layout, width >= every count.
    public func paddedIndices(width: Int) -> [Int] {
        precondition(counts.allSatisfy { $0 <= width }, "PackedRows: \(counts) do not fit \(width) positions")
        return (0..<samples).flatMap { b in (b * width)..<(b * width + counts[b]) }
    }
}

extension Tape {
    /// Rows `rows` of x [R, ...] (flattened after the first axis): [rows.count, ...]. The
    /// gradient adds into zeros, as `slice`'s does, so a gather of the rows a slice would take
    /// gives the same gradient bits. Rows must be distinct.
    public func gatherRows(_ x: Variable<Scalar>, _ rows: [Int]) -> Variable<Scalar> {
        let out = x.value.gatherRows(rows)
        return record(out, inputs: [x]) { g in
            var gx = Tensor<Scalar>(zeros: x.shape)
            gx.scatterAddRows(rows, g)
            x.accumulate(gx)
        }
    }

    /// The packed x [rows.rows, C] laid out padded: [B, width, C], zero on the positions past
    /// each sample's count (where a padded pass holds rows nobody reads). The gradient is the
    /// packed rows of the padded gradient (copied: the same bits).
    public func padded(_ x: Variable<Scalar>, _ rows: PackedRows, width: Int) -> Variable<Scalar> {
        precondition(x.shape.count == 2 && x.shape[0] == rows.rows, "padded: \(x.shape) is not [\(rows.rows), C]")
        let C = x.shape[1], places = rows.paddedIndices(width: width)
        var out = Tensor<Scalar>(zeros: [rows.samples * width, C])
        out.scatterAddRows(places, x.value)                 // zeros + x: each place once
        return record(out.reshaped([rows.samples, width, C]), inputs: [x]) { g in
            x.accumulate(g.reshaped([rows.samples * width, C]).gatherRows(places))
        }
    }

    /// Dropout on a packed x [rows.rows, ...] with the masks the padded [B, rows.length, ...]
    /// tensor would get: sample b's masks are drawn in the padded order for its first counts[b]
    /// positions and the draws of the rest are skipped (RandomStream.skip), so the stream ends
    /// where the padded dropout leaves it.
    public func dropout(_ x: Variable<Scalar>, p: Double, random: inout RandomStream, packed rows: PackedRows) -> Variable<Scalar> {
        guard isTraining && p > 0 else { return x }
        precondition(p < 1, "dropout probability must be below 1")
        precondition(x.shape.first == rows.rows, "dropout: \(x.shape) holds no \(rows.rows) packed rows")
        let keep = Scalar(1 / (1 - p))
        var mask = Tensor<Scalar>(zeros: x.shape)
        let width = mask.count / Swift.max(rows.rows, 1)
        var i = 0
        for n in rows.counts {
            for _ in 0..<(n * width) {
                mask.scalars[i] = random.uniformDouble() >= p ? keep : 0
                i += 1
            }
            random.skip((rows.length - n) * width)
        }
        let out = x.value.zip(mask, *)
        return record(out, inputs: [x]) { g in x.accumulate(g.zip(mask, *)) }
    }
}
