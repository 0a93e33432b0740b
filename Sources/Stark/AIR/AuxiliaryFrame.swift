import StarkMath

/// What an auxiliary transition constraint reads at one point: the main and auxiliary
/// rows (current and next), the challenges drawn after the main commitment, and the
/// periodic columns, all in the proof's extension field `E`.
///
/// Main values are base-field elements lifted to `E` in the debug checker and the
/// prover, and the main trace polynomials' values at z and g·z in the verifier. The
/// buffers belong to the caller and are valid only during the call.
public struct AuxiliaryFrame<E: FieldElement> {
    /// The main trace row (`traceWidth` values).
    public let mainCurrent: UnsafeBufferPointer<E>
    /// The next main trace row.
    public let mainNext: UnsafeBufferPointer<E>
    /// The auxiliary row (`auxiliaryWidth` values).
    public let auxiliaryCurrent: UnsafeBufferPointer<E>
    /// The next auxiliary row.
    public let auxiliaryNext: UnsafeBufferPointer<E>
    /// The `auxiliaryChallengeCount` challenges.
    public let challenges: UnsafeBufferPointer<E>
    /// The periodic columns' values at this point.
    public let periodicValues: UnsafeBufferPointer<E>

    public init(
        mainCurrent: UnsafeBufferPointer<E>, mainNext: UnsafeBufferPointer<E>,
        auxiliaryCurrent: UnsafeBufferPointer<E>, auxiliaryNext: UnsafeBufferPointer<E>,
        challenges: UnsafeBufferPointer<E>, periodicValues: UnsafeBufferPointer<E>
    ) {
        self.mainCurrent = mainCurrent
        self.mainNext = mainNext
        self.auxiliaryCurrent = auxiliaryCurrent
        self.auxiliaryNext = auxiliaryNext
        self.challenges = challenges
        self.periodicValues = periodicValues
    }
}

/// What the prover's auxiliary constraint evaluation reads at one evaluation-domain point:
/// the main rows and periodic values still in the base field (they are base-field values
/// there), the auxiliary rows and the challenges in the proof's extension field `E`.
///
/// An AIR that reads it directly (``AIR/evaluateAuxiliaryTransitionOnBaseField(frame:result:)``)
/// multiplies challenges by main values as E × Goldilocks products (3 base products in the
/// cubic extension) instead of lifting every main value to `E`. The buffers belong to the
/// caller and are valid only during the call.
public struct AuxiliaryBaseFrame<E: FieldElement> {
    /// The main trace row (`traceWidth` values).
    public let mainCurrent: UnsafeBufferPointer<Goldilocks>
    /// The next main trace row.
    public let mainNext: UnsafeBufferPointer<Goldilocks>
    /// The auxiliary row (`auxiliaryWidth` values).
    public let auxiliaryCurrent: UnsafeBufferPointer<E>
    /// The next auxiliary row.
    public let auxiliaryNext: UnsafeBufferPointer<E>
    /// The `auxiliaryChallengeCount` challenges.
    public let challenges: UnsafeBufferPointer<E>
    /// The periodic columns' values at this point.
    public let periodicValues: UnsafeBufferPointer<Goldilocks>

    public init(
        mainCurrent: UnsafeBufferPointer<Goldilocks>, mainNext: UnsafeBufferPointer<Goldilocks>,
        auxiliaryCurrent: UnsafeBufferPointer<E>, auxiliaryNext: UnsafeBufferPointer<E>,
        challenges: UnsafeBufferPointer<E>, periodicValues: UnsafeBufferPointer<Goldilocks>
    ) {
        self.mainCurrent = mainCurrent
        self.mainNext = mainNext
        self.auxiliaryCurrent = auxiliaryCurrent
        self.auxiliaryNext = auxiliaryNext
        self.challenges = challenges
        self.periodicValues = periodicValues
    }
}

/// "Auxiliary column `column` holds `value` at row `row`", with `value` in the proof's
/// extension field (it may depend on the public inputs and the challenges).
public struct AuxiliaryBoundaryAssertion<E: FieldElement>: Sendable, Hashable {
    public let column: Int
    public let row: Int
    public let value: E

    public init(column: Int, row: Int, value: E) {
        self.column = column
        self.row = row
        self.value = value
    }
}
