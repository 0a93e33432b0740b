import Ledger
import Primitives

/// What the evaluator reads from the ledger (LedgerState conforms, via an extension in this module).
///
/// The sequencer passes its own state, so stateful rules (max balance, holders, supply) see the
/// effect of every operation before the one being decided.
public protocol PolicyLedgerView {
    func balance(token: Address, holder: Address) -> UInt256  // token == .zero: native balance
    func holderCount(token: Address) -> UInt64
    func totalSupply(token: Address) -> UInt256
}

extension LedgerState: PolicyLedgerView {
    public func balance(token: Address, holder: Address) -> UInt256 {
        token == .zero ? account(holder).nativeBalance : holding(token: token, holder: holder).balance
    }

    /// Holders of a token; 0 for the native currency, which the ledger does not count (policies
    /// cannot put a holder limit on it).
    public func holderCount(token: Address) -> UInt64 { tokenState(token).holderCount }

    /// Supply of a token; 0 for the native currency (no supply cap can apply to it).
    public func totalSupply(token: Address) -> UInt256 { tokenState(token).totalSupply }
}

/// The ledger as one member may see it: its own balances and the public token supply, nothing
/// of anyone else's (other holders read as empty, the holder count as zero).
///
/// Every policy answer a member receives before execution (admission, `eth_estimateGas`,
/// `eth_call`) is evaluated on this view, so none can serve as an oracle on another member's
/// holdings: a rule such as `max_balance` refuses there only when the amount alone exceeds it.
/// The sequencer decides again at execution, on the real state, where a refusal consumes the
/// sender's nonce and is audited (docs/PRIVACY.md).
public struct MemberLedgerView<Base: PolicyLedgerView>: PolicyLedgerView {
    let base: Base
    let owner: Address
    let others: Set<Address>

    /// - Parameters:
    ///   - owner: the address whose holdings are visible (the transaction's sender).
    ///   - others: further addresses of the same member.
    public init(_ base: Base, owner: Address, others: Set<Address> = []) {
        self.base = base
        self.owner = owner
        self.others = others
    }

    public func balance(token: Address, holder: Address) -> UInt256 {
        holder == owner || others.contains(holder) ? base.balance(token: token, holder: holder) : .zero
    }

    public func holderCount(token: Address) -> UInt64 { 0 }

    public func totalSupply(token: Address) -> UInt256 { base.totalSupply(token: token) }
}
