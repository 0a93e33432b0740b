import Primitives

/// The L2 side of the bridge to the L1 settlement layer.
///
/// A member withdraws by sending to `Bridge.address`: native value in a plain transfer, or a
/// token's `transfer(Bridge.address, amount)`. Nothing is ever credited to this address; the
/// amount leaves the chain and is claimable on the L1 by the sender's address.
public enum Bridge {
    /// 0x000…B41D ("bridge"): documented in docs/SETTLEMENT.md.
    public static let address = Address(hexLiteral: "0x000000000000000000000000000000000000b41d")
}
