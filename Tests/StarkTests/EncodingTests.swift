import StarkMath
import Testing

@testable import Stark

@Suite("Proof encoding")
struct EncodingTests {
    static func proof() throws -> StarkProof {
        let (air, trace, inputs) = try Fixtures.fibonacci(length: 64)
        return try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightCubicOptions)
    }

    @Test func decodingTheEncodingGivesTheSameProofAndBytes() throws {
        let proof = try Self.proof()
        let bytes = proof.encoded()
        let decoded = try StarkProof(decoding: bytes)
        #expect(decoded == proof)
        #expect(decoded.encoded() == bytes)
    }

    @Test func decodingRejectsAnotherVersion() throws {
        var bytes = try Self.proof().encoded()
        bytes[0] = 2
        #expect(throws: StarkError.malformedProof("version 2 is not supported (this build reads version 1)")) {
            try StarkProof(decoding: bytes)
        }
    }

    @Test func decodingRejectsNonCanonicalElements() throws {
        var bytes = try Self.proof().encoded()
        // Header: 2 + 4 + 4 + 8 (options) + 32 + 32 = 82 bytes, then the count of trace
        // values at z (4 bytes), then the first element.
        let first = 82 + 4
        for k in 0..<8 { bytes[first + k] = 0xFF }
        #expect(throws: StarkError.self) { try StarkProof(decoding: bytes) }
        let modulus = Goldilocks.modulus
        for k in 0..<8 { bytes[first + k] = UInt8(truncatingIfNeeded: modulus >> (8 * UInt64(k))) }
        #expect(throws: StarkError.self) { try StarkProof(decoding: bytes) }
    }

    @Test func decodingRejectsOversizeLengthsAndTrailingBytes() throws {
        let bytes = try Self.proof().encoded()
        var oversize = bytes
        for k in 0..<4 { oversize[82 + k] = 0xFF }
        #expect(throws: StarkError.self) { try StarkProof(decoding: oversize) }
        var beyondInput = bytes
        beyondInput[82] = 0x00
        beyondInput[83] = 0x00
        beyondInput[84] = 0x08  // 2^19 entries: within the list bound, beyond the bytes left
        beyondInput[85] = 0x00
        #expect(throws: StarkError.self) { try StarkProof(decoding: beyondInput) }
        #expect(throws: StarkError.self) { try StarkProof(decoding: bytes + [0]) }
        #expect(throws: StarkError.self) { try StarkProof(decoding: []) }
        #expect(throws: StarkError.self) {
            try StarkProof(decoding: [UInt8](repeating: 0, count: StarkProof.maximumEncodedSize + 1))
        }
    }

    @Test func decodingRejectsInvalidOptions() throws {
        var bytes = try Self.proof().encoded()
        bytes[10] = 5  // field extension degree
        #expect(throws: StarkError.self) { try StarkProof(decoding: bytes) }
        bytes = try Self.proof().encoded()
        bytes[11] = 6  // blowup, not a power of two
        #expect(throws: StarkError.self) { try StarkProof(decoding: bytes) }
    }
}
