import Ledger
import Policy
import Primitives
import Testing

/// Every compliance rule kind: a transfer (or mint) it lets through and one it refuses, with the
/// rule's id and a message the sender can act on.
@Suite struct ComplianceRuleTests {
    let eurd = Fixture.eurd
    let gbpd = Fixture.gbpd

    func send(_ amount: UInt256, to: Address, token: Address? = nil) -> Operation {
        .transfer(token: token ?? eurd, to: to, amount: amount)
    }

    // MARK: - kyc_minimum

    @Test func kycMinimumToSend() throws {
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "kyc-send"
                kind = "kyc_minimum"
                asset = "EURD"
                send = 2
                """)
        expectAllowed(engine.decide(send(1, to: Fixture.carol), by: Fixture.alice))
        let refused = engine.decide(send(1, to: Fixture.carol), by: Fixture.bob)
        expectDenied(refused, "kyc-send", "your KYC tier 1 is below the minimum of 2 to send EURD")
        #expect(refused.inputs["required_tier"] == "2" && refused.inputs["tier"] == "1")
        expectAllowed(engine.decide(send(1, to: Fixture.carol, token: gbpd), by: Fixture.bob))  // EURD only
    }

    @Test func kycMinimumToReceiveAppliesToTransfersAndMints() throws {
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "kyc-receive"
                kind = "kyc_minimum"
                receive = 2
                """)
        expectAllowed(engine.decide(send(1, to: Fixture.carol), by: Fixture.alice))
        let refused = engine.decide(send(1, to: Fixture.bob), by: Fixture.alice)
        expectDenied(refused, "kyc-receive", "the recipient is below the KYC tier of 2 needed to receive EURD")
        #expect(!refused.message.contains("tier 1"), "the recipient's own tier stays private")
        expectDenied(engine.decide(.mint(token: eurd, to: Fixture.bob, amount: 1), by: Fixture.issuer), "kyc-receive")
    }

    @Test func kycMinimumToHoldLetsAHolderBelowItOnlyLeaveEntirely() throws {
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "kyc-hold"
                kind = "kyc_minimum"
                hold = 2
                """)
        expectDenied(
            engine.decide(send(1, to: Fixture.bob), by: Fixture.alice), "kyc-hold",
            "the recipient is below the KYC tier of 2 needed to hold EURD")
        var ledger = TestLedger()
        ledger.set(eurd, Fixture.bob, Fixture.eurdUnits(100))
        expectDenied(
            engine.decide(send(Fixture.eurdUnits(40), to: Fixture.carol), by: Fixture.bob, ledger: ledger), "kyc-hold",
            "you may only send your whole balance (100 EURD)")
        expectAllowed(engine.decide(send(Fixture.eurdUnits(100), to: Fixture.carol), by: Fixture.bob, ledger: ledger))
    }

    // MARK: - jurisdiction

    @Test(arguments: [
        // (list, sender, recipient, allowed)
        ("sender_allow = [\"DE\", \"FR\"]", Fixture.alice, Fixture.dave, true),
        ("sender_allow = [\"DE\", \"FR\"]", Fixture.dave, Fixture.alice, false),
        ("sender_deny = [\"US\"]", Fixture.carol, Fixture.dave, true),
        ("sender_deny = [\"US\"]", Fixture.dave, Fixture.carol, false),
        ("recipient_allow = [\"DE\", \"GB\"]", Fixture.dave, Fixture.carol, true),
        ("recipient_allow = [\"DE\", \"GB\"]", Fixture.alice, Fixture.dave, false),
        ("recipient_deny = [\"US\"]", Fixture.dave, Fixture.alice, true),
        ("recipient_deny = [\"US\"]", Fixture.alice, Fixture.dave, false),
    ])
    func jurisdictionListsForSenderAndRecipient(list: String, sender: Address, recipient: Address, allowed: Bool) throws
    {
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "places"
                kind = "jurisdiction"
                asset = "EURD"
                \(list)
                """)
        let decision = engine.decide(send(1, to: recipient), by: sender)
        if allowed {
            expectAllowed(decision)
        } else if list.hasPrefix("sender") {
            expectDenied(decision, "places", "members in US may not send EURD")
            #expect(decision.inputs["sender_jurisdiction"] == "US")
        } else {
            expectDenied(decision, "places", "the recipient's jurisdiction may not receive EURD")
            #expect(!decision.message.contains("US"), "the recipient's jurisdiction stays private")
            #expect(decision.inputs["recipient_jurisdiction"] == "US")
        }
    }

    // MARK: - transfer_amount

    @Test(arguments: [
        (Fixture.eurdUnits(10), Expected.allowed),
        (UInt256(1_000_500_000), .allowed),
        (
            Fixture.eurdUnits(5),
            .denied("eurd-size", "the minimum single transfer of EURD is 10 EURD; this transfer is 5 EURD")
        ),
        (
            UInt256(1_000_500_001),
            .denied(
                "eurd-size", "the maximum single transfer of EURD is 1,000.5 EURD; this transfer is 1,000.500001 EURD")
        ),
    ])
    func singleTransferMinimumAndMaximum(amount: UInt256, expected: Expected) throws {
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "eurd-size"
                kind = "transfer_amount"
                asset = "EURD"
                min = "10"
                max = "1_000.50"
                """)
        expectDecision(engine.decide(send(amount, to: Fixture.carol), by: Fixture.alice), expected)
    }

    // MARK: - travel_rule

    /// (amount, token, sender, recipient, expected): above the threshold both parties need their data
    /// on file. A rule without `asset` reads its amount in each asset's own units: 1,000 GBPD.
    @Test(arguments: [
        // Applied and met: the allow names the rule so the audit log records it.
        (Fixture.eurdUnits(5_000), Fixture.eurd, Fixture.alice, Fixture.carol, Expected.allowedBy("travel-rule")),
        (
            Fixture.eurdUnits(5_000), Fixture.eurd, Fixture.alice, Fixture.bob,
            .denied(
                "travel-rule",
                "transfers above 1,000 EURD need beneficiary data on file (travel rule), and the recipient's is not")
        ),
        (
            Fixture.eurdUnits(5_000), Fixture.eurd, Fixture.bob, Fixture.alice,
            .denied("travel-rule", "need originator data on file (travel rule), and yours is not")
        ),
        (Fixture.eurdUnits(1_000), Fixture.eurd, Fixture.alice, Fixture.bob, .allowed),
        (Fixture.gbpdUnits(1_000), Fixture.gbpd, Fixture.alice, Fixture.bob, .allowed),
        (
            Fixture.gbpdUnits(1_001), Fixture.gbpd, Fixture.alice, Fixture.bob,
            .denied("travel-rule", "above 1,000 GBPD")
        ),
    ])
    func travelRuleNeedsDataOnFileAboveItsThreshold(
        amount: UInt256, token: Address, sender: Address, recipient: Address, expected: Expected
    ) throws {
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "travel-rule"
                kind = "travel_rule"
                threshold = "1000"
                """)
        expectDecision(engine.decide(send(amount, to: recipient, token: token), by: sender), expected)
    }

    // MARK: - transfer_limit

    @Test func transferLimitMessageStatesLimitUsageAndTransfer() throws {
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "eurd-daily"
                kind = "transfer_limit"
                asset = "EURD"
                windows = [{ period = "24h", max = "1000000.00" }]
                """)
        var windows = TransferWindows()
        windows.record(
            sender: Fixture.alice, asset: eurd, amount: Fixture.eurdUnits(980_000), at: Fixture.now - 3_600,
            policy: engine.policy)
        let refused = engine.decide(
            send(Fixture.eurdUnits(50_000), to: Fixture.carol), by: Fixture.alice, windows: windows)
        expectDenied(refused, "eurd-daily")
        #expect(
            refused.message
                == "daily limit of 1,000,000 EURD exceeded: 980,000 sent in the last 24 h, this transfer 50,000")
        #expect(refused.inputs["used"] == "980,000 EURD" && refused.inputs["window"] == "24 h")
        expectAllowed(
            engine.decide(send(Fixture.eurdUnits(20_000), to: Fixture.carol), by: Fixture.alice, windows: windows))
        // Usage is per sender: carol has sent nothing.
        expectAllowed(
            engine.decide(send(Fixture.eurdUnits(50_000), to: Fixture.alice), by: Fixture.carol, windows: windows))
        // A single transfer above the limit is refused with no usage at all.
        expectDenied(
            engine.decide(send(Fixture.eurdUnits(1_000_001), to: Fixture.alice), by: Fixture.carol), "eurd-daily",
            "0 sent in the last 24 h")
    }

    // MARK: - max_balance

    @Test func maxBalancePerHolderWithoutRevealingTheBalance() throws {
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "eurd-max-holding"
                kind = "max_balance"
                asset = "EURD"
                max = "1000"
                """)
        var ledger = TestLedger()
        ledger.set(eurd, Fixture.carol, Fixture.eurdUnits(900))
        expectAllowed(engine.decide(send(Fixture.eurdUnits(100), to: Fixture.carol), by: Fixture.alice, ledger: ledger))
        let refused = engine.decide(send(Fixture.eurdUnits(101), to: Fixture.carol), by: Fixture.alice, ledger: ledger)
        expectDenied(
            refused, "eurd-max-holding", "this would take the recipient above the maximum holding of 1,000 EURD")
        #expect(!refused.message.contains("900"), "the recipient's balance stays private")
        #expect(refused.inputs["recipient_balance"] == "900 EURD")
        expectDenied(
            engine.decide(
                .mint(token: eurd, to: Fixture.carol, amount: Fixture.eurdUnits(101)), by: Fixture.issuer,
                ledger: ledger),
            "eurd-max-holding")
    }

    // MARK: - max_holders

    @Test func maxHoldersRefusesOnlyANewHolder() throws {
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "eurd-holders"
                kind = "max_holders"
                asset = "EURD"
                max = 3
                """)
        var ledger = TestLedger()
        for holder in [Fixture.alice, Fixture.bob, Fixture.carol] { ledger.set(eurd, holder, Fixture.eurdUnits(100)) }
        expectDenied(
            engine.decide(send(Fixture.eurdUnits(10), to: Fixture.dave), by: Fixture.alice, ledger: ledger),
            "eurd-holders",
            "EURD already has its maximum of 3 holders: it cannot gain a new holder")
        expectAllowed(engine.decide(send(Fixture.eurdUnits(10), to: Fixture.bob), by: Fixture.alice, ledger: ledger))
        // Sending the whole balance to a newcomer keeps the count.
        expectAllowed(engine.decide(send(Fixture.eurdUnits(100), to: Fixture.dave), by: Fixture.alice, ledger: ledger))
        expectDenied(
            engine.decide(.mint(token: eurd, to: Fixture.dave, amount: 1), by: Fixture.issuer, ledger: ledger),
            "eurd-holders")
    }

    // MARK: - supply_cap

    @Test func supplyCapLimitsMints() throws {
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "eurd-cap"
                kind = "supply_cap"
                asset = "EURD"
                max = "1000"
                """)
        var ledger = TestLedger()
        ledger.set(eurd, Fixture.alice, Fixture.eurdUnits(900))
        expectAllowed(
            engine.decide(
                .mint(token: eurd, to: Fixture.carol, amount: Fixture.eurdUnits(100)), by: Fixture.issuer,
                ledger: ledger))
        expectDenied(
            engine.decide(
                .mint(token: eurd, to: Fixture.carol, amount: Fixture.eurdUnits(200)), by: Fixture.issuer,
                ledger: ledger),
            "eurd-cap", "minting 200 EURD would take the supply of EURD above its cap of 1,000 EURD")
        // Transfers do not change the supply.
        expectAllowed(engine.decide(send(Fixture.eurdUnits(500), to: Fixture.carol), by: Fixture.alice, ledger: ledger))
    }

    // MARK: - lockup

    @Test func assetLockupRefusesTransfersBeforeItsDate() throws {
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "gbpd-lockup"
                kind = "lockup"
                asset = "GBPD"
                until = 2026-01-01T00:00:00Z
                """)
        let transfer = send(1, to: Fixture.carol, token: gbpd)
        expectDenied(
            engine.decide(transfer, by: Fixture.alice), "gbpd-lockup",
            "GBPD is locked up until 2026-01-01T00:00:00Z: it cannot be transferred before then")
        expectAllowed(engine.decide(transfer, by: Fixture.alice, at: 1_767_225_600))  // 2026-01-01T00:00:00Z
        expectAllowed(engine.decide(send(1, to: Fixture.carol), by: Fixture.alice))  // EURD is not locked
        // Issuance is not sending: a lock-up does not stop mints.
        expectAllowed(engine.decide(.mint(token: gbpd, to: Fixture.carol, amount: 1), by: Fixture.issuer))
    }

    // MARK: - Order and scope

    @Test func earlierKindDecidesWhenSeveralRulesRefuse() throws {
        // Both refuse bob's 5 EURD: kyc_minimum is checked before transfer_amount, whatever the file order.
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "a-size"
                kind = "transfer_amount"
                min = "10"

                [[rule]]
                id = "z-kyc"
                kind = "kyc_minimum"
                send = 2
                """)
        expectDenied(engine.decide(send(Fixture.eurdUnits(5), to: Fixture.carol), by: Fixture.bob), "z-kyc")
        expectDenied(engine.decide(send(Fixture.eurdUnits(5), to: Fixture.carol), by: Fixture.alice), "a-size")
    }

    @Test func rulesForOneAssetLeaveTheNativeCurrencyAlone() throws {
        let engine = try Fixture.engine(
            rules: """
                [[rule]]
                id = "eurd-size"
                kind = "transfer_amount"
                asset = "EURD"
                max = "1"

                [[rule]]
                id = "native-size"
                kind = "transfer_amount"
                asset = "native"
                max = "2"
                """)
        let oneNative = UInt256(1_000_000_000_000_000_000)
        expectAllowed(
            engine.decide(.nativeTransfer(to: Fixture.carol, amount: oneNative + oneNative), by: Fixture.alice))
        expectDenied(
            engine.decide(.nativeTransfer(to: Fixture.carol, amount: oneNative * 3), by: Fixture.alice), "native-size",
            "the maximum single transfer of native is 2 native")
    }
}
