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
