import API
import Disclosure
import Foundation
import NodeTestSupport
import Primitives
import Sequencer
import StateTree
import Testing

/// `cloister_getBalanceProof` over sealed batches: a member gets a valid disclosure of its own
/// holding and learns nothing of anyone else's (the twins of `MemberIsolationTests`, with a
/// batch sealed after every block).
@Suite struct BalanceDisclosureRPCTests {
    typealias Twins = MemberIsolationTests.Twins

    func ask(_ side: Twins.Side, _ caller: CallerIdentity, _ holder: Address, _ asset: Address, batch: UInt64) async -> String {
        let request = RPCRequest(
            id: .number("1"), method: "cloister_getBalanceProof",
            params: .array([.string(holder.hex), .string(asset.hex), .string(Hex.encodeQuantity(batch))]))
        switch await side.rpc.handle(request, caller: caller) {
        case .success(let value): return String(decoding: value.serialized, as: UTF8.self)
        case .failure(let error): return "error \(error.code): \(error.message)"
        }
    }

    @Test func aMemberDisclosesItsOwnHoldingAndNothingOfAnotherMembers() async throws {
        let twins = try await Twins.make(maxBlocksPerBatch: 1)
        let trackers = [twins.a, twins.b].map { side in Task { try await side.chain.runStateCommitment() } }
        defer { trackers.forEach { $0.cancel() } }
        typealias M = MemberIsolationTests
        try await twins.block(
            a: { [M.mint($0, to: $0.fixture.carol.address, amount: M.eurd(1_000)), M.pay($0, \.alice, \.bob, M.eurd(500))] },
            b: { [M.mint($0, to: $0.fixture.carol.address, amount: M.eurd(1_000)), M.pay($0, \.alice, \.bob, M.eurd(900)), M.pay($0, \.bob, \.alice, 1)] })
        try await twins.block(
            a: { [M.pay($0, \.carol, \.issuer, M.eurd(5)), M.native($0, \.bob, \.alice, 9)] },
            b: { [M.pay($0, \.carol, \.issuer, M.eurd(5))] })
        for side in [twins.a, twins.b] {
            await side.chain.awaitStateCommitment(through: await side.chain.head.header.number)
            #expect(await side.chain.latestBatch.number == 2)
        }
        let fixture = twins.a.fixture
        let carol = twins.carol
        for batch in 1...2 as ClosedRange<UInt64> {
            // Others' holdings: the same answer on both chains, as for a holding that does not exist.
            for holder in [fixture.alice.address, fixture.bob.address, fixture.issuer.address] {
                for asset in [Address.zero, ChainFixture.eurd] {
                    let onA = await ask(twins.a, carol, holder, asset, batch: batch)
                    let onB = await ask(twins.b, carol, holder, asset, batch: batch)
                    #expect(onA == onB)
                    #expect(onA.hasPrefix("error") && onA.contains("no holding"), "\(onA)")
                }
            }
            // Her own: a disclosure whose path reaches the batch's recorded root, on each chain.
            for side in [twins.a, twins.b] {
                let answer = await ask(side, carol, fixture.carol.address, ChainFixture.eurd, batch: batch)
                let disclosure = try JSONDecoder().decode(BalanceDisclosure.self, from: Data(answer.utf8))
                let (path, holder, _, balance) = try DisclosureVerifier.path(of: disclosure)
                #expect(path.isValid)
                #expect(holder == fixture.carol.address)
                #expect(balance == (batch == 1 ? 1_000_000_000 : 995_000_000))
                #expect(try #require(try side.chain.batch(number: batch)).stateRoot.hex == disclosure.stateRoot)
            }
        }
        // Every disclosure handed out is audited (who asked, whose holding, which batch).
        try await twins.a.chain.produceBlocks(maximumBlocks: 1)  // nothing pending: writes the waiting audit entries
        let audited = try twins.a.chain.auditLog(from: 0, limit: 10_000).map(\.entry).filter { $0.kind == .disclosureProduced }
        #expect(audited.count == 2 && audited.allSatisfy { $0.actor == "carol" && $0.detail.contains(fixture.carol.address.checksummed) })
        // An auditor (read_all) may disclose anyone's holding.
        let auditor = CallerIdentity(name: "auditor", addresses: [], readAll: true)
        #expect(!(await ask(twins.a, auditor, fixture.alice.address, ChainFixture.eurd, batch: 2)).hasPrefix("error"))
        // A batch without a root yet is refused with the reason.
        #expect((await ask(twins.a, carol, fixture.carol.address, ChainFixture.eurd, batch: 9)).contains("not sealed"))
    }

    /// Disclosures asked while seals update the tree (which is off the tracker during an update)
    /// wait for it and are all valid.
    @Test func disclosuresAskedDuringSealsAreAnsweredFromTheWholeTree() async throws {
        let twins = try await Twins.make(maxBlocksPerBatch: 1)
        let side = twins.a
        let tracker = Task { try await side.chain.runStateCommitment() }
        defer { tracker.cancel() }
        typealias M = MemberIsolationTests
        try await twins.block(
            a: { [M.mint($0, to: $0.fixture.carol.address, amount: M.eurd(1_000))] },
            b: { [M.mint($0, to: $0.fixture.carol.address, amount: M.eurd(1_000))] })
        await side.chain.awaitStateCommitment(through: await side.chain.head.header.number)
        let carol = twins.carol
        let asker = Task {
            var answers = [String]()
            for _ in 0..<200 {
                answers.append(await ask(side, carol, side.fixture.carol.address, ChainFixture.eurd, batch: 1))
            }
            return answers
        }
        for _ in 0..<20 {
            for raw in [M.pay(side, \.alice, \.bob, 1), M.pay(side, \.bob, \.alice, 2)] { _ = try await side.chain.submit(raw: raw) }
            try await side.chain.produceBlock()
        }
        let answers = await asker.value
        let root = try #require(try side.chain.batch(number: 1)).stateRoot.hex
        for answer in answers {
            let disclosure = try JSONDecoder().decode(BalanceDisclosure.self, from: Data(answer.utf8))
            #expect(try DisclosureVerifier.path(of: disclosure).0.isValid && disclosure.stateRoot == root)
        }
    }
}
