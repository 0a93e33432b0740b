import Primitives
import StarkCrypto
import StarkMath
import Locking

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
    /// The most memory the prover spends on keeping low-degree extensions whole: 2 GiB.
    ///
    /// The trace's extension (N rows) is kept from its commitment to the openings when
    /// it fits this budget, then the auxiliary segment's and the composition's if they
    /// fit what is left (``KeptExtensions``); the composition and the openings read a
    /// kept extension instead of extending again. The others are streamed: extended one
    /// coset at a time (twice for the trace and auxiliary segment) and their opened rows
    /// evaluated from the coefficients. With the batch AIR v3 a 2¹⁶-row trace keeps all
    /// three (about 0.6 GB), a 2¹⁸-row one the trace's and the auxiliary segment's
    /// (1.8 GB), so both prove about as fast as with whole extensions; from 2¹⁹ rows
    /// (the trace's alone would take 2.9 GB; 5.8 GB at 2²⁰) everything is streamed.
    public static let keptExtensionBytes = 2 << 30

    /// Proves that `trace` satisfies `air` for `publicInputs`.
    ///
    /// The trace is checked row by row first, so a bad trace fails fast with the broken
    /// constraint and row instead of producing a proof the verifier would reject.
    /// - Throws: ``StarkError/constraintViolated(constraint:row:)`` for a bad trace; shape,
    ///   AIR and option errors as their ``StarkError`` cases.
    ///
    /// The trace is taken (`consuming`): the pipeline lets go of it once the auxiliary
    /// segment is built, so a caller that passes its last reference (`consume trace`)
    /// does not hold it through the rest of the proof.
    public static func prove<A: AIR>(
        air: A, trace: consuming ExecutionTrace, publicInputs: [Goldilocks], options: ProofOptions = .default
    ) throws(StarkError) -> StarkProof {
        try ConstraintChecker.checkMain(air: air, trace: trace, publicInputs: publicInputs)
        // The auxiliary segment is checked inside the pipeline, with the challenges drawn
        // from the transcript after the main commitment.
        return try proveUnchecked(
            air: air, trace: consume trace, publicInputs: publicInputs, options: options,
            checkAuxiliaryConstraints: true)
    }

    /// The pipeline without the debug check: what a cheating prover would run on a
    /// tampered trace. Internal, for the soundness tests (`@testable import Stark`).
    /// - Parameters:
    ///   - checkAuxiliaryConstraints: run the debug check on the auxiliary segment once
    ///     its challenges are drawn (``prove(air:trace:publicInputs:options:)`` does).
    ///   - auxiliaryChallengeOverride: a cheating prover's hook: build the auxiliary
    ///     segment with these challenges (flat extension coordinates) instead of the ones
    ///     the transcript gives after the main commitment.
    ///   - keptExtensionBytes: the budget for keeping extensions whole (tests set 0 to
    ///     prove small traces the way large ones are proved).
    static func proveUnchecked<A: AIR>(
        air: A, trace: consuming ExecutionTrace, publicInputs: [Goldilocks], options: ProofOptions,
        checkCompositionDegree: Bool = false, checkAuxiliaryConstraints: Bool = false,
        auxiliaryChallengeOverride: [Goldilocks]? = nil, keptExtensionBytes: Int = keptExtensionBytes
    ) throws(StarkError) -> StarkProof {
        let parameters = try ProofParameters(air: air, options: options)
        guard trace.width == air.traceWidth, trace.length == air.traceLength else {
            throw .traceShapeMismatch(
                "the trace is \(trace.width)×\(trace.length) (columns×rows); the AIR expects "
                    + "\(air.traceWidth)×\(air.traceLength)")
        }
        let assertions = try ConstraintChecker.boundaryAssertions(air: air, publicInputs: publicInputs)
        let checks = ProverChecks(
            compositionDegree: checkCompositionDegree, auxiliaryConstraints: checkAuxiliaryConstraints,
            auxiliaryChallengeOverride: auxiliaryChallengeOverride)
        switch options.fieldExtension {
        case .quadratic:
            return try ProverRun<QuadraticExtension>(
                air: air, parameters: parameters, assertions: assertions, publicInputs: publicInputs,
                keptExtensionBytes: keptExtensionBytes
            ).prove(trace: consume trace, checks: checks)
        case .cubic:
            return try ProverRun<CubicExtension>(
                air: air, parameters: parameters, assertions: assertions, publicInputs: publicInputs,
                keptExtensionBytes: keptExtensionBytes
            ).prove(trace: consume trace, checks: checks)
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
    /// Which commitments keep their extension whole (``StarkProver/keptExtensionBytes``).
    let kept: KeptExtensions

    init(
        air: any AIR, parameters: ProofParameters, assertions: [BoundaryAssertion], publicInputs: [Goldilocks],
        keptExtensionBytes: Int = StarkProver.keptExtensionBytes
    ) {
        self.air = air
        self.parameters = parameters
        self.assertions = assertions
        self.publicInputs = publicInputs
        tracePlan = try! NTTPlan(size: parameters.traceLength)
        traceGenerator = tracePlan.rootOfUnity
        domainGenerator = try! Goldilocks.rootOfUnity(order: parameters.domainSize)
        kept = KeptExtensions(
            parameters: parameters, extensionElementBytes: MemoryLayout<E>.stride, budget: keptExtensionBytes)
    }

    func prove(trace: consuming ExecutionTrace, checks: ProverChecks) throws(StarkError) -> StarkProof {
        let options = parameters.options
        var random = SecureRandomGenerator()
        var transcript = Transcript(air: air, options: options, publicInputs: publicInputs)

        // 1. Masked trace polynomials and their extension, committed with salts.
        let committedTrace = commit(maskedPolynomials(trace.columns, random: &random), keep: kept.trace)
        transcript.absorb(label: "trace-root", digest: committedTrace.tree.root)

        // 1b. The auxiliary segment (if any), from challenges drawn only now; committed
        //     with salts like the main trace.
        let auxiliary = try commitAuxiliary(trace: trace, checks: checks, random: &random, transcript: &transcript)
        // The trace's last use: from here on only its polynomials are needed.
        _ = consume trace

        // 2. Constraint composition over the evaluation domain, split into randomised
        //    segments (plus the DEEP mask) and committed with salts.
        let committedComposition = try commitComposition(
            trace: committedTrace, auxiliary: auxiliary, checkDegree: checks.compositionDegree,
            random: &random, transcript: &transcript)
        let segments = committedComposition.polynomials
        transcript.absorb(label: "composition-root", digest: committedComposition.tree.root)

        // 3. Out-of-domain frame.
        let z: E = transcript.drawOutOfDomainPoint(parameters)
        let nextZ = z * traceGenerator
        let outOfDomain = outOfDomainValues(
            traceCoefficients: committedTrace.polynomials, segments: segments, z: z, nextZ: nextZ)
        transcript.absorb(label: "out-of-domain", elements: outOfDomain.flattened)
        let auxiliaryOutOfDomain = auxiliary.map { (segment: $0, values: auxiliaryValues($0, z: z, nextZ: nextZ)) }
        if let values = auxiliaryOutOfDomain?.values {
            transcript.absorb(label: "auxiliary-out-of-domain", elements: values.atZ + values.atNextZ)
        }

        // 4. DEEP composition.
        let deepCoefficients = (0..<parameters.deepChallengeCount).map { _ in transcript.drawElement(E.self) }
        let deepValues = deepComposition(
            traceCoefficients: committedTrace.polynomials,
            auxiliaryCoefficients: auxiliary?.committed.polynomials ?? [], segments: segments, z: z, nextZ: nextZ,
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
        let positions = transcript.drawQueryPositions(count: options.queryCount, domainSize: parameters.domainSize)

        // 7. Openings.
        return StarkProof(
            traceLength: parameters.traceLength, traceWidth: parameters.traceWidth, options: options,
            traceRoot: committedTrace.tree.root, compositionRoot: committedComposition.tree.root,
            outOfDomain: outOfDomain, friLayerRoots: layerTrees.map(\.root), friRemainder: remainderCoordinates,
            proofOfWorkNonce: nonce, traceOpening: committedTrace.opening(at: positions),
            compositionOpening: committedComposition.opening(at: positions),
            friLayerOpenings: fri.open(positions: positions, trees: layerTrees, values: layerValues),
            auxiliary: auxiliaryOutOfDomain.map { segment, values in
                AuxiliarySegmentProof(
                    root: segment.committed.tree.root, valuesAtZ: values.atZ, valuesAtNextZ: values.atNextZ,
                    opening: segment.committed.opening(at: positions))
            })
    }

    // MARK: - Commitments

    /// Draws the composition coefficients, evaluates C on the evaluation domain,
    /// interpolates it, and commits to its randomised segments and the DEEP mask.
    /// - Throws: ``StarkError/declaredDegreeTooLow(_:)`` if `checkDegree` and C has a
    ///   coefficient above the degree the AIR declares.
    func commitComposition(
        trace: CommittedColumns<Goldilocks>, auxiliary: AuxiliarySegment<E>?, checkDegree: Bool,
        random: inout SecureRandomGenerator, transcript: inout Transcript
    ) throws(StarkError) -> CommittedColumns<E> {
        let transitionCoefficients = (0..<parameters.transitionCount).map { _ in transcript.drawElement(E.self) }
        let boundaryCoefficients = assertions.map { _ in transcript.drawElement(E.self) }
        // Auxiliary coefficients come after the main ones, so an AIR without an auxiliary
        // segment draws exactly what it always did.
        let auxiliaryTables = auxiliary.map { segment in
            let alphas = (0..<parameters.auxiliaryTransitionCount).map { _ in transcript.drawElement(E.self) }
            let betas = segment.assertions.map { _ in transcript.drawElement(E.self) }
            return auxiliaryCompositionTables(segment, transitionCoefficients: alphas, boundaryCoefficients: betas)
        }
        // Each buffer is let go as soon as the next step has read it: the values once
        // interpolated, the N coefficients once split into segments.
        var compositionValues = evaluateComposition(
            trace, transitionCoefficients: transitionCoefficients, boundaryCoefficients: boundaryCoefficients,
            auxiliary: auxiliaryTables)
        var compositionCoefficients = interpolateFromDomain(compositionValues)
        compositionValues = []
        if checkDegree { try checkCompositionDegree(compositionCoefficients) }
        let segments = randomizedSegments(compositionCoefficients, random: &random)
        compositionCoefficients = []
        return commit(segments, keep: kept.composition)
    }

    /// T'(z) and T'(g·z) for every trace column, and every composition segment at z.
    func outOfDomainValues(traceCoefficients: [[Goldilocks]], segments: [[E]], z: E, nextZ: E) -> OutOfDomainValues {
        let (traceAtZ, traceAtNextZ) = evaluateTrace(traceCoefficients, at: z, and: nextZ)
        let segmentCount = parameters.segmentCount
        var compositionAtZ = [E](repeating: .zero, count: segmentCount)
        compositionAtZ.withUnsafeMutableBufferPointer { values in
            Parallelism.automatic.forEachChunk(count: segmentCount, minimumChunk: 1) { range in
                for index in range { values[index] = Polynomial.evaluate(segments[index], at: z) }
            }
        }
        return OutOfDomainValues(
            traceAtZ: Coordinates.flatten(traceAtZ), traceAtNextZ: Coordinates.flatten(traceAtNextZ),
            compositionAtZ: Coordinates.flatten(compositionAtZ))
    }

    // MARK: - Trace

    /// Each column interpolated over the trace domain H, then masked:
    /// T'(x) = T(x) + Z_H(x)·r(x) = T(x) − r(x) + xⁿ·r(x), with r of degree < h drawn from
    /// the CSPRNG. T' equals T on H (so the constraints still hold there) but its values
    /// anywhere else are uniformly random up to h of them. Main trace columns are
    /// base-field, auxiliary columns extension-field; both are masked the same way.
    func maskedPolynomials<F: FieldElement>(_ traceColumns: [[F]], random: inout SecureRandomGenerator) -> [[F]] {
        let n = parameters.traceLength
        let h = parameters.randomizerCount
        let plan = tracePlan
        let width = traceColumns.count
        let randomizers = (0..<width).map { _ in
            (0..<h).map { _ in F.random(using: &random) }
        }
        var result = [[F]](repeating: [], count: width)
        result.withUnsafeMutableBufferPointer { output in
            Parallelism.automatic.forEachChunk(count: width, minimumChunk: 1) { columns in
                for column in columns {
                    // Room for the n + h coefficients up front: appending to an exact copy
                    // would double the column's capacity.
                    var coefficients = [F]()
                    coefficients.reserveCapacity(n + h)
                    coefficients.append(contentsOf: traceColumns[column])
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

    /// T'(z) and T'(g·z) for every column of masked coefficients: Σ aₜ·zᵗ as a dot product
    /// with the point's powers, computed once for all columns. A base coefficient times an
    /// extension power is its coordinates times the coefficient, so each coordinate is a sum
    /// of base products, summed unreduced (``UnreducedSum``) instead of a Horner step of one
    /// extension product per coefficient.
    func evaluateTrace(_ coefficients: [[Goldilocks]], at z: E, and nextZ: E) -> ([E], [E]) {
        let width = coefficients.count
        let degree = E.extensionDegree
        precondition(MemoryLayout<E>.size == 8 * degree, "extension elements must be packed coordinates")
        let longest = coefficients.map(\.count).max() ?? 0
        let powers = [z.powers(count: longest), nextZ.powers(count: longest)]
        var values = [[E]](repeating: [E](repeating: .zero, count: width), count: 2)
        for (point, pointPowers) in powers.enumerated() {
            values[point].withUnsafeMutableBufferPointer { output in
                pointPowers.withUnsafeBytes { raw in
                    let powerWords = raw.bindMemory(to: UInt64.self).baseAddress
                    Parallelism.automatic.forEachChunk(count: width, minimumChunk: 1) { columns in
                        for column in columns {
                            output[column] = coefficients[column].withUnsafeBufferPointer { column in
                                guard let powerWords, let words = column.baseAddress else { return E.zero }
                                return Self.dotProduct(
                                    powerWords, UnsafeRawPointer(words).assumingMemoryBound(to: UInt64.self),
                                    count: column.count)
                            }
                        }
                    }
                }
            }
        }
        return (values[0], values[1])
    }

    /// Σₜ extension[t]·base[t] for t < count: extension elements as packed coordinates, base
    /// elements as words. Each coordinate is a sum of base products, summed unreduced
    /// (``UnreducedSum``) and reduced once. The out-of-domain values and the composition's
    /// α-sum are such sums.
    @inline(__always)
    static func dotProduct(_ extensionWords: UnsafePointer<UInt64>, _ baseWords: UnsafePointer<UInt64>, count: Int) -> E {
        let degree = E.extensionDegree
        return withUnsafeTemporaryAllocation(of: Goldilocks.self, capacity: degree) { coordinates in
            for c in 0..<degree {
                var sum = UnreducedSum()
                sum.add(extensionWords + c, stride: degree, times: baseWords, count: count)
                coordinates[c] = sum.reduced
            }
            return UnsafeRawPointer(coordinates.baseAddress!).load(as: E.self)
        }
    }

    // MARK: - DEEP

    /// D(x) = Σ γ_c·(T'_c(x) − T'_c(z))/(x − z) + Σ γ'_c·(T'_c(x) − T'_c(gz))/(x − gz)
    ///      + Σ δᵢ·(S'ᵢ(x) − S'ᵢ(z))/(x − z) + ε·R(x), on every point of the domain, plus
    ///      the same two sums over the auxiliary columns A'_c with their own γ, γ'.
    ///
    /// Computed in coefficient space: A = Σ γ_c·T'_c + Σ δᵢ·S'ᵢ and B = Σ γ'_c·T'_c are
    /// combined coefficient by coefficient, divided by x − z and x − gz (the remainders
    /// are A(z) and B(gz)), and the sum is extended once, instead of dividing every
    /// column pointwise on the whole domain.
    func deepComposition(
        traceCoefficients: [[Goldilocks]], auxiliaryCoefficients: [[E]], segments: [[E]], z: E, nextZ: E,
        coefficients: [E]
    ) -> [E] {
        let width = parameters.traceWidth
        let segmentCount = parameters.segmentCount
        let auxiliaryWidth = auxiliaryCoefficients.count
        let count = parameters.maskedCoefficientCount
        let atZ = Array(coefficients[0..<width])
        let atNextZ = Array(coefficients[width..<(2 * width)])
        let atSegments = Array(coefficients[(2 * width)..<(2 * width + segmentCount)])
        let maskCoefficient = coefficients[2 * width + segmentCount]
        let auxiliaryStart = 2 * width + segmentCount + 1
        let auxiliaryAtZ = Array(coefficients[auxiliaryStart..<(auxiliaryStart + auxiliaryWidth)])
        let auxiliaryAtNextZ = Array(
            coefficients[(auxiliaryStart + auxiliaryWidth)..<(auxiliaryStart + 2 * auxiliaryWidth)])
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
                    for column in 0..<auxiliaryWidth {
                        auxiliaryCoefficients[column].withUnsafeBufferPointer { values in
                            for j in range {
                                combinedAtZ[j] += auxiliaryAtZ[column] * values[j]
                                combinedAtNextZ[j] += auxiliaryAtNextZ[column] * values[j]
                            }
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
            let found = Locked<UInt64>(.max)
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
