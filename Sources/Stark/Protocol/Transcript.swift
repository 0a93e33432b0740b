import Primitives
import StarkMath

/// The Fiat–Shamir transcript: a SHA-256 chain that absorbs everything the prover sends
/// and derives every verifier challenge from it.
///
/// * absorb: state ← SHA-256(0x01 ‖ state ‖ |label| ‖ label ‖ |data| ‖ data);
/// * draw:   word  ← first 8 bytes of SHA-256(0x02 ‖ state ‖ counter), counter += 1;
/// * proof of work: SHA-256(0x03 ‖ state ‖ nonce) must start with `grinding` zero bits.
///
/// Absorbing resets the draw counter, so a challenge depends on everything absorbed
/// before it. The prover and verifier walk the same sequence (see ``StarkProver`` and
/// ``StarkVerifier``): statement, trace root, [auxiliary challenges drawn, auxiliary
/// root], composition root, out-of-domain values, [auxiliary out-of-domain values], each
/// FRI layer root, remainder, nonce. The bracketed steps exist only for AIRs with an
/// auxiliary segment.
struct Transcript: Sendable {
    private(set) var state: Hash32
    private var counter: UInt64 = 0

    static let domainTag = "cloister.stark.v1"

    /// A transcript that has absorbed the whole statement: domain tag, AIR identity,
    /// trace shape, every option, every public input. Nothing is drawn before this.
    init(air: some AIR, options: ProofOptions, publicInputs: [Goldilocks]) {
        state = SHA256.hash(Array(Self.domainTag.utf8))
        absorb(label: "air", bytes: Array(air.identity.utf8))
        var shape = ByteWriter()
        shape.writeUInt64(UInt64(air.traceWidth))
        shape.writeUInt64(UInt64(air.traceLength))
        shape.writeOptions(options)
        absorb(label: "shape-options", bytes: shape.bytes)
        if air.hasAuxiliarySegment {
            // Only for AIRs with an auxiliary segment: transcripts of the others are unchanged.
            var auxiliaryShape = ByteWriter()
            auxiliaryShape.writeUInt64(UInt64(air.auxiliaryWidth))
            auxiliaryShape.writeUInt64(UInt64(air.auxiliaryChallengeCount))
            auxiliaryShape.writeUInt64(UInt64(air.auxiliaryConstraintDegrees.count))
            absorb(label: "auxiliary-shape", bytes: auxiliaryShape.bytes)
        }
        var inputs = ByteWriter()
        inputs.writeUInt64(UInt64(publicInputs.count))
        for input in publicInputs { inputs.writeElement(input) }
        absorb(label: "public-inputs", bytes: inputs.bytes)
    }

    mutating func absorb(label: String, bytes: [UInt8]) {
        var header = [UInt8]()
        header.reserveCapacity(1 + 32 + 8 + label.utf8.count + 8)
        header.append(0x01)
        header.append(contentsOf: state.bytes)
        appendLength(label.utf8.count, to: &header)
        header.append(contentsOf: label.utf8)
        appendLength(bytes.count, to: &header)
        state = header.withUnsafeBytes { head in
            bytes.withUnsafeBytes { body in SHA256.hash(parts: [head, body]) }
        }
        counter = 0
    }

    mutating func absorb(label: String, digest: Hash32) { absorb(label: label, bytes: digest.bytes) }

    mutating func absorb(label: String, elements: [Goldilocks]) {
        var writer = ByteWriter()
        for element in elements { writer.writeElement(element) }
        absorb(label: label, bytes: writer.bytes)
    }

    /// 64 uniformly random bits.
    mutating func drawWord() -> UInt64 {
        var message = [UInt8]()
        message.reserveCapacity(41)
        message.append(0x02)
        message.append(contentsOf: state.bytes)
        withUnsafeBytes(of: counter.littleEndian) { message.append(contentsOf: $0) }
        counter += 1
        return SHA256.hash(message).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }
    }

    /// A uniformly random base element (rejection sampling: no modular bias).
    mutating func drawBaseElement() -> Goldilocks {
        while true {
            if let element = try? Goldilocks(canonical: drawWord()) { return element }
        }
    }

    /// A uniformly random element of the challenge field.
    mutating func drawElement<E: FieldElement>(_: E.Type = E.self) -> E {
        withUnsafeTemporaryAllocation(of: Goldilocks.self, capacity: E.extensionDegree) { coordinates in
            for index in 0..<E.extensionDegree { coordinates[index] = drawBaseElement() }
            return try! E(baseElements: coordinates)
        }
    }

    /// The out-of-domain point z: drawn until it lies in neither the trace domain nor the
    /// evaluation domain (else T(z) would be a trace value or an opened value, and the
    /// quotients by x − z would be undefined). Fails with probability ≈ N/p^d ≪ 2⁻¹⁰⁰.
    mutating func drawOutOfDomainPoint<E: FieldElement>(_ parameters: ProofParameters) -> E {
        Self.sampleOutOfDomainPoint(parameters) { drawElement(E.self) }
    }

    /// The resampling loop on its own, so that a test can feed it in-domain candidates.
    static func sampleOutOfDomainPoint<E: FieldElement>(_ parameters: ProofParameters, draw: () -> E) -> E {
        var z = draw()
        while !isOutsideDomains(z, parameters) { z = draw() }
        precondition(isOutsideDomains(z, parameters), "the out-of-domain point lies in the trace or evaluation domain")
        return z
    }

    /// z ∉ ⟨g⟩ (zⁿ ≠ 1) and z ∉ c·⟨ω⟩ (z^N ≠ c^N). Also rules out g·z, since g ∈ both groups.
    static func isOutsideDomains<E: FieldElement>(_ z: E, _ parameters: ProofParameters) -> Bool {
        let inTraceDomain = z.power(UInt64(parameters.traceLength)) == E.one
        let offsetPower = E(parameters.domainOffset.power(UInt64(parameters.domainSize)))
        let inEvaluationDomain = z.power(UInt64(parameters.domainSize)) == offsetPower
        return !inTraceDomain && !inEvaluationDomain
    }

    /// `count` query positions in `0 ..< domainSize`, sorted with repeats removed.
    mutating func drawQueryPositions(count: Int, domainSize: Int) -> [Int] {
        var positions = Set<Int>()
        for _ in 0..<count { positions.insert(Int(truncatingIfNeeded: drawWord() & UInt64(domainSize - 1))) }
        return positions.sorted()
    }

    // MARK: - Proof of work

    /// Leading zero bits of SHA-256(0x03 ‖ state ‖ nonce), read big-endian.
    func proofOfWorkZeros(nonce: UInt64) -> Int {
        withUnsafeTemporaryAllocation(byteCount: 41, alignment: 8) { buffer in
            buffer[0] = 0x03
            state.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1..<33]).copyMemory(from: $0) }
            buffer.storeBytes(of: nonce.littleEndian, toByteOffset: 33, as: UInt64.self)
            let digest = SHA256.hash(UnsafeRawBufferPointer(buffer))
            return digest.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).bigEndian.leadingZeroBitCount }
        }
    }

    private func appendLength(_ length: Int, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: UInt64(length).littleEndian) { bytes.append(contentsOf: $0) }
    }
}
