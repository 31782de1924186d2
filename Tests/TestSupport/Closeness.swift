import Testing

// The one assertion helper for numeric arrays (STYLE habit 4): |a - b| <= atol + rtol * |b| per
// element, where b is the reference. On failure it reports the shape, the count of elements out of
// tolerance, the worst index with both values, and the first values of each side, so the failing
// stage and element can be read off the log.

/// Result of comparing an array with its reference.
public struct Closeness: CustomStringConvertible {
    public let count: Int
    public let failures: Int
    public let worstIndex: Int
    public let worstActual: Double
    public let worstExpected: Double
    public let maxAbsError: Double
    public let maxRelError: Double

    public var description: String {
        "n=\(count) bad=\(failures) max|err|=\(maxAbsError) maxRel=\(maxRelError) worst[\(worstIndex)] actual=\(worstActual) expected=\(worstExpected)"
    }
}

public func closeness<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(
    _ actual: [A], _ expected: [B], atol: Double, rtol: Double
) -> Closeness {
    precondition(actual.count == expected.count)
    var failures = 0, worst = 0
    var worstExcess = -Double.infinity, maxAbs = 0.0, maxRel = 0.0
    for i in 0..<actual.count {
        let a = Double(actual[i]), b = Double(expected[i])
        let err = abs(a - b)
        let allowed = atol + rtol * abs(b)
        // NaN compares false everywhere: treat it as a failure explicitly.
        let bad = !(err <= allowed)
        if bad { failures += 1 }
        maxAbs = max(maxAbs, err.isNaN ? .infinity : err)
        if b != 0 { maxRel = max(maxRel, err / abs(b)) }
        let excess = err.isNaN ? .infinity : err - allowed
        if excess > worstExcess { worstExcess = excess; worst = i }
    }
    return Closeness(
        count: actual.count, failures: failures, worstIndex: worst,
        worstActual: actual.isEmpty ? 0 : Double(actual[worst]),
        worstExpected: expected.isEmpty ? 0 : Double(expected[worst]),
        maxAbsError: maxAbs, maxRelError: maxRel)
}

/// Expects `actual` to match `expected` element-wise within atol + rtol * |expected|.
/// `what` names the quantity (and, by convention, the reason for the tolerance).
public func expectClose<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(
    _ actual: [A], _ expected: [B], atol: Double = 0, rtol: Double = 0, shape: [Int]? = nil,
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(what): \(actual.count) values, reference has \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    let c = closeness(actual, expected, atol: atol, rtol: rtol)
    if c.failures > 0 {
        let head = actual.prefix(4).map { Double($0) }
        let refHead = expected.prefix(4).map { Double($0) }
        let shapeText = shape.map { " shape=\($0)" } ?? ""
        Issue.record(
            "\(what)\(shapeText): \(c) (atol \(atol), rtol \(rtol)); first actual \(head), first expected \(refHead)",
            sourceLocation: sourceLocation)
    }
}
