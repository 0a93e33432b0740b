import Primitives
import StarkCrypto
import StarkMath

/// Checks STARK proofs against an ``AIR`` and public inputs.
///
/// Depends only on what prover and verifier share (the AIR, options, proof types,
/// transcript and encoding), never on the prover. Nothing in the proof is trusted: its
/// options must meet the verifier's own ``AcceptableOptions`` (security recomputed with
/// ``SecurityEstimate``), every count and index is checked against values derived from
/// the AIR and options, and every query is checked in full (Merkle openings, DEEP
/// consistency, every FRI fold, the remainder).
public enum StarkVerifier {
    /// - Throws: a ``StarkError`` naming the first check that failed; returns normally
    ///   only for a valid proof of this statement.
    public static func verify<A: AIR>(
        proof: StarkProof, air: A, publicInputs: [Goldilocks], minimum: AcceptableOptions = .default
    ) throws(StarkError) {
        guard proof.traceLength == air.traceLength else {
            throw .structureMismatch("the proof is for \(proof.traceLength) trace rows, the AIR has \(air.traceLength)")
        }
        guard proof.traceWidth == air.traceWidth else {
            throw .structureMismatch(
                "the proof is for \(proof.traceWidth) trace columns, the AIR has \(air.traceWidth)")
        }
        let parameters = try ProofParameters(air: air, options: proof.options)
        let security = SecurityEstimate(options: proof.options, air: air)
        guard security.provenBits >= minimum.minimumProvenBits else {
            throw .insufficientSecurity(
                "\(security.provenBits) proven bits for \(proof.options); this verifier requires "
                    + "\(minimum.minimumProvenBits)")
        }
        guard security.conjecturedBits >= minimum.minimumConjecturedBits else {
            throw .insufficientSecurity(
                "\(security.conjecturedBits) conjectured bits for \(proof.options); this verifier requires "
                    + "\(minimum.minimumConjecturedBits)")
        }
        let assertions = try ConstraintChecker.boundaryAssertions(air: air, publicInputs: publicInputs)
        switch proof.options.fieldExtension {
        case .quadratic:
            try VerifierRun<QuadraticExtension>(
                air: air, parameters: parameters, assertions: assertions, publicInputs: publicInputs
            ).verify(proof)
        case .cubic:
            try VerifierRun<CubicExtension>(
                air: air, parameters: parameters, assertions: assertions, publicInputs: publicInputs
            ).verify(proof)
        }
    }
}

/// One verification with challenges from the extension `E`; the AIR is an existential
/// so the verifier is specialised in this module whatever module the AIR comes from.
struct VerifierRun<E: FieldElement> {
    let air: any AIR
    let parameters: ProofParameters
    let assertions: [BoundaryAssertion]
    let publicInputs: [Goldilocks]

    func verify(_ proof: StarkProof) throws(StarkError) {
        let width = parameters.traceWidth
        let segmentCount = parameters.segmentCount
        let degree = E.extensionDegree
        let options = parameters.options
        try checkCount(proof.outOfDomain.traceAtZ.count, width * degree, "trace values at z")
        try checkCount(proof.outOfDomain.traceAtNextZ.count, width * degree, "trace values at g·z")
        try checkCount(proof.outOfDomain.compositionAtZ.count, segmentCount * degree, "composition values at z")
        try checkCount(proof.friLayerRoots.count, parameters.friLayerCount, "FRI layer roots")
        try checkCount(proof.friLayerOpenings.count, parameters.friLayerCount, "FRI layer openings")
        try checkCount(proof.friRemainder.count, parameters.remainderCoefficientCount * degree, "FRI remainder")
        let auxiliaryProof = try checkAuxiliaryShape(proof)

        // Replay the transcript exactly as the prover walked it.
        var transcript = Transcript(air: air, options: options, publicInputs: publicInputs)
        transcript.absorb(label: "trace-root", digest: proof.traceRoot)
        var auxiliary: AuxiliaryStatement<E>?
        if let auxiliaryProof {
            let challenges = (0..<parameters.auxiliaryChallengeCount).map { _ in transcript.drawElement(E.self) }
            let auxiliaryAssertions = try ConstraintChecker.auxiliaryBoundaryAssertions(
                air: air, publicInputs: publicInputs, challenges: challenges)
            transcript.absorb(label: "auxiliary-root", digest: auxiliaryProof.root)
            auxiliary = AuxiliaryStatement(
                challenges: challenges, assertions: auxiliaryAssertions,
                valuesAtZ: ExtensionCoordinates.elements(auxiliaryProof.valuesAtZ),
                valuesAtNextZ: ExtensionCoordinates.elements(auxiliaryProof.valuesAtNextZ))
        }
        let transitionCoefficients = (0..<parameters.transitionCount).map { _ in transcript.drawElement(E.self) }
        let boundaryCoefficients = assertions.map { _ in transcript.drawElement(E.self) }
        auxiliary?.drawCoefficients(transitionCount: parameters.auxiliaryTransitionCount, from: &transcript)
        transcript.absorb(label: "composition-root", digest: proof.compositionRoot)
        let z: E = transcript.drawOutOfDomainPoint(parameters)
        transcript.absorb(label: "out-of-domain", elements: proof.outOfDomain.flattened)
        if let auxiliaryProof {
            transcript.absorb(
                label: "auxiliary-out-of-domain", elements: auxiliaryProof.valuesAtZ + auxiliaryProof.valuesAtNextZ)
        }
        let deepCoefficients = (0..<parameters.deepChallengeCount).map { _ in transcript.drawElement(E.self) }
        var foldingChallenges = [E]()
        for root in proof.friLayerRoots {
            transcript.absorb(label: "fri-layer-root", digest: root)
            foldingChallenges.append(transcript.drawElement(E.self))
        }
        transcript.absorb(label: "fri-remainder", elements: proof.friRemainder)
        guard transcript.proofOfWorkZeros(nonce: proof.proofOfWorkNonce) >= options.grindingBits else {
            throw .proofOfWorkRejected
        }
        var nonceBytes = ByteWriter()
        nonceBytes.writeUInt64(proof.proofOfWorkNonce)
        transcript.absorb(label: "proof-of-work", bytes: nonceBytes.bytes)
        let positions = transcript.drawQueryPositions(count: options.queryCount, domainSize: parameters.domainSize)

        // The constraints at z must match the composition segments at z.
        let traceAtZ: [E] = ExtensionCoordinates.elements(proof.outOfDomain.traceAtZ)
        let traceAtNextZ: [E] = ExtensionCoordinates.elements(proof.outOfDomain.traceAtNextZ)
        let compositionAtZ: [E] = ExtensionCoordinates.elements(proof.outOfDomain.compositionAtZ)
        try checkComposition(
            z: z, traceAtZ: traceAtZ, traceAtNextZ: traceAtNextZ, compositionAtZ: compositionAtZ,
            transitionCoefficients: transitionCoefficients, boundaryCoefficients: boundaryCoefficients,
            auxiliary: auxiliary)

        // Openings of the trace and composition commitments at the query positions.
        let traceRows = try openRows(
            proof.traceOpening, root: proof.traceRoot, width: width, positions: positions, what: "trace")
        let compositionWidth = parameters.compositionRowWidth
        let compositionRows = try openRows(
            proof.compositionOpening, root: proof.compositionRoot, width: compositionWidth, positions: positions,
            what: "composition")
        var auxiliaryRows = [ArraySlice<Goldilocks>]()
        if let auxiliaryProof {
            auxiliaryRows = try openRows(
                auxiliaryProof.opening, root: auxiliaryProof.root, width: parameters.auxiliaryRowWidth,
                positions: positions, what: "auxiliary")
        }

        // DEEP values at the query positions, then FRI.
        let nextZ = z * (try! Goldilocks.rootOfUnity(order: parameters.traceLength))
        let deepValues = positions.indices.map { query in
            var value = deepValue(
                position: positions[query], traceRow: traceRows[query], compositionRow: compositionRows[query],
                z: z, nextZ: nextZ, traceAtZ: traceAtZ, traceAtNextZ: traceAtNextZ, compositionAtZ: compositionAtZ,
                coefficients: deepCoefficients)
            if let auxiliary {
                value += auxiliaryDeepTerms(
                    position: positions[query], row: auxiliaryRows[query], z: z, nextZ: nextZ, auxiliary: auxiliary,
                    coefficients: deepCoefficients)
            }
            return value
        }
        try FRIVerifier<E>(parameters: parameters).verify(
            proof: proof, positions: positions, deepValues: deepValues, foldingChallenges: foldingChallenges)
    }

    func checkCount(_ actual: Int, _ expected: Int, _ what: String) throws(StarkError) {
        guard actual == expected else { throw .structureMismatch("\(what): \(actual) entries, expected \(expected)") }
    }

    func checkComposition(
        z: E, traceAtZ: [E], traceAtNextZ: [E], compositionAtZ: [E], transitionCoefficients: [E],
        boundaryCoefficients: [E], auxiliary: AuxiliaryStatement<E>? = nil
    ) throws(StarkError) {
        let n = parameters.traceLength
        let traceGenerator = try! Goldilocks.rootOfUnity(order: n)
        let periodicValues: [E] = air.periodicColumns.map { values in
            let coefficients = try! Polynomial.interpolateOnSubgroup(values)
            return Polynomial.evaluate(coefficients, atExtensionPoint: z.power(UInt64(n / values.count)))
        }
        var transitionValues = [E](repeating: .zero, count: parameters.transitionCount)
        traceAtZ.withUnsafeBufferPointer { current in
            traceAtNextZ.withUnsafeBufferPointer { next in
                periodicValues.withUnsafeBufferPointer { periodic in
                    transitionValues.withUnsafeMutableBufferPointer { result in
                        air.evaluateTransition(current: current, next: next, periodicValues: periodic, result: result)
                    }
                }
            }
        }
        var transition = E.zero
        for (alpha, value) in zip(transitionCoefficients, transitionValues) { transition += alpha * value }
        let zToN = z.power(UInt64(n))
        let lastRowPoint = E(traceGenerator.power(UInt64(n - 1)))
        // z is outside the trace domain, so zⁿ − 1 and z − g^row are non-zero.
        var composition = transition * (z - lastRowPoint) * (try! (zToN - .one).inverse())
        for (index, assertion) in assertions.enumerated() {
            let point = E(traceGenerator.power(UInt64(assertion.row)))
            let numerator = traceAtZ[assertion.column] - E(assertion.value)
            composition += boundaryCoefficients[index] * numerator * (try! (z - point).inverse())
        }
        if let auxiliary {
            composition += auxiliaryComposition(
                z: z, traceAtZ: traceAtZ, traceAtNextZ: traceAtNextZ, periodicValues: periodicValues,
                auxiliary: auxiliary)
        }
        var recombined = E.zero
        var shift = E.one
        for value in compositionAtZ {
            recombined += shift * value
            shift = shift * zToN
        }
        guard recombined == composition else { throw .compositionMismatchAtOutOfDomainPoint }
    }

    /// Checks one batched opening of salted rows and returns the rows, one per position.
    func openRows(
        _ opening: MerkleOpening, root: Hash32, width: Int, positions: [Int], what: String
    )
        throws(StarkError) -> [ArraySlice<Goldilocks>]
    {
        try checkCount(opening.values.count, positions.count * width, "\(what) opened values")
        try checkCount(opening.salts.count, positions.count, "\(what) salts")
        let rows = positions.indices.map { opening.values[($0 * width)..<(($0 + 1) * width)] }
        let leaves = positions.indices.map { query in
            rows[query].withUnsafeBufferPointer { MerkleTree.hashLeaf($0, salt: opening.salts[query]) }
        }
        do {
            try MerkleMultiProof(siblings: opening.siblings).verify(
                root: root, leafCount: parameters.domainSize, indices: positions, leaves: leaves)
        } catch {
            throw .merkleOpeningRejected(what: what, detail: error.description)
        }
        return rows
    }

    /// The DEEP composition at the query position, from the opened rows and the
    /// out-of-domain values (the same formula the prover evaluated everywhere).
    func deepValue(
        position: Int, traceRow: ArraySlice<Goldilocks>, compositionRow: ArraySlice<Goldilocks>, z: E, nextZ: E,
        traceAtZ: [E], traceAtNextZ: [E], compositionAtZ: [E], coefficients: [E]
    ) -> E {
        let width = parameters.traceWidth
        let segmentCount = parameters.segmentCount
        let omega = try! Goldilocks.rootOfUnity(order: parameters.domainSize)
        let x = E(parameters.domainOffset * omega.power(UInt64(position)))
        let segments: [E] = ExtensionCoordinates.elements(compositionRow)
        var sumAtZ = E.zero
        var sumAtNextZ = E.zero
        for (column, value) in traceRow.enumerated() {
            sumAtZ += coefficients[column] * (E(value) - traceAtZ[column])
            sumAtNextZ += coefficients[width + column] * (E(value) - traceAtNextZ[column])
        }
        for segment in 0..<segmentCount {
            sumAtZ += coefficients[2 * width + segment] * (segments[segment] - compositionAtZ[segment])
        }
        // x lies in the evaluation domain and z, g·z do not, so both denominators are non-zero.
        return sumAtZ * (try! (x - z).inverse()) + sumAtNextZ * (try! (x - nextZ).inverse())
            + coefficients[2 * width + segmentCount] * segments[segmentCount]
    }
}
