import Foundation
import PostgresNIO
@testable import PostgresStore
import Primitives
import Store
import StoreTestSupport
import Testing

/// The plans the server picks for the store's hot look-ups: each must read the rows it
/// returns through an index, not walk a table testing every row (what made a receipt look-up
/// cost a scan of every stored transaction, and the node on PostgreSQL a third of its SQLite rate).
@Suite struct PostgresQueryPlanTests {
    /// A look-up by transaction hash reads that transaction's row alone, and a block's
    /// transactions their own rows, on a fresh database (no statistics yet: the planner's
    /// guesses) as after `ANALYZE`.
    @Test func lookupsReadOnlyTheirOwnRows() throws {
        let fixture = try EngineFixture(.postgres)
        let database = try #require(fixture.database)
        let store = try #require(try fixture.open() as? PostgresChainStore)
        for number in 0..<UInt64(40) { try store.commit(TestBlocks.block(number, transactions: 100)) }
        // The newest transaction: an ordered walk from the start would read every row before it.
        let hash = TestBlocks.transactionHash(39, 99)
        for analyzed in [false, true] {
            if analyzed { try TestPostgres.sql("ANALYZE transactions", database: database) }
            let id = store.cipher.lookupID(table: "transactions", key: hash.bytes)
            let plan = try explain(PostgresChainStore.transactionLookup(id: id), in: store)
            #expect(plan.removedByFilter == 0, "analyzed: \(analyzed), plan: \(plan.text)")
            #expect(plan.topRows == 1, "analyzed: \(analyzed), plan: \(plan.text)")
            #expect(try store.transaction(hash: hash)?.blockNumber == 39)
            let block = try explain(PostgresChainStore.blockTransactions(39), in: store)
            #expect(block.removedByFilter == 0, "analyzed: \(analyzed), plan: \(block.text)")
            #expect(block.topRows == 100, "analyzed: \(analyzed), plan: \(block.text)")
        }
    }

    /// What `EXPLAIN ANALYZE` says of a query run on the store's own connections, with its binds.
    private func explain(
        _ query: PostgresQuery, in store: PostgresChainStore
    ) throws -> (removedByFilter: Int, topRows: Int, text: String) {
        let explained = PostgresQuery(unsafeSQL: "EXPLAIN (ANALYZE, FORMAT JSON) " + query.sql, binds: query.binds)
        let text = try #require(try store.rows("explain", explained) { try $0.decode(String.self) }.first)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        let top = try #require(document.first?["Plan"] as? [String: Any])
        var removed = 0
        var nodes = [top]
        while let node = nodes.popLast() {
            removed += (node["Rows Removed by Filter"] as? Int) ?? 0
            nodes += (node["Plans"] as? [[String: Any]]) ?? []
        }
        return (removed, (top["Actual Rows"] as? Int) ?? -1, text)
    }
}
