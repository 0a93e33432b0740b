import Ledger
import Primitives
import TestSupport
import Testing
import Transactions

@Suite struct OperationDecoderTests {
    static let tokens = Fixture.state().tokens
    static let eurd = Fixture.eurdAddress

    static let everyOperation: [Operation] = [
        .nativeTransfer(to: Fixture.bob, amount: 5),
        .transfer(token: eurd, to: Fixture.bob, amount: 10),
        .transferFrom(token: eurd, from: Fixture.alice, to: Fixture.carol, amount: .max),
        .approve(token: eurd, spender: Fixture.bob, amount: 0),
        .mint(token: eurd, to: Fixture.alice, amount: 1),
        .burn(token: eurd, amount: 2),
        .burnFrom(token: eurd, from: Fixture.bob, amount: 3),
        .setAddressFrozen(token: eurd, account: Fixture.bob, frozen: true),
        .setAddressFrozen(token: eurd, account: Fixture.bob, frozen: false),
        .freezePartialTokens(token: eurd, account: Fixture.bob, amount: 4),
        .unfreezePartialTokens(token: eurd, account: Fixture.bob, amount: 5),
        .forcedTransfer(token: eurd, from: Fixture.bob, to: Fixture.alice, amount: 6),
        .pause(token: eurd),
        .unpause(token: eurd),
    ]

    static func transaction(
        to: Address?, value: UInt256 = 0, data: [UInt8] = [], gas: UInt64 = 100_000
    ) -> UnsignedTransaction {
        .dynamicFee(
            chainID: 7, nonce: 0, maxPriorityFeePerGas: 0, maxFeePerGas: 0, gasLimit: gas, to: to, value: value,
            data: data)
    }

    static func decode(_ transaction: UnsignedTransaction) throws(LedgerError) -> Operation {
        try OperationDecoder.operation(for: transaction, tokens: tokens)
    }

    @Test(arguments: everyOperation)
    func decodesEveryOperationFromItsCall(_ operation: Operation) throws {
        let call = operation.call
        let decoded = try Self.decode(Self.transaction(to: call.to, value: call.value, data: call.data))
        #expect(decoded == operation)
    }

    /// The bytes web3.py sends for `transfer(bob, 10)`.
    @Test func decodesTransferCalldataAsClientsWriteIt() throws {
        let data = bytes(
            fromHex: "a9059cbb" + "000000000000000000000000" + String(repeating: "b2", count: 20)
                + String(repeating: "0", count: 62) + "0a")
        #expect(
            try Self.decode(Self.transaction(to: Self.eurd, data: data))
                == .transfer(token: Self.eurd, to: Fixture.bob, amount: 10))
    }

    @Test func emptyDataToNonTokenIsNativeTransfer() throws {
        #expect(
            try Self.decode(Self.transaction(to: Fixture.bob, value: 9)) == .nativeTransfer(to: Fixture.bob, amount: 9))
        #expect(try Self.decode(Self.transaction(to: Fixture.bob)) == .nativeTransfer(to: Fixture.bob, amount: 0))
    }

    @Test func refusesContractCreation() {
        #expect(throws: LedgerError.contractCreationNotSupported) {
            try Self.decode(Self.transaction(to: nil, data: [0x60, 0x80]))
        }
    }

    @Test func refusesUnknownSelectorNamingTheSupportedFunctions() {
        let error = #expect(throws: LedgerError.self) {
            try Self.decode(Self.transaction(to: Self.eurd, data: [0x12, 0x34, 0x56, 0x78]))
        }
        #expect(
            error?.description
                == "unknown function selector 0x12345678 on token EURD (supported: transfer, transferFrom, approve, mint, burn, burnFrom, setAddressFrozen, freezePartialTokens, unfreezePartialTokens, forcedTransfer, pause, unpause)"
        )
    }

    @Test func refusesCalldataShorterThanASelector() {
        #expect(throws: LedgerError.missingFunctionSelector(symbol: "EURD", byteCount: 3)) {
            try Self.decode(Self.transaction(to: Self.eurd, data: [0xa9, 0x05, 0x9c]))
        }
    }

    @Test func refusesCalldataOfTheWrongLength() {
        let data = Operation.transfer(token: Self.eurd, to: Fixture.bob, amount: 1).call.data
        #expect(throws: LedgerError.wrongCalldataLength(function: "transfer", expected: 68, actual: 67)) {
            try Self.decode(Self.transaction(to: Self.eurd, data: Array(data.dropLast())))
        }
        #expect(throws: LedgerError.wrongCalldataLength(function: "transfer", expected: 68, actual: 69)) {
            try Self.decode(Self.transaction(to: Self.eurd, data: data + [0]))
        }
        #expect(throws: LedgerError.wrongCalldataLength(function: "pause", expected: 4, actual: 36)) {
            try Self.decode(
                Self.transaction(to: Self.eurd, data: Operation.pause(token: Self.eurd).call.data + uintWord(0)))
        }
    }

    @Test func refusesAddressWordWithDirtyHighBytes() {
        var data = Operation.transfer(token: Self.eurd, to: Fixture.bob, amount: 1).call.data
        data[4] = 0x01
        #expect(
            throws: LedgerError.nonCanonicalArgument(
                function: "transfer", argument: "to", reason: "an address word must start with 12 zero bytes")
        ) { try Self.decode(Self.transaction(to: Self.eurd, data: data)) }
        var second = Operation.transferFrom(token: Self.eurd, from: Fixture.alice, to: Fixture.bob, amount: 1).call.data
        second[4 + 32 + 11] = 0xff
        #expect(throws: LedgerError.self) { try Self.decode(Self.transaction(to: Self.eurd, data: second)) }
    }

    @Test func refusesBoolOtherThanZeroOrOne() {
        for last: UInt8 in [2, 0xff] {
            var data = Operation.setAddressFrozen(token: Self.eurd, account: Fixture.bob, frozen: true).call.data
            data[data.count - 1] = last
            #expect(
                throws: LedgerError.nonCanonicalArgument(
                    function: "setAddressFrozen", argument: "frozen", reason: "a bool word must be 0 or 1")
            ) { try Self.decode(Self.transaction(to: Self.eurd, data: data)) }
        }
        var high = Operation.setAddressFrozen(token: Self.eurd, account: Fixture.bob, frozen: true).call.data
        high[4 + 32] = 0x80
        #expect(throws: LedgerError.self) { try Self.decode(Self.transaction(to: Self.eurd, data: high)) }
    }

    @Test func refusesDataToAnAddressThatIsNotAToken() {
        let data = Operation.transfer(token: Self.eurd, to: Fixture.bob, amount: 1).call.data
        #expect(throws: LedgerError.dataToNonToken(Fixture.carol)) {
            try Self.decode(Self.transaction(to: Fixture.carol, data: data))
        }
    }

    @Test func refusesValueSentToAToken() {
        #expect(throws: LedgerError.valueSentToToken(symbol: "EURD")) {
            try Self.decode(Self.transaction(to: Self.eurd, value: 1))
        }
        let data = Operation.transfer(token: Self.eurd, to: Fixture.bob, amount: 1).call.data
        #expect(throws: LedgerError.valueSentToToken(symbol: "EURD")) {
            try Self.decode(Self.transaction(to: Self.eurd, value: 1, data: data))
        }
    }

    @Test func refusesEmptyCallToAToken() {
        #expect(throws: LedgerError.missingFunctionSelector(symbol: "EURD", byteCount: 0)) {
            try Self.decode(Self.transaction(to: Self.eurd))
        }
    }

    @Test func refusesViewFunctionSentAsTransaction() {
        let data = ABI.encodeCall(ABI.Selector.balanceOf, [ABI.word(Fixture.alice)])
        #expect(throws: LedgerError.viewFunctionInTransaction(function: "balanceOf", symbol: "EURD")) {
            try Self.decode(Self.transaction(to: Self.eurd, data: data))
        }
    }

    @Test(arguments: everyOperation)
    func refusesGasLimitBelowGasCost(_ operation: Operation) throws {
        let call = operation.call
        let cost = operation.gasCost
        #expect(throws: LedgerError.gasLimitTooLow(function: operation.name, gasLimit: cost - 1, required: cost)) {
            try Self.decode(Self.transaction(to: call.to, value: call.value, data: call.data, gas: cost - 1))
        }
        #expect(
            try Self.decode(Self.transaction(to: call.to, value: call.value, data: call.data, gas: cost)) == operation)
    }

    @Test func gasTableIsPinned() {
        let table = Dictionary(
            Self.everyOperation.map { ($0.name, $0.gasCost) }, uniquingKeysWith: { first, _ in first })
        #expect(
            table == [
                "nativeTransfer": 21_000, "transfer": 50_000, "transferFrom": 60_000, "approve": 45_000, "mint": 55_000,
                "burn": 40_000, "burnFrom": 50_000, "setAddressFrozen": 45_000, "freezePartialTokens": 45_000,
                "unfreezePartialTokens": 45_000, "forcedTransfer": 65_000, "pause": 30_000, "unpause": 30_000,
            ])
    }

    /// A gas limit that covers the charge also passes the validator's intrinsic-gas check.
    @Test(arguments: everyOperation)
    func gasCostCoversIntrinsicGasOfTheWorstCaseCalldata(_ operation: Operation) {
        var call = operation.call
        call.data = call.data.map { _ in 0xff }
        let transaction = Self.transaction(to: call.to, value: call.value, data: call.data)
        #expect(IntrinsicGas.of(transaction) <= operation.gasCost)
    }

    @Test func operationNamesTheTokenItActsOn() {
        for operation in Self.everyOperation {
            if case .nativeTransfer = operation {
                #expect(operation.token == nil)
            } else {
                #expect(operation.token == Self.eurd)
            }
        }
    }

    /// The whole path a member's wallet takes: sign, decode, recover, map, execute.
    @Test func signedTransactionFromAWalletExecutes() throws {
        let key = PrivateKey.generate()
        let member = key.address
        var state = try LedgerState.genesis(
            tokens: [Fixture.eurd], nativeBalances: [:], tokenBalances: [Self.eurd: [member: 100]])
        let call = Operation.transfer(token: Self.eurd, to: Fixture.bob, amount: 40).call
        let unsigned = UnsignedTransaction.dynamicFee(
            chainID: 7, nonce: 0, maxPriorityFeePerGas: 0, maxFeePerGas: 0, gasLimit: 50_000, to: call.to,
            value: call.value, data: call.data)
        let decoded = try TransactionCodec.decode(TransactionCodec.sign(unsigned, with: key).rawBytes)
        let sender = try decoded.recoverSender()
        let operation = try OperationDecoder.operation(for: decoded.transaction, tokens: state.tokens)
        let receipt = try StateTransition.execute(
            operation, sender: sender, nonce: decoded.transaction.nonce, state: &state)
        #expect(receipt == success(gas: 50_000, [transferLog(Self.eurd, from: member, to: Fixture.bob, amount: 40)]))
        #expect(state.holding(token: Self.eurd, holder: Fixture.bob).balance == 40)
        #expect(state.account(member).nonce == 1)
    }
}
