import Primitives

/// The transaction envelopes Cloister accepts, by their EIP-2718 type byte.
public enum TransactionType: UInt8, Sendable, CustomStringConvertible {
    /// Legacy `rlp([nonce, gasPrice, gas, to, value, data, v, r, s])`, EIP-155 protected.
    case legacy = 0
    /// EIP-2930: typed, with an access list.
    case accessList = 1
    /// EIP-1559: typed, with a priority fee and a fee cap.
    case dynamicFee = 2

    public var description: String {
        switch self {
        case .legacy: return "legacy"
        case .accessList: return "eip2930"
        case .dynamicFee: return "eip1559"
        }
    }
}

/// One entry of an EIP-2930 access list.
public struct AccessListEntry: Equatable, Sendable {
    public var address: Address
    public var storageKeys: [Hash32]

    public init(address: Address, storageKeys: [Hash32] = []) {
        self.address = address
        self.storageKeys = storageKeys
    }
}

/// The signed-over content of a transaction, before any signature.
///
/// One struct serves all three types; fields a type does not carry keep their neutral
/// value (`gasPrice` doubles as both fee fields of pre-1559 types, as clients report it).
public struct UnsignedTransaction: Equatable, Sendable {
    public var type: TransactionType
    /// nil only for a pre-EIP-155 legacy transaction (which this chain refuses at validation).
    public var chainID: UInt64?
    public var nonce: UInt64
    /// The fee cap. For legacy and EIP-2930 transactions this is `gasPrice`.
    public var maxFeePerGas: UInt256
    /// The priority fee. For legacy and EIP-2930 transactions this equals `gasPrice`.
    public var maxPriorityFeePerGas: UInt256
    public var gasLimit: UInt64
    /// nil for contract creation.
    public var to: Address?
    public var value: UInt256
    public var data: [UInt8]
    public var accessList: [AccessListEntry]

    /// A legacy or EIP-2930 transaction's single gas price.
    public var gasPrice: UInt256 { maxFeePerGas }

    public init(
        type: TransactionType, chainID: UInt64?, nonce: UInt64, maxFeePerGas: UInt256,
        maxPriorityFeePerGas: UInt256, gasLimit: UInt64, to: Address?, value: UInt256, data: [UInt8] = [],
        accessList: [AccessListEntry] = []
    ) {
        self.type = type
        self.chainID = chainID
        self.nonce = nonce
        self.maxFeePerGas = maxFeePerGas
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.gasLimit = gasLimit
        self.to = to
        self.value = value
        self.data = data
        self.accessList = accessList
    }

    /// A legacy transaction with one gas price.
    public static func legacy(
        chainID: UInt64, nonce: UInt64, gasPrice: UInt256, gasLimit: UInt64, to: Address?, value: UInt256,
        data: [UInt8] = []
    ) -> UnsignedTransaction {
        UnsignedTransaction(
            type: .legacy, chainID: chainID, nonce: nonce, maxFeePerGas: gasPrice, maxPriorityFeePerGas: gasPrice,
            gasLimit: gasLimit, to: to, value: value, data: data)
    }

    /// An EIP-1559 transaction.
    public static func dynamicFee(
        chainID: UInt64, nonce: UInt64, maxPriorityFeePerGas: UInt256, maxFeePerGas: UInt256, gasLimit: UInt64,
        to: Address?, value: UInt256, data: [UInt8] = [], accessList: [AccessListEntry] = []
    ) -> UnsignedTransaction {
        UnsignedTransaction(
            type: .dynamicFee, chainID: chainID, nonce: nonce, maxFeePerGas: maxFeePerGas,
            maxPriorityFeePerGas: maxPriorityFeePerGas, gasLimit: gasLimit, to: to, value: value, data: data,
            accessList: accessList)
    }
}

/// A decoded, signed transaction with its hashes.
///
/// The sender is not stored: recovering it is the expensive step (≈ 70 µs), so callers
/// decide when to pay for it with `recoverSender()`.
public struct SignedTransaction: Equatable, Sendable {
    public let transaction: UnsignedTransaction
    public let signature: RecoverableSignature
    /// The raw `v` of a legacy transaction (`chainId × 2 + 35 + parity`, or 27/28 unprotected); the parity for typed ones.
    public let v: UInt256
    /// keccak256 of the raw bytes (type byte included): the hash clients expect back.
    public let hash: Hash32
    /// The hash the sender signed.
    public let signingHash: Hash32
    /// The canonical encoding as received.
    public let rawBytes: [UInt8]

    init(
        transaction: UnsignedTransaction, signature: RecoverableSignature, v: UInt256, signingHash: Hash32,
        rawBytes: [UInt8]
    ) {
        self.transaction = transaction
        self.signature = signature
        self.v = v
        self.signingHash = signingHash
        self.rawBytes = rawBytes
        self.hash = Keccak256.hash(rawBytes)
    }

    /// Recovers the signer; fails for a signature that is out of range, high-s or unrecoverable.
    public func recoverSender() throws(TransactionError) -> Address {
        do {
            return try Secp256k1.recoverAddress(messageHash: signingHash, signature: signature)
        } catch .recoveryFailed {
            throw .signatureRecoveryFailed
        } catch {
            throw .invalidSignature(error.description)
        }
    }
}
