import Primitives
import StarkCrypto
import StarkMath

/// A deposit locked on the L1 for an L2 member: one entry of the priority queue.
///
/// Public on the L1 by nature (whoever deposits shows it there); the batch that consumes
/// it reveals only how many deposits it consumed and their rolling hash.
public struct Deposit: Sendable, Hashable, Codable {
    /// Position in the L1's priority queue, from 0, in the order deposits arrived.
    public let queueIndex: UInt64
    /// The L2 member credited.
    public let recipient: Address
    /// The asset's L2 token address; the zero address is the native currency.
    public let asset: Address
    public let amount: UInt256
    /// Who deposited on the L1: a public field the L2 does not interpret.
    public let sender: Address

    public init(queueIndex: UInt64, recipient: Address, asset: Address, amount: UInt256, sender: Address) {
        self.queueIndex = queueIndex
        self.recipient = recipient
        self.asset = asset
        self.amount = amount
        self.sender = sender
    }

    public var isNative: Bool { asset == .zero }

    /// Domain tag of deposit leaves, as field elements (see `FieldEncoding.tag`).
    public static let leafDomainTag = "cloister/deposit/v1"

    /// The field elements hashed into the leaf: tag ‖ index(2) ‖ recipient(5) ‖ asset(5) ‖
    /// amount(8) ‖ sender(5).
    public var leafElements: [Goldilocks] {
        FieldEncoding.tag(Self.leafDomainTag) + FieldEncoding.limbs(queueIndex) + FieldEncoding.limbs(recipient)
            + FieldEncoding.limbs(asset) + FieldEncoding.limbs(amount) + FieldEncoding.limbs(sender)
    }

    /// `RPO256.hashElements(leafElements)`.
    public var leaf: RPODigest { RPO256.hashElements(leafElements) }

}

/// The hash of a run of consumed deposits: what a batch commits as `depositHash`, and what
/// the L1 recomputes over its queue. Pure, so node, L1 and AIR agree by construction.
///
/// A rolling RPO hash: `h₀ = 0`, `hᵢ₊₁ = RPO256.merge(hᵢ, leaf(depositᵢ))`, in queue order.
/// One merge per deposit is cheap to repeat inside the AIR.
public enum DepositHash {
    /// The hash of no deposits: the zero digest.
    public static let empty = Hash32.zero

    public static func of(_ deposits: [Deposit]) -> Hash32 {
        Hash32(rpo: digest(of: deposits.map(\.leaf)))
    }

    /// The rolling hash over leaves already computed (how the L1 rechecks a stored queue).
    public static func digest(of leaves: some Sequence<RPODigest>, startingFrom start: RPODigest = .zero) -> RPODigest {
        leaves.reduce(start) { RPO256.merge($0, $1) }
    }
}
