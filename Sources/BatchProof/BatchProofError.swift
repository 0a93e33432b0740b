import Stark

/// Why a batch could not be proved or a batch proof was refused.
public enum BatchProofError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The slot count is not a power of two, or fewer slots than transfers were asked for.
    case invalidSlotCount(Int, transfers: Int)
    /// The batch number is not below 2⁶³.
    case invalidBatchNumber(UInt64)
    /// A transfer names a slot outside the tree's 2³² slots.
    case slotOutOfRange(Int)
    /// A transfer touches a slot whose leaf has key zero (no account there).
    case unknownAccount(slot: Int)
    /// An amount of 2⁶² or more.
    case amountOutOfRange(UInt64)
    /// The sender's balance is below the amount.
    case insufficientBalance(slot: Int, balance: UInt64, amount: UInt64)
    /// The receiver's balance would reach 2⁶³.
    case balanceOverflow(slot: Int)
    /// The sender's nonce would reach 2⁶³.
    case nonceOverflow(slot: Int)
    /// The STARK prover or verifier failed (for a verifier: the proof is rejected).
    case proofSystem(StarkError)

    public var description: String {
        switch self {
        case .invalidSlotCount(let slots, let transfers):
            "a batch of \(transfers) transfers needs a power-of-two slot count of at least \(max(transfers, 1)), "
                + "not \(slots)"
        case .invalidBatchNumber(let number): "batch number \(number) must be below 2^63"
        case .slotOutOfRange(let slot): "slot \(slot) is outside the account tree (0 ..< 2^32)"
        case .unknownAccount(let slot): "slot \(slot) holds no account (its key is zero)"
        case .amountOutOfRange(let amount): "amount \(amount) must be below 2^62"
        case .insufficientBalance(let slot, let balance, let amount):
            "slot \(slot) has balance \(balance), below the amount \(amount)"
        case .balanceOverflow(let slot): "the balance of slot \(slot) would reach 2^63"
        case .nonceOverflow(let slot): "the nonce of slot \(slot) would reach 2^63"
        case .proofSystem(let error): "proof system: \(error)"
        }
    }
}
