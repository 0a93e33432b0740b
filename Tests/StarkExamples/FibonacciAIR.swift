import Stark
import StarkMath

/// The Fibonacci recurrence in two columns: (a, b) → (b, a + b).
///
/// Public inputs: the first two values and the value of column b on the last row, so the
/// statement is "starting from (first, second), n − 1 steps give `result`".
public struct FibonacciAIR: AIR {
    public let traceLength: Int

    public init(traceLength: Int) { self.traceLength = traceLength }

    public var identity: String { "cloister.example.fibonacci.v1" }
    public var traceWidth: Int { 2 }
    public var publicInputCount: Int { 3 }
    public var transitionConstraintDegrees: [TransitionConstraintDegree] { [.init(1), .init(1)] }
    public var periodicColumns: [[Goldilocks]] { [] }

    public func boundaryAssertions(publicInputs: [Goldilocks]) throws(StarkError) -> [BoundaryAssertion] {
        guard publicInputs.count == 3 else {
            throw .invalidPublicInputs("Fibonacci takes [first, second, result], got \(publicInputs.count) values")
        }
        return [
            BoundaryAssertion(column: 0, row: 0, value: publicInputs[0]),
            BoundaryAssertion(column: 1, row: 0, value: publicInputs[1]),
            BoundaryAssertion(column: 1, row: traceLength - 1, value: publicInputs[2]),
        ]
    }

    public func evaluateTransitionOnBaseField(
        current: UnsafeBufferPointer<Goldilocks>, next: UnsafeBufferPointer<Goldilocks>,
        periodicValues: UnsafeBufferPointer<Goldilocks>, result: UnsafeMutableBufferPointer<Goldilocks>
    ) {
        evaluateTransition(current: current, next: next, periodicValues: periodicValues, result: result)
    }

    public func evaluateTransition<E: FieldElement>(
        current: UnsafeBufferPointer<E>, next: UnsafeBufferPointer<E>, periodicValues: UnsafeBufferPointer<E>,
        result: UnsafeMutableBufferPointer<E>
    ) {
        result[0] = next[0] - current[1]
        result[1] = next[1] - current[0] - current[1]
    }

    public func transitionConstraintName(_ index: Int) -> String {
        index == 0 ? "fibonacci a' = b" : "fibonacci b' = a + b"
    }

    /// The trace from (first, second) and its public inputs.
    public static func trace(
        first: Goldilocks, second: Goldilocks, length: Int
    ) throws(StarkError)
        -> (trace: ExecutionTrace, publicInputs: [Goldilocks])
    {
        var a = [Goldilocks](repeating: .zero, count: length)
        var b = [Goldilocks](repeating: .zero, count: length)
        guard length > 0 else { throw .traceShapeMismatch("a Fibonacci trace needs at least one row") }
        a[0] = first
        b[0] = second
        for row in 1..<length {
            a[row] = b[row - 1]
            b[row] = a[row - 1] + b[row - 1]
        }
        return (try ExecutionTrace(columns: [a, b]), [first, second, b[length - 1]])
    }
}
