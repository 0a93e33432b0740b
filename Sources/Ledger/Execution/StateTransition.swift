import Primitives

/// The pure state-transition function: one operation, one sender, one state.
///
/// Rules, following ERC-20 (OpenZeppelin) and ERC-3643 (T-REX) where they apply:
/// * `transfer` / `transferFrom` fail when the token is paused, the recipient is the zero
///   address, the sending holder (`from`) or the recipient is address-frozen, the allowance is
///   short (`transferFrom`; a max-uint256 allowance is infinite and never decreases), or the
///   amount exceeds the balance less its frozen part. As in T-REX, a frozen *spender* is not
///   checked: the freeze protects the holder's tokens. A transfer to oneself moves nothing
///   but still logs `Transfer`.
/// * `approve` sets the allowance (zero spender refused); it works while paused or frozen, as
///   in T-REX, because it moves nothing.
/// * `mint`, `burn`, `burnFrom` are for issuers. `mint` refuses the zero address and a total
///   supply above the cap; it ignores pause and freezes (the issuer's decision, as T-REX's
///   agent mint). `burn` takes the issuer's own balance; `burnFrom` spends `from`'s allowance
///   to the issuer (OpenZeppelin ERC20Burnable). Both respect freezes, address and partial
///   (frozen tokens may be under legal hold; an agent's `forcedTransfer` is the override), and
///   ignore pause.
/// * Agent calls: `setAddressFrozen`; `freezePartialTokens` (fails beyond the unfrozen
///   balance); `unfreezePartialTokens` (fails beyond the frozen amount); `forcedTransfer`
///   (ignores pause and freezes, unfreezes what it must take, logging `TokensUnfrozen` first,
///   as T-REX); `pause` / `unpause` (fail if already in that state, as OpenZeppelin Pausable).
/// * A native transfer fails on insufficient balance; sending native currency to a token fails.
/// * Arithmetic is checked everywhere: an overflow is a failed receipt, never a trap.
/// * No fee is charged: the gas price is zero on this chain; `gasUsed` is the fixed charge.
///
/// Revert reasons say what failed without amounts or other holders' balances, because the
/// recipient of a failed transfer may see its receipt.
public enum StateTransition {
    /// Executes one operation. Throws ONLY if `nonce` != the sender's current nonce (the
    /// sequencer must never include such a transaction), or if the nonce is 2⁶⁴ − 1, which
    /// `TransactionValidator` refuses already (EIP-2681).
    ///
    /// Otherwise always consumes the nonce (+1) and returns a receipt: succeeded with ERC-20
    /// logs, or failed (status 0) with a revert reason and NO other state change. A successful
    /// operation writes only the records whose values it changes; the sender's account is
    /// always among them.
    public static func execute(
        _ operation: Operation, sender: Address, nonce: UInt64, state: inout LedgerState
    ) throws(LedgerError) -> ExecutionReceipt {
        let current = state.account(sender).nonce
        guard current == nonce else { throw .nonceMismatch(sender: sender, expected: current, actual: nonce) }
        guard nonce < UInt64.max else { throw .nonceExhausted(sender: sender) }

        var logs: [Log] = []
        let failure = apply(operation, sender: sender, state: &state, logs: &logs)

        var account = state.account(sender)
        account.nonce = nonce + 1
        state.setAccount(sender, account)

        if let failure {
            return ExecutionReceipt(succeeded: false, gasUsed: operation.gasCost, logs: [], revertReason: failure)
        }
        return ExecutionReceipt(succeeded: true, gasUsed: operation.gasCost, logs: logs, revertReason: nil)
    }

    /// Includes an operation that a rule outside the ledger refused at execution time (e.g. a
    /// compliance limit that two concurrent transfers cannot both fit): like any failed
    /// operation it consumes the nonce, is charged its gas and changes nothing else.
    /// Throws only on a nonce mismatch, like `execute`.
    public static func reject(
        _ operation: Operation, sender: Address, nonce: UInt64, reason: String, state: inout LedgerState
    ) throws(LedgerError) -> ExecutionReceipt {
        let current = state.account(sender).nonce
        guard current == nonce else { throw .nonceMismatch(sender: sender, expected: current, actual: nonce) }
        guard nonce < UInt64.max else { throw .nonceExhausted(sender: sender) }
        var account = state.account(sender)
        account.nonce = nonce + 1
        state.setAccount(sender, account)
        return ExecutionReceipt(succeeded: false, gasUsed: operation.gasCost, logs: [], revertReason: reason)
    }

    /// Runs the operation; returns the revert reason, or nil after applying it. Each case
    /// checks everything before its first write, so a failure leaves the state untouched.
    static func apply(_ operation: Operation, sender: Address, state: inout LedgerState, logs: inout [Log]) -> String? {
        if case .nativeTransfer(let to, let amount) = operation {
            return nativeTransfer(from: sender, to: to, amount: amount, state: &state)
        }
        if case .withdraw(nil, let amount) = operation {
            return withdrawNative(from: sender, amount: amount, state: &state)
        }
        guard let address = operation.token else { preconditionFailure("only native transfers have no token") }
        guard let token = state.tokens[address] else { return "no token is configured at \(address)" }
        switch operation {
        case .nativeTransfer:
            preconditionFailure("handled above")
        case .transfer(_, let to, let amount):
            return transfer(token, spender: nil, from: sender, to: to, amount: amount, state: &state, logs: &logs)
        case .transferFrom(_, let from, let to, let amount):
            return transfer(token, spender: sender, from: from, to: to, amount: amount, state: &state, logs: &logs)
        case .approve(_, let spender, let amount):
            return approve(token, owner: sender, spender: spender, amount: amount, state: &state, logs: &logs)
        case .mint(_, let to, let amount):
            return mint(token, issuer: sender, to: to, amount: amount, state: &state, logs: &logs)
        case .burn(_, let amount):
            return burn(
                token, issuer: sender, from: sender, spendingAllowance: false, amount: amount, state: &state,
                logs: &logs)
        case .burnFrom(_, let from, let amount):
            return burn(
                token, issuer: sender, from: from, spendingAllowance: true, amount: amount, state: &state, logs: &logs)
        case .setAddressFrozen(_, let account, let frozen):
            return setAddressFrozen(token, agent: sender, account: account, frozen: frozen, state: &state, logs: &logs)
        case .freezePartialTokens(_, let account, let amount):
            return freezePartial(token, agent: sender, account: account, amount: amount, state: &state, logs: &logs)
        case .unfreezePartialTokens(_, let account, let amount):
            return unfreezePartial(token, agent: sender, account: account, amount: amount, state: &state, logs: &logs)
        case .forcedTransfer(_, let from, let to, let amount):
            return forcedTransfer(token, agent: sender, from: from, to: to, amount: amount, state: &state, logs: &logs)
        case .pause:
            return setPaused(token, agent: sender, paused: true, state: &state, logs: &logs)
        case .unpause:
            return setPaused(token, agent: sender, paused: false, state: &state, logs: &logs)
        case .withdraw(_, let amount):
            return withdrawToken(token, from: sender, amount: amount, state: &state, logs: &logs)
        }
    }

    // MARK: - Bridge

    static func withdrawNative(from: Address, amount: UInt256, state: inout LedgerState) -> String? {
        var source = state.account(from)
        guard let remaining = source.nativeBalance.checkedSubtracting(amount) else { return "insufficient native balance" }
        source.nativeBalance = remaining
        state.setAccount(from, source)
        return nil
    }

    /// A token withdrawal obeys what a transfer obeys (pause, freezes, unfrozen balance); the
    /// amount leaves the L2, so the supply shrinks. The log shows a transfer to the bridge.
    static func withdrawToken(
        _ token: TokenDefinition, from: Address, amount: UInt256, state: inout LedgerState, logs: inout [Log]
    ) -> String? {
        let address = token.address
        guard !state.tokenState(address).paused else { return reason(token, "token is paused") }
        var holding = state.holding(token: address, holder: from)
        guard !holding.frozen else { return reason(token, "sender address is frozen") }
        guard let balance = holding.balance.checkedSubtracting(amount) else {
            return reason(token, "withdrawal amount exceeds balance")
        }
        guard holding.availableBalance >= amount else { return reason(token, "withdrawal amount exceeds unfrozen balance") }
        var tokenState = state.tokenState(address)
        guard let supply = tokenState.totalSupply.checkedSubtracting(amount),
            let holders = holderCount(tokenState.holderCount, before: holding.balance, after: balance)
        else { return reason(token, "total supply underflow") }
        holding.balance = balance
        tokenState.totalSupply = supply
        tokenState.holderCount = holders
        state.setHolding(token: address, holder: from, holding)
        state.setTokenState(address, tokenState)
        logs.append(TokenEvent.transfer(address, from: from, to: Bridge.address, amount: amount))
        return nil
    }

    /// Credits an L1 deposit (native when `asset` is zero): the amount enters the L2, so a
    /// token's supply grows. Not a transaction: it consumes no nonce and has no receipt. The
    /// supply cap governs issuance by the issuer, not assets bridged in, so it is not applied.
    /// Returns why it cannot be credited, leaving the state untouched.
    public static func creditDeposit(to recipient: Address, asset: Address, amount: UInt256, state: inout LedgerState) -> String? {
        guard recipient != .zero, recipient != Bridge.address else { return "deposit to \(recipient.checksummed) is not allowed" }
        if asset == .zero {
            var account = state.account(recipient)
            guard let balance = account.nativeBalance.checkedAdding(amount) else { return "native balance overflow" }
            account.nativeBalance = balance
            state.setAccount(recipient, account)
            return nil
        }
        guard let token = state.tokens[asset] else { return "no token is configured at \(asset.checksummed)" }
        var holding = state.holding(token: asset, holder: recipient)
        var tokenState = state.tokenState(asset)
        guard let balance = holding.balance.checkedAdding(amount), let supply = tokenState.totalSupply.checkedAdding(amount),
            let holders = holderCount(tokenState.holderCount, before: holding.balance, after: balance)
        else { return reason(token, "balance or supply overflow") }
        holding.balance = balance
        tokenState.totalSupply = supply
        tokenState.holderCount = holders
        state.setHolding(token: asset, holder: recipient, holding)
        state.setTokenState(asset, tokenState)
        return nil
    }

    // MARK: - Native currency

    static func nativeTransfer(from: Address, to: Address, amount: UInt256, state: inout LedgerState) -> String? {
        if let token = state.tokens[to] { return "token \(token.symbol) does not accept native currency" }
        var source = state.account(from)
        guard let remaining = source.nativeBalance.checkedSubtracting(amount) else {
            return "insufficient native balance"
        }
        if from == to { return nil }
        var destination = state.account(to)
        guard let received = destination.nativeBalance.checkedAdding(amount) else { return "native balance overflow" }
        source.nativeBalance = remaining
        destination.nativeBalance = received
        state.setAccount(from, source)
        state.setAccount(to, destination)
        return nil
    }

    // MARK: - ERC-20

    /// `transfer` (spender nil) and `transferFrom` (spender = the caller).
    static func transfer(
        _ token: TokenDefinition, spender: Address?, from: Address, to: Address, amount: UInt256,
        state: inout LedgerState, logs: inout [Log]
    ) -> String? {
        let address = token.address
        guard !state.tokenState(address).paused else { return reason(token, "token is paused") }
        guard to != .zero else { return reason(token, "transfer to the zero address") }
        let source = state.holding(token: address, holder: from)
        guard !source.frozen else {
            return reason(token, spender == nil ? "sender address is frozen" : "from address is frozen")
        }
        guard !state.holding(token: address, holder: to).frozen else {
            return reason(token, "recipient address is frozen")
        }
        var remainingAllowance: UInt256? = nil
        if let spender {
            let allowance = state.allowance(token: address, owner: from, spender: spender)
            guard let remaining = allowance.checkedSubtracting(amount) else {
                return reason(token, "insufficient allowance")
            }
            if allowance != .max { remainingAllowance = remaining }
        }
        guard source.balance >= amount else { return reason(token, "transfer amount exceeds balance") }
        guard source.availableBalance >= amount else {
            return reason(token, "transfer amount exceeds unfrozen balance")
        }
        if let failure = move(token, from: from, to: to, amount: amount, unfreezing: .zero, state: &state) {
            return failure
        }
        if let spender, let remainingAllowance {
            state.setAllowance(token: address, owner: from, spender: spender, remainingAllowance)
        }
        logs.append(TokenEvent.transfer(address, from: from, to: to, amount: amount))
        return nil
    }

    static func approve(
        _ token: TokenDefinition, owner: Address, spender: Address, amount: UInt256, state: inout LedgerState,
        logs: inout [Log]
    ) -> String? {
        guard spender != .zero else { return reason(token, "approve to the zero address") }
        state.setAllowance(token: token.address, owner: owner, spender: spender, amount)
        logs.append(TokenEvent.approval(token.address, owner: owner, spender: spender, amount: amount))
        return nil
    }

    // MARK: - Issuer calls

    static func mint(
        _ token: TokenDefinition, issuer: Address, to: Address, amount: UInt256, state: inout LedgerState,
        logs: inout [Log]
    ) -> String? {
        guard token.issuers.contains(issuer) else { return reason(token, "caller is not an issuer") }
        guard to != .zero else { return reason(token, "mint to the zero address") }
        var tokenState = state.tokenState(token.address)
        guard let supply = tokenState.totalSupply.checkedAdding(amount) else {
            return reason(token, "total supply overflow")
        }
        if let cap = token.supplyCap, supply > cap { return reason(token, "mint exceeds supply cap") }
        var holding = state.holding(token: token.address, holder: to)
        guard let balance = holding.balance.checkedAdding(amount) else { return reason(token, "balance overflow") }
        guard let holders = holderCount(tokenState.holderCount, before: holding.balance, after: balance) else {
            return reason(token, "holder count overflow")
        }
        holding.balance = balance
        tokenState.totalSupply = supply
        tokenState.holderCount = holders
        state.setHolding(token: token.address, holder: to, holding)
        state.setTokenState(token.address, tokenState)
        logs.append(TokenEvent.transfer(token.address, from: .zero, to: to, amount: amount))
        return nil
    }

    /// `burn` (from = the issuer, no allowance) and `burnFrom` (spends from's allowance to the issuer).
    static func burn(
        _ token: TokenDefinition, issuer: Address, from: Address, spendingAllowance: Bool, amount: UInt256,
        state: inout LedgerState, logs: inout [Log]
    ) -> String? {
        let address = token.address
        guard token.issuers.contains(issuer) else { return reason(token, "caller is not an issuer") }
        var holding = state.holding(token: address, holder: from)
        guard !holding.frozen else {
            return reason(token, spendingAllowance ? "from address is frozen" : "sender address is frozen")
        }
        var remainingAllowance: UInt256? = nil
        if spendingAllowance {
            let allowance = state.allowance(token: address, owner: from, spender: issuer)
            guard let remaining = allowance.checkedSubtracting(amount) else {
                return reason(token, "insufficient allowance")
            }
            if allowance != .max { remainingAllowance = remaining }
        }
        guard let balance = holding.balance.checkedSubtracting(amount) else {
            return reason(token, "burn amount exceeds balance")
        }
        guard holding.availableBalance >= amount else { return reason(token, "burn amount exceeds unfrozen balance") }
        var tokenState = state.tokenState(address)
        guard let supply = tokenState.totalSupply.checkedSubtracting(amount) else {
            return reason(token, "total supply underflow")
        }
        guard let holders = holderCount(tokenState.holderCount, before: holding.balance, after: balance) else {
            return reason(token, "holder count underflow")
        }
        holding.balance = balance
        tokenState.totalSupply = supply
        tokenState.holderCount = holders
        state.setHolding(token: address, holder: from, holding)
        state.setTokenState(address, tokenState)
        if let remainingAllowance {
            state.setAllowance(token: address, owner: from, spender: issuer, remainingAllowance)
        }
        logs.append(TokenEvent.transfer(address, from: from, to: .zero, amount: amount))
        return nil
    }

    // MARK: - Agent calls (ERC-3643)

    static func setAddressFrozen(
        _ token: TokenDefinition, agent: Address, account: Address, frozen: Bool, state: inout LedgerState,
        logs: inout [Log]
    ) -> String? {
        guard token.agents.contains(agent) else { return reason(token, "caller is not an agent") }
        var holding = state.holding(token: token.address, holder: account)
        holding.frozen = frozen
        state.setHolding(token: token.address, holder: account, holding)
        logs.append(TokenEvent.addressFrozen(token.address, account: account, frozen: frozen, agent: agent))
        return nil
    }

    static func freezePartial(
        _ token: TokenDefinition, agent: Address, account: Address, amount: UInt256, state: inout LedgerState,
        logs: inout [Log]
    ) -> String? {
        guard token.agents.contains(agent) else { return reason(token, "caller is not an agent") }
        var holding = state.holding(token: token.address, holder: account)
        guard let frozenAmount = holding.frozenAmount.checkedAdding(amount), frozenAmount <= holding.balance else {
            return reason(token, "freeze amount exceeds unfrozen balance")
        }
        holding.frozenAmount = frozenAmount
        state.setHolding(token: token.address, holder: account, holding)
        logs.append(TokenEvent.tokensFrozen(token.address, account: account, amount: amount))
        return nil
    }

    static func unfreezePartial(
        _ token: TokenDefinition, agent: Address, account: Address, amount: UInt256, state: inout LedgerState,
        logs: inout [Log]
    ) -> String? {
        guard token.agents.contains(agent) else { return reason(token, "caller is not an agent") }
        var holding = state.holding(token: token.address, holder: account)
        guard let frozenAmount = holding.frozenAmount.checkedSubtracting(amount) else {
            return reason(token, "unfreeze amount exceeds frozen amount")
        }
        holding.frozenAmount = frozenAmount
        state.setHolding(token: token.address, holder: account, holding)
        logs.append(TokenEvent.tokensUnfrozen(token.address, account: account, amount: amount))
        return nil
    }

    /// Ignores pause and both kinds of freeze; takes frozen tokens last, unfreezing them (T-REX).
    static func forcedTransfer(
        _ token: TokenDefinition, agent: Address, from: Address, to: Address, amount: UInt256,
        state: inout LedgerState, logs: inout [Log]
    ) -> String? {
        let address = token.address
        guard token.agents.contains(agent) else { return reason(token, "caller is not an agent") }
        guard to != .zero else { return reason(token, "transfer to the zero address") }
        let source = state.holding(token: address, holder: from)
        guard source.balance >= amount else { return reason(token, "transfer amount exceeds balance") }
        let available = source.availableBalance
        let unfreezing = amount > available ? amount - available : .zero
        if let failure = move(token, from: from, to: to, amount: amount, unfreezing: unfreezing, state: &state) {
            return failure
        }
        if !unfreezing.isZero {
            logs.append(TokenEvent.tokensUnfrozen(address, account: from, amount: unfreezing))
        }
        logs.append(TokenEvent.transfer(address, from: from, to: to, amount: amount))
        return nil
    }

    static func setPaused(
        _ token: TokenDefinition, agent: Address, paused: Bool, state: inout LedgerState, logs: inout [Log]
    ) -> String? {
        guard token.agents.contains(agent) else { return reason(token, "caller is not an agent") }
        var tokenState = state.tokenState(token.address)
        guard tokenState.paused != paused else {
            return reason(token, paused ? "token is already paused" : "token is not paused")
        }
        tokenState.paused = paused
        state.setTokenState(token.address, tokenState)
        logs.append(
            paused ? TokenEvent.paused(token.address, agent: agent) : TokenEvent.unpaused(token.address, agent: agent))
        return nil
    }

    // MARK: - Balance movement

    /// Moves `amount` (and releases `unfreezing` of from's frozen amount) once the caller's
    /// checks have passed; fails, writing nothing, only on arithmetic that would not fit.
    static func move(
        _ token: TokenDefinition, from: Address, to: Address, amount: UInt256, unfreezing: UInt256,
        state: inout LedgerState
    ) -> String? {
        let address = token.address
        var source = state.holding(token: address, holder: from)
        guard let remaining = source.balance.checkedSubtracting(amount) else {
            return reason(token, "transfer amount exceeds balance")
        }
        guard let frozenAmount = source.frozenAmount.checkedSubtracting(unfreezing) else {
            return reason(token, "unfreeze amount exceeds frozen amount")
        }
        if from == to {
            // Balance unchanged; a forced self-transfer may still release frozen tokens.
            source.frozenAmount = frozenAmount
            state.setHolding(token: address, holder: from, source)
            return nil
        }
        var destination = state.holding(token: address, holder: to)
        guard let received = destination.balance.checkedAdding(amount) else { return reason(token, "balance overflow") }
        var tokenState = state.tokenState(address)
        guard let afterDebit = holderCount(tokenState.holderCount, before: source.balance, after: remaining),
            let afterCredit = holderCount(afterDebit, before: destination.balance, after: received)
        else { return reason(token, "holder count overflow") }
        source.balance = remaining
        source.frozenAmount = frozenAmount
        destination.balance = received
        tokenState.holderCount = afterCredit
        state.setHolding(token: address, holder: from, source)
        state.setHolding(token: address, holder: to, destination)
        state.setTokenState(address, tokenState)
        return nil
    }

    // MARK: - Helpers

    /// The revert reason, prefixed with the token symbol as OpenZeppelin prefixes "ERC20:".
    static func reason(_ token: TokenDefinition, _ text: String) -> String { "\(token.symbol): \(text)" }

    /// The holder count after one holder's balance went from `before` to `after`; nil on under/overflow.
    static func holderCount(_ count: UInt64, before: UInt256, after: UInt256) -> UInt64? {
        switch (before.isZero, after.isZero) {
        case (true, false): return count < .max ? count + 1 : nil
        case (false, true): return count > 0 ? count - 1 : nil
        default: return count
        }
    }
}
