import Primitives

/// The stateless checks every Ethereum client applies before a transaction may enter a
/// mempool: replay protection and chain id, field bounds, fee-cap ordering, gas cost
/// overflow, intrinsic gas and init-code size (rules as of Cancun).
public struct TransactionValidator: Sendable {
    public var chainID: UInt64
    /// Pre-EIP-155 signatures carry no chain id and can be replayed on any chain; Cloister
    /// refuses them. Only the Ethereum conformance vectors turn this on.
    public var allowsUnprotectedLegacy: Bool
    /// EIP-3860 limit on contract-creation init code (2 × 24,576 bytes).
    public var maxInitCodeSize: Int

    public init(chainID: UInt64, allowsUnprotectedLegacy: Bool = false, maxInitCodeSize: Int = 49_152) {
        self.chainID = chainID
        self.allowsUnprotectedLegacy = allowsUnprotectedLegacy
        self.maxInitCodeSize = maxInitCodeSize
    }

    /// Throws the first rule the transaction breaks. Does not recover the sender.
    public func validate(_ signed: SignedTransaction) throws(TransactionError) {
        let transaction = signed.transaction
        switch transaction.chainID {
        case nil where !allowsUnprotectedLegacy: throw .missingReplayProtection
        case let id? where id != chainID: throw .wrongChainID(expected: chainID, actual: id)
        default: break
        }
        do { try signed.signature.validate() } catch { throw .invalidSignature(error.description) }
        guard transaction.nonce < UInt64.max else { throw .nonceOverflow }
        guard transaction.maxPriorityFeePerGas <= transaction.maxFeePerGas else {
            throw .feeCapBelowPriorityFee(
                maxFeePerGas: transaction.maxFeePerGas, maxPriorityFeePerGas: transaction.maxPriorityFeePerGas)
        }
        guard transaction.maxFeePerGas.checkedMultiplying(by: UInt256(transaction.gasLimit)) != nil else {
            throw .gasCostOverflow
        }
        if transaction.to == nil && transaction.data.count > maxInitCodeSize {
            throw .initCodeTooLarge(size: transaction.data.count, limit: maxInitCodeSize)
        }
        let intrinsic = IntrinsicGas.of(transaction)
        guard transaction.gasLimit >= intrinsic else {
            throw .intrinsicGasTooLow(gasLimit: transaction.gasLimit, intrinsicGas: intrinsic)
        }
    }
}

/// Gas charged before execution (Cancun rules).
public enum IntrinsicGas {
    public static let transaction: UInt64 = 21_000
    public static let contractCreation: UInt64 = 32_000
    public static let zeroDataByte: UInt64 = 4
    /// EIP-2028.
    public static let nonZeroDataByte: UInt64 = 16
    /// EIP-2930.
    public static let accessListAddress: UInt64 = 2_400
    public static let accessListStorageKey: UInt64 = 1_900
    /// EIP-3860: per 32-byte word of init code.
    public static let initCodeWord: UInt64 = 2

    public static func of(_ transaction: UnsignedTransaction) -> UInt64 {
        var gas = Self.transaction
        var zeros: UInt64 = 0
        for byte in transaction.data where byte == 0 { zeros += 1 }
        let nonZeros = UInt64(transaction.data.count) - zeros
        gas += zeros * zeroDataByte + nonZeros * nonZeroDataByte
        if transaction.to == nil {
            gas += contractCreation + initCodeWord * ((UInt64(transaction.data.count) + 31) / 32)
        }
        for entry in transaction.accessList {
            gas += accessListAddress + accessListStorageKey * UInt64(entry.storageKeys.count)
        }
        return gas
    }
}
