import Primitives

/// Everything the ledger refuses, with messages a wallet user or an operator can act on.
///
/// One error type for the module: configuration and genesis mistakes, transactions refused
/// before the mempool (`OperationDecoder`), views that cannot be answered (`TokenView`),
/// malformed stored records (the `StateKey` / `StateValue` codecs) and the one thing
/// `StateTransition.execute` refuses (a nonce that is not the sender's next one).
/// A transaction that is well-formed but fails on the state (balance, freeze, pause…) is NOT
/// an error: it is a failed receipt with a revert reason.
public enum LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    // MARK: Token configuration and genesis

    /// Two token definitions share an address.
    case duplicateTokenAddress(Address)
    /// Two token definitions share a symbol (compared case-insensitively, as wallets show them).
    case duplicateTokenSymbol(String)
    /// A token definition that cannot work (zero address, empty symbol).
    case invalidTokenDefinition(symbol: String, reason: String)
    /// Genesis names a token address that no definition declares.
    case unknownToken(Address)
    /// Genesis balances of a token add up beyond its supply cap (or beyond 2²⁵⁶ − 1).
    case genesisSupplyExceedsCap(symbol: String)
    /// Genesis gives a token balance to the zero address, which nobody can spend from.
    case genesisBalanceForZeroAddress(symbol: String)

    // MARK: Execution

    /// The transaction's nonce is not the sender's next nonce: the sequencer must not include it.
    case nonceMismatch(sender: Address, expected: UInt64, actual: UInt64)
    /// The sender has used every nonce below 2⁶⁴ − 1 (EIP-2681): it can send nothing more.
    case nonceExhausted(sender: Address)

    // MARK: Mapping a transaction to an operation

    /// A transaction without a recipient would deploy a contract; this chain runs none.
    case contractCreationNotSupported
    /// Calldata sent to an address that is not a configured token.
    case dataToNonToken(Address)
    /// A withdrawal to the bridge address of nothing.
    case zeroWithdrawal
    /// Native value attached to a call or transfer to a token: tokens are not payable.
    case valueSentToToken(symbol: String)
    /// Calldata too short to hold a 4-byte function selector.
    case missingFunctionSelector(symbol: String, byteCount: Int)
    /// A selector the token does not implement (in a transaction, or in `eth_call`).
    case unknownSelector(selector: UInt32, symbol: String, supported: [String])
    /// A view function sent as a transaction.
    case viewFunctionInTransaction(function: String, symbol: String)
    /// A state-changing function asked of `eth_call`.
    case notAView(function: String, symbol: String)
    /// Calldata of the wrong length for the function's fixed arguments.
    case wrongCalldataLength(function: String, expected: Int, actual: Int)
    /// An argument word that is not in canonical ABI form (dirty address bytes, bool not 0/1).
    case nonCanonicalArgument(function: String, argument: String, reason: String)
    /// The gas limit does not cover the operation's fixed charge.
    case gasLimitTooLow(function: String, gasLimit: UInt64, required: UInt64)
    /// An `eth_call` to an address that is not a configured token.
    case notAToken(Address)

    // MARK: Stored records

    /// A stored key or value that does not decode: truncated, trailing bytes, unknown tag, non-canonical.
    case malformedRecord(what: String, reason: String)
    /// A stored key and value of different kinds (an account key with a holding value…).
    case mismatchedRecord(key: String, value: String)

    public var description: String {
        switch self {
        case .duplicateTokenAddress(let address):
            return "two tokens are configured at \(address): give each token its own address"
        case .duplicateTokenSymbol(let symbol):
            return "two tokens are configured with the symbol \(symbol): symbols must be unique (ignoring case)"
        case .invalidTokenDefinition(let symbol, let reason):
            return "token \(symbol.isEmpty ? "(no symbol)" : symbol) is misconfigured: \(reason)"
        case .unknownToken(let address):
            return "no token is configured at \(address): add its definition or remove its balances"
        case .genesisSupplyExceedsCap(let symbol):
            return "genesis balances of \(symbol) exceed its supply cap: lower the balances or raise the cap"
        case .genesisBalanceForZeroAddress(let symbol):
            return "genesis gives \(symbol) to the zero address, where nobody could spend it: remove that balance"
        case .nonceMismatch(let sender, let expected, let actual):
            let hint = actual < expected ? "already used" : "too high: earlier transactions are missing"
            return "nonce \(actual) of \(sender) is \(hint); its next nonce is \(expected)"
        case .nonceExhausted(let sender):
            return "\(sender) has used its last nonce (2^64 - 1, EIP-2681) and can send no more transactions"
        case .contractCreationNotSupported:
            return "contract creation is not supported: this chain runs a fixed set of token operations, not an EVM"
        case .zeroWithdrawal:
            return "a withdrawal must move a positive amount to the bridge address \(Bridge.address.checksummed)"
        case .dataToNonToken(let address):
            return
                "\(address) is not a token contract: a plain transfer carries no data, and only configured tokens accept calls"
        case .valueSentToToken(let symbol):
            return "token \(symbol) is not payable: send the transaction with value 0"
        case .missingFunctionSelector(let symbol, 0):
            return "a transaction to token \(symbol) must call one of its functions, but it carries no data"
        case .missingFunctionSelector(let symbol, let count):
            return "call to token \(symbol) has \(count) bytes of data, too short for a 4-byte function selector"
        case .unknownSelector(let selector, let symbol, let supported):
            return
                "unknown function selector \(ABI.selectorHex(selector)) on token \(symbol) (supported: \(supported.joined(separator: ", ")))"
        case .viewFunctionInTransaction(let function, let symbol):
            return "\(function) on token \(symbol) only reads: call it with eth_call instead of sending a transaction"
        case .notAView(let function, let symbol):
            return "\(function) on token \(symbol) changes state: eth_call answers views only; send it as a transaction"
        case .wrongCalldataLength(let function, let expected, let actual):
            return "calldata for \(function) must be \(expected) bytes (selector and arguments), got \(actual)"
        case .nonCanonicalArgument(let function, let argument, let reason):
            return "argument \(argument) of \(function) is not canonical ABI: \(reason)"
        case .gasLimitTooLow(let function, let gasLimit, let required):
            return
                "gas limit \(gasLimit) is below the \(required) that \(function) costs: set the gas limit to at least \(required)"
        case .notAToken(let address):
            return "\(address) is not a token contract: eth_call answers only configured tokens"
        case .malformedRecord(let what, let reason):
            return "stored \(what) is malformed: \(reason)"
        case .mismatchedRecord(let key, let value):
            return "stored record pairs a \(key) key with a \(value) value"
        }
    }
}
