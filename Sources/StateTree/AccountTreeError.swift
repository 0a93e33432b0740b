/// Why the account tree refused a genesis, an update or a stored record.
public enum AccountTreeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// All 2³¹ − 1 assignable slots are taken; the tree cannot grow.
    case full
    /// A witness seed shorter than the minimum.
    case invalidSeed(byteCount: Int, minimum: Int)
    /// An account or asset is not a 20-byte address.
    case invalidAddress(what: String, byteCount: Int)
    /// An amount or balance of 2¹²⁴ or more.
    case amountOutOfRange(UInt128)
    /// Genesis lists the same holder or asset twice.
    case duplicateGenesisEntry(String)
    /// A holder's key equals its asset's identifier or another leaf's key (a 64-bit hash
    /// collision): the holder cannot be represented.
    case keyCollision(String)
    /// A debit larger than the balance.
    case insufficientBalance(holder: String, balance: UInt128, amount: UInt128)
    /// A credit would take the balance to 2¹²⁴ or more.
    case balanceOverflow(holder: String, balance: UInt128, amount: UInt128)
    /// A debit from a leaf that does not exist.
    case unknownHolder(String)
    /// A stored tree or tree update does not decode, or does not lead to the root it claims.
    case corrupt(String)

    public var description: String {
        switch self {
        case .full: "the account tree is full: all 2^31 - 1 slots are assigned"
        case .invalidSeed(let count, let minimum):
            "a witness seed must be at least \(minimum) secret bytes, got \(count)"
        case .invalidAddress(let what, let count): "the \(what) must be a 20-byte address, not \(count) bytes"
        case .amountOutOfRange(let amount): "amount \(amount) is too large: amounts and balances are below 2^124"
        case .duplicateGenesisEntry(let holder): "genesis lists \(holder) twice"
        case .keyCollision(let holder):
            "the leaf key of \(holder) collides with an asset identifier or another key; this holder cannot be proved"
        case .insufficientBalance(let holder, let balance, let amount):
            "\(holder) has balance \(balance), below the amount \(amount); nothing was applied"
        case .balanceOverflow(let holder, let balance, let amount):
            "crediting \(amount) to \(holder) (balance \(balance)) would reach 2^124; nothing was applied"
        case .unknownHolder(let holder): "\(holder) has no leaf in the account tree: nothing to debit"
        case .corrupt(let reason): "the stored account tree is damaged: \(reason)"
        }
    }
}
