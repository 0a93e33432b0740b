import Foundation
import Primitives
import TestSupport
import Testing

struct GCMVector: Sendable, CustomTestStringConvertible {
    let name, key, iv, aad, plaintext, ciphertext, tag: String
    var testDescription: String { name }

    static func all() -> [GCMVector] {
        guard let root = try? SharedVectors.json("aes256gcm.json") as? [String: Any],
            let cases = root["cases"] as? [[String: String]]
        else { return [] }
        return cases.map {
            GCMVector(
                name: $0["name"]!, key: $0["key"]!, iv: $0["iv"]!, aad: $0["aad"]!, plaintext: $0["plaintext"]!,
                ciphertext: $0["ciphertext"]!, tag: $0["tag"]!)
        }
    }
}

@Suite struct AES256GCMTests {
    static let vectors = GCMVector.all()

    @Test func vectorsArePresent() { #expect(Self.vectors.count >= 3) }

    @Test(arguments: vectors)
    func matchesGCMSpecificationVector(_ vector: GCMVector) throws {
        let key = bytes(fromHex: vector.key)
        let box = try AES256GCM.seal(
            bytes(fromHex: vector.plaintext), key: key, nonce: bytes(fromHex: vector.iv),
            associatedData: bytes(fromHex: vector.aad))
        #expect(box.ciphertext == bytes(fromHex: vector.ciphertext))
        #expect(box.tag == bytes(fromHex: vector.tag))
        #expect(try AES256GCM.open(box, key: key, associatedData: bytes(fromHex: vector.aad)) == bytes(fromHex: vector.plaintext))
    }

    /// Sealing keeps one context per thread: every vector, sealed twice in a row and again after
    /// the others (other keys, nonces and lengths) on the same thread, still gives its answer.
    @Test func vectorsHoldWhenKeysAndNoncesAlternateOnOneThread() throws {
        func check(_ vector: GCMVector) throws {
            let box = try AES256GCM.seal(
                bytes(fromHex: vector.plaintext), key: bytes(fromHex: vector.key), nonce: bytes(fromHex: vector.iv),
                associatedData: bytes(fromHex: vector.aad))
            #expect(box.ciphertext == bytes(fromHex: vector.ciphertext))
            #expect(box.tag == bytes(fromHex: vector.tag))
        }
        for _ in 0..<2 {
            for vector in Self.vectors {
                try check(vector)
                try check(vector)
                _ = try AES256GCM.sealCombined(Array("between".utf8), key: Self.key, associatedData: [])
            }
        }
    }

    static let key = [UInt8](repeating: 7, count: 32)
    static let associatedData = Array("accounts/row-42".utf8)

    func sealedSample() throws -> AES256GCM.SealedBox {
        try AES256GCM.seal(Array("balance: 1000 EURD".utf8), key: Self.key, associatedData: Self.associatedData)
    }

    @Test func refusesFlippedCiphertextBit() throws {
        var box = try sealedSample()
        box.ciphertext[3] ^= 0x01
        #expect(throws: CryptoError.authenticationFailed) { try AES256GCM.open(box, key: Self.key, associatedData: Self.associatedData) }
    }

    @Test func refusesFlippedTagBit() throws {
        var box = try sealedSample()
        box.tag[15] ^= 0x80
        #expect(throws: CryptoError.authenticationFailed) { try AES256GCM.open(box, key: Self.key, associatedData: Self.associatedData) }
    }

    @Test func refusesWrongAssociatedData() throws {
        let box = try sealedSample()
        #expect(throws: CryptoError.authenticationFailed) {
            try AES256GCM.open(box, key: Self.key, associatedData: Array("accounts/row-43".utf8))
        }
    }

    @Test func refusesWrongKey() throws {
        let box = try sealedSample()
        #expect(throws: CryptoError.authenticationFailed) {
            try AES256GCM.open(box, key: [UInt8](repeating: 8, count: 32), associatedData: Self.associatedData)
        }
    }

    @Test func freshNonceMakesEqualPlaintextsDiffer() throws {
        #expect(try sealedSample().combined != sealedSample().combined)
    }

    /// Nonces come from a pooled draw of the generator: across many pool refills, and from
    /// two threads at once, no nonce repeats.
    @Test func pooledNoncesNeverRepeat() async throws {
        let perTask = 3_000
        let nonces = await withTaskGroup(of: [[UInt8]].self) { group in
            for _ in 0..<2 {
                group.addTask {
                    (0..<perTask).map { _ in
                        let sealed = try! AES256GCM.sealCombined([1, 2, 3], key: Self.key, associatedData: Self.associatedData)
                        return Array(sealed.prefix(12))
                    }
                }
            }
            var all = [[UInt8]]()
            for await part in group { all += part }
            return all
        }
        #expect(nonces.count == 2 * perTask)
        #expect(Set(nonces).count == nonces.count)
        #expect(!nonces.contains([UInt8](repeating: 0, count: 12)))
    }

    @Test func combinedFormRoundTrips() throws {
        let box = try sealedSample()
        let reopened = try AES256GCM.SealedBox(combined: box.combined)
        #expect(try AES256GCM.open(reopened, key: Self.key, associatedData: Self.associatedData) == Array("balance: 1000 EURD".utf8))
        #expect(throws: CryptoError.self) { try AES256GCM.SealedBox(combined: [1, 2, 3]) }
    }

    /// The one-buffer form the store uses is the same `nonce || ciphertext || tag`: it opens
    /// like any sealed box, with a fresh nonce each time, and a flipped bit or other associated
    /// data is refused.
    @Test func sealCombinedIsTheCombinedFormAndStillAuthenticates() throws {
        for plaintext in [[UInt8](), Array("balance: 1000 EURD".utf8), [UInt8](repeating: 7, count: 1000)] {
            let sealed = try AES256GCM.sealCombined(plaintext, key: Self.key, associatedData: Self.associatedData)
            #expect(sealed.count == 12 + plaintext.count + 16)
            let box = try AES256GCM.SealedBox(combined: sealed)
            #expect(try AES256GCM.open(box, key: Self.key, associatedData: Self.associatedData) == plaintext)
            #expect(try AES256GCM.sealCombined(plaintext, key: Self.key, associatedData: Self.associatedData) != sealed)
            var flipped = sealed
            flipped[flipped.count - 1] ^= 1
            #expect(throws: CryptoError.self) {
                try AES256GCM.open(AES256GCM.SealedBox(combined: flipped), key: Self.key, associatedData: Self.associatedData)
            }
            #expect(throws: CryptoError.self) { try AES256GCM.open(box, key: Self.key, associatedData: Array("other".utf8)) }
        }
        #expect(throws: CryptoError.self) { try AES256GCM.sealCombined([1], key: [UInt8](repeating: 0, count: 16), associatedData: []) }
    }

    @Test func refusesWrongKeyOrNonceSize() {
        #expect(throws: CryptoError.self) { try AES256GCM.seal([1], key: [UInt8](repeating: 0, count: 16)) }
        #expect(throws: CryptoError.self) {
            try AES256GCM.seal([1], key: Self.key, nonce: [UInt8](repeating: 0, count: 8))
        }
    }
}

@Suite struct HashAndKeyDerivationTests {
    @Test func sha256KnownAnswer() {
        #expect(SHA256.hash(Array("abc".utf8)).hex == "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hash([UInt8]()).hex == "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func sha256OfPartsEqualsSha256OfConcatenation() {
        let a: [UInt8] = [1, 2, 3], b: [UInt8] = Array(repeating: 9, count: 100)
        let joined = a.withUnsafeBytes { x in b.withUnsafeBytes { y in SHA256.hash(parts: [x, y]) } }
        #expect(joined == SHA256.hash(a + b))
    }

    /// RFC 5869, test case 1.
    @Test func hkdfMatchesRFC5869() throws {
        let okm = try HKDF.deriveKey(
            secret: [UInt8](repeating: 0x0b, count: 22), salt: (0...0x0c).map { UInt8($0) },
            info: (0xf0...0xf9).map { UInt8($0) }, length: 42)
        #expect(
            Hex.encode(okm)
                == "0x3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    }

    /// RFC 4231, test case 2.
    @Test func hmacMatchesRFC4231() {
        let mac = HMACSHA256.authenticationCode(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(mac.hex == "0x5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// RFC 4231 test cases 1 (short key), 6 (a key longer than the block, hashed first) and 7.
    @Test func hmacMatchesRFC4231ForShortAndLongKeys() {
        let short = HMACSHA256.authenticationCode(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
        #expect(short.hex == "0xb0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let long = [UInt8](repeating: 0xaa, count: 131)
        let hashedKey = HMACSHA256.authenticationCode(
            key: long, message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        #expect(hashedKey.hex == "0x60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        let longMessage = HMACSHA256.authenticationCode(
            key: long,
            message: Array(
                ("This is a test using a larger than block-size key and a larger than block-size data. "
                    + "The key needs to be hashed before being used by the HMAC algorithm.").utf8))
        #expect(longMessage.hex == "0x9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
        // A changed message or key changes the code.
        #expect(HMACSHA256.authenticationCode(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi there".utf8)) != short)
        #expect(HMACSHA256.authenticationCode(key: [UInt8](repeating: 0x0b, count: 21), message: Array("Hi There".utf8)) != short)
        #expect(HMACSHA256.authenticationCode(key: [UInt8](), message: [UInt8]()).hex
            == "0xb613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func secureRandomDoesNotRepeat() {
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
        // A batch of blindings is filled, every value of it (not zeros past the first).
        let batch = SecureRandom.uint64s(64)
        #expect(batch.count == 64 && Set(batch).count == 64)
        #expect(SecureRandom.uint64s(0).isEmpty)
    }
}
