import Stark
import StarkMath

/// A LogUp lookup (logarithmic-derivative argument) into a range table, using an
/// auxiliary trace segment.
///
/// Main columns: `value` (A, the looked-up values), `table` (B, the table 0, 1, 2, …) and
/// `multiplicity` (M, how often each table entry is looked up). Rows 0 … n − 2 take part;
/// the last row only ends the table and is otherwise ignored. One public input v is
/// looked up from outside the trace.
///
/// With the challenge α drawn after the main trace is committed, the auxiliary column S
/// accumulates S[i + 1] = S[i] + 1/(α − aᵢ) − mᵢ/(α − bᵢ), as the degree-3 polynomial
/// (S' − S)·(α − a)·(α − b) − (α − b) + m·(α − a) = 0. S[0] = 0 and S[n − 1] = −1/(α − v):
/// together Σ 1/(α − aᵢ) + 1/(α − v) = Σ mᵢ/(α − bᵢ), which for a random α means every
/// value (and v) lies in the table, i.e. in 0 … n − 2.
public struct LookupAIR: AIR {
    public let traceLength: Int

    public init(traceLength: Int) { self.traceLength = traceLength }

    public var identity: String { "cloister.example.lookup.v1" }
    public var traceWidth: Int { 3 }
    public var publicInputCount: Int { 1 }
    /// The table steps by one: b' = b + 1.
    public var transitionConstraintDegrees: [TransitionConstraintDegree] { [.init(1)] }
    public var periodicColumns: [[Goldilocks]] { [] }

    public var auxiliaryWidth: Int { 1 }
    public var auxiliaryChallengeCount: Int { 1 }
    public var auxiliaryConstraintDegrees: [TransitionConstraintDegree] { [.init(3)] }

    public static let value = 0
    public static let table = 1
    public static let multiplicity = 2

    public func boundaryAssertions(publicInputs: [Goldilocks]) throws(StarkError) -> [BoundaryAssertion] {
        guard publicInputs.count == 1 else {
            throw .invalidPublicInputs("the lookup takes [public value], got \(publicInputs.count) values")
        }
        return [BoundaryAssertion(column: Self.table, row: 0, value: .zero)]
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
        result[0] = next[Self.table] - current[Self.table] - .one
    }

    public func transitionConstraintName(_ index: Int) -> String { "table steps by one" }

    public func buildAuxiliaryTrace<E: FieldElement>(
        main: ExecutionTrace, challenges: [E]
    ) throws(StarkError) -> [[E]] {
        let alpha = challenges[0]
        let rows = traceLength - 1
        // Denominators α − aᵢ and α − bᵢ for the rows that take part, inverted together.
        var denominators = [E]()
        denominators.reserveCapacity(2 * rows)
        for row in 0..<rows {
            denominators.append(alpha - E(main[Self.value, row]))
            denominators.append(alpha - E(main[Self.table, row]))
        }
        let inverses: [E]
        do { inverses = try E.batchInverse(denominators) } catch {
            throw .invalidAIR("the lookup challenge equals a trace value (probability ≈ n/|E|); prove again")
        }
        var accumulator = [E](repeating: .zero, count: traceLength)
        for row in 0..<rows {
            let term = inverses[2 * row] - inverses[2 * row + 1] * main[Self.multiplicity, row]
            accumulator[row + 1] = accumulator[row] + term
        }
        return [accumulator]
    }

    @_specialize(where E == QuadraticExtension)
    @_specialize(where E == CubicExtension)
    public func evaluateAuxiliaryTransition<E: FieldElement>(
        frame: AuxiliaryFrame<E>, result: UnsafeMutableBufferPointer<E>
    ) {
        let alpha = frame.challenges[0]
        let valueDenominator = alpha - frame.mainCurrent[Self.value]
        let tableDenominator = alpha - frame.mainCurrent[Self.table]
        let step = frame.auxiliaryNext[0] - frame.auxiliaryCurrent[0]
        result[0] =
            step * valueDenominator * tableDenominator - tableDenominator
            + frame.mainCurrent[Self.multiplicity] * valueDenominator
    }

    public func auxiliaryBoundaryAssertions<E: FieldElement>(
        publicInputs: [Goldilocks], challenges: [E]
    ) throws(StarkError) -> [AuxiliaryBoundaryAssertion<E>] {
        guard publicInputs.count == 1 else {
            throw .invalidPublicInputs("the lookup takes [public value], got \(publicInputs.count) values")
        }
        let inverse: E
        do { inverse = try (challenges[0] - E(publicInputs[0])).inverse() } catch {
            throw .invalidPublicInputs("the lookup challenge equals the public value (probability ≈ 1/|E|)")
        }
        return [
            AuxiliaryBoundaryAssertion(column: 0, row: 0, value: .zero),
            AuxiliaryBoundaryAssertion(column: 0, row: traceLength - 1, value: -inverse),
        ]
    }

    public func auxiliaryConstraintName(_ index: Int) -> String { "LogUp accumulator step" }

    /// A trace looking up `values` (one per row that takes part: n − 1 of them, each in
    /// 0 … n − 2) and `publicValue`, with honest multiplicities; and its public inputs.
    public static func trace(
        values: [UInt64], publicValue: UInt64
    ) throws(StarkError) -> (trace: ExecutionTrace, publicInputs: [Goldilocks]) {
        let length = values.count + 1
        var counts = [UInt64](repeating: 0, count: length)
        for value in values + [publicValue] where value < UInt64(length - 1) { counts[Int(value)] += 1 }
        let valueColumn = (values + [0]).map { Goldilocks(reducing: $0) }
        let tableColumn = (0..<length).map { Goldilocks(reducing: UInt64($0)) }
        var multiplicityColumn = counts.map { Goldilocks(reducing: $0) }
        multiplicityColumn[length - 1] = .zero
        let trace = try ExecutionTrace(columns: [valueColumn, tableColumn, multiplicityColumn])
        return (trace, [Goldilocks(reducing: publicValue)])
    }
}
