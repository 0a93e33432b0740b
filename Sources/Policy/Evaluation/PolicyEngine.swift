import Ledger
import Primitives

/// Decides operations against a compiled policy.
///
/// Order of checks (the first that fails decides; see docs/POLICY.md):
/// 1. `sanctions` on the sender, 2. `membership`, 3. `member-suspended`, 4. `grant`,
/// 5. `sanctions` on the other parties, 6. the owner of a `transferFrom` is an active member,
/// 7. `recipient-membership`, 8. `lockup` (member), 9. the asset's compliance rules by kind:
/// lockup, kyc_minimum, jurisdiction, transfer_amount, travel_rule, transfer_limit,
/// max_balance, max_holders, supply_cap (ties by rule id).
///
/// Allows build no strings and allocate nothing: every lookup is into the compiled tables.
public struct PolicyEngine: Sendable {
    public let policy: CompiledPolicy

    public init(policy: CompiledPolicy) {
        self.policy = policy
    }

    /// Decides one operation by `sender` at block time `timestamp` (unix seconds). Pure; no
    /// allocation on allow in the steady state.
    ///
    /// `ledger` must be the state the operation will execute on, and `windows` the usage
    /// recorded up to it, so that stateful rules see every earlier operation of the block.
    public func evaluate(
        _ operation: Ledger.Operation, sender: Address, timestamp: UInt64, ledger: some PolicyLedgerView,
        windows: TransferWindows
    ) -> PolicyDecision {
        let t = policy.tables
        let senderIndex = t.memberIndex[sender]
        if t.isSanctioned(sender, member: senderIndex) {
            return Denial.sanctioned(.sender, sender, operation)
        }
        guard let s = senderIndex else { return Denial.notMember(sender, operation) }
        guard t.facts[s].isActive else { return Denial.suspended(t, s, sender: sender, operation) }

        switch operation {
        case .nativeTransfer(let to, let amount):
            if let denial = requireGrant(t, s, asset: 0, .transfer, sender, operation) { return denial }
            let flow = Flow(asset: 0, from: sender, fromIndex: s, to: to, amount: amount, fromIsSender: true)
            return transfer(t, flow, sender, operation, timestamp, ledger, windows)

        case .transfer(let token, let to, let amount):
            guard let a = t.assetIndex[token] else { return Denial.unknownAsset(token, sender, operation) }
            if let denial = requireGrant(t, s, asset: a, .transfer, sender, operation) { return denial }
            let flow = Flow(asset: a, from: sender, fromIndex: s, to: to, amount: amount, fromIsSender: true)
            return transfer(t, flow, sender, operation, timestamp, ledger, windows)

        case .transferFrom(let token, let from, let to, let amount):
            guard let a = t.assetIndex[token] else { return Denial.unknownAsset(token, sender, operation) }
            if let denial = requireGrant(t, s, asset: a, .transfer, sender, operation) { return denial }
            let fromIndex = from == sender ? s : t.memberIndex[from]
            if from != sender {
                if t.isSanctioned(from, member: fromIndex) {
                    return Denial.sanctioned(.owner, from, operation, sender: sender)
                }
                guard let f = fromIndex else { return Denial.ownerNotMember(from, sender, operation) }
                guard t.facts[f].isActive else { return Denial.ownerSuspended(from, sender, operation) }
            }
            let flow = Flow(
                asset: a, from: from, fromIndex: fromIndex!, to: to, amount: amount, fromIsSender: from == sender)
            return transfer(t, flow, sender, operation, timestamp, ledger, windows)

        case .approve(let token, let spender, _):
            guard let a = t.assetIndex[token] else { return Denial.unknownAsset(token, sender, operation) }
            if let denial = requireGrant(t, s, asset: a, .transfer, sender, operation) { return denial }
            if t.isSanctioned(spender, member: t.memberIndex[spender]) {
                return Denial.sanctioned(.spender, spender, operation, sender: sender)
            }
            return .allow

        case .mint(let token, let to, let amount):
            guard let a = t.assetIndex[token] else { return Denial.unknownAsset(token, sender, operation) }
            if let denial = requireGrant(t, s, asset: a, .mint, sender, operation) { return denial }
            return mint(t, asset: a, senderIndex: s, to: to, amount: amount, sender, operation, ledger)

        case .burn(let token, _):
            guard let a = t.assetIndex[token] else { return Denial.unknownAsset(token, sender, operation) }
            return requireGrant(t, s, asset: a, .burn, sender, operation) ?? .allow

        case .burnFrom(let token, let from, _):
            guard let a = t.assetIndex[token] else { return Denial.unknownAsset(token, sender, operation) }
            if let denial = requireGrant(t, s, asset: a, .burn, sender, operation) { return denial }
            if t.isSanctioned(from, member: t.memberIndex[from]) {
                return Denial.sanctioned(.owner, from, operation, sender: sender)
            }
            return .allow

        case .setAddressFrozen(let token, _, _), .freezePartialTokens(let token, _, _),
            .unfreezePartialTokens(let token, _, _):
            guard let a = t.assetIndex[token] else { return Denial.unknownAsset(token, sender, operation) }
            return requireGrant(t, s, asset: a, .freeze, sender, operation) ?? .allow

        case .forcedTransfer(let token, _, let to, _):
            // An agent's corrective action: compliance rules do not apply, but nothing may reach a sanctioned party.
            guard let a = t.assetIndex[token] else { return Denial.unknownAsset(token, sender, operation) }
            if let denial = requireGrant(t, s, asset: a, .forcedTransfer, sender, operation) { return denial }
            if t.isSanctioned(to, member: t.memberIndex[to]) {
                return Denial.sanctioned(.recipient, to, operation, sender: sender)
            }
            return .allow

        case .pause(let token), .unpause(let token):
            guard let a = t.assetIndex[token] else { return Denial.unknownAsset(token, sender, operation) }
            return requireGrant(t, s, asset: a, .pause, sender, operation) ?? .allow

        case .withdraw(let token, _):
            // Leaving the chain to the member's own L1 address: a transfer grant on the asset is
            // needed; the member checks above (sanctions, membership, status) apply.
            let asset = token ?? .zero
            guard let a = t.assetIndex[asset] else { return Denial.unknownAsset(asset, sender, operation) }
            return requireGrant(t, s, asset: a, .transfer, sender, operation) ?? .allow
        }
    }

    /// A movement of an asset between two members: the party debited and the party credited.
    struct Flow {
        var asset: Int
        var from: Address
        var fromIndex: Int
        var to: Address
        var amount: UInt256
        /// False for a `transferFrom` of someone else's tokens: messages then speak of "the owner".
        var fromIsSender: Bool
    }

    @inline(__always)
    func requireGrant(
        _ t: PolicyTables, _ member: Int, asset: Int, _ needed: AssetOperation, _ sender: Address,
        _ operation: Ledger.Operation
    ) -> PolicyDecision? {
        if t.grant(member: member, asset: asset) & needed.bit != 0 { return nil }
        return Denial.notGranted(t, member, asset: asset, needed, sender, operation)
    }

    func transfer(
        _ t: PolicyTables, _ flow: Flow, _ sender: Address, _ operation: Ledger.Operation, _ timestamp: UInt64,
        _ ledger: some PolicyLedgerView, _ windows: TransferWindows
    ) -> PolicyDecision {
        let toIndex = t.memberIndex[flow.to]
        if t.isSanctioned(flow.to, member: toIndex) {
            return Denial.sanctioned(.recipient, flow.to, operation, sender: sender)
        }
        guard let r = toIndex else { return Denial.recipientNotMember(flow.to, sender, operation) }
        let recipient = t.facts[r]
        guard recipient.isActive else { return Denial.recipientSuspended(flow.to, sender, operation) }
        let owner = t.facts[flow.fromIndex]
        if owner.lockedUntil > timestamp { return Denial.memberLockedUp(t, flow, owner.lockedUntil, sender, operation) }

        let asset = t.assets[flow.asset]
        let selfTransfer = flow.from == flow.to
        var travelRuleID: String?
        for rule in t.rules[flow.asset] {
            switch rule.check {
            case .lockup(let until):
                if timestamp < until { return Denial.assetLockedUp(rule, asset, until, flow, sender, operation) }

            case .kycMinimum(let send, let receive, let hold):
                if let denial = kycDenial(
                    rule, asset, send: send, receive: receive, hold: hold, owner: owner, recipient: recipient,
                    selfTransfer: selfTransfer, flow, sender, operation, ledger)
                {
                    return denial
                }

            case .jurisdiction(let check):
                if let denial = jurisdictionDenial(
                    rule, asset, check, owner: owner, recipient: recipient, flow, sender, operation)
                {
                    return denial
                }

            case .transferAmount(let min, let max):
                if flow.amount < min || flow.amount > max {
                    return Denial.transferAmount(rule, asset, min: min, max: max, flow, sender, operation)
                }

            case .travelRule(let threshold):
                if flow.amount > threshold {
                    if !owner.travelRuleDataOnFile || !recipient.travelRuleDataOnFile {
                        return Denial.travelRule(
                            rule, asset, threshold: threshold, originatorOnFile: owner.travelRuleDataOnFile, flow,
                            sender,
                            operation)
                    }
                    travelRuleID = rule.id
                }

            case .transferLimit(let limits):
                if let denial = transferLimitDenial(rule, asset, limits, flow, sender, operation, timestamp, windows) {
                    return denial
                }

            case .maxBalance(let max):
                if selfTransfer { continue }
                let balance = ledger.balance(token: asset.address, holder: flow.to)
                if (balance.checkedAdding(flow.amount) ?? .max) > max {
                    return Denial.maxBalance(
                        rule, asset, max: max, balance: balance, flow.to, flow.amount, sender, operation)
                }

            case .maxHolders(let max):
                if selfTransfer { continue }
                if let denial = maxHoldersDenial(rule, asset, max: max, flow, sender, operation, ledger) {
                    return denial
                }

            case .supplyCap:
                continue
            }
        }
        guard let travelRuleID else { return .allow }
        return PolicyDecision(outcome: .allow, ruleID: travelRuleID, message: "", inputs: [:])
    }

    /// `kyc_minimum` on a transfer: the owner's tier to send, the recipient's to receive and hold,
    /// and an owner below the tier to hold may only send its whole balance.
    @inline(__always)
    private func kycDenial(
        _ rule: CompiledRule, _ asset: AssetInfo, send: UInt8, receive: UInt8, hold: UInt8, owner: MemberFacts,
        recipient: MemberFacts, selfTransfer: Bool, _ flow: Flow, _ sender: Address, _ operation: Ledger.Operation,
        _ ledger: some PolicyLedgerView
    ) -> PolicyDecision? {
        if owner.kycTier < send {
            return Denial.kycTooLow(
                rule, asset, .send, required: send, tier: owner.kycTier, flow, sender, operation)
        }
        if let denial = recipientKYCDenial(
            rule, asset, receive: receive, hold: hold, recipient: recipient, flow, sender, operation)
        {
            return denial
        }
        // A holder below the tier to hold may still leave the asset, but only entirely.
        if owner.kycTier < hold, !selfTransfer {
            let balance = ledger.balance(token: asset.address, holder: flow.from)
            if balance > flow.amount {
                return Denial.mustSendWholeBalance(
                    rule, asset, required: hold, tier: owner.kycTier, balance: balance, flow, sender, operation)
            }
        }
        return nil
    }

    /// `kyc_minimum` on the party credited (a transfer's recipient, a mint's): the tiers to receive and hold.
    @inline(__always)
    private func recipientKYCDenial(
        _ rule: CompiledRule, _ asset: AssetInfo, receive: UInt8, hold: UInt8, recipient: MemberFacts,
        _ flow: Flow, _ sender: Address, _ operation: Ledger.Operation
    ) -> PolicyDecision? {
        if recipient.kycTier < receive {
            return Denial.kycTooLow(
                rule, asset, .receive, required: receive, tier: recipient.kycTier, flow, sender, operation)
        }
        if recipient.kycTier < hold {
            return Denial.kycTooLow(
                rule, asset, .hold, required: hold, tier: recipient.kycTier, flow, sender, operation)
        }
        return nil
    }

    /// `jurisdiction` on a transfer: the owner's jurisdiction may send, then the recipient's may receive.
    @inline(__always)
    private func jurisdictionDenial(
        _ rule: CompiledRule, _ asset: AssetInfo, _ check: JurisdictionCheck, owner: MemberFacts,
        recipient: MemberFacts, _ flow: Flow, _ sender: Address, _ operation: Ledger.Operation
    ) -> PolicyDecision? {
        if let allow = check.senderAllow, !allow.contains(owner.jurisdiction) {
            return Denial.jurisdiction(
                rule, asset, sending: true, code: owner.jurisdiction, flow, sender, operation)
        }
        if let deny = check.senderDeny, deny.contains(owner.jurisdiction) {
            return Denial.jurisdiction(
                rule, asset, sending: true, code: owner.jurisdiction, flow, sender, operation)
        }
        return recipientJurisdictionDenial(rule, asset, check, recipient: recipient, flow, sender, operation)
    }

    /// `jurisdiction` on the party credited (a transfer's recipient, a mint's).
    @inline(__always)
    private func recipientJurisdictionDenial(
        _ rule: CompiledRule, _ asset: AssetInfo, _ check: JurisdictionCheck, recipient: MemberFacts,
        _ flow: Flow, _ sender: Address, _ operation: Ledger.Operation
    ) -> PolicyDecision? {
        if let allow = check.recipientAllow, !allow.contains(recipient.jurisdiction) {
            return Denial.jurisdiction(
                rule, asset, sending: false, code: recipient.jurisdiction, flow, sender, operation)
        }
        if let deny = check.recipientDeny, deny.contains(recipient.jurisdiction) {
            return Denial.jurisdiction(
                rule, asset, sending: false, code: recipient.jurisdiction, flow, sender, operation)
        }
        return nil
    }

    /// `transfer_limit`: what the party debited has sent in each window, plus this transfer, stays
    /// within the window's maximum. With no usage recorded, the transfer alone is measured.
    @inline(__always)
    private func transferLimitDenial(
        _ rule: CompiledRule, _ asset: AssetInfo, _ limits: [CompiledWindow], _ flow: Flow, _ sender: Address,
        _ operation: Ledger.Operation, _ timestamp: UInt64, _ windows: TransferWindows
    ) -> PolicyDecision? {
        guard let usage = windows.usage[TransferWindows.Key(sender: flow.from, asset: asset.address)] else {
            for limit in limits where flow.amount > limit.max {
                return Denial.transferLimit(rule, asset, limit, used: .zero, flow, sender, operation)
            }
            return nil
        }
        for limit in limits {
            let used = TransferWindows.sum(usage, period: limit.period, at: timestamp)
            let total = used.checkedAdding(flow.amount) ?? .max
            if total > limit.max {
                return Denial.transferLimit(rule, asset, limit, used: used, flow, sender, operation)
            }
        }
        return nil
    }

    /// `max_holders` on a transfer (not to oneself): a new holder is refused at the maximum, unless
    /// the party debited leaves the asset with it.
    @inline(__always)
    private func maxHoldersDenial(
        _ rule: CompiledRule, _ asset: AssetInfo, max: UInt64, _ flow: Flow, _ sender: Address,
        _ operation: Ledger.Operation, _ ledger: some PolicyLedgerView
    ) -> PolicyDecision? {
        if flow.amount.isZero { return nil }
        guard ledger.balance(token: asset.address, holder: flow.to).isZero else { return nil }
        let count = ledger.holderCount(token: asset.address)
        let senderLeaves = ledger.balance(token: asset.address, holder: flow.from) == flow.amount
        if !senderLeaves && count >= max {
            return Denial.maxHolders(rule, asset, max: max, count: count, flow.to, sender, operation)
        }
        return nil
    }

    func mint(
        _ t: PolicyTables, asset a: Int, senderIndex: Int, to: Address, amount: UInt256, _ sender: Address,
        _ operation: Ledger.Operation, _ ledger: some PolicyLedgerView
    ) -> PolicyDecision {
        let toIndex = t.memberIndex[to]
        if t.isSanctioned(to, member: toIndex) { return Denial.sanctioned(.recipient, to, operation, sender: sender) }
        guard let r = toIndex else { return Denial.recipientNotMember(to, sender, operation) }
        let recipient = t.facts[r]
        guard recipient.isActive else { return Denial.recipientSuspended(to, sender, operation) }
        let asset = t.assets[a]
        let flow = Flow(asset: a, from: sender, fromIndex: senderIndex, to: to, amount: amount, fromIsSender: true)
        for rule in t.rules[a] {
            switch rule.check {
            case .kycMinimum(_, let receive, let hold):
                if let denial = recipientKYCDenial(
                    rule, asset, receive: receive, hold: hold, recipient: recipient, flow, sender, operation)
                {
                    return denial
                }

            case .jurisdiction(let check):
                if let denial = recipientJurisdictionDenial(
                    rule, asset, check, recipient: recipient, flow, sender, operation)
                {
                    return denial
                }

            case .maxBalance(let max):
                let balance = ledger.balance(token: asset.address, holder: to)
                if (balance.checkedAdding(amount) ?? .max) > max {
                    return Denial.maxBalance(rule, asset, max: max, balance: balance, to, amount, sender, operation)
                }

            case .maxHolders(let max):
                if amount.isZero || !ledger.balance(token: asset.address, holder: to).isZero { continue }
                let count = ledger.holderCount(token: asset.address)
                if count >= max { return Denial.maxHolders(rule, asset, max: max, count: count, to, sender, operation) }

            case .supplyCap(let max):
                let supply = ledger.totalSupply(token: asset.address)
                if (supply.checkedAdding(amount) ?? .max) > max {
                    return Denial.supplyCap(rule, asset, max: max, supply: supply, amount, sender, operation)
                }

            case .lockup, .transferAmount, .travelRule, .transferLimit:
                continue
            }
        }
        return .allow
    }
}
