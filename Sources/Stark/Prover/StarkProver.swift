import Primitives
import StarkCrypto
import StarkMath
import Synchronization

/// Makes zero-knowledge STARK proofs for any ``AIR``.
///
/// Pipeline: trace → masked trace polynomials → coset low-degree extension → salted
/// Merkle commitment of rows → constraint composition over the extension domain →
/// composition polynomial split into randomised segments (plus a random DEEP mask) and
/// committed → out-of-domain values at z and g·z → DEEP composition → FRI → proof of
/// work → openings at the query positions.
///
/// All masking randomness (trace randomisers, composition randomisers, DEEP mask, leaf
/// salts) comes from the operating system's CSPRNG, so proving the same statement twice
/// gives unrelated proofs.
public enum StarkProver {
    /// Proves that `trace` satisfies `air` for `publicInputs`.
    ///
    /// The trace is checked row by row first, so a bad trace fails fast with the broken
    /// constraint and row instead of producing a proof the verifier would reject.
    /// - Throws: ``StarkError/constraintViolated(constraint:row:)`` for a bad trace; shape,
    ///   AIR and option errors as their ``StarkError`` cases.
    public static func prove<A: AIR>(
        air: A, trace: ExecutionTrace, publicInputs: [Goldilocks], options: ProofOptions = .default
    ) throws(StarkError) -> StarkProof {
        try ConstraintChecker.check(air: air, trace: trace, publicInputs: publicInputs)
        return try proveUnchecked(air: air, trace: trace, publicInputs: publicInputs, options: options)
    }

    /// The pipeline without the debug check: what a cheating prover would run on a
    /// tampered trace. Internal, for the soundness tests (`@testable import Stark`).
    static func proveUnchecked<A: AIR>(
        air: A, trace: ExecutionTrace, publicInputs: [Goldilocks], options: ProofOptions,
        checkCompositionDegree: Bool = false
    ) throws(StarkError) -> StarkProof {
        let parameters = try ProofParameters(air: air, options: options)
        guard trace.width == air.traceWidth, trace.length == air.traceLength else {
            throw .traceShapeMismatch(
                "the trace is \(trace.width)×\(trace.length) (columns×rows); the AIR expects "
                    + "\(air.traceWidth)×\(air.traceLength)")
        }
        let assertions = try ConstraintChecker.boundaryAssertions(air: air, publicInputs: publicInputs)
        switch options.fieldExtension {
        case .quadratic:
            return try ProverRun<QuadraticExtension>(
                air: air, parameters: parameters, assertions: assertions, publicInputs: publicInputs
            ).prove(trace: trace, checkCompositionDegree: checkCompositionDegree)
        case .cubic:
            return try ProverRun<CubicExtension>(
                air: air, parameters: parameters, assertions: assertions, publicInputs: publicInputs
            ).prove(trace: trace, checkCompositionDegree: checkCompositionDegree)
        }
    }
}

/// One proof in the making, with challenges from the extension field `E`.
///
/// Generic over the extension only: the AIR is held as an existential so that the
/// whole pipeline is specialised inside this module whatever module the AIR comes from
/// (only the per-row constraint call goes through the AIR's witness table).
struct ProverRun<E: FieldElement> {
    let air: any AIR
    let parameters: ProofParameters
    let assertions: [BoundaryAssertion]
    let publicInputs: [Goldilocks]
    /// The plan of the trace domain's size n: extensions to the N = n·blowup domain run
    /// as `blowup` transforms of size n (``NTTPlan/evaluateOnCoset(coefficients:offset:blowup:into:scratch:parallelism:)``).
    let tracePlan: NTTPlan
    let traceGenerator: Goldilocks
    let domainGenerator: Goldilocks

    init(air: any AIR, parameters: ProofParameters, assertions: [BoundaryAssertion], publicInputs: [Goldilocks]) {
        self.air = air
        self.parameters = parameters
        self.assertions = assertions
        self.publicInputs = publicInputs
        tracePlan = try! NTTPlan(size: parameters.traceLength)
        traceGenerator = tracePlan.rootOfUnity
        domainGenerator = try! Goldilocks.rootOfUnity(order: parameters.domainSize)
    }

    func prove(trace: ExecutionTrace, checkCompositionDegree: Bool) throws(StarkError) -> StarkProof {
        let n = parameters.traceLength
        let width = parameters.traceWidth
        let domainSize = parameters.domainSize
        let options = parameters.options
        var random = SecureRandomGenerator()
        var transcript = Transcript(air: air, options: options, publicInputs: publicInputs)

        // 1. Masked trace polynomials and their extension, committed with salts.
        let traceCoefficients = maskedTracePolynomials(trace, random: &random)
        let traceExtension = extend(traceCoefficients)
        let traceSalts = SecureRandomGenerator.salts(count: domainSize)
        let traceTree = commitRows(rowCount: domainSize, rowWidth: width, salts: traceSalts) { row, out in
            for column in 0..<width { out[column] = traceExtension.column(column)[row] }
        }
        transcript.absorb(label: "trace-root", digest: traceTree.root)

        // 2. Constraint composition over the evaluation domain.
        let transitionCoefficients = (0..<parameters.transitionCount).map { _ in transcript.drawElement(E.self) }
        let boundaryCoefficients = assertions.map { _ in transcript.drawElement(E.self) }
        let compositionValues = evaluateComposition(
            traceExtension, transitionCoefficients: transitionCoefficients, boundaryCoefficients: boundaryCoefficients)
        let compositionCoefficients = interpolateFromDomain(compositionValues)
        if checkCompositionDegree,
            let index = compositionCoefficients[parameters.compositionCoefficientCount...].firstIndex(where: {
                !$0.isZero
            })
        {
            throw .declaredDegreeTooLow(
                "the composition polynomial has a non-zero coefficient at degree \(index), above the declared bound "
                    + "\(parameters.compositionCoefficientCount - 1); check the AIR's transition constraint degrees")
        }
        let segments = randomizedSegments(compositionCoefficients, random: &random)
        let compositionExtension = extend(segments)
        let compositionSalts = SecureRandomGenerator.salts(count: domainSize)
        let compositionColumns = segments.count
        let degree = E.extensionDegree
        let compositionTree = commitRows(
            rowCount: domainSize, rowWidth: parameters.compositionRowWidth, salts: compositionSalts
        ) { row, out in
            for column in 0..<compositionColumns {
                Coordinates.write(compositionExtension.column(column)[row], to: out + column * degree)
            }
        }
        transcript.absorb(label: "composition-root", digest: compositionTree.root)

        // 3. Out-of-domain frame.
        let z: E = transcript.drawOutOfDomainPoint(parameters)
        let nextZ = z * traceGenerator
        let (traceAtZ, traceAtNextZ) = evaluateTrace(traceCoefficients, at: z, and: nextZ)
        let segmentCount = parameters.segmentCount
        var compositionAtZ = [E](repeating: .zero, count: segmentCount)
        compositionAtZ.withUnsafeMutableBufferPointer { values in
            Parallelism.automatic.forEachChunk(count: segmentCount, minimumChunk: 1) { range in
                for index in range { values[index] = Polynomial.evaluate(segments[index], at: z) }
            }
        }
        let outOfDomain = OutOfDomainValues(
            traceAtZ: Coordinates.flatten(traceAtZ), traceAtNextZ: Coordinates.flatten(traceAtNextZ),
            compositionAtZ: Coordinates.flatten(compositionAtZ))
        transcript.absorb(label: "out-of-domain", elements: outOfDomain.flattened)

        // 4. DEEP composition.
        let deepCoefficients = (0..<(2 * width + segmentCount + 1)).map { _ in transcript.drawElement(E.self) }
        let deepValues = deepComposition(
            traceCoefficients: traceCoefficients, segments: segments, z: z, nextZ: nextZ,
            coefficients: deepCoefficients)

        // 5. FRI.
        let fri = FRIProver<E>(parameters: parameters)
        let (layerTrees, layerValues, remainder) = fri.commit(deepValues, transcript: &transcript)
        let remainderCoordinates = Coordinates.flatten(remainder)
        transcript.absorb(label: "fri-remainder", elements: remainderCoordinates)

        // 6. Proof of work, then the queries.
        let nonce = Self.grind(transcript, bits: options.grindingBits)
        var nonceBytes = ByteWriter()
        nonceBytes.writeUInt64(nonce)
        transcript.absorb(label: "proof-of-work", bytes: nonceBytes.bytes)
        let positions = transcript.drawQueryPositions(count: options.queryCount, domainSize: domainSize)

        // 7. Openings.
        var traceValues = [Goldilocks]()
        var compositionValuesOpened = [Goldilocks]()
        traceValues.reserveCapacity(positions.count * width)
        compositionValuesOpened.reserveCapacity(positions.count * parameters.compositionRowWidth)
        let scratch = UnsafeMutablePointer<Goldilocks>.allocate(capacity: degree)
        defer { scratch.deallocate() }
        for position in positions {
            for column in 0..<width { traceValues.append(traceExtension.column(column)[position]) }
            for column in 0..<compositionColumns {
                Coordinates.write(compositionExtension.column(column)[position], to: scratch)
                for k in 0..<degree { compositionValuesOpened.append(scratch[k]) }
            }
        }
        let traceOpening = MerkleOpening(
            values: traceValues, salts: positions.map { traceSalts[$0] },
            siblings: try! traceTree.multiProof(for: positions).siblings)
        let compositionOpening = MerkleOpening(
            values: compositionValuesOpened, salts: positions.map { compositionSalts[$0] },
            siblings: try! compositionTree.multiProof(for: positions).siblings)
        let layerOpenings = fri.open(positions: positions, trees: layerTrees, values: layerValues)

        return StarkProof(
            traceLength: n, traceWidth: width, options: options, traceRoot: traceTree.root,
            compositionRoot: compositionTree.root, outOfDomain: outOfDomain,
            friLayerRoots: layerTrees.map(\.root), friRemainder: remainderCoordinates, proofOfWorkNonce: nonce,
            traceOpening: traceOpening, compositionOpening: compositionOpening, friLayerOpenings: layerOpenings)
    }

    // MARK: - Trace

    /// Each column interpolated over the trace domain H, then masked:
    /// T'(x) = T(x) + Z_H(x)·r(x) = T(x) − r(x) + xⁿ·r(x), with r of degree < h drawn from
    /// the CSPRNG. T' equals T on H (so the constraints still hold there) but its values
    /// anywhere else are uniformly random up to h of them.
    func maskedTracePolynomials(_ trace: ExecutionTrace, random: inout SecureRandomGenerator) -> [[Goldilocks]] {
        let n = parameters.traceLength
        let h = parameters.randomizerCount
        let plan = tracePlan
        let randomizers = (0..<parameters.traceWidth).map { _ in
            (0..<h).map { _ in Goldilocks.random(using: &random) }
        }
        var result = [[Goldilocks]](repeating: [], count: parameters.traceWidth)
        result.withUnsafeMutableBufferPointer { output in
            Parallelism.automatic.forEachChunk(count: parameters.traceWidth, minimumChunk: 1) { columns in
                for column in columns {
                    var coefficients = trace.columns[column]
                    plan.inverse(&coefficients, parallelism: .serial)
                    coefficients.append(contentsOf: repeatElement(.zero, count: h))
                    let mask = randomizers[column]
                    for k in 0..<h {
                        coefficients[k] = coefficients[k] - mask[k]
                        coefficients[n + k] = coefficients[n + k] + mask[k]
                    }
                    output[column] = coefficients
                }
            }
        }
        return result
    }

    /// The values of every polynomial on the evaluation domain, one column each.
    ///
    /// Columns run in parallel, one group per core, each transform serial with one
    /// scratch buffer per group; a single column spreads its transform over the cores.
    func extend<F: FieldElement>(_ polynomials: [[F]]) -> ColumnMatrix<F> {
        let domainSize = parameters.domainSize
        let matrix = ColumnMatrix<F>(rowCount: domainSize, columnCount: polynomials.count)
        let plan = tracePlan
        let offset = parameters.domainOffset
        let blowup = parameters.options.blowupFactor
        let columnCount = polynomials.count
        let perColumn: Parallelism = columnCount > 1 ? .serial : .automatic
        let groups = max(1, min(columnCount, Parallelism.coreCount))
        Parallelism.automatic.forEachChunk(count: columnCount, minimumChunk: (columnCount + groups - 1) / groups) {
            columns in
            let scratch = UnsafeMutableBufferPointer<F>.allocate(capacity: domainSize)
            defer { scratch.deallocate() }
            for column in columns {
                polynomials[column].withUnsafeBufferPointer { coefficients in
                    plan.evaluateOnCoset(
                        coefficients: coefficients, offset: offset, blowup: blowup,
                        into: UnsafeMutableBufferPointer(start: matrix.column(column), count: domainSize),
                        scratch: scratch, parallelism: perColumn)
                }
            }
        }
        return matrix
    }

    /// The values on the evaluation domain of one polynomial (at most N coefficients).
    func evaluateOnDomain<F: FieldElement>(_ coefficients: [F]) -> [F] {
        let domainSize = parameters.domainSize
        let scratch = UnsafeMutableBufferPointer<F>.allocate(capacity: domainSize)
        defer { scratch.deallocate() }
        return [F](unsafeUninitializedCapacity: domainSize) { output, initialized in
            coefficients.withUnsafeBufferPointer { coefficients in
                tracePlan.evaluateOnCoset(
                    coefficients: coefficients, offset: parameters.domainOffset,
                    blowup: parameters.options.blowupFactor, into: output, scratch: scratch)
            }
            initialized = domainSize
        }
    }

    /// The N coefficients of the polynomial with these values on the evaluation domain.
    func interpolateFromDomain<F: FieldElement>(_ values: [F]) -> [F] {
        let domainSize = parameters.domainSize
        let scratch = UnsafeMutableBufferPointer<F>.allocate(capacity: domainSize)
        defer { scratch.deallocate() }
        return [F](unsafeUninitializedCapacity: domainSize) { output, initialized in
            values.withUnsafeBufferPointer { values in
                tracePlan.interpolateFromCoset(
                    evaluations: values, offset: parameters.domainOffset,
                    blowup: parameters.options.blowupFactor, into: output, scratch: scratch)
            }
            initialized = domainSize
        }
    }

    /// T'(z) and T'(g·z) for every column (Horner on the masked coefficients).
    func evaluateTrace(_ coefficients: [[Goldilocks]], at z: E, and nextZ: E) -> ([E], [E]) {
        let width = coefficients.count
        var atZ = [E](repeating: .zero, count: width)
        var atNextZ = [E](repeating: .zero, count: width)
        atZ.withUnsafeMutableBufferPointer { atZ in
            atNextZ.withUnsafeMutableBufferPointer { atNextZ in
                Parallelism.automatic.forEachChunk(count: width, minimumChunk: 1) { columns in
                    for column in columns {
                        atZ[column] = Polynomial.evaluate(coefficients[column], atExtensionPoint: z)
                        atNextZ[column] = Polynomial.evaluate(coefficients[column], atExtensionPoint: nextZ)
                    }
                }
            }
        }
        return (atZ, atNextZ)
    }

    // MARK: - Composition

    /// C(x) = Σ αⱼ·cⱼ(x)·(x − g^(n−1))/(xⁿ − 1) + Σ βₖ·(T'_col(x) − vₖ)/(x − g^rowₖ) on every
    /// point of the evaluation domain. The transition divisor exempts the last row.
    func evaluateComposition(
        _ trace: ColumnMatrix<Goldilocks>, transitionCoefficients: [E], boundaryCoefficients: [E]
    ) -> [E] {
        let n = parameters.traceLength
        let domainSize = parameters.domainSize
        let blowup = parameters.options.blowupFactor
        let width = parameters.traceWidth
        let offset = parameters.domainOffset
        let omega = domainGenerator
        let lastRowPoint = traceGenerator.power(UInt64(n - 1))

        // 1/(xⁿ − 1) takes only `blowup` values on the coset: xᵢⁿ = cⁿ·ω_b^i.
        let offsetToN = offset.power(UInt64(n))
        let blowupRoot = try! Goldilocks.rootOfUnity(order: blowup)
        let vanishingInverses = try! Goldilocks.batchInverse(
            (0..<blowup).map { offsetToN * blowupRoot.power(UInt64($0)) - .one })

        // Periodic columns, extended: a column of period P repeats with period blowup·P.
        let periodicTables: [[Goldilocks]] = air.periodicColumns.map { values in
            let period = values.count
            let coefficients = try! Polynomial.interpolateOnSubgroup(values)
            let plan = try! NTTPlan(size: period * blowup)
            return plan.evaluateOnCoset(coefficients: coefficients, offset: offset.power(UInt64(n / period)))
        }

        // Boundary assertions grouped by row: Σ βₖ·T'_col(x) − Σ βₖ·vₖ over (x − g^row).
        let rows = Array(Set(assertions.map(\.row))).sorted()
        let groups: [(inverses: [Goldilocks], columns: [Int], coefficients: [E], constant: E)] = rows.map { row in
            let point = traceGenerator.power(UInt64(row))
            var inverses = [Goldilocks](repeating: .zero, count: domainSize)
            inverses.withUnsafeMutableBufferPointer { buffer in
                Parallelism.automatic.forEachChunk(count: domainSize, minimumChunk: 1 << 14) { range in
                    var x = offset * omega.power(UInt64(range.lowerBound))
                    for i in range {
                        buffer[i] = x - point
                        x = x * omega
                    }
                    try! Goldilocks.batchInvert(UnsafeMutableBufferPointer(rebasing: buffer[range]))
                }
            }
            var columns = [Int]()
            var coefficients = [E]()
            var constant = E.zero
            for (index, assertion) in assertions.enumerated() where assertion.row == row {
                columns.append(assertion.column)
                coefficients.append(boundaryCoefficients[index])
                constant += boundaryCoefficients[index] * assertion.value
            }
            return (inverses, columns, coefficients, constant)
        }

        let transitionCount = parameters.transitionCount
        let periodicCount = periodicTables.count
        // Flat tables for the hot loop: periodic values, and each boundary group's
        // columns, coefficients, constant and inverse denominators.
        var periodicFlat = [Goldilocks]()
        var periodicOffsets = [Int]()
        var periodicMasks = [Int]()
        for table in periodicTables {
            periodicOffsets.append(periodicFlat.count)
            periodicMasks.append(table.count - 1)
            periodicFlat.append(contentsOf: table)
        }
        var groupColumns = [Int]()
        var groupCoefficients = [E]()
        var groupBounds = [0]
        var groupConstants = [E]()
        var groupInverses = [Goldilocks]()
        for group in groups {
            groupColumns.append(contentsOf: group.columns)
            groupCoefficients.append(contentsOf: group.coefficients)
            groupBounds.append(groupColumns.count)
            groupConstants.append(group.constant)
            groupInverses.append(contentsOf: group.inverses)
        }
        let groupCount = groups.count
        let air = self.air
        var result = [E](repeating: .zero, count: domainSize)
        result.withUnsafeMutableBufferPointer { output in
            transitionCoefficients.withUnsafeBufferPointer { alphas in
                periodicFlat.withUnsafeBufferPointer { periodicFlat in
                    periodicOffsets.withUnsafeBufferPointer { periodicOffsets in
                        periodicMasks.withUnsafeBufferPointer { periodicMasks in
                            groupColumns.withUnsafeBufferPointer { groupColumns in
                                groupCoefficients.withUnsafeBufferPointer { groupCoefficients in
                                    groupBounds.withUnsafeBufferPointer { groupBounds in
                                        groupConstants.withUnsafeBufferPointer { groupConstants in
                                            groupInverses.withUnsafeBufferPointer { groupInverses in
                                                vanishingInverses.withUnsafeBufferPointer { vanishingInverses in
                                                    Parallelism.automatic.forEachChunk(
                                                        count: domainSize, minimumChunk: 1 << 12
                                                    ) { range in
                                                        let current = UnsafeMutableBufferPointer<Goldilocks>.allocate(
                                                            capacity: width)
                                                        let next = UnsafeMutableBufferPointer<Goldilocks>.allocate(
                                                            capacity: width)
                                                        let periodic = UnsafeMutableBufferPointer<Goldilocks>.allocate(
                                                            capacity: max(1, periodicCount))
                                                        let values = UnsafeMutableBufferPointer<Goldilocks>.allocate(
                                                            capacity: transitionCount)
                                                        defer {
                                                            current.deallocate()
                                                            next.deallocate()
                                                            periodic.deallocate()
                                                            values.deallocate()
                                                        }
                                                        let periodicView = UnsafeBufferPointer(
                                                            rebasing: periodic[0..<periodicCount])
                                                        let columns = (0..<width).map { trace.column($0) }
                                                        columns.withUnsafeBufferPointer { columns in
                                                            var x = offset * omega.power(UInt64(range.lowerBound))
                                                            for i in range {
                                                                let nextRow = (i + blowup) & (domainSize - 1)
                                                                for column in 0..<width {
                                                                    current[column] = columns[column][i]
                                                                    next[column] = columns[column][nextRow]
                                                                }
                                                                for k in 0..<periodicCount {
                                                                    periodic[k] =
                                                                        periodicFlat[
                                                                            periodicOffsets[k] + (i & periodicMasks[k])]
                                                                }
                                                                air.evaluateTransitionOnBaseField(
                                                                    current: UnsafeBufferPointer(current),
                                                                    next: UnsafeBufferPointer(next),
                                                                    periodicValues: periodicView, result: values)
                                                                var transition = E.zero
                                                                for j in 0..<transitionCount {
                                                                    transition += alphas[j] * values[j]
                                                                }
                                                                var total =
                                                                    transition
                                                                    * ((x - lastRowPoint)
                                                                        * vanishingInverses[i & (blowup - 1)])
                                                                for group in 0..<groupCount {
                                                                    var sum = E.zero
                                                                    for k in groupBounds[group]..<groupBounds[group + 1]
                                                                    {
                                                                        sum +=
                                                                            groupCoefficients[k]
                                                                            * columns[groupColumns[k]][i]
                                                                    }
                                                                    total +=
                                                                        (sum - groupConstants[group])
                                                                        * groupInverses[group * domainSize + i]
                                                                }
                                                                output[i] = total
                                                                x = x * omega
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Splits C into k segments of n coefficients (C = Σ x^(i·n)·Sᵢ) and randomises them
    /// so that Σ x^(i·n)·S'ᵢ = C still holds: S'ᵢ = Sᵢ − rᵢ + xⁿ·rᵢ₊₁ with r₀ = r_k = 0 and
    /// the other rᵢ random of degree < h. Appends the DEEP mask: a random polynomial of
    /// degree < n + h − 1, which hides the FRI layers' values.
    func randomizedSegments(_ coefficients: [E], random: inout SecureRandomGenerator) -> [[E]] {
        let n = parameters.traceLength
        let h = parameters.randomizerCount
        let k = parameters.segmentCount
        let randomizers: [[E]] = (0...k).map { index in
            index == 0 || index == k ? [] : (0..<h).map { _ in E.random(using: &random) }
        }
        var segments = [[E]]()
        for index in 0..<k {
            var segment = [E](repeating: .zero, count: n + h)
            for j in 0..<n { segment[j] = coefficients[index * n + j] }
            for (j, value) in randomizers[index].enumerated() { segment[j] -= value }
            for (j, value) in randomizers[index + 1].enumerated() { segment[n + j] += value }
            segments.append(segment)
        }
        segments.append((0..<parameters.deepCoefficientCount).map { _ in E.random(using: &random) })
        return segments
    }

    // MARK: - DEEP

    /// D(x) = Σ γ_c·(T'_c(x) − T'_c(z))/(x − z) + Σ γ'_c·(T'_c(x) − T'_c(gz))/(x − gz)
    ///      + Σ δᵢ·(S'ᵢ(x) − S'ᵢ(z))/(x − z) + ε·R(x), on every point of the domain.
    ///
    /// Computed in coefficient space: A = Σ γ_c·T'_c + Σ δᵢ·S'ᵢ and B = Σ γ'_c·T'_c are
    /// combined coefficient by coefficient, divided by x − z and x − gz (the remainders
    /// are A(z) and B(gz)), and the sum is extended once, instead of dividing every
    /// column pointwise on the whole domain.
    func deepComposition(
        traceCoefficients: [[Goldilocks]], segments: [[E]], z: E, nextZ: E, coefficients: [E]
    ) -> [E] {
        let width = parameters.traceWidth
        let segmentCount = parameters.segmentCount
        let count = parameters.maskedCoefficientCount
        let atZ = Array(coefficients[0..<width])
        let atNextZ = Array(coefficients[width..<(2 * width)])
        let atSegments = Array(coefficients[(2 * width)..<(2 * width + segmentCount)])
        let maskCoefficient = coefficients[2 * width + segmentCount]
        var combinedAtZ = [E](repeating: .zero, count: count)
        var combinedAtNextZ = [E](repeating: .zero, count: count)
        combinedAtZ.withUnsafeMutableBufferPointer { combinedAtZ in
            combinedAtNextZ.withUnsafeMutableBufferPointer { combinedAtNextZ in
                Parallelism.automatic.forEachChunk(count: count, minimumChunk: 1 << 12) { range in
                    for column in 0..<width {
                        traceCoefficients[column].withUnsafeBufferPointer { values in
                            for j in range {
                                combinedAtZ[j] += atZ[column] * values[j]
                                combinedAtNextZ[j] += atNextZ[column] * values[j]
                            }
                        }
                    }
                    for segment in 0..<segmentCount {
                        segments[segment].withUnsafeBufferPointer { values in
                            for j in range { combinedAtZ[j] += atSegments[segment] * values[j] }
                        }
                    }
                }
            }
        }
        // The two divisions are serial recurrences; they run side by side.
        var quotientAtZ = [E]()
        var quotientAtNextZ = [E]()
        withUnsafeMutablePointer(to: &quotientAtZ) { quotientAtZ in
            withUnsafeMutablePointer(to: &quotientAtNextZ) { quotientAtNextZ in
                Parallelism.automatic.forEachChunk(count: 2, minimumChunk: 1) { range in
                    for index in range {
                        if index == 0 {
                            quotientAtZ.pointee = Polynomial.divideByLinear(combinedAtZ, root: z).quotient
                        } else {
                            quotientAtNextZ.pointee = Polynomial.divideByLinear(combinedAtNextZ, root: nextZ).quotient
                        }
                    }
                }
            }
        }
        let mask = segments[segmentCount]
        var deep = [E](repeating: .zero, count: parameters.deepCoefficientCount)
        for j in 0..<deep.count { deep[j] = quotientAtZ[j] + quotientAtNextZ[j] + maskCoefficient * mask[j] }
        return evaluateOnDomain(deep)
    }

    // MARK: - Proof of work

    /// The smallest nonce whose proof-of-work hash has `bits` leading zeros, searched on
    /// all cores in batches.
    static func grind(_ transcript: Transcript, bits: Int) -> UInt64 {
        guard bits > 0 else { return 0 }
        let batch = 1 << 14
        var start: UInt64 = 0
        while true {
            let found = Mutex<UInt64>(.max)
            let base = start
            Parallelism.automatic.forEachChunk(count: batch, minimumChunk: batch / 8) { range in
                for offset in range {
                    let nonce = base + UInt64(offset)
                    if transcript.proofOfWorkZeros(nonce: nonce) >= bits {
                        found.withLock { $0 = min($0, nonce) }
                        return
                    }
                }
            }
            let nonce = found.withLock { $0 }
            if nonce != .max { return nonce }
            start += UInt64(batch)
        }
    }
}
