/// A dense, contiguous, row-major tensor. A value type: copies share storage until written
/// (Swift arrays are copy-on-write), so passing tensors around is cheap.
///
/// Shapes use the project's letters in comments (B batch, T tokens, C channels, ...).
/// A rank-0 tensor (shape []) holds one scalar.
public struct Tensor<Scalar: TensorScalar>: Equatable, Sendable {
    /// Dimensions, outermost first. Mutated only through initialisers and `reshaped`.
    public let shape: [Int]
    public var scalars: [Scalar]

    @inlinable
    public init(shape: [Int], scalars: [Scalar]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    @inlinable
    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: [Scalar](repeating: 0, count: shape.reduce(1, *)))
    }

    /// A tensor whose scalars are undefined until written, for an output that is overwritten
    /// entirely before anything reads it (a product with beta 0, rows copied in): zero-filling
    /// it first was 3-4% of an encoder pass (issue 29). Never read before writing.
    @inlinable
    public init(uninitialized shape: [Int]) {
        let count = shape.reduce(1, *)
        self.init(shape: shape, scalars: [Scalar](unsafeUninitializedCapacity: count) { _, initialized in initialized = count })
    }

    @inlinable
    public init(repeating value: Scalar, shape: [Int]) {
        self.init(shape: shape, scalars: [Scalar](repeating: value, count: shape.reduce(1, *)))
    }

    @inlinable
    public init(scalar: Scalar) {
        self.init(shape: [], scalars: [scalar])
    }

    /// Converts from another precision.
    @inlinable
    public init<Other: TensorScalar>(_ other: Tensor<Other>) {
        self.init(shape: other.shape, scalars: other.scalars.map { Scalar($0) })
    }

    @inlinable public var count: Int { scalars.count }
    @inlinable public var rank: Int { shape.count }

    /// The single value of a one-element tensor.
    @inlinable
    public var scalar: Scalar {
        precondition(scalars.count == 1, "tensor of shape \(shape) is not a scalar")
        return scalars[0]
    }

    /// Same scalars, another shape with the same element count (one dimension may be -1).
    @inlinable
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            s[i] = count / known
        }
        return Tensor(shape: s, scalars: scalars)
    }

    /// Row-major strides of `shape`.
    @inlinable
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= shape[i]
        }
        return strides
    }
}
