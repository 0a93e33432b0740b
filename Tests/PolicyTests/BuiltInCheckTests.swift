import Ledger
import Policy
import Primitives
import Testing

/// The checks every policy has, with fixed rule ids: membership, member-suspended, grant,
/// sanctions, lockup, recipient-membership.
@Suite struct BuiltInCheckTests {
    let eurd = Fixture.eurd
    let gbpd = Fixture.gbpd

    @Test func allowsTransferBetweenActiveMembersWithTheGrant() throws {
        let engine = try Fixture.engine()
        let decision = engine.decide(
            .transfer(token: eurd, to: Fixture.carol, amount: Fixture.eurdUnits(10)), by: Fixture.alice)
        #expect(decision == .allow)
        #expect(decision.inputs.isEmpty && decision.message.isEmpty)
    }

    /// One operation a built-in check refuses on the fixture policy.
    struct Refusal: CustomTestStringConvertible, Sendable {
        var name: String
        var operation: Operation
        var sender: Address
        var ruleID: String
        var message: String
        /// Inputs the denial must carry, with their values.
        var inputs: [String: String] = [:]
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(
            name: "sender that is not a member", operation: .nativeTransfer(to: Fixture.alice, amount: 1),
            sender: Fixture.outsider, ruleID: "membership",
            message: "\(Fixture.outsider) is not a member of this chain"),
        Refusal(
            name: "suspended sender", operation: .transfer(token: Fixture.eurd, to: Fixture.alice, amount: 1),
            sender: Fixture.sam, ruleID: "member-suspended", message: "your membership (sam, bank-a) is suspended"),
        Refusal(
            name: "operation the roles do not grant",
            operation: .mint(token: Fixture.eurd, to: Fixture.alice, amount: 1),
            sender: Fixture.bob, ruleID: "grant",
            message: "mint needs the 'mint' grant on EURD, which your roles (trader) do not give",
            inputs: ["needed": "mint"]),
        Refusal(
            name: "token the chain does not have",
            operation: .transfer(
                token: Fixture.address("0x9999999999999999999999999999999999999999"), to: Fixture.carol, amount: 1),
            sender: Fixture.alice, ruleID: "grant", message: "is not an asset of this chain's policy"),
        Refusal(
            name: "transfer to an address that is not a member",
            operation: .transfer(token: Fixture.eurd, to: Fixture.outsider, amount: 1), sender: Fixture.alice,
            ruleID: "recipient-membership", message: "the recipient \(Fixture.outsider) is not a member of this chain"),
        Refusal(
            name: "transfer to a suspended member", operation: .nativeTransfer(to: Fixture.sam, amount: 1),
            sender: Fixture.alice, ruleID: "recipient-membership", message: "is suspended and cannot receive"),
        Refusal(
            name: "sanctioned recipient address",
            operation: .transfer(token: Fixture.eurd, to: Fixture.dead, amount: 1),
            sender: Fixture.alice, ruleID: "sanctions",
            message: "the recipient \(Fixture.dead) is on the sanctions list"),
        Refusal(
            name: "sanctioned sender, before asking for membership",
            operation: .nativeTransfer(to: Fixture.alice, amount: 1), sender: Fixture.dead, ruleID: "sanctions",
            message: "your address \(Fixture.dead) is on the sanctions list"),
    ]

    @Test(arguments: refusals)
    func refusesWithTheCheckAndAMessage(_ refusal: Refusal) throws {
        let decision = try Fixture.engine().decide(refusal.operation, by: refusal.sender)
        expectDenied(decision, refusal.ruleID, refusal.message)
        for (key, value) in refusal.inputs {
            #expect(decision.inputs[key] == value, "input '\(key)'")
        }
    }

    @Test func suspendingAnOrganisationSuspendsItsMembers() throws {
        var files = Fixture.files()
        files["members.toml"] = Fixture.members.replacingOccurrences(
            of: "id = \"bank-b\"\nname = \"Bank B\"", with: "id = \"bank-b\"\nname = \"Bank B\"\nstatus = \"suspended\""
        )
        let policy = try Fixture.load(files)
        #expect(policy.member(Fixture.carol)?.status == .suspended)
        let engine = PolicyEngine(policy: policy)
        expectDenied(
            engine.decide(.transfer(token: eurd, to: Fixture.alice, amount: 1), by: Fixture.carol), "member-suspended")
        expectDenied(
            engine.decide(.transfer(token: eurd, to: Fixture.carol, amount: 1), by: Fixture.alice),
            "recipient-membership",
            "is suspended")
    }

    /// Operation → grant: transfer/transferFrom/approve/nativeTransfer → transfer; mint → mint;
    /// burn/burnFrom → burn; freezes → freeze; forcedTransfer → forced_transfer; pause/unpause → pause.
    @Test(arguments: [
        (Operation.approve(token: Fixture.eurd, spender: Fixture.bob, amount: 5), "transfer"),
        (.mint(token: Fixture.gbpd, to: Fixture.alice, amount: 5), "mint"),
        (.burn(token: Fixture.gbpd, amount: 5), "burn"),
        (.burnFrom(token: Fixture.gbpd, from: Fixture.alice, amount: 5), "burn"),
        (.setAddressFrozen(token: Fixture.gbpd, account: Fixture.alice, frozen: true), "freeze"),
        (.freezePartialTokens(token: Fixture.gbpd, account: Fixture.alice, amount: 5), "freeze"),
        (.unfreezePartialTokens(token: Fixture.gbpd, account: Fixture.alice, amount: 5), "freeze"),
        (.forcedTransfer(token: Fixture.gbpd, from: Fixture.alice, to: Fixture.bob, amount: 5), "forced_transfer"),
        (.pause(token: Fixture.gbpd), "pause"),
        (.unpause(token: Fixture.gbpd), "pause"),
    ])
    func everyOperationNeedsItsGrant(operation: Operation, grant: String) throws {
        let engine = try Fixture.engine()
        // The auditor holds only `read` on EURD: every operation is refused, naming the grant it lacks.
        let refused = engine.decide(operation, by: Fixture.auditor)
        expectDenied(refused, "grant", "'\(grant)' grant")
        #expect(refused.inputs["needed"] == grant)
        // The issuer holds mint, burn and transfer on GBPD, and the agent grants only on EURD.
        let byIssuer = engine.decide(operation, by: Fixture.issuer)
        if ["mint", "burn", "transfer"].contains(grant) {
            expectAllowed(byIssuer)
        } else {
            expectDenied(byIssuer, "grant", "'\(grant)' grant on GBPD")
            let onEURD = engine.decide(Self.retarget(operation, to: Fixture.eurd), by: Fixture.issuer)
            expectAllowed(onEURD)
        }
    }

    static func retarget(_ operation: Operation, to token: Address) -> Operation {
        switch operation {
        case .setAddressFrozen(_, let account, let frozen):
            return .setAddressFrozen(token: token, account: account, frozen: frozen)
        case .freezePartialTokens(_, let account, let amount):
            return .freezePartialTokens(token: token, account: account, amount: amount)
        case .unfreezePartialTokens(_, let account, let amount):
            return .unfreezePartialTokens(token: token, account: account, amount: amount)
        case .forcedTransfer(_, let from, let to, let amount):
            return .forcedTransfer(token: token, from: from, to: to, amount: amount)
        case .pause: return .pause(token: token)
        case .unpause: return .unpause(token: token)
        default: return operation
        }
    }

    @Test(arguments: [
        (
            Operation.transfer(token: Fixture.eurd, to: Fixture.alice, amount: 1), Fixture.shelly,
            Expected.deniedBy("sanctions")
        ),
        (.transfer(token: Fixture.eurd, to: Fixture.shelly, amount: 1), Fixture.alice, .deniedBy("sanctions")),
        (.approve(token: Fixture.eurd, spender: Fixture.shelly, amount: 1), Fixture.alice, .deniedBy("sanctions")),
        (.approve(token: Fixture.eurd, spender: Fixture.bob, amount: 1), Fixture.alice, .allowed),
    ])
    func refusesMembersOfASanctionedOrganisationBothWays(
        operation: Operation, sender: Address, expected: Expected
    ) throws {
        expectDecision(try Fixture.engine().decide(operation, by: sender), expected)
    }

    @Test(arguments: [
        (Fixture.carol, Fixture.alice, Expected.deniedBy("sanctions")),  // the listed address's member sends
        (Fixture.alice, Fixture.carol, .deniedBy("sanctions")),  // or receives
        (Fixture.alice, Fixture.bob, .allowed),
    ])
    func aSanctionedAddressBlocksItsMembersOtherAddressesToo(
        sender: Address, recipient: Address, expected: Expected
    ) throws {
        let other = Fixture.address("0x6161616161616161616161616161616161616161")
        var files = Fixture.files()
        files["members.toml"] = Fixture.members.replacingOccurrences(
            of: "address = \"\(Fixture.carol.hex)\"", with: "addresses = [\"\(Fixture.carol.hex)\", \"\(other.hex)\"]")
        files["sanctions.list.toml"] = "addresses = [\"\(other.hex)\"]"
        let engine = PolicyEngine(policy: try Fixture.load(files))
        #expect(engine.policy.member(other)?.name == "carol")
        expectDecision(engine.decide(.transfer(token: eurd, to: recipient, amount: 1), by: sender), expected)
    }

    @Test func memberLockupRefusesSendingUntilItsDate() throws {
        let engine = try Fixture.engine()
        let transfer = Operation.transfer(token: eurd, to: Fixture.alice, amount: 1)
        expectDenied(
            engine.decide(transfer, by: Fixture.lou), "lockup",
            "your account is locked up until 2030-01-01T00:00:00Z: you cannot send before then")
        expectAllowed(engine.decide(transfer, by: Fixture.lou, at: 1_893_456_000))  // 2030-01-01T00:00:00Z
        // A locked-up member still receives.
        expectAllowed(engine.decide(.transfer(token: eurd, to: Fixture.lou, amount: 1), by: Fixture.alice))
    }

    @Test func forcedTransferChecksOnlyTheGrantAndTheRecipientsSanctions() throws {
        // Compliance rules and recipient membership do not bind an agent's corrective action.
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "tiny-max"
                kind = "transfer_amount"
                max = "1"
                """)
        expectAllowed(
            engine.decide(
                .forcedTransfer(
                    token: eurd, from: Fixture.shelly, to: Fixture.outsider, amount: Fixture.eurdUnits(500)),
                by: Fixture.issuer))
        expectDenied(
            engine.decide(
                .forcedTransfer(token: eurd, from: Fixture.alice, to: Fixture.dead, amount: 1), by: Fixture.issuer),
            "sanctions", "the recipient")
        expectDenied(
            engine.decide(
                .forcedTransfer(token: eurd, from: Fixture.alice, to: Fixture.bob, amount: 1), by: Fixture.bob),
            "grant")
    }

    /// The sender's checks judge the owner of the tokens, and say so; carol (tier 2) spending for
    /// bob (tier 1) is refused on bob's tier.
    @Test(arguments: [
        (
            Fixture.bob, Fixture.carol,
            Expected.denied("kyc-send", "the owner of these tokens is below the KYC tier of 2 needed to send EURD")
        ),
        (Fixture.alice, Fixture.bob, .allowed),
        (Fixture.sam, Fixture.alice, .denied("member-suspended", "the owner of these tokens")),
        (Fixture.outsider, Fixture.alice, .denied("membership", "the owner of these tokens")),
        (Fixture.shelly, Fixture.alice, .denied("sanctions", "the owner of these tokens")),
        (Fixture.lou, Fixture.alice, .denied("lockup", "the owner of these tokens is locked up")),
    ])
    func transferFromJudgesTheOwnerOfTheTokens(owner: Address, spender: Address, expected: Expected) throws {
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "kyc-send"
                kind = "kyc_minimum"
                send = 2
                """)
        let decision = engine.decide(.transferFrom(token: eurd, from: owner, to: Fixture.carol, amount: 1), by: spender)
        expectDecision(decision, expected)
    }

    @Test func burnFromASanctionedHolderIsRefused() throws {
        let engine = try Fixture.engine()
        expectDenied(
            engine.decide(.burnFrom(token: eurd, from: Fixture.shelly, amount: 1), by: Fixture.issuer), "sanctions")
        expectAllowed(engine.decide(.burnFrom(token: eurd, from: Fixture.alice, amount: 1), by: Fixture.issuer))
    }
}

/// What the node and the API ask a policy besides decisions.
@Suite struct PolicyQueryTests {
    @Test func systemPermissionsComeFromRolesOfActiveMembers() throws {
        let policy = try Fixture.load(Fixture.files())
        #expect(policy.hasSystemPermission(Fixture.auditor, .readAll))
        #expect(policy.hasSystemPermission(Fixture.auditor, .adminRead))
        #expect(!policy.hasSystemPermission(Fixture.auditor, .submitForOthers))
        #expect(!policy.hasSystemPermission(Fixture.alice, .readAll))
        #expect(!policy.hasSystemPermission(Fixture.outsider, .readAll))
    }

    @Test func sanctionsBindAddressesAndTheMembersOfListedOrganisations() throws {
        let policy = try Fixture.load(Fixture.files())
        #expect(policy.isSanctioned(Fixture.dead))
        #expect(policy.isSanctioned(Fixture.shelly))
        #expect(!policy.isSanctioned(Fixture.alice))
    }

    @Test func readGrantIsPerAsset() throws {
        let policy = try Fixture.load(Fixture.files())
        #expect(policy.mayRead(Fixture.alice, asset: Fixture.eurd))
        #expect(policy.mayRead(Fixture.alice, asset: .zero))  // `*` includes the native currency
        #expect(policy.mayRead(Fixture.auditor, asset: Fixture.eurd))
        #expect(!policy.mayRead(Fixture.auditor, asset: Fixture.gbpd))
        #expect(!policy.mayRead(Fixture.issuer, asset: Fixture.gbpd))
        #expect(!policy.mayRead(Fixture.sam, asset: Fixture.eurd))  // suspended
        #expect(!policy.mayRead(Fixture.outsider, asset: Fixture.eurd))
    }

    @Test func membersAreFoundByAddressSubjectAndAPIKeyHash() throws {
        var files = Fixture.files()
        let keyHash = SHA256.hash(Array("carol-key".utf8))
        files["members.toml"] = Fixture.members.replacingOccurrences(
            of: "jurisdiction = \"GB\"",
            with:
                "jurisdiction = \"GB\"\noidc_subject = \"carol@bank-b\"\napi_key_sha256 = \"\(keyHash.hex.dropFirst(2))\""
        )
        let policy = try Fixture.load(files)
        let carol = try #require(policy.member(Fixture.carol))
        #expect(
            carol.name == "carol" && carol.organisation == "bank-b" && carol.kycTier == 2 && carol.jurisdiction == "GB")
        #expect(carol.roles == ["trader"] && carol.status == .active && carol.travelRuleDataOnFile)
        #expect(policy.member(oidcSubject: "carol@bank-b")?.name == "carol")
        #expect(policy.member(apiKeyHash: keyHash)?.name == "carol")
        #expect(policy.member(Fixture.outsider) == nil)
        #expect(policy.member(Fixture.lou)?.lockedUntil == 1_893_456_000)
    }

    @Test func summaryListsMembersRolesRulesAndHash() throws {
        let policy = try Fixture.load(
            Fixture.files(
                rules: """
                    [[rule]]
                    id = "eurd-daily"
                    kind = "transfer_limit"
                    asset = "EURD"
                    windows = [{ period = "24h", max = "1000000" }]
                    """))
        let summary = policy.summary
        for fragment in [
            "Members (9):", "alice (bank-a; roles: trader; KYC tier 2; DE; active",
            "auditor: system: read_all, admin_read",
            "eurd-daily: transfer_limit: per sender, 1,000,000 EURD per 24 h",
            "Sanctions: 1 address(es), 1 organisation(s)",
            "Policy hash: \(policy.hash)",
        ] {
            #expect(summary.contains(fragment), "summary lacks '\(fragment)':\n\(summary)")
        }
    }
}
