import Primitives
import TestSupport
import Testing
import Transactions

/// Hostile bytes never crash the decoder: every single-byte change, truncation and extension
/// of a valid transaction is either refused or decodes to something that no longer carries
/// the original signer's valid signature over the original content.
@Suite struct MalformedInputTests {
    static let key = try! PrivateKey(bytes: [UInt8](repeating: 0x46, count: 32))
    static let recipient = try! Address(hex: "0x3535353535353535353535353535353535353535")

    static let samples: [[UInt8]] = [
        TransactionCodec.sign(
            .legacy(chainID: 1, nonce: 9, gasPrice: 20_000_000_000, gasLimit: 21_000, to: recipient, value: 1), with: key
        ).rawBytes,
        TransactionCodec.sign(
            .dynamicFee(
                chainID: 1, nonce: 3, maxPriorityFeePerGas: 1, maxFeePerGas: 2, gasLimit: 60_000, to: recipient, value: 0,
                data: [0xa9, 0x05, 0x9c, 0xbb] + [UInt8](repeating: 7, count: 64),
                accessList: [AccessListEntry(address: recipient, storageKeys: [.zero])]),
            with: key
        ).rawBytes,
    ]

    @Test(arguments: 0..<samples.count)
    func everySingleByteChangeIsRefusedOrChangesTheSigner(_ index: Int) throws {
        let original = Self.samples[index]
        var generator = SeededGenerator(seed: UInt64(index) + 1)
        let originalSigningHash = try TransactionCodec.decode(original).signingHash
        for position in original.indices {
            var mutated = original
            mutated[position] ^= UInt8.random(in: 1...255, using: &generator)
            guard let decoded = try? TransactionCodec.decode(mutated) else { continue }
            #expect(decoded.hash != Keccak256.hash(original))
            // A changed byte lies in the signed fields (new signing hash) or in the signature
            // (a different or no signer): the original signer never vouches for altered content.
            if let sender = try? decoded.recoverSender(), sender == Self.key.address {
                #expect(decoded.signingHash != originalSigningHash)
            }
        }
    }

    @Test(arguments: 0..<samples.count)
    func truncationsAndExtensionsAreRefused(_ index: Int) {
        let original = Self.samples[index]
        for length in 0..<original.count {
            #expect(throws: TransactionError.self) { try TransactionCodec.decode(Array(original[0..<length])) }
        }
        for extra: [UInt8] in [[0x00], [0x80], [0xc0], [0xff, 0xff]] {
            #expect(throws: TransactionError.self) { try TransactionCodec.decode(original + extra) }
        }
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0..<200, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if !bytes.isEmpty, Bool.random(using: &generator) { bytes[0] = [0x01, 0x02, 0xf8, 0xc5][Int.random(in: 0..<4, using: &generator)] }
            _ = try? TransactionCodec.decode(bytes)
            _ = try? RLP.decode(bytes)
        }
    }
}
