import Primitives
import TestSupport
import Testing
import Transactions

@Suite struct TransactionCodecTests {
    static let key = try! PrivateKey(bytes: [UInt8](repeating: 0x46, count: 32))
    static let recipient = try! Address(hex: "0x3535353535353535353535353535353535353535")
    static let validator = TransactionValidator(chainID: 1)

    static func sample(_ type: TransactionType) -> UnsignedTransaction {
        switch type {
        case .legacy:
            return .legacy(chainID: 1, nonce: 9, gasPrice: 20_000_000_000, gasLimit: 21_000, to: recipient, value: 1_000_000_000_000_000_000)
        case .accessList:
            return UnsignedTransaction(
                type: .accessList, chainID: 1, nonce: 3, maxFeePerGas: 7, maxPriorityFeePerGas: 7, gasLimit: 30_000,
                to: recipient, value: 5, data: [0xa9, 0x05, 0x9c, 0xbb],
                accessList: [AccessListEntry(address: recipient, storageKeys: [Hash32.zero])])
        case .dynamicFee:
            return .dynamicFee(
                chainID: 1, nonce: 0, maxPriorityFeePerGas: 1, maxFeePerGas: 2, gasLimit: 60_000, to: recipient, value: 0,
                data: Array(repeating: 0x11, count: 68))
        }
    }

    /// EIP-155's worked example, byte for byte.
    @Test func encodesEIP155Example() {
        let signed = TransactionCodec.sign(Self.sample(.legacy), with: Self.key)
        #expect(
            Hex.encode(signed.rawBytes)
                == "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"
        )
        #expect(signed.v == 37)
    }

    @Test(arguments: [TransactionType.legacy, .accessList, .dynamicFee])
    func signedTransactionDecodesToItself(_ type: TransactionType) throws {
        let signed = TransactionCodec.sign(Self.sample(type), with: Self.key)
        let decoded = try TransactionCodec.decode(signed.rawBytes)
        #expect(decoded == signed)
        #expect(decoded.hash == Keccak256.hash(signed.rawBytes))
        #expect(try decoded.recoverSender() == Self.key.address)
        try Self.validator.validate(decoded)
    }

    @Test func refusesUnsupportedTypes() {
        for type: UInt8 in [0x00, 0x03, 0x04, 0x7f] {
            #expect(throws: TransactionError.unsupportedType(type)) { try TransactionCodec.decode([type, 0xc0]) }
        }
        #expect(throws: TransactionError.empty) { try TransactionCodec.decode([]) }
    }

    @Test func refusesTrailingBytes() {
        let raw = TransactionCodec.sign(Self.sample(.dynamicFee), with: Self.key).rawBytes
        #expect(throws: TransactionError.self) { try TransactionCodec.decode(raw + [0x00]) }
    }

    @Test func refusesWrongChainID() throws {
        var transaction = Self.sample(.dynamicFee)
        transaction.chainID = 5
        let signed = try TransactionCodec.decode(TransactionCodec.sign(transaction, with: Self.key).rawBytes)
        #expect(throws: TransactionError.wrongChainID(expected: 1, actual: 5)) { try Self.validator.validate(signed) }
    }

    @Test func refusesPriorityFeeAboveFeeCap() throws {
        var transaction = Self.sample(.dynamicFee)
        transaction.maxPriorityFeePerGas = 3
        let signed = TransactionCodec.sign(transaction, with: Self.key)
        #expect(throws: TransactionError.feeCapBelowPriorityFee(maxFeePerGas: 2, maxPriorityFeePerGas: 3)) {
            try Self.validator.validate(signed)
        }
    }

    @Test func refusesGasLimitBelowIntrinsicGas() throws {
        var transaction = Self.sample(.dynamicFee)
        transaction.gasLimit = 21_000
        let signed = TransactionCodec.sign(transaction, with: Self.key)
        #expect(throws: TransactionError.intrinsicGasTooLow(gasLimit: 21_000, intrinsicGas: 21_000 + 68 * 16)) {
            try Self.validator.validate(signed)
        }
    }

    @Test func refusesGasCostOverflow() throws {
        var transaction = Self.sample(.dynamicFee)
        transaction.maxFeePerGas = .max
        transaction.maxPriorityFeePerGas = 1
        #expect(throws: TransactionError.gasCostOverflow) {
            try Self.validator.validate(TransactionCodec.sign(transaction, with: Self.key))
        }
    }

    @Test func refusesUnprotectedLegacyWithReason() throws {
        var transaction = Self.sample(.legacy)
        transaction.chainID = nil
        let signed = try TransactionCodec.decode(TransactionCodec.sign(transaction, with: Self.key).rawBytes)
        #expect(signed.v == 27 || signed.v == 28)
        #expect(try signed.recoverSender() == Self.key.address)
        #expect(throws: TransactionError.missingReplayProtection) { try Self.validator.validate(signed) }
    }

    /// Flipping s to n − s keeps the ECDSA signature valid but must be refused (EIP-2).
    @Test func refusesHighSSignature() throws {
        let signed = TransactionCodec.sign(Self.sample(.dynamicFee), with: Self.key)
        let malleated = RecoverableSignature(
            r: signed.signature.r, s: Secp256k1.order - signed.signature.s, recoveryID: 1 - signed.signature.recoveryID)
        let raw = TransactionCodec.encode(signed.transaction, signature: malleated)
        let decoded = try TransactionCodec.decode(raw)
        #expect(throws: TransactionError.self) { try decoded.recoverSender() }
        #expect(throws: TransactionError.self) { try Self.validator.validate(decoded) }
    }

    @Test func tamperedFieldRecoversAnotherSender() throws {
        var raw = TransactionCodec.sign(Self.sample(.dynamicFee), with: Self.key).rawBytes
        // The value field of this sample is 0x80 (zero); make it 0x01.
        let index = raw.firstIndex(of: 0x80)!
        raw[index] = 0x01
        let decoded = try TransactionCodec.decode(raw)
        #expect((try? decoded.recoverSender()) != Self.key.address)
    }

    @Test func refusesInvalidYParity() throws {
        let signed = TransactionCodec.sign(Self.sample(.dynamicFee), with: Self.key)
        var bad = signed.signature
        bad.recoveryID = 2
        let raw = TransactionCodec.encode(signed.transaction, signature: bad)
        #expect(throws: TransactionError.self) { try TransactionCodec.decode(raw) }
    }

    @Test func countsIntrinsicGas() {
        #expect(IntrinsicGas.of(Self.sample(.legacy)) == 21_000)
        #expect(IntrinsicGas.of(Self.sample(.accessList)) == 21_000 + 4 * 16 + 2_400 + 1_900)
        var creation = Self.sample(.dynamicFee)
        creation.to = nil
        creation.data = [0, 1]
        #expect(IntrinsicGas.of(creation) == 21_000 + 4 + 16 + 32_000 + 2)
    }

    /// Found by the FuzzTransactions target: `v = 2⁶⁴ + 27` decodes to chain id 2⁶³ − 4, and
    /// re-encoding computed `chainId × 2 + 35` in 64 bits and trapped.
    @Test func aLegacyTransactionWhoseVExceeds64BitsReencodesToItsBytes() throws {
        let raw = bytes(
            fromHex: "f86a03018255f094b94f5374fce5edbc8e2a8697c15331677e6ebf0b0a8255448901000000000000001ba098ff9212"
                + "01554726367d2be8c804a7ff89ccf285ebc57dff8ae4c44b9c19ac4aa08887321be575c8095f789dd4c743dfe42c1820f9"
                + "231f98a962b210e3ac2452a3")
        let decoded = try TransactionCodec.decode(raw)
        #expect(decoded.transaction.chainID == UInt64(1) << 63 - 4)
        #expect(TransactionCodec.encode(decoded.transaction, signature: decoded.signature) == raw)
    }

    @Test func signingWithTheLargestChainIDGivesAVAbove64BitsThatDecodesAndRecovers() throws {
        var transaction = Self.sample(.legacy)
        transaction.chainID = .max
        let signed = TransactionCodec.sign(transaction, with: Self.key)
        #expect(signed.v == UInt256(UInt64.max) * UInt256(2) + UInt256(35 + UInt64(signed.signature.recoveryID)))
        let decoded = try TransactionCodec.decode(signed.rawBytes)
        #expect(decoded == signed)
        #expect(try decoded.recoverSender() == Self.key.address)
    }
}
