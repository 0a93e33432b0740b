import Stark
import StateTree

/// Why a batch could not be built or proved, or why a batch proof was refused.
public enum BatchProofError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The slot count is not a power of two, too small for the operations, or too large.
    case invalidSlotCount(Int, operations: Int)
    /// The batch number is not below 2⁶³.
    case invalidBatchNumber(UInt64)
    /// An account or asset is not a 20-byte address.
    case invalidAddress(what: String, byteCount: Int)
    /// An amount or balance of 2¹²⁴ or more.
    case amountOutOfRange(UInt128)
    /// A debit larger than the balance (`holder` names the account and asset, or the supply).
    case insufficientBalance(holder: String, balance: UInt128, amount: UInt128)
    /// A credit would take the balance to 2¹²⁴ or more.
    case balanceOverflow(holder: String, balance: UInt128, amount: UInt128)
    /// A debit from a holder or supply that has no leaf.
    case unknownAccount(holder: String)
    /// A holder's key equals its asset's identifier or another leaf's key (a 64-bit hash
    /// collision): the operation cannot be proved.
    case keyCollision(String)
    /// Genesis lists the same holder or asset twice.
    case duplicateGenesisEntry(String)
    /// All 2³¹ − 1 slots are assigned.
    case treeFull
    /// The public statement is malformed (counts, amounts, order).
    case invalidStatement(String)
    /// The STARK prover or verifier failed (for a verifier: the proof is rejected).
    case proofSystem(StarkError)

    public var description: String {
        switch self {
        case .invalidSlotCount(let slots, let operations):
            "a batch of \(operations) operations (deposits, withdrawals and the rest) needs a power-of-two slot "
                + "count above that number (at most 2^17), not \(slots)"
        case .invalidBatchNumber(let number): "batch number \(number) must be below 2^63"
        case .invalidAddress(let what, let count): "the \(what) must be a 20-byte address, not \(count) bytes"
        case .amountOutOfRange(let amount): "amount \(amount) is too large: amounts and balances are below 2^124"
        case .insufficientBalance(let holder, let balance, let amount):
            "\(holder) has balance \(balance), below the amount \(amount); nothing was applied"
        case .balanceOverflow(let holder, let balance, let amount):
            "crediting \(amount) to \(holder) (balance \(balance)) would reach 2^124; nothing was applied"
        case .unknownAccount(let holder): "\(holder) has no leaf in the state tree: nothing to debit"
        case .keyCollision(let holder):
            "the leaf key of \(holder) collides with an asset identifier or another key; this holder cannot be proved"
        case .duplicateGenesisEntry(let holder): "genesis lists \(holder) twice"
        case .treeFull: "the state tree's 2^31 - 1 slots are all assigned"
        case .invalidStatement(let reason): "invalid batch statement: \(reason)"
        case .proofSystem(let error): "proof system: \(error)"
        }
    }
}

extension BatchProofError {
    /// The batch-proof form of a state-tree refusal.
    public init(_ error: AccountTreeError) {
        switch error {
        case .full: self = .treeFull
        case .invalidAddress(let what, let count): self = .invalidAddress(what: what, byteCount: count)
        case .amountOutOfRange(let amount): self = .amountOutOfRange(amount)
        case .duplicateGenesisEntry(let holder): self = .duplicateGenesisEntry(holder)
        case .keyCollision(let holder): self = .keyCollision(holder)
        case .insufficientBalance(let holder, let balance, let amount):
            self = .insufficientBalance(holder: holder, balance: balance, amount: amount)
        case .balanceOverflow(let holder, let balance, let amount):
            self = .balanceOverflow(holder: holder, balance: balance, amount: amount)
        case .unknownHolder(let holder): self = .unknownAccount(holder: holder)
        case .invalidSeed, .corrupt: self = .invalidStatement(error.description)
        }
    }
}
