// Copies that rearrange elements: permutation, concatenation, slicing, row gather/scatter.
// Tensors are always contiguous, so these copy; the copies are linear passes.

extension Tensor {
    /// Axes reordered: out.shape[i] = shape[axes[i]].
    @inlinable
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<rank), "permutation \(axes) is not of rank \(rank)")
        let outShape = axes.map { shape[$0] }
        let inStrides = Tensor.strides(shape)
        let strideOf = axes.map { inStrides[$0] }
        var out = Tensor(zeros: outShape)
        guard count > 0 else { return out }
        var index = [Int](repeating: 0, count: rank)
        var src = 0
        for flat in 0..<count {
            out.scalars[flat] = scalars[src]
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                src += strideOf[d]
                if index[d] < outShape[d] { break }
                src -= strideOf[d] * outShape[d]
                index[d] = 0
                d -= 1
            }
        }
        return out
    }

    /// Last two axes swapped.
    @inlinable
    public func transposedLastTwo() -> Tensor {
        permuted(Array(0..<(rank - 2)) + [rank - 1, rank - 2])
    }

    /// (outer, axis length, inner) sizes around `axis`.
    @inlinable
    func split(at axis: Int) -> (Int, Int, Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Tensors joined along `axis` (all other dimensions equal).
    @inlinable
    public static func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate needs at least one tensor")
        let first = parts[0].shape
        for p in parts {
            precondition(p.rank == first.count && p.shape.enumerated().allSatisfy { $0.offset == axis || $0.element == first[$0.offset] },
                         "concatenate along \(axis): shapes \(parts.map(\.shape)) differ elsewhere")
        }
        var outShape = first
        outShape[axis] = parts.map { $0.shape[axis] }.reduce(0, +)
        let outer = first[..<axis].reduce(1, *)
        let inner = first[(axis + 1)...].reduce(1, *)
        var out = [Scalar]()
        out.reserveCapacity(outShape.reduce(1, *))
        for o in 0..<outer {
            for p in parts {
                let block = p.shape[axis] * inner
                out.append(contentsOf: p.scalars[(o * block)..<((o + 1) * block)])
            }
        }
        return Tensor(shape: outShape, scalars: out)
    }

    /// Elements start..<end along `axis`.
    @inlinable
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis], "slice \(range) out of \(shape) at axis \(axis)")
        let (outer, len, inner) = split(at: axis)
        var outShape = shape
        outShape[axis] = range.count
        var out = [Scalar]()
        out.reserveCapacity(outer * range.count * inner)
        for o in 0..<outer {
            let base = (o * len + range.lowerBound) * inner
            out.append(contentsOf: scalars[base..<(base + range.count * inner)])
        }
        return Tensor(shape: outShape, scalars: out)
    }

    /// Adds `part` into the elements start..<end along `axis` (the gradient of `slice`).
    @inlinable
    public mutating func addSlice(_ part: Tensor, axis: Int, at start: Int) {
        let (outer, len, inner) = split(at: axis)
        let n = part.shape[axis]
        scalars.withUnsafeMutableBufferPointer { o in
            part.scalars.withUnsafeBufferPointer { p in
                for i in 0..<outer {
                    let dst = (i * len + start) * inner, srcBase = i * n * inner
                    for j in 0..<(n * inner) { o[dst + j] += p[srcBase + j] }
                }
            }
        }
    }

    /// Rows of a [R, C] tensor (or [R, ...] flattened after the first axis) at `indices`.
    @inlinable
    public func gatherRows(_ indices: [Int]) -> Tensor {
        let width = count / Swift.max(shape[0], 1)
        var out = [Scalar]()
        out.reserveCapacity(indices.count * width)
        for r in indices {
            precondition(r >= 0 && r < shape[0], "row \(r) out of range 0..<\(shape[0])")
            out.append(contentsOf: scalars[(r * width)..<((r + 1) * width)])
        }
        return Tensor(shape: [indices.count] + shape.dropFirst(), scalars: out)
    }

    /// self[indices[i]] += rows[i] (repeated indices accumulate): the gradient of `gatherRows`.
    @inlinable
    public mutating func scatterAddRows(_ indices: [Int], _ rows: Tensor) {
        let width = count / Swift.max(shape[0], 1)
        scalars.withUnsafeMutableBufferPointer { o in
            rows.scalars.withUnsafeBufferPointer { g in
                for (i, r) in indices.enumerated() {
                    for j in 0..<width { o[r * width + j] += g[i * width + j] }
                }
            }
        }
    }
}
