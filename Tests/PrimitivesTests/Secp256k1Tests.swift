import Primitives
import TestSupport
import Testing

@Suite struct Secp256k1Tests {
    /// EIP-155's example key, 0x4646…46.
    static let exampleKey = try! PrivateKey(bytes: [UInt8](repeating: 0x46, count: 32))
    static let message = Keccak256.hash(Array("cloister".utf8))

    @Test func derivesKnownAddress() {
        #expect(Self.exampleKey.address.checksummed == "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F")
    }

    @Test func signAndRecoverRoundTrip() throws {
        for _ in 0..<8 {
            let key = PrivateKey.generate()
            let hash = Keccak256.hash(SecureRandom.bytes(40))
            let signature = key.sign(messageHash: hash)
            #expect(try Secp256k1.recoverAddress(messageHash: hash, signature: signature) == key.address)
        }
    }

    /// RFC 6979 signing reproduces EIP-155's published r and s.
    @Test func signsEIP155ExampleDeterministically() throws {
        let hash = try Hash32(hex: "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53")
        let signature = Self.exampleKey.sign(messageHash: hash)
        #expect(signature.r == (try UInt256(decimal: "18515461264373351373200002665853028612451056578545711640558177340181847433846")))
        #expect(signature.s == (try UInt256(decimal: "46948507304638947509940763649030358759909902576025900602547168820602576006531")))
        #expect(signature.recoveryID == 0)
    }

    @Test func wrongMessageRecoversAnotherAddress() throws {
        let signature = Self.exampleKey.sign(messageHash: Self.message)
        let other = Keccak256.hash(Array("cloistre".utf8))
        #expect(try Secp256k1.recoverAddress(messageHash: other, signature: signature) != Self.exampleKey.address)
    }

    /// The same signature with s replaced by n − s and the parity flipped is valid ECDSA, and
    /// libsecp256k1 would recover the same key: EIP-2 requires refusing it.
    @Test func refusesHighS() {
        let signature = Self.exampleKey.sign(messageHash: Self.message)
        let malleated = RecoverableSignature(r: signature.r, s: Secp256k1.order - signature.s, recoveryID: 1 - signature.recoveryID)
        #expect(throws: CryptoError.self) { try Secp256k1.recoverAddress(messageHash: Self.message, signature: malleated) }
    }

    @Test(arguments: ["r = 0", "s = 0", "r = n", "s = n", "r > n", "s = max", "recovery id 2"])
    func refusesOutOfRangeSignature(_ case: String) {
        var signature = Self.exampleKey.sign(messageHash: Self.message)
        switch `case` {
        case "r = 0": signature.r = .zero
        case "s = 0": signature.s = .zero
        case "r = n": signature.r = Secp256k1.order
        case "s = n": signature.s = Secp256k1.order
        case "r > n": signature.r = Secp256k1.order + .one
        case "s = max": signature.s = .max
        default: signature.recoveryID = 2
        }
        #expect(throws: CryptoError.self) { try Secp256k1.recoverAddress(messageHash: Self.message, signature: signature) }
    }

    @Test func refusesInvalidPrivateKeys() {
        #expect(throws: CryptoError.invalidPrivateKey) { try PrivateKey(bytes: [UInt8](repeating: 0, count: 32)) }
        #expect(throws: CryptoError.invalidPrivateKey) { try PrivateKey(bytes: Secp256k1.order.bigEndianBytes) }
        #expect(throws: CryptoError.invalidPrivateKey) { try PrivateKey(bytes: [1, 2, 3]) }
        #expect(throws: CryptoError.invalidPrivateKey) { try PrivateKey(hex: "0x1234") }
    }

    @Test func privateKeyDescriptionHidesTheKey() {
        #expect(!Self.exampleKey.description.contains("4646"))
    }

    @Test func halfOrderIsHalfTheOrder() {
        #expect(Secp256k1.halfOrder == Secp256k1.order.quotientAndRemainder(dividingBy: UInt64(2)).quotient)
    }
}
