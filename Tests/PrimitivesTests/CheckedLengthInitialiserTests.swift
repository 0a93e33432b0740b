import Primitives
import Testing

/// The non-throwing initialisers for lengths the caller has already checked, and source constants.
@Suite struct CheckedLengthInitialiserTests {
    @Test func agreeWithTheThrowingForms() throws {
        let bytes = (0..<64).map { UInt8($0 * 3 & 0xff) }
        #expect(Hash32(exactly: bytes[0..<32]) == (try Hash32(bytes[0..<32])))
        #expect(Hash32(exactly: bytes[32...]) == (try Hash32(bytes[32...])))
        #expect(Address(exactly: bytes[12..<32]) == (try Address(bytes[12..<32])))
        #expect(UInt256(bigEndianWord: bytes[0..<32]) == (try UInt256(bigEndian: bytes[0..<32])))
        #expect(UInt256(bigEndianWord: bytes[0..<5]) == (try UInt256(bigEndian: bytes[0..<5])))
        #expect(UInt256(bigEndianWord: [UInt8]()) == .zero)
        #expect(UInt256(bigEndianWord: [1, 0]) == UInt256(256))
    }

    @Test func readsSourceConstants() throws {
        let hash = Hash32(hexLiteral: "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        #expect(hash == (try Hash32(hex: "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")))
        let address = Address(hexLiteral: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        #expect(address.checksummed == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        #expect(Address(hexLiteral: "0x000000000000000000000000000000000000b41d").bytes.suffix(2) == [0xb4, 0x1d])
    }
}
