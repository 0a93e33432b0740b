import StarkMath

/// The verifier's view of the auxiliary segment: the challenges it drew after the main
/// root, the assertions they give, the proof's auxiliary values at z and g·z, and the
/// composition coefficients of the auxiliary constraints and assertions.
struct AuxiliaryStatement<E: FieldElement> {
    let challenges: [E]
    let assertions: [AuxiliaryBoundaryAssertion<E>]
    let valuesAtZ: [E]
    let valuesAtNextZ: [E]
    private(set) var transitionCoefficients = [E]()
    private(set) var boundaryCoefficients = [E]()

    init(challenges: [E], assertions: [AuxiliaryBoundaryAssertion<E>], valuesAtZ: [E], valuesAtNextZ: [E]) {
        self.challenges = challenges
        self.assertions = assertions
        self.valuesAtZ = valuesAtZ
        self.valuesAtNextZ = valuesAtNextZ
    }

    /// Draws αⱼ for the auxiliary constraints and βₖ for the auxiliary assertions, right
    /// after the main ones (the prover's order).
    mutating func drawCoefficients(transitionCount: Int, from transcript: inout Transcript) {
        transitionCoefficients = (0..<transitionCount).map { _ in transcript.drawElement(E.self) }
        boundaryCoefficients = assertions.map { _ in transcript.drawElement(E.self) }
    }
}

// MARK: - Auxiliary segment

extension VerifierRun {
    /// The proof's auxiliary section, checked against the shape the AIR implies: absent
    /// for an AIR without auxiliary columns, and otherwise present with one value per
    /// auxiliary column at z and at g·z.
    func checkAuxiliaryShape(_ proof: StarkProof) throws(StarkError) -> AuxiliarySegmentProof? {
        let width = parameters.auxiliaryWidth
        guard let auxiliary = proof.auxiliary else {
            guard width == 0 else {
                throw .structureMismatch(
                    "the AIR has an auxiliary segment of \(width) columns; the proof carries none")
            }
            return nil
        }
        guard width > 0 else {
            throw .structureMismatch("the proof carries an auxiliary segment; the AIR has none")
        }
        try checkCount(auxiliary.valuesAtZ.count, parameters.auxiliaryRowWidth, "auxiliary values at z")
        try checkCount(auxiliary.valuesAtNextZ.count, parameters.auxiliaryRowWidth, "auxiliary values at g·z")
        return auxiliary
    }

    /// The auxiliary part of the composition at z:
    /// Σ αⱼ·aⱼ(z)·(z − g^(n−1))/(zⁿ − 1) + Σ βₖ·(A'_col(z) − vₖ)/(z − g^rowₖ).
    func auxiliaryComposition(
        z: E, traceAtZ: [E], traceAtNextZ: [E], periodicValues: [E], auxiliary: AuxiliaryStatement<E>
    ) -> E {
        let n = parameters.traceLength
        let traceGenerator = try! Goldilocks.rootOfUnity(order: n)
        var values = [E](repeating: .zero, count: parameters.auxiliaryTransitionCount)
        traceAtZ.withUnsafeBufferPointer { mainCurrent in
            traceAtNextZ.withUnsafeBufferPointer { mainNext in
                auxiliary.valuesAtZ.withUnsafeBufferPointer { auxiliaryCurrent in
                    auxiliary.valuesAtNextZ.withUnsafeBufferPointer { auxiliaryNext in
                        auxiliary.challenges.withUnsafeBufferPointer { challenges in
                            periodicValues.withUnsafeBufferPointer { periodic in
                                values.withUnsafeMutableBufferPointer { result in
                                    air.evaluateAuxiliaryTransition(
                                        frame: AuxiliaryFrame(
                                            mainCurrent: mainCurrent, mainNext: mainNext,
                                            auxiliaryCurrent: auxiliaryCurrent, auxiliaryNext: auxiliaryNext,
                                            challenges: challenges, periodicValues: periodic),
                                        result: result)
                                }
                            }
                        }
                    }
                }
            }
        }
        var transition = E.zero
        for (alpha, value) in zip(auxiliary.transitionCoefficients, values) { transition += alpha * value }
        let lastRowPoint = E(traceGenerator.power(UInt64(n - 1)))
        // z is outside the trace domain, so zⁿ − 1 and z − g^row are non-zero.
        var composition = transition * (z - lastRowPoint) * (try! (z.power(UInt64(n)) - .one).inverse())
        for (index, assertion) in auxiliary.assertions.enumerated() {
            let point = E(traceGenerator.power(UInt64(assertion.row)))
            let numerator = auxiliary.valuesAtZ[assertion.column] - assertion.value
            composition += auxiliary.boundaryCoefficients[index] * numerator * (try! (z - point).inverse())
        }
        return composition
    }

    /// The auxiliary columns' DEEP terms at a query position, from the opened auxiliary row:
    /// Σ γ_c·(A'_c(x) − A'_c(z))/(x − z) + Σ γ'_c·(A'_c(x) − A'_c(gz))/(x − gz).
    func auxiliaryDeepTerms(
        position: Int, row: ArraySlice<Goldilocks>, z: E, nextZ: E, auxiliary: AuxiliaryStatement<E>,
        coefficients: [E]
    ) -> E {
        let width = parameters.auxiliaryWidth
        let start = 2 * parameters.traceWidth + parameters.segmentCount + 1
        let omega = try! Goldilocks.rootOfUnity(order: parameters.domainSize)
        let x = E(parameters.domainOffset * omega.power(UInt64(position)))
        let values: [E] = ExtensionCoordinates.elements(row)
        var sumAtZ = E.zero
        var sumAtNextZ = E.zero
        for column in 0..<width {
            sumAtZ += coefficients[start + column] * (values[column] - auxiliary.valuesAtZ[column])
            sumAtNextZ += coefficients[start + width + column] * (values[column] - auxiliary.valuesAtNextZ[column])
        }
        // x lies in the evaluation domain and z, g·z do not, so both denominators are non-zero.
        return sumAtZ * (try! (x - z).inverse()) + sumAtNextZ * (try! (x - nextZ).inverse())
    }
}
