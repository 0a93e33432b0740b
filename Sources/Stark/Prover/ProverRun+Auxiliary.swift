import StarkMath

/// Which debug checks and cheating hooks a proof run uses (``StarkProver/proveUnchecked``).
struct ProverChecks {
    /// Check that the composition polynomial has the declared degree.
    var compositionDegree = false
    /// Check the auxiliary segment's constraints with the drawn challenges.
    var auxiliaryConstraints = false
    /// Test hook: auxiliary challenges (flat coordinates) to use instead of drawn ones.
    var auxiliaryChallengeOverride: [Goldilocks]?
}

/// The auxiliary segment of one proof: its challenges, its assertions for them, and its
/// masked polynomials with their salted commitment.
struct AuxiliarySegment<E: FieldElement> {
    let challenges: [E]
    let assertions: [AuxiliaryBoundaryAssertion<E>]
    let committed: CommittedColumns<E>
}

/// What the composition loop needs for the auxiliary constraints and assertions.
struct AuxiliaryCompositionTables<E: FieldElement>: @unchecked Sendable {
    /// The masked auxiliary polynomials, their commitment and (if kept) their extension.
    let committed: CommittedColumns<E>
    let challenges: [E]
    /// One coefficient per auxiliary transition constraint.
    let alphas: [E]
    /// Auxiliary assertions grouped by row.
    let boundary: BoundaryGroups<E>
}

/// The composition loop's auxiliary buffers for one coset: the auxiliary polynomials'
/// extension there and 1/(x − g^row) for each assertion row.
struct AuxiliaryCoset<E: FieldElement>: @unchecked Sendable {
    let columns: ColumnMatrix<E>
    let boundaryInverses: ColumnMatrix<Goldilocks>
}

// MARK: - Auxiliary segment

extension ProverRun {
    /// Draws the auxiliary challenges (the main trace root is already absorbed), builds,
    /// masks, extends and commits the auxiliary columns, and absorbs their root.
    /// Returns `nil` for an AIR without an auxiliary segment, touching nothing.
    func commitAuxiliary(
        trace: ExecutionTrace, checks: ProverChecks, random: inout SecureRandomGenerator,
        transcript: inout Transcript
    ) throws(StarkError) -> AuxiliarySegment<E>? {
        guard parameters.auxiliaryWidth > 0 else { return nil }
        let count = parameters.auxiliaryChallengeCount
        var challenges = (0..<count).map { _ in transcript.drawElement(E.self) }
        if let override = checks.auxiliaryChallengeOverride {
            precondition(override.count == count * E.extensionDegree, "the override needs every challenge")
            challenges = ExtensionCoordinates.elements(override)
        }
        let columns = try ConstraintChecker.auxiliaryTrace(air: air, main: trace, challenges: challenges)
        let assertions = try ConstraintChecker.auxiliaryBoundaryAssertions(
            air: air, publicInputs: publicInputs, challenges: challenges)
        if checks.auxiliaryConstraints {
            try ConstraintChecker.checkAuxiliary(
                air: air, main: trace, auxiliary: columns, challenges: challenges, assertions: assertions)
        }
        let committed = commit(maskedPolynomials(columns, random: &random), keep: kept.auxiliary)
        transcript.absorb(label: "auxiliary-root", digest: committed.tree.root)
        return AuxiliarySegment(challenges: challenges, assertions: assertions, committed: committed)
    }

    /// The auxiliary columns at z and g·z, as flat coordinates.
    func auxiliaryValues(_ segment: AuxiliarySegment<E>, z: E, nextZ: E) -> (atZ: [Goldilocks], atNextZ: [Goldilocks]) {
        let polynomials = segment.committed.polynomials
        let atZ = polynomials.map { Polynomial.evaluate($0, at: z) }
        let atNextZ = polynomials.map { Polynomial.evaluate($0, at: nextZ) }
        return (Coordinates.flatten(atZ), Coordinates.flatten(atNextZ))
    }

    /// The auxiliary assertions grouped by row with their coefficients βₖ, as for the main
    /// assertions (``boundaryGroups(coefficients:)``), values in E.
    func auxiliaryCompositionTables(
        _ segment: AuxiliarySegment<E>, transitionCoefficients: [E], boundaryCoefficients: [E]
    ) -> AuxiliaryCompositionTables<E> {
        var groups = BoundaryGroups<E>()
        let assertions = segment.assertions
        for row in Array(Set(assertions.map(\.row))).sorted() {
            groups.points.append(traceGenerator.power(UInt64(row)))
            var constant = E.zero
            for (index, assertion) in assertions.enumerated() where assertion.row == row {
                groups.columns.append(assertion.column)
                groups.coefficients.append(boundaryCoefficients[index])
                constant += boundaryCoefficients[index] * assertion.value
            }
            groups.bounds.append(groups.columns.count)
            groups.constants.append(constant)
        }
        return AuxiliaryCompositionTables(
            committed: segment.committed, challenges: segment.challenges, alphas: transitionCoefficients,
            boundary: groups)
    }

    /// Adds the auxiliary part of the composition at the points b·i + k, i in `range`, to
    /// `output` (coset k, whose extensions `trace` and `auxiliaryCoset` hold):
    /// Σ αⱼ·aⱼ(x)·(x − g^(n−1))/(xⁿ − 1) + Σ βₖ·(A'_col(x) − vₖ)/(x − g^rowₖ). Main and
    /// periodic values stay in the base field (``AuxiliaryBaseFrame``); one set of buffers
    /// per call (per chunk).
    func addAuxiliaryComposition(
        coset k: Int, at range: Range<Int>, trace: ColumnMatrix<Goldilocks>, auxiliary: AuxiliaryCompositionTables<E>,
        auxiliaryCoset: AuxiliaryCoset<E>, kernel: CompositionKernel<E>, into output: UnsafeMutableBufferPointer<E>
    ) {
        let air = self.air
        let n = parameters.traceLength
        let blowup = parameters.options.blowupFactor
        let step = domainGenerator.power(UInt64(blowup))
        let vanishingInverse = kernel.vanishingInverses[k]
        let width = parameters.traceWidth
        let auxiliaryWidth = parameters.auxiliaryWidth
        let constraintCount = parameters.auxiliaryTransitionCount
        let periodicCount = kernel.periodicOffsets.count
        let boundary = auxiliary.boundary
        let groupCount = boundary.constants.count
        let challengeCount = auxiliary.challenges.count
        let size =
            2 * auxiliaryWidth + challengeCount + 2 * constraintCount + boundary.coefficients.count + groupCount
        let buffer = UnsafeMutableBufferPointer<E>.allocate(capacity: max(1, size))
        buffer.initialize(repeating: .zero)
        let baseBuffer = UnsafeMutableBufferPointer<Goldilocks>.allocate(capacity: max(1, 2 * width + periodicCount))
        baseBuffer.initialize(repeating: .zero)
        defer {
            buffer.deallocate()
            baseBuffer.deallocate()
        }
        var cursor = 0
        func slice(_ count: Int) -> UnsafeMutableBufferPointer<E> {
            defer { cursor += count }
            return UnsafeMutableBufferPointer(rebasing: buffer[cursor..<(cursor + count)])
        }
        let mainCurrent = UnsafeMutableBufferPointer(rebasing: baseBuffer[0..<width])
        let mainNext = UnsafeMutableBufferPointer(rebasing: baseBuffer[width..<(2 * width)])
        let periodic = UnsafeMutableBufferPointer(rebasing: baseBuffer[(2 * width)..<(2 * width + periodicCount)])
        let (auxiliaryCurrent, auxiliaryNext) = (slice(auxiliaryWidth), slice(auxiliaryWidth))
        let challenges = slice(challengeCount)
        let values = slice(constraintCount)
        let alphas = slice(constraintCount)
        let coefficients = slice(boundary.coefficients.count)
        let constants = slice(groupCount)
        _ = challenges.initialize(from: auxiliary.challenges)
        _ = alphas.initialize(from: auxiliary.alphas)
        _ = coefficients.initialize(from: boundary.coefficients)
        _ = constants.initialize(from: boundary.constants)
        let frame = AuxiliaryBaseFrame(
            mainCurrent: UnsafeBufferPointer(mainCurrent), mainNext: UnsafeBufferPointer(mainNext),
            auxiliaryCurrent: UnsafeBufferPointer(auxiliaryCurrent), auxiliaryNext: UnsafeBufferPointer(auxiliaryNext),
            challenges: UnsafeBufferPointer(challenges), periodicValues: UnsafeBufferPointer(periodic))
        let mainColumns = (0..<width).map { trace.column($0) }
        let auxiliaryColumns = (0..<auxiliaryWidth).map { auxiliaryCoset.columns.column($0) }
        let inverses = auxiliaryCoset.boundaryInverses
        let groupColumns = boundary.columns
        let groupBounds = boundary.bounds
        do {
            var x = parameters.domainOffset * domainGenerator.power(UInt64(range.lowerBound * blowup + k))
            for i in range {
                let position = i * blowup + k
                let nextRow = (i + 1) & (n - 1)
                for column in 0..<width {
                    mainCurrent[column] = mainColumns[column][i]
                    mainNext[column] = mainColumns[column][nextRow]
                }
                for column in 0..<auxiliaryWidth {
                    auxiliaryCurrent[column] = auxiliaryColumns[column][i]
                    auxiliaryNext[column] = auxiliaryColumns[column][nextRow]
                }
                for p in 0..<periodicCount {
                    periodic[p] =
                        kernel.periodicValues[kernel.periodicOffsets[p] + (position & kernel.periodicMasks[p])]
                }
                air.evaluateAuxiliaryTransitionOnBaseField(frame: frame, result: values)
                var transition = E.zero
                for j in 0..<constraintCount { transition += alphas[j] * values[j] }
                var total = transition * ((x - kernel.lastRowPoint) * vanishingInverse)
                for group in 0..<groupCount {
                    var sum = E.zero
                    for g in groupBounds[group]..<groupBounds[group + 1] {
                        sum += coefficients[g] * auxiliaryColumns[groupColumns[g]][i]
                    }
                    total += (sum - constants[group]) * inverses.column(group)[i]
                }
                output[position] += total
                x = x * step
            }
        }
    }
}
