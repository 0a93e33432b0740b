import Primitives

/// Why a transaction was refused, with messages a wallet user can act on.
public enum TransactionError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case unsupportedType(UInt8)
    case malformedRLP(field: String, RLPError)
    case wrongFieldCount(expected: Int, actual: Int)
    case invalidAddress(field: String, byteCount: Int)
    case invalidStorageKey(byteCount: Int)
    case invalidSignature(String)
    case signatureRecoveryFailed
    case missingReplayProtection
    case wrongChainID(expected: UInt64, actual: UInt64?)
    case nonceOverflow
    case gasLimitOverflow
    case feeCapBelowPriorityFee(maxFeePerGas: UInt256, maxPriorityFeePerGas: UInt256)
    case gasCostOverflow
    case intrinsicGasTooLow(gasLimit: UInt64, intrinsicGas: UInt64)
    case initCodeTooLarge(size: Int, limit: Int)

    public var description: String {
        switch self {
        case .empty: return "transaction is empty"
        case .unsupportedType(let type):
            return "transaction type \(Hex.encode([type])) is not supported (use legacy, EIP-2930 or EIP-1559)"
        case .malformedRLP(let field, let error): return "malformed transaction (\(field)): \(error)"
        case .wrongFieldCount(let expected, let actual):
            return "transaction has \(actual) fields, expected \(expected)"
        case .invalidAddress(let field, let count): return "\(field) must be a 20-byte address, got \(count) bytes"
        case .invalidStorageKey(let count): return "access list storage key must be 32 bytes, got \(count)"
        case .invalidSignature(let why): return "invalid signature: \(why)"
        case .signatureRecoveryFailed: return "invalid signature: no sender can be recovered from it"
        case .missingReplayProtection:
            return "transaction is not replay-protected (v = 27/28, pre-EIP-155): sign it with this chain's chain id"
        case .wrongChainID(let expected, let actual):
            return "invalid chain id \(actual.map(String.init) ?? "none"): this chain's id is \(expected)"
        case .nonceOverflow: return "nonce must be below 2^64 - 1 (EIP-2681)"
        case .gasLimitOverflow: return "gas limit must fit in 64 bits"
        case .feeCapBelowPriorityFee(let cap, let tip):
            return "max priority fee per gas (\(tip)) is higher than max fee per gas (\(cap))"
        case .gasCostOverflow: return "gas limit × fee per gas overflows 256 bits"
        case .intrinsicGasTooLow(let limit, let intrinsic):
            return "intrinsic gas too low: gas limit \(limit), the transaction needs at least \(intrinsic)"
        case .initCodeTooLarge(let size, let limit): return "init code of \(size) bytes exceeds the limit of \(limit) (EIP-3860)"
        }
    }
}

