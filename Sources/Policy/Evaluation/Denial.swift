import Ledger
import Primitives

/// Builds denials: the only place decisions make strings. Kept out of line so the allow path
/// stays small.
///
/// Messages speak to the sender ("you", "the recipient", "the owner of these tokens") and never
/// state another member's balance, tier or jurisdiction; `inputs` carry those for the audit log.
enum Denial {
    enum Party {
        case sender, recipient, owner, spender

        var noun: String {
            switch self {
            case .sender: return "the sending address"
            case .recipient: return "the recipient"
            case .owner: return "the owner of these tokens"
            case .spender: return "the spender"
            }
        }
    }

    enum KYCPurpose: String {
        case send, receive, hold
    }

    static func deny(
        _ ruleID: String, _ message: String, _ operation: Ledger.Operation, sender: Address, _ inputs: [String: String]
    ) -> PolicyDecision {
        var all = inputs
        all["operation"] = operation.name
        all["sender"] = sender.checksummed
        return PolicyDecision(outcome: .deny, ruleID: ruleID, message: message, inputs: all)
    }

    typealias ID = PolicyDecision.RuleID

    // MARK: - Built-in checks

    @inline(never)
    static func sanctioned(
        _ party: Party, _ address: Address, _ operation: Ledger.Operation, sender: Address? = nil
    ) -> PolicyDecision {
        let message =
            party == .sender
            ? "your address \(address) is on the sanctions list: it may neither send nor receive"
            : "\(party.noun) \(address) is on the sanctions list: it may neither send nor receive"
        return deny(
            ID.sanctions, message, operation, sender: sender ?? address,
            ["party": "\(party)", "address": address.checksummed])
    }

    @inline(never)
    static func notMember(_ sender: Address, _ operation: Ledger.Operation) -> PolicyDecision {
        deny(
            ID.membership,
            "\(sender) is not a member of this chain: only addresses listed in the policy may submit operations",
            operation, sender: sender, [:])
    }

    @inline(never)
    static func suspended(
        _ t: PolicyTables, _ index: Int, sender: Address, _ operation: Ledger.Operation
    ) -> PolicyDecision {
        let member = t.members[index]
        return deny(
            ID.memberSuspended,
            "your membership (\(member.name), \(member.organisation)) is suspended: no operation is allowed until it is reinstated",
            operation, sender: sender, ["member": member.name, "organisation": member.organisation])
    }

    @inline(never)
    static func ownerNotMember(_ owner: Address, _ sender: Address, _ operation: Ledger.Operation) -> PolicyDecision {
        deny(
            ID.membership, "the owner of these tokens, \(owner), is not a member of this chain", operation,
            sender: sender,
            ["owner": owner.checksummed])
    }

    @inline(never)
    static func ownerSuspended(_ owner: Address, _ sender: Address, _ operation: Ledger.Operation) -> PolicyDecision {
        deny(
            ID.memberSuspended, "the owner of these tokens, \(owner), is suspended: its tokens cannot move", operation,
            sender: sender, ["owner": owner.checksummed])
    }

    @inline(never)
    static func unknownAsset(_ token: Address, _ sender: Address, _ operation: Ledger.Operation) -> PolicyDecision {
        deny(
            ID.grant, "\(token) is not an asset of this chain's policy", operation, sender: sender,
            ["asset": token.checksummed])
    }

    @inline(never)
    static func notGranted(
        _ t: PolicyTables, _ index: Int, asset: Int, _ needed: AssetOperation, _ sender: Address,
        _ operation: Ledger.Operation
    ) -> PolicyDecision {
        let member = t.members[index]
        let roles = member.roles.isEmpty ? "you have no roles" : "your roles (\(member.roles.joined(separator: ", ")))"
        let symbol = t.assets[asset].symbol
        return deny(
            ID.grant,
            "\(operation.name) needs the '\(needed.rawValue)' grant on \(symbol), which \(roles) do not give; ask an administrator for a role that grants it",
            operation, sender: sender,
            [
                "asset": symbol, "needed": needed.rawValue, "roles": member.roles.joined(separator: ","),
                "member": member.name,
            ])
    }

    @inline(never)
    static func recipientNotMember(_ to: Address, _ sender: Address, _ operation: Ledger.Operation) -> PolicyDecision {
        deny(
            ID.recipientMembership,
            "the recipient \(to) is not a member of this chain: only members may receive; check the address",
            operation, sender: sender, ["recipient": to.checksummed])
    }

    @inline(never)
    static func recipientSuspended(_ to: Address, _ sender: Address, _ operation: Ledger.Operation) -> PolicyDecision {
        deny(
            ID.recipientMembership, "the recipient \(to) is suspended and cannot receive until it is reinstated",
            operation, sender: sender, ["recipient": to.checksummed, "recipient_status": "suspended"])
    }

    @inline(never)
    static func memberLockedUp(
        _ t: PolicyTables, _ flow: PolicyEngine.Flow, _ until: UInt64, _ sender: Address, _ operation: Ledger.Operation
    ) -> PolicyDecision {
        let date = DateText.format(until)
        let message =
            flow.fromIsSender
            ? "your account is locked up until \(date): you cannot send before then"
            : "the owner of these tokens is locked up: they cannot be sent yet"
        return deny(
            ID.lockup, message, operation, sender: sender, ["locked_until": date, "owner": flow.from.checksummed])
    }

    // MARK: - Compliance rules

    static func flowInputs(_ asset: AssetInfo, _ flow: PolicyEngine.Flow) -> [String: String] {
        [
            "asset": asset.symbol, "amount": asset.format(flow.amount), "from": flow.from.checksummed,
            "to": flow.to.checksummed,
        ]
    }

    @inline(never)
    static func assetLockedUp(
        _ rule: CompiledRule, _ asset: AssetInfo, _ until: UInt64, _ flow: PolicyEngine.Flow, _ sender: Address,
        _ operation: Ledger.Operation
    ) -> PolicyDecision {
        let date = DateText.format(until)
        var inputs = flowInputs(asset, flow)
        inputs["locked_until"] = date
        return deny(
            rule.id, "\(asset.symbol) is locked up until \(date): it cannot be transferred before then", operation,
            sender: sender, inputs)
    }

    @inline(never)
    static func kycTooLow(
        _ rule: CompiledRule, _ asset: AssetInfo, _ purpose: KYCPurpose, required: UInt8, tier: UInt8,
        _ flow: PolicyEngine.Flow, _ sender: Address, _ operation: Ledger.Operation
    ) -> PolicyDecision {
        let message: String
        switch purpose {
        case .send where flow.fromIsSender:
            message =
                "your KYC tier \(tier) is below the minimum of \(required) to send \(asset.symbol); complete a higher KYC tier first"
        case .send:
            message = "the owner of these tokens is below the KYC tier of \(required) needed to send \(asset.symbol)"
        case .receive, .hold:
            message = "the recipient is below the KYC tier of \(required) needed to \(purpose.rawValue) \(asset.symbol)"
        }
        var inputs = flowInputs(asset, flow)
        inputs["purpose"] = purpose.rawValue
        inputs["required_tier"] = String(required)
        inputs["tier"] = String(tier)
        return deny(rule.id, message, operation, sender: sender, inputs)
    }

    @inline(never)
    static func mustSendWholeBalance(
        _ rule: CompiledRule, _ asset: AssetInfo, required: UInt8, tier: UInt8, balance: UInt256,
        _ flow: PolicyEngine.Flow,
        _ sender: Address, _ operation: Ledger.Operation
    ) -> PolicyDecision {
        let message =
            flow.fromIsSender
            ? "your KYC tier \(tier) is below the minimum of \(required) to hold \(asset.symbol): you may only send your whole balance (\(asset.format(balance)))"
            : "the owner of these tokens is below the KYC tier of \(required) needed to hold \(asset.symbol): only its whole balance may be sent"
        var inputs = flowInputs(asset, flow)
        inputs["purpose"] = "hold"
        inputs["required_tier"] = String(required)
        inputs["tier"] = String(tier)
        inputs["balance"] = asset.format(balance)
        return deny(rule.id, message, operation, sender: sender, inputs)
    }

    @inline(never)
    static func jurisdiction(
        _ rule: CompiledRule, _ asset: AssetInfo, sending: Bool, code: UInt16, _ flow: PolicyEngine.Flow,
        _ sender: Address, _ operation: Ledger.Operation
    ) -> PolicyDecision {
        let name = Jurisdiction.code(ofIndex: code)
        let message: String
        if sending {
            message =
                flow.fromIsSender
                ? "members in \(name) may not send \(asset.symbol)"
                : "the owner's jurisdiction may not send \(asset.symbol)"
        } else {
            message = "the recipient's jurisdiction may not receive \(asset.symbol)"
        }
        var inputs = flowInputs(asset, flow)
        inputs[sending ? "sender_jurisdiction" : "recipient_jurisdiction"] = name
        return deny(rule.id, message, operation, sender: sender, inputs)
    }

    @inline(never)
    static func transferAmount(
        _ rule: CompiledRule, _ asset: AssetInfo, min: UInt256, max: UInt256, _ flow: PolicyEngine.Flow,
        _ sender: Address,
        _ operation: Ledger.Operation
    ) -> PolicyDecision {
        let below = flow.amount < min
        let message =
            below
            ? "the minimum single transfer of \(asset.symbol) is \(asset.format(min)); this transfer is \(asset.format(flow.amount))"
            : "the maximum single transfer of \(asset.symbol) is \(asset.format(max)); this transfer is \(asset.format(flow.amount)): split it or ask for a higher limit"
        var inputs = flowInputs(asset, flow)
        inputs[below ? "min" : "max"] = asset.format(below ? min : max)
        return deny(rule.id, message, operation, sender: sender, inputs)
    }

    @inline(never)
    static func travelRule(
        _ rule: CompiledRule, _ asset: AssetInfo, threshold: UInt256, originatorOnFile: Bool, _ flow: PolicyEngine.Flow,
        _ sender: Address, _ operation: Ledger.Operation
    ) -> PolicyDecision {
        let limit = asset.format(threshold)
        let message: String
        if !originatorOnFile {
            message =
                flow.fromIsSender
                ? "transfers above \(limit) need originator data on file (travel rule), and yours is not: have your compliance team file it, or send at most \(limit)"
                : "transfers above \(limit) need originator data on file (travel rule), and the owner's is not"
        } else {
            message =
                "transfers above \(limit) need beneficiary data on file (travel rule), and the recipient's is not: send at most \(limit) or ask the recipient to file it"
        }
        var inputs = flowInputs(asset, flow)
        inputs["threshold"] = limit
        inputs["missing"] = originatorOnFile ? "beneficiary" : "originator"
        return deny(rule.id, message, operation, sender: sender, inputs)
    }

    @inline(never)
    static func transferLimit(
        _ rule: CompiledRule, _ asset: AssetInfo, _ window: CompiledWindow, used: UInt256, _ flow: PolicyEngine.Flow,
        _ sender: Address, _ operation: Ledger.Operation
    ) -> PolicyDecision {
        let span = PeriodText.describe(window.period)
        let name: String
        switch window.period {
        case 3_600: name = "hourly limit of \(asset.format(window.max))"
        case 86_400: name = "daily limit of \(asset.format(window.max))"
        case 604_800: name = "weekly limit of \(asset.format(window.max))"
        default: name = "limit of \(asset.format(window.max)) per \(span)"
        }
        let who = flow.fromIsSender ? "sent" : "sent by the owner of these tokens"
        let message =
            "\(name) exceeded: \(AmountText.format(used, decimals: asset.decimals)) \(who) in the last \(span), "
            + "this transfer \(AmountText.format(flow.amount, decimals: asset.decimals))"
        var inputs = flowInputs(asset, flow)
        inputs["window"] = span
        inputs["limit"] = asset.format(window.max)
        inputs["used"] = asset.format(used)
        return deny(rule.id, message, operation, sender: sender, inputs)
    }

    @inline(never)
    static func maxBalance(
        _ rule: CompiledRule, _ asset: AssetInfo, max: UInt256, balance: UInt256, _ to: Address, _ amount: UInt256,
        _ sender: Address, _ operation: Ledger.Operation
    ) -> PolicyDecision {
        deny(
            rule.id, "this would take the recipient above the maximum holding of \(asset.format(max))", operation,
            sender: sender,
            [
                "asset": asset.symbol, "amount": asset.format(amount), "to": to.checksummed, "max": asset.format(max),
                "recipient_balance": asset.format(balance),
            ])
    }

    @inline(never)
    static func maxHolders(
        _ rule: CompiledRule, _ asset: AssetInfo, max: UInt64, count: UInt64, _ to: Address, _ sender: Address,
        _ operation: Ledger.Operation
    ) -> PolicyDecision {
        deny(
            rule.id, "\(asset.symbol) already has its maximum of \(max) holders: it cannot gain a new holder",
            operation,
            sender: sender, ["asset": asset.symbol, "to": to.checksummed, "max": String(max), "holders": String(count)])
    }

    @inline(never)
    static func supplyCap(
        _ rule: CompiledRule, _ asset: AssetInfo, max: UInt256, supply: UInt256, _ amount: UInt256, _ sender: Address,
        _ operation: Ledger.Operation
    ) -> PolicyDecision {
        deny(
            rule.id,
            "minting \(asset.format(amount)) would take the supply of \(asset.symbol) above its cap of \(asset.format(max))",
            operation, sender: sender,
            [
                "asset": asset.symbol, "amount": asset.format(amount), "cap": asset.format(max),
                "supply": asset.format(supply),
            ])
    }
}
