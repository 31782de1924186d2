// Named float32 parameters of one baseline model, in a fixed order. Names follow the reference
// code (RecBole 1.2.1 / PyG) so that checkpoints and fixtures use one vocabulary. Gradients use
// the same type with the same names and shapes.

/// An ordered list of named parameter tensors (row-major values with their shapes).
public struct ParameterSet: Sendable, Equatable {
    public private(set) var names: [String] = []
    public private(set) var shapes: [[Int]] = []
    /// values[k] holds shapes[k].reduce(1, *) floats, row-major.
    public var values: [[Float]] = []

    public init() {}

    /// Appends a parameter and returns its position (models keep positions, not names).
    @discardableResult
    public mutating func append(_ name: String, shape: [Int], values: [Float]) -> Int {
        precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
        precondition(!names.contains(name), "duplicate parameter \(name)")
        names.append(name)
        shapes.append(shape)
        self.values.append(values)
        return names.count - 1
    }

    /// Position of `name`, or nil.
    public func index(of name: String) -> Int? {
        names.firstIndex(of: name)
    }

    /// The same names and shapes with every value zero (a gradient accumulator).
    public func zeros() -> ParameterSet {
        var copy = self
        copy.values = values.map { [Float](repeating: 0, count: $0.count) }
        return copy
    }

    /// Total number of scalars.
    public var scalarCount: Int { values.reduce(0) { $0 + $1.count } }
}
