/// A named parameter's values and shape, detached from its Variable: a checkpoint's entry, the
/// best epoch's copy of a model, or a gradient read out of one (row-major values).
public struct ParameterValues: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}
