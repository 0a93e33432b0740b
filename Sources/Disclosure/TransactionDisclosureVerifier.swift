import BatchProof
import Foundation
import Primitives
import Settlement
import StarkCrypto
import StarkMath
import StateTree
import Transactions

/// Checks a transaction disclosure against the L1 alone. The signed transaction is the
/// authority: its signer (recovered with secp256k1) must be the disclosed sender and what it
/// does (a native transfer, or an ERC-20 `transfer` call) must be the disclosed recipient, asset
/// and amount; the operation leaf is then rebuilt from those facts (keys, asset id and amount
/// limbs computed, not read), folded with its salt, index and siblings, and must reach the
/// operations commitment the L1 recorded for the batch, which the L1 must have executed.
public enum TransactionDisclosureVerifier {
    /// What a valid transaction disclosure proves, in plain words.
    public struct Facts: Sendable, Equatable {
        public var signer: Address
        public var recipient: Address
        public var asset: Address
        public var amount: UInt128
        public var transactionHash: Hash32
        public var nonce: UInt64
        public var batch: UInt64
        public var index: Int
        public var chainID: UInt64
        /// When the L1 executed the batch (milliseconds since the epoch).
        public var executedAt: UInt64?

        public var sentence: String {
            let assetName = asset == .zero ? "the native currency" : "the token at \(asset.checksummed)"
            let when =
                executedAt.map { " (executed on the L1 at \(Date(timeIntervalSince1970: Double($0) / 1000)))" } ?? ""
            return "\(signer.checksummed) signed transaction \(transactionHash.hex) (nonce \(nonce)) sending \(amount) "
                + "(smallest unit) of \(assetName) to \(recipient.checksummed) on chain \(chainID); batch \(batch)\(when) "
                + "holds this transfer from \(signer.checksummed) as its operation \(index)"
        }
    }

    /// The transfer a signed transaction makes: (recipient, asset, amount), or nil for anything else.
    static func transfer(of transaction: UnsignedTransaction) -> (Address, Address, UInt256)? {
        guard let target = transaction.to else { return nil }
        if transaction.data.isEmpty { return transaction.value.isZero ? nil : (target, .zero, transaction.value) }
        // transfer(address,uint256): selector a9059cbb, an address word, an amount word.
        let data = transaction.data
        guard transaction.value.isZero, data.count == 68, Array(data[0..<4]) == [0xa9, 0x05, 0x9c, 0xbb],
            data[4..<16].allSatisfy({ $0 == 0 })
        else { return nil }
        return (Address(exactly: data[16..<36]), target, UInt256(bigEndianWord: data[36..<68]))
    }

    /// The checks that need no L1: signature, transaction against claims, leaf and path.
    /// Returns the facts (without the execution time) and the commitment the path reaches.
    public static func check(_ disclosure: TransactionDisclosure) throws(DisclosureError) -> (Facts, Hash32) {
        guard disclosure.format == BalanceDisclosure.format, disclosure.kind == "transaction" else {
            throw DisclosureError(
                .malformed,
                "not a transaction disclosure of format \(BalanceDisclosure.format) (got \(disclosure.format), \(disclosure.kind))"
            )
        }
        let claims = try Claims(disclosure)
        let signed: SignedTransaction
        let signer: Address
        do {
            signed = try TransactionCodec.decode(claims.raw)
            signer = try signed.recoverSender()
        } catch {
            throw DisclosureError(.transactionMismatch, "the signed transaction does not decode or verify: \(error)")
        }
        guard signed.hash.hex == disclosure.transactionHash.lowercased() else {
            throw DisclosureError(
                .transactionMismatch,
                "the transaction's hash is \(signed.hash.hex), not the disclosed \(disclosure.transactionHash)")
        }
        guard signer == claims.from else {
            throw DisclosureError(
                .transactionMismatch,
                "the transaction was signed by \(signer.checksummed), not by the disclosed sender \(claims.from.checksummed)"
            )
        }
        guard signed.transaction.chainID == disclosure.chainId else {
            throw DisclosureError(
                .transactionMismatch,
                "the transaction is signed for chain \(signed.transaction.chainID.map(String.init) ?? "none"), not chain \(disclosure.chainId)"
            )
        }
        guard let (recipient, asset, amount) = transfer(of: signed.transaction) else {
            throw DisclosureError(
                .transactionMismatch,
                "the transaction is neither a native transfer nor an ERC-20 transfer call: it cannot be disclosed")
        }
        guard recipient == claims.to, asset == claims.asset,
            amount
                == UInt256(
                    words: (
                        UInt64(truncatingIfNeeded: claims.amount), UInt64(truncatingIfNeeded: claims.amount >> 64), 0, 0
                    ))
        else {
            throw DisclosureError(
                .transactionMismatch,
                "the signed transaction sends \(amount) of \(asset.checksummed) to \(recipient.checksummed), not the disclosed "
                    + "\(claims.amount) of \(claims.asset.checksummed) to \(claims.to.checksummed)")
        }
        let operation = BatchOperation(
            kind: .transfer, from: claims.fromSlot, to: claims.toSlot, amount: claims.amount,
            fromKey: AccountLeaf.key(account: claims.from.bytes, asset: claims.asset.bytes),
            toKey: AccountLeaf.key(account: claims.to.bytes, asset: claims.asset.bytes),
            asset: AccountLeaf.assetID(of: claims.asset.bytes))
        guard TransactionDisclosure.Operation(operation) == disclosure.operation else {
            throw DisclosureError(
                .transactionMismatch,
                "the disclosed operation (kind, keys, asset id, amount limbs) is not the one the signed transaction makes"
            )
        }
        let leaf = OperationsTree.leaf(batchNumber: disclosure.batch, salt: claims.salt, operation: operation)
        let root = OperationsTree.root(fromLeaf: leaf, index: disclosure.index, siblings: claims.siblings)
        guard Hash32(rpo: root) == claims.commitment else {
            throw DisclosureError(
                .pathMismatch,
                "the disclosed operation (with its salt, batch and index) and siblings do not reach operations commitment "
                    + "\(disclosure.operationsCommitment)")
        }
        let facts = Facts(
            signer: signer, recipient: recipient, asset: asset, amount: claims.amount, transactionHash: signed.hash,
            nonce: signed.transaction.nonce, batch: disclosure.batch, index: disclosure.index,
            chainID: disclosure.chainId,
            executedAt: nil)
        return (facts, claims.commitment)
    }

    /// Verifies `disclosure` against `record`, the L1's record of its batch (nil: the L1 has none).
    public static func verify(
        _ disclosure: TransactionDisclosure, l1Record record: L1BatchRecord?
    ) throws(DisclosureError) -> Facts {
        var (facts, commitment) = try check(disclosure)
        guard let record, record.batchNumber == disclosure.batch else {
            throw DisclosureError(.unknownBatch, "the L1 has no batch \(disclosure.batch)")
        }
        guard record.commitment.operationsCommitment == commitment else {
            throw DisclosureError(
                .rootMismatch,
                "batch \(disclosure.batch)'s operations commitment on the L1 is \(record.commitment.operationsCommitment.hex), "
                    + "not the disclosed \(disclosure.operationsCommitment)")
        }
        guard record.status == .executed else {
            throw DisclosureError(
                .notFinal,
                "batch \(disclosure.batch) is \(record.status.rawValue) on the L1, not executed: the disclosure is not final yet"
            )
        }
        facts.executedAt = record.executedAt
        return facts
    }

    /// The disclosure's fields, each well formed, or why not.
    struct Claims {
        var raw: [UInt8]
        var from: Address
        var to: Address
        var asset: Address
        var amount: UInt128
        var fromSlot: Int
        var toSlot: Int
        var salt: [Goldilocks]
        var siblings: [RPODigest]
        var commitment: Hash32

        init(_ disclosure: TransactionDisclosure) throws(DisclosureError) {
            guard let raw = try? Hex.decodeData(disclosure.transaction), !raw.isEmpty else {
                throw DisclosureError(.malformed, "transaction must be the signed transaction's bytes, 0x-hex")
            }
            guard let from = try? Address(hex: disclosure.from), let to = try? Address(hex: disclosure.to),
                let asset = try? Address(hex: disclosure.asset)
            else {
                throw DisclosureError(.malformed, "from, to and asset must be 0x + 40 hex digits")
            }
            guard let amount = UInt128(disclosure.amount), amount < AccountLeaf.balanceBound, amount > 0 else {
                throw DisclosureError(
                    .malformed, "amount must be a decimal above 0 and below 2^124, got \(disclosure.amount)")
            }
            guard
                [disclosure.operation.fromSlot, disclosure.operation.toSlot].allSatisfy({
                    $0 >= 0 && $0 < AccountTree.paddingSlot
                })
            else {
                throw DisclosureError(.malformed, "the operation's slots must be positions in the state tree")
            }
            let salt = disclosure.salt.compactMap { UInt64($0) }.filter { $0 < Goldilocks.modulus }
            guard disclosure.salt.count == OperationsTree.saltCount, salt.count == OperationsTree.saltCount else {
                throw DisclosureError(.malformed, "salt must be \(OperationsTree.saltCount) decimal field elements")
            }
            let depth = disclosure.siblings.count
            guard depth <= BatchAIRv3.maximumSlotCount.trailingZeroBitCount, disclosure.index >= 0,
                disclosure.index < 1 << depth
            else {
                throw DisclosureError(
                    .malformed, "index \(disclosure.index) is not a position in a tree of \(depth) levels")
            }
            var siblings = [RPODigest]()
            for (level, text) in disclosure.siblings.enumerated() {
                guard let hash = try? Hash32(hex: text), let digest = try? RPODigest(bytes: hash.bytes) else {
                    throw DisclosureError(
                        .malformed, "sibling \(level) is not an RPO digest (0x + 64 hex digits, canonical words)")
                }
                siblings.append(digest)
            }
            guard let commitment = try? Hash32(hex: disclosure.operationsCommitment) else {
                throw DisclosureError(.malformed, "operationsCommitment must be 0x + 64 hex digits")
            }
            self.raw = raw
            self.from = from
            self.to = to
            self.asset = asset
            self.amount = amount
            fromSlot = disclosure.operation.fromSlot
            toSlot = disclosure.operation.toSlot
            self.salt = salt.map { Goldilocks(reducing: $0) }
            self.siblings = siblings
            self.commitment = commitment
        }
    }
}
