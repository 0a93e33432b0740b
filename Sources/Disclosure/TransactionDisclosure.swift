import BatchProof
import Primitives
import Settlement
import StarkCrypto
import StarkMath
import StateTree
import Transactions

/// One transaction a member sent or received, shown to an outsider: the signed Ethereum
/// transaction (so the outsider sees who signed it), the operation leaf the batch's operations
/// commitment holds for it (the operation's fields, its three salt elements), the leaf's index
/// and its Merkle path to that commitment, which the L1 recorded for the batch
/// (docs/DISCLOSURE.md). The siblings are digests of salted leaves: they hide the batch's other
/// operations.
///
/// Same JSON family as ``BalanceDisclosure``: format `cloister.disclosure/1`, kind `transaction`.
public struct TransactionDisclosure: Codable, Sendable, Equatable {
    /// The operation as ``OperationsTree`` commits it (``BatchOperation/fields``), field elements
    /// as decimal strings.
    public struct Operation: Codable, Sendable, Equatable {
        /// "transfer" (the only kind disclosed so far).
        public var kind: String
        /// The state-tree slots of the debited and the credited leaf.
        public var fromSlot: Int
        public var toSlot: Int
        /// The amount's two 62-bit limbs.
        public var amountLow: String
        public var amountHigh: String
        /// `AccountLeaf.key(sender, asset)` and `AccountLeaf.key(recipient, asset)`.
        public var fromKey: String
        public var toKey: String
        /// `AccountLeaf.assetID(asset)`.
        public var assetId: String

        public init(_ operation: BatchOperation) {
            kind = Self.name(of: operation.kind)
            fromSlot = operation.from
            toSlot = operation.to
            amountLow = String(operation.amountLow.value)
            amountHigh = String(operation.amountHigh.value)
            fromKey = String(operation.fromKey.value)
            toKey = String(operation.toKey.value)
            assetId = String(operation.asset.value)
        }

        static func name(of kind: OperationKind) -> String {
            switch kind {
            case .padding: "padding"
            case .transfer: "transfer"
            case .deposit: "deposit"
            case .withdrawal: "withdrawal"
            case .mint: "mint"
            case .burn: "burn"
            }
        }
    }

    public var format: String
    /// "transaction".
    public var kind: String
    public var chainId: UInt64
    public var batch: UInt64
    /// The batch's operations commitment as the L1 records it (four little-endian Goldilocks words).
    public var operationsCommitment: String
    /// keccak256 of `transaction`: informative, checked.
    public var transactionHash: String
    /// The signed transaction, its raw bytes as sent to `eth_sendRawTransaction`.
    public var transaction: String
    /// The signer (the operation's sender), the recipient and the asset (the zero address: the native currency).
    public var from: String
    public var to: String
    public var asset: String
    /// In the asset's smallest unit, decimal.
    public var amount: String
    public var operation: Operation
    /// The leaf's three salt elements, decimal.
    public var salt: [String]
    /// The leaf's position among the batch's operations.
    public var index: Int
    /// The sibling digests from the leaf level up (log₂ of the batch's operation slots).
    public var siblings: [String]

    /// The disclosure of operation `index` of `opening`, which must be `signed`'s transfer.
    public init(
        chainID: UInt64, signed: SignedTransaction, from: Address, to: Address, asset: Address, amount: UInt128,
        opening: OperationsOpening, index: Int
    ) {
        let (root, siblings) = opening.path(of: index)
        format = BalanceDisclosure.format
        kind = "transaction"
        chainId = chainID
        batch = opening.batchNumber
        operationsCommitment = Hash32(rpo: root).hex
        transactionHash = signed.hash.hex
        transaction = Hex.encode(signed.rawBytes)
        self.from = from.checksummed
        self.to = to.checksummed
        self.asset = asset.checksummed
        self.amount = String(amount)
        operation = Operation(opening.operations[index])
        salt = opening.salts[index].map { String($0.value) }
        self.index = index
        self.siblings = siblings.map { Hash32(rpo: $0).hex }
    }
}
