import StarkMath

/// An algebraic intermediate representation: the statement a STARK proves.
///
/// A trace of `traceLength` rows and `traceWidth` columns satisfies the AIR when
/// * every transition constraint is zero on every pair of consecutive rows
///   (row i, row i + 1) for i = 0 … n − 2 (the last row has no successor and is exempt),
/// * every boundary assertion holds.
///
/// Transition constraints may read periodic columns: fixed public columns whose values
/// repeat with a power-of-two period (round constants, row-kind flags).
///
/// The same ``evaluateTransition(current:next:periodicValues:result:)`` runs in three
/// places with different element types: on trace rows in the debug checker
/// (``Goldilocks``), on the low-degree extension in the prover (``Goldilocks``) and at
/// the out-of-domain point in the verifier (an extension field). Write it once, generic
/// over the element; it must not allocate (it runs millions of times per proof).
///
/// Performance note: for an AIR defined in another module, mark the implementation
/// `@_specialize(where E == Goldilocks)` (or `@inlinable`) so that the prover's
/// hot loop does not run unspecialised generic code.
public protocol AIR: Sendable {
    /// A name and version that identify the statement, e.g. `"cloister.rpo-chain.v1"`.
    /// Absorbed into Fiat–Shamir, so a proof for one AIR never verifies for another.
    var identity: String { get }
    /// Number of trace columns.
    var traceWidth: Int { get }
    /// Number of trace rows: a power of two, at least 8.
    var traceLength: Int { get }
    /// How many public inputs (Goldilocks elements) the statement takes.
    var publicInputCount: Int { get }
    /// One entry per transition constraint, in the order `evaluateTransition` writes them.
    var transitionConstraintDegrees: [TransitionConstraintDegree] { get }
    /// Periodic columns: each a power-of-two number of values (at most `traceLength`);
    /// row r reads `column[r % column.count]`.
    var periodicColumns: [[Goldilocks]] { get }

    /// The boundary assertions for these public inputs (the verifier calls this with the
    /// inputs it was given, the prover with the statement it proves).
    /// - Throws: ``StarkError/invalidPublicInputs(_:)`` if the inputs are malformed.
    func boundaryAssertions(publicInputs: [Goldilocks]) throws(StarkError) -> [BoundaryAssertion]

    /// Writes the value of every transition constraint for the frame (row, next row) into
    /// `result` (`transitionConstraintDegrees.count` entries). Zero means satisfied.
    func evaluateTransition<E: FieldElement>(
        current: UnsafeBufferPointer<E>, next: UnsafeBufferPointer<E>, periodicValues: UnsafeBufferPointer<E>,
        result: UnsafeMutableBufferPointer<E>)

    /// The same on base-field rows: the prover's hot loop, called once per point of the
    /// evaluation domain. The default forwards to the generic method; an AIR implements
    /// it (even as a one-line forward) so that the call is specialised in its own module
    /// rather than dispatched generically, and may use base-field shortcuts.
    func evaluateTransitionOnBaseField(
        current: UnsafeBufferPointer<Goldilocks>, next: UnsafeBufferPointer<Goldilocks>,
        periodicValues: UnsafeBufferPointer<Goldilocks>, result: UnsafeMutableBufferPointer<Goldilocks>)

    /// A human-readable name of transition constraint `index`, for the debug checker's
    /// messages. Defaults to `"transition <index>"`.
    func transitionConstraintName(_ index: Int) -> String

    // MARK: Auxiliary segment (optional: the defaults mean "none")

    /// Number of auxiliary columns, each holding elements of the proof's extension field.
    /// They are built after the main trace is committed, from challenges drawn then (bus
    /// and LogUp arguments). Default 0: no auxiliary segment, and the proof is exactly
    /// what it would be without this feature.
    var auxiliaryWidth: Int { get }
    /// How many extension-field challenges are drawn after the main trace root is
    /// absorbed, for ``buildAuxiliaryTrace(main:challenges:)`` and the auxiliary
    /// constraints. Default 0.
    var auxiliaryChallengeCount: Int { get }
    /// One entry per auxiliary transition constraint, in the order
    /// ``evaluateAuxiliaryTransition(frame:result:)`` writes them. `base` counts main and
    /// auxiliary cells alike (challenges are constants). Default: none.
    var auxiliaryConstraintDegrees: [TransitionConstraintDegree] { get }

    /// The auxiliary columns (`auxiliaryWidth` of them, `traceLength` rows each) for a
    /// main trace and the challenges drawn after its commitment. Runs once per proof.
    /// - Throws: a ``StarkError`` if they cannot be built (e.g. a challenge equals a
    ///   value it is subtracted from, which happens with negligible probability).
    func buildAuxiliaryTrace<E: FieldElement>(main: ExecutionTrace, challenges: [E]) throws(StarkError) -> [[E]]

    /// Writes the value of every auxiliary transition constraint for the frame into
    /// `result` (`auxiliaryConstraintDegrees.count` entries). Zero means satisfied.
    ///
    /// Runs at the out-of-domain point in the verifier (main values there are in `E`), and,
    /// through the default ``evaluateAuxiliaryTransitionOnBaseField(frame:result:)``, on trace
    /// rows in the debug checker and once per evaluation-domain point in the prover;
    /// it must not allocate. For speed, mark the implementation
    /// `@_specialize(where E == QuadraticExtension)` and
    /// `@_specialize(where E == CubicExtension)`.
    func evaluateAuxiliaryTransition<E: FieldElement>(frame: AuxiliaryFrame<E>, result: UnsafeMutableBufferPointer<E>)

    /// The same constraints as ``evaluateAuxiliaryTransition(frame:result:)`` on a frame whose
    /// main and periodic values are still base-field elements: the prover and the debug
    /// checker call this, once per point. The default lifts the values to `E` and calls
    /// the generic evaluation; an AIR whose auxiliary constraints multiply challenges by
    /// many main values should implement it with E × Goldilocks products (and mark it
    /// `@_specialize` like the generic one). Must not allocate.
    func evaluateAuxiliaryTransitionOnBaseField<E: FieldElement>(
        frame: AuxiliaryBaseFrame<E>, result: UnsafeMutableBufferPointer<E>)

    /// The assertions on auxiliary columns for these public inputs and challenges (e.g.
    /// "an accumulator starts at 0" and "ends at a value computed from the inputs and
    /// the challenges"). Default: none.
    /// - Throws: ``StarkError/invalidPublicInputs(_:)`` if the inputs are malformed.
    func auxiliaryBoundaryAssertions<E: FieldElement>(
        publicInputs: [Goldilocks], challenges: [E]
    ) throws(StarkError) -> [AuxiliaryBoundaryAssertion<E>]

    /// A human-readable name of auxiliary constraint `index`. Defaults to
    /// `"auxiliary transition <index>"`.
    func auxiliaryConstraintName(_ index: Int) -> String
}

// MARK: - Default implementations

extension AIR {
    public func transitionConstraintName(_ index: Int) -> String { "transition \(index)" }

    public func evaluateTransitionOnBaseField(
        current: UnsafeBufferPointer<Goldilocks>, next: UnsafeBufferPointer<Goldilocks>,
        periodicValues: UnsafeBufferPointer<Goldilocks>, result: UnsafeMutableBufferPointer<Goldilocks>
    ) {
        evaluateTransition(current: current, next: next, periodicValues: periodicValues, result: result)
    }

    public var auxiliaryWidth: Int { 0 }
    public var auxiliaryChallengeCount: Int { 0 }
    public var auxiliaryConstraintDegrees: [TransitionConstraintDegree] { [] }

    public func buildAuxiliaryTrace<E: FieldElement>(
        main: ExecutionTrace, challenges: [E]
    ) throws(StarkError) -> [[E]] { [] }

    public func evaluateAuxiliaryTransition<E: FieldElement>(
        frame: AuxiliaryFrame<E>, result: UnsafeMutableBufferPointer<E>
    ) {}

    public func auxiliaryBoundaryAssertions<E: FieldElement>(
        publicInputs: [Goldilocks], challenges: [E]
    ) throws(StarkError) -> [AuxiliaryBoundaryAssertion<E>] { [] }

    public func evaluateAuxiliaryTransitionOnBaseField<E: FieldElement>(
        frame: AuxiliaryBaseFrame<E>, result: UnsafeMutableBufferPointer<E>
    ) {
        let width = frame.mainCurrent.count
        let periodicCount = frame.periodicValues.count
        withUnsafeTemporaryAllocation(of: E.self, capacity: 2 * width + periodicCount) { buffer in
            for column in 0..<width {
                buffer[column] = E(frame.mainCurrent[column])
                buffer[width + column] = E(frame.mainNext[column])
            }
            for k in 0..<periodicCount { buffer[2 * width + k] = E(frame.periodicValues[k]) }
            let lifted = UnsafeBufferPointer(buffer)
            evaluateAuxiliaryTransition(
                frame: AuxiliaryFrame(
                    mainCurrent: UnsafeBufferPointer(rebasing: lifted[0..<width]),
                    mainNext: UnsafeBufferPointer(rebasing: lifted[width..<(2 * width)]),
                    auxiliaryCurrent: frame.auxiliaryCurrent, auxiliaryNext: frame.auxiliaryNext,
                    challenges: frame.challenges,
                    periodicValues: UnsafeBufferPointer(rebasing: lifted[(2 * width)...])),
                result: result)
        }
    }

    public func auxiliaryConstraintName(_ index: Int) -> String { "auxiliary transition \(index)" }

    /// Whether the AIR has an auxiliary segment.
    var hasAuxiliarySegment: Bool { auxiliaryWidth > 0 }
}

/// The degree of a transition constraint as a polynomial in the trace values, plus the
/// periods of the periodic columns it is multiplied by.
///
/// `base` counts trace cells multiplied together (an RPO round, x⁷, has base 7). A
/// periodic column with period P is a polynomial of degree n − n/P in x; list P in
/// `cycles` each time such a column multiplies the whole constraint (a selector flag).
/// Periodic columns used inside a power (round constants under x⁷) are already covered
/// by `base`. Declaring too low a degree makes honest proofs fail with
/// ``StarkError/declaredDegreeTooLow(_:)``; too high only costs proving time.
public struct TransitionConstraintDegree: Sendable, Hashable {
    public let base: Int
    public let cycles: [Int]

    public init(_ base: Int, cycles: [Int] = []) {
        precondition(base >= 1, "a transition constraint has degree at least 1")
        self.base = base
        self.cycles = cycles
    }

    /// An upper bound on the constraint's degree in x when every trace polynomial has
    /// degree below `traceDegreeBound` on a trace of `traceLength` rows.
    func degree(traceDegreeBound: Int, traceLength: Int) -> Int {
        var total = base * (traceDegreeBound - 1)
        for period in cycles { total += traceLength - traceLength / period }
        return total
    }
}

/// "Column `column` holds `value` at row `row`": how an AIR pins inputs and outputs.
public struct BoundaryAssertion: Sendable, Hashable {
    public let column: Int
    public let row: Int
    public let value: Goldilocks

    public init(column: Int, row: Int, value: Goldilocks) {
        self.column = column
        self.row = row
        self.value = value
    }
}

/// An execution trace kept column by column (the prover interpolates columns).
public struct ExecutionTrace: Sendable, Hashable {
    /// `columns[c][r]` is column c at row r.
    public private(set) var columns: [[Goldilocks]]

    public var width: Int { columns.count }
    public var length: Int { columns.first?.count ?? 0 }

    /// - Throws: ``StarkError/traceShapeMismatch(_:)`` if the columns differ in length or
    ///   the length is not a power of two of at least 8.
    public init(columns: [[Goldilocks]]) throws(StarkError) {
        guard let length = columns.first?.count else { throw .traceShapeMismatch("a trace needs at least one column") }
        for (index, column) in columns.enumerated() where column.count != length {
            throw .traceShapeMismatch("column \(index) has \(column.count) rows, column 0 has \(length)")
        }
        guard length >= 8, length & (length - 1) == 0 else {
            throw .traceShapeMismatch("trace length \(length) must be a power of two, at least 8")
        }
        self.columns = columns
    }

    /// The cell at (column, row).
    public subscript(column: Int, row: Int) -> Goldilocks {
        get { columns[column][row] }
        set { columns[column][row] = newValue }
    }

    /// Row `row` as an array (for tests and the debug checker).
    public func row(_ row: Int) -> [Goldilocks] { columns.map { $0[row] } }
}
