import Primitives
import Transactions

/// Maps an Ethereum transaction to the operation it asks for, or refuses it with a reason.
///
/// Runs before the mempool, on the transaction alone and the token configuration: whatever
/// it refuses never reaches the sequencer. Stateful rules (balances, roles, freezes, pause)
/// are the state transition's, and fail there with a receipt instead.
public enum OperationDecoder {
    /// Maps a decoded Ethereum transaction to an Operation, or refuses it BEFORE the mempool.
    ///
    /// Refused: contract creation; calldata to an address that is not a token; value sent to a
    /// token (with or without calldata); calldata shorter than a selector, with an unknown
    /// selector, with a view's selector, of the wrong length, or with non-canonical words
    /// (address words with non-zero high bytes, bools other than 0/1); a gas limit below the
    /// operation's `gasCost`. Empty calldata to a non-token is a native transfer (value 0 included:
    /// it only consumes the nonce, which is how a wallet replaces a stuck transaction).
    public static func operation(
        for transaction: UnsignedTransaction, tokens: [Address: TokenDefinition]
    ) throws(LedgerError) -> Operation {
        guard let to = transaction.to else { throw .contractCreationNotSupported }
        let operation: Operation
        if let token = tokens[to] {
            guard transaction.value.isZero else { throw .valueSentToToken(symbol: token.symbol) }
            operation = try tokenOperation(token, calldata: transaction.data)
        } else if to == Bridge.address {
            guard transaction.data.isEmpty else { throw .dataToNonToken(to) }
            guard !transaction.value.isZero else { throw .zeroWithdrawal }
            operation = .withdraw(token: nil, amount: transaction.value)
        } else {
            guard transaction.data.isEmpty else { throw .dataToNonToken(to) }
            operation = .nativeTransfer(to: to, amount: transaction.value)
        }
        guard transaction.gasLimit >= operation.gasCost else {
            throw .gasLimitTooLow(function: operation.name, gasLimit: transaction.gasLimit, required: operation.gasCost)
        }
        return operation
    }

    static func tokenOperation(_ token: TokenDefinition, calldata: [UInt8]) throws(LedgerError) -> Operation {
        guard let selector = ABI.selector(of: calldata) else {
            throw .missingFunctionSelector(symbol: token.symbol, byteCount: calldata.count)
        }
        guard let function = ABI.function(selector) else {
            throw .unknownSelector(selector: selector, symbol: token.symbol, supported: ABI.transactionFunctionNames)
        }
        guard !function.isView else { throw .viewFunctionInTransaction(function: function.name, symbol: token.symbol) }
        guard calldata.count == function.calldataLength else {
            throw .wrongCalldataLength(
                function: function.name, expected: function.calldataLength, actual: calldata.count)
        }
        let name = function.name
        let address = token.address
        typealias S = ABI.Selector
        switch selector {
        case S.transfer:
            let to = try ABI.address(calldata, 0, function: name, argument: "to")
            let amount = ABI.uint256(calldata, 1)
            if to == Bridge.address {
                guard !amount.isZero else { throw .zeroWithdrawal }
                return .withdraw(token: address, amount: amount)
            }
            return .transfer(token: address, to: to, amount: amount)
        case S.transferFrom:
            return .transferFrom(
                token: address, from: try ABI.address(calldata, 0, function: name, argument: "from"),
                to: try ABI.address(calldata, 1, function: name, argument: "to"), amount: ABI.uint256(calldata, 2))
        case S.approve:
            return .approve(
                token: address, spender: try ABI.address(calldata, 0, function: name, argument: "spender"),
                amount: ABI.uint256(calldata, 1))
        case S.mint:
            return .mint(
                token: address, to: try ABI.address(calldata, 0, function: name, argument: "to"),
                amount: ABI.uint256(calldata, 1))
        case S.burn:
            return .burn(token: address, amount: ABI.uint256(calldata, 0))
        case S.burnFrom:
            return .burnFrom(
                token: address, from: try ABI.address(calldata, 0, function: name, argument: "from"),
                amount: ABI.uint256(calldata, 1))
        case S.setAddressFrozen:
            return .setAddressFrozen(
                token: address, account: try ABI.address(calldata, 0, function: name, argument: "account"),
                frozen: try ABI.bool(calldata, 1, function: name, argument: "frozen"))
        case S.freezePartialTokens:
            return .freezePartialTokens(
                token: address, account: try ABI.address(calldata, 0, function: name, argument: "account"),
                amount: ABI.uint256(calldata, 1))
        case S.unfreezePartialTokens:
            return .unfreezePartialTokens(
                token: address, account: try ABI.address(calldata, 0, function: name, argument: "account"),
                amount: ABI.uint256(calldata, 1))
        case S.forcedTransfer:
            return .forcedTransfer(
                token: address, from: try ABI.address(calldata, 0, function: name, argument: "from"),
                to: try ABI.address(calldata, 1, function: name, argument: "to"), amount: ABI.uint256(calldata, 2))
        case S.pause:
            return .pause(token: address)
        case S.unpause:
            return .unpause(token: address)
        default:
            // `ABI.functions` lists a transaction this switch does not map: a bug in this module.
            preconditionFailure("OperationDecoder has no mapping for \(function.signature)")
        }
    }
}
