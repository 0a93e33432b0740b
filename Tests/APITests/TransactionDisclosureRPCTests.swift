import API
import Disclosure
import Foundation
import Node
import NodeTestSupport
import Primitives
import Sequencer
import StateTree
import Testing

/// `cloister_getTransactionProof` over sealed batches whose statements were made (which keeps
/// each batch's operations opening): a member gets a valid disclosure of a transaction it sent
/// or received and learns nothing of anyone else's (the twins of `MemberIsolationTests`).
@Suite struct TransactionDisclosureRPCTests {
    typealias Twins = MemberIsolationTests.Twins
    typealias M = MemberIsolationTests

    static func ask(_ rpc: EthereumRPC, _ caller: CallerIdentity, _ hash: String) async -> String {
        let request = RPCRequest(
            id: .number("1"), method: "cloister_getTransactionProof", params: .array([.string(hash)]))
        switch await rpc.handle(request, caller: caller) {
        case .success(let value): return String(decoding: value.serialized, as: UTF8.self)
        case .failure(let error): return "error \(error.code): \(error.message)"
        }
    }

    static func hash(_ raw: [UInt8]) -> String { Keccak256.hash(raw).hex }

    @Test func aMemberDisclosesItsOwnTransactionsAndNothingOfAnotherMembers() async throws {
        let twins = try await Twins.make(maxBlocksPerBatch: 1)
        let trackers = [twins.a, twins.b].map { side in Task { try await side.chain.runStateCommitment() } }
        defer { trackers.forEach { $0.cancel() } }
        var own = [[String]](repeating: [], count: 2)
        var others = Set<String>()
        try await twins.block(
            a: {
                [
                    M.mint($0, to: $0.fixture.carol.address, amount: M.eurd(1_000)),
                    M.pay($0, \.alice, \.bob, M.eurd(500, 37)),
                ]
            },
            b: {
                [
                    M.mint($0, to: $0.fixture.carol.address, amount: M.eurd(1_000)),
                    M.pay($0, \.alice, \.bob, M.eurd(900, 13)), M.pay($0, \.bob, \.alice, 1),
                ]
            })
        let a2 = [
            M.native(twins.a, \.bob, \.alice, 9), M.pay(twins.a, \.carol, \.issuer, M.eurd(5)),
            M.native(twins.a, \.alice, \.carol, 77_777_777),
        ]
        let b2 = [M.pay(twins.b, \.carol, \.issuer, M.eurd(5)), M.native(twins.b, \.alice, \.bob, 12_345_678)]
        try await twins.block(a: { _ in a2 }, b: { _ in b2 })
        own[0] = [Self.hash(a2[1]), Self.hash(a2[2])]
        own[1] = [Self.hash(b2[0])]
        others = Set([a2[0], b2[1]].map(Self.hash))
        var commitments = [[String]]()
        for side in [twins.a, twins.b] {
            await side.chain.awaitStateCommitment(through: await side.chain.head.header.number)
            #expect(await side.chain.latestBatch.number == 2)
            // The statements (made before each batch is committed) keep the batches' openings.
            let proofs = StarkBatchProofs()
            var sideCommitments = [String]()
            for batch in 1...2 as ClosedRange<UInt64> {
                sideCommitments.append(
                    try await proofs.statement(ofBatch: batch, in: side.chain).operationsCommitment.hex)
            }
            commitments.append(sideCommitments)
        }
        let carol = twins.carol
        let fixture = twins.a.fixture
        // Others' transactions: the same answer on both chains, as for a transaction that does not exist.
        // (Her own include the mints to her, the first transaction on each chain.)
        let mints = try [twins.a, twins.b].map {
            try #require(try $0.chain.transactions(blockNumber: 1).first).hash.hex
        }
        for hash in try await twins.allTransactionHashes() where !(own[0] + own[1] + mints).contains(hash) {
            let onA = await Self.ask(twins.a.rpc, carol, hash)
            let onB = await Self.ask(twins.b.rpc, carol, hash)
            #expect(onA == onB)
            #expect(onA.hasPrefix("error") && onA.hasSuffix("no transaction \(hash) of yours is included"), "\(onA)")
        }
        #expect(others.count == 2)
        // Her own, sent or received: a disclosure whose path reaches the batch's statement.
        for (side, index) in [(twins.a, 0), (twins.b, 1)] {
            for hash in own[index] {
                let answer = await Self.ask(side.rpc, carol, hash)
                let disclosure = try JSONDecoder().decode(TransactionDisclosure.self, from: Data(answer.utf8))
                let (facts, commitment) = try TransactionDisclosureVerifier.check(disclosure)
                #expect(facts.transactionHash.hex == hash && disclosure.batch == 2)
                #expect(commitment.hex == commitments[index][1])
                #expect(facts.signer == fixture.carol.address || facts.recipient == fixture.carol.address)
                let bystanders = [fixture.alice.address, fixture.bob.address, fixture.issuer.address].filter {
                    $0 != facts.signer && $0 != facts.recipient
                }
                #expect(bystanders.count >= 1)
                Self.scan(answer, for: bystanders, amounts: ["500370000", "900130000", "12345678"])
            }
        }
        // A mint to her is hers to see but is not a transfer: refused with the reason.
        #expect(await Self.ask(twins.a.rpc, carol, mints[0]).contains("only those can be disclosed"))
        // Every disclosure handed out is audited (who asked, which transaction, which batch; never the amount).
        try await twins.a.chain.produceBlocks(maximumBlocks: 1)
        let audited = try twins.a.chain.auditLog(from: 0, limit: 10_000).map(\.entry).filter {
            $0.kind == .disclosureProduced
        }
        #expect(audited.count == 2 && audited.allSatisfy { $0.actor == "carol" && $0.outcome == "transaction" })
        #expect(Set(audited.compactMap(\.transaction)) == Set(own[0]))
        #expect(audited.allSatisfy { $0.detail.contains("batch 2") && !$0.detail.contains("77777777") })
        // An auditor (read_all) may disclose anyone's transfer.
        let auditor = CallerIdentity(name: "auditor", addresses: [], readAll: true)
        for hash in others where try twins.a.chain.transaction(hash: try Hash32(hex: hash)) != nil {
            let answer = await Self.ask(twins.a.rpc, auditor, hash)
            #expect(
                try TransactionDisclosureVerifier.check(
                    JSONDecoder().decode(TransactionDisclosure.self, from: Data(answer.utf8))
                ).1.hex
                    == commitments[0][1])
        }
    }

    /// The disclosure, as text, holds none of these addresses (any case, with or without 0x),
    /// their leaf keys for either asset, or these amounts (chosen so that they do not turn up
    /// by chance in hex: an address followed by zero padding holds "…500000000").
    static func scan(_ text: String, for addresses: [Address], amounts: [String]) {
        let lowered = text.lowercased()
        for address in addresses {
            #expect(!lowered.contains(address.hex.dropFirst(2)), "the disclosure holds \(address.checksummed)")
            for asset in [Address.zero, ChainFixture.eurd] {
                let key = AccountLeaf.key(account: address.bytes, asset: asset.bytes).value
                #expect(!lowered.contains(String(key)), "the disclosure holds the key of \(address.checksummed)")
            }
        }
        for amount in amounts { #expect(!lowered.contains(amount), "the disclosure holds the amount \(amount)") }
    }

    /// A batch's opening is kept with its statement: a disclosure still works once the batch's
    /// tree update is discarded (as after execution) and the node restarted; a committed batch
    /// without one (committed by an older node) is refused with the reason, and one not yet
    /// committed is asked for later.
    @Test func aDisclosureOutlivesTheTreeUpdateAndARestart() async throws {
        let fixture = try ChainFixture(maxBlocksPerBatch: 1)
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        let first = try await chain.submit(
            raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 7, nonce: 0))
        try await chain.produceBlock()
        let second = try await chain.submit(
            raw: fixture.tokenTransfer(from: fixture.alice, to: fixture.bob.address, amount: 3, nonce: 1))
        try await chain.produceBlock()
        await chain.awaitStateCommitment(through: await chain.head.header.number)
        let statement = try await StarkBatchProofs().statement(ofBatch: 1, in: chain)
        let alice = CallerIdentity(name: "alice", addresses: [fixture.alice.address])
        let rpc = EthereumRPC(chain: chain, viewKey: SecureRandom.bytes(32))
        #expect(await Self.ask(rpc, alice, second.hex).contains("batch 2 is not committed to the L1 yet"))
        for number in 1...2 as ClosedRange<UInt64> { try chain.discardTreeUpdate(number) }
        // What an older node that committed batch 2 without keeping an opening leaves behind.
        try chain.keepRecords(["settlement.last-committed": withUnsafeBytes(of: UInt64(2).bigEndian) { Array($0) }])
        await chain.finishStateCommitment()
        try await tracker.value

        let reopened = try await fixture.openChain()
        let afterRestart = EthereumRPC(chain: reopened, viewKey: SecureRandom.bytes(32))
        let answer = await Self.ask(afterRestart, alice, first.hex)
        let disclosure = try JSONDecoder().decode(TransactionDisclosure.self, from: Data(answer.utf8))
        let (facts, commitment) = try TransactionDisclosureVerifier.check(disclosure)
        #expect(
            commitment == statement.operationsCommitment && facts.amount == 7 && facts.recipient == fixture.bob.address)
        #expect(await Self.ask(afterRestart, alice, second.hex).contains("kept no operations opening"))
    }
}
