import Foundation
import NodeTestSupport
import Primitives
import Sequencer
import Testing

@testable import API

/// The admin API's list requests do bounded work on a long chain: a transaction filter that
/// matches little stops after its scan budget with a cursor, and a block list reads no
/// transaction hashes (docs/CONSOLE.md, "Page times").
@Suite(.serialized) struct AdminScanBudgetTests {
    let fixture: ChainFixture

    init() throws { fixture = try ChainFixture(maxBlocksPerBatch: 2) }

    /// Five transfers of bob's, one block each.
    func chainOfFiveTransfers() async throws -> InProcessNode {
        let node = try await InProcessNode.start(fixture, policy: nil, apiRoutes: { _, _ in })
        for nonce in 0..<5 as Range<UInt64> {
            let raw = try fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: nonce)
            let hash = try await node.chain.submit(raw: raw)
            // Each in a block of its own: the next is sent only once this one is stored.
            let stored = try await node.produceBlocksUntilStored(hash)
            try #require(stored, "transfer \(nonce) was not stored within two minutes")
        }
        return node
    }

    /// Every page from the start, following cursors: (items per page).
    func pages(_ resources: AdminResources, _ filters: [String: String]) async throws -> [[JSON]] {
        var pages: [[JSON]] = []
        var cursor: String?
        repeat {
            var values = filters
            values["cursor"] = cursor
            guard case .json(let page, _) = try await resources.transactions(AdminQuery(values: values)) else {
                Issue.record("listTransactions streamed")
                return pages
            }
            pages.append(page["items"]?.arrayValue ?? [])
            cursor = page["nextCursor"]?.stringValue
        } while cursor != nil && pages.count < 100
        return pages
    }

    @Test func aFilterMatchingNothingStopsAtTheScanBudgetWithACursorUntilTheChainIsRead() async throws {
        let node = try await chainOfFiveTransfers()
        defer { Task { await node.stop() } }
        var resources = AdminResources(chain: node.chain)
        resources.transactionScanBudget = 2
        let failed = try await pages(resources, ["outcome": "failed"])
        #expect(failed.allSatisfy { $0.isEmpty })
        // Blocks 0…5 hold five transactions, two read per page at most: at least three pages.
        #expect(failed.count >= 3)

        let all = try await pages(resources, [:])
        let hashes = all.flatMap { $0 }.compactMap { $0["hash"]?.stringValue }
        #expect(hashes.count == 5)
        #expect(Set(hashes).count == 5)
        #expect(all.count >= 3)

        resources.transactionScanBudget = AdminResources.defaultTransactionScanBudget
        let unbounded = try await pages(resources, ["outcome": "failed"])
        #expect(unbounded.count == 1)
    }

    /// A full block is read in pieces: a filter stops inside it at the budget, with a cursor to
    /// the position after the last transaction it opened (a block can hold 20,000 transactions).
    @Test func aScanStopsInsideABlockAtTheBudgetAndResumesThere() async throws {
        // A chain without the node's own block production: the five transfers share one block.
        let chain = try await fixture.openChain()
        var last = Hash32.zero
        for nonce in 0..<5 as Range<UInt64> {
            let raw = try fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: nonce)
            last = try await chain.submit(raw: raw)
        }
        let produced = try #require(try await chain.produceBlock())
        try #require(produced.transactionHashes.count == 5, "the five transfers share a block")
        let block = produced.header.number
        try #require(try chain.transaction(hash: last)?.blockNumber == block)

        var resources = AdminResources(chain: chain)
        resources.transactionScanBudget = 2
        let query = AdminQuery(values: ["outcome": "failed", "from_block": "\(block)", "to_block": "\(block)"])
        guard case .json(let first, _) = try await resources.transactions(query) else {
            Issue.record("listTransactions streamed")
            return
        }
        #expect(first["items"]?.arrayValue?.isEmpty == true)
        #expect(first["nextCursor"]?.stringValue == "\(block).2")
        let failed = try await pages(resources, ["outcome": "failed", "from_block": "\(block)", "to_block": "\(block)"])
        #expect(failed.count == 3)
        #expect(failed.allSatisfy { $0.isEmpty })

        let all = try await pages(resources, ["limit": "2", "from_block": "\(block)", "to_block": "\(block)"])
        #expect(all.map(\.count) == [2, 2, 1])
        let positions = all.flatMap { $0 }.compactMap { $0["position"] }
        #expect(positions == (0..<5).map { JSON.integer($0) })
    }

    @Test func aBlockListCountsTransactionsLikeTheBlockItself() async throws {
        let node = try await chainOfFiveTransfers()
        defer { Task { await node.stop() } }
        let resources = AdminResources(chain: node.chain)
        guard case .json(let list, _) = try await resources.blocks(AdminQuery(values: ["limit": "100"])) else {
            Issue.record("listBlocks streamed")
            return
        }
        let items = list["items"]?.arrayValue ?? []
        #expect(items.count == 6)
        for item in items {
            guard case .number(let text) = item["number"], let number = UInt64(text) else {
                Issue.record("a block without a number: \(item)")
                continue
            }
            let block = try #require(try node.chain.block(number: number))
            #expect(item["transactionCount"] == .integer(block.transactionHashes.count))
            #expect(item["hash"]?.stringValue == block.hash.hex)
        }
    }
}
