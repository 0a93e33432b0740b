import Foundation
import SequencerTestSupport
import Testing

@testable import Sequencer

/// The read cache of decoded blocks and audit entries: bounded, newest kept, and a prefix read
/// never skips a number it does not hold.
@Suite struct RecordCacheTests {
    @Test func aPrefixStopsAtTheFirstNumberNotCached() {
        let cache = RecordCache<String>(capacity: 100)
        for number: UInt64 in [3, 4, 5, 7] { cache.insert("r\(number)", at: number) }
        #expect(cache.prefix(3..<10).map(\.0) == [3, 4, 5])
        #expect(cache.prefix(2..<10).isEmpty)
        #expect(cache[7] == "r7")
        #expect(cache[6] == nil)
    }

    @Test func pastItsCapacityTheCacheKeepsTheNewestHalf() {
        let cache = RecordCache<UInt64>(capacity: 10)
        for number: UInt64 in 0..<11 { cache.insert(number, at: number) }
        #expect(cache[0] == nil)
        #expect(cache[4] == nil)
        #expect(cache.prefix(5..<11).map(\.1) == [5, 6, 7, 8, 9, 10])
    }

    @Test func theAuditLogReadsTheSameEntriesCachedOrNot() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.openChain()
        try await chain.produceBlock()
        let first = try chain.auditLog(from: 0, limit: 100)
        let again = try chain.auditLog(from: 0, limit: 100)
        let middle = try chain.auditLog(from: 1, limit: 2)
        #expect(!first.isEmpty)
        #expect(first.map(\.sequence) == again.map(\.sequence))
        #expect(first.map(\.hash) == again.map(\.hash))
        #expect(first.map(\.entry) == again.map(\.entry))
        #expect(middle.map(\.sequence) == Array(first.map(\.sequence).dropFirst().prefix(2)))
    }

    @Test func warmingReadsTheRecentBlocksAndAuditEntriesIntoTheCaches() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.openChain()
        for _ in 0..<3 { try await chain.produceBlock() }
        let head = await chain.head.header.number
        let log = try fixture.openStore().auditRows(from: 0, limit: 1_000)
        #expect(chain.blockSummaries[head] == nil)
        await chain.warmReadCaches(nowSeconds: UInt64(Date().timeIntervalSince1970) + 60)
        #expect(chain.blockSummaries[head]?.hash == (try chain.block(number: head))?.hash)
        #expect(chain.auditEntries[try #require(log.last).sequence] != nil)
        #expect(try chain.firstAuditSequence(atOrAfterMilliseconds: 0) == 0)
        #expect(try chain.firstAuditSequence(atOrAfterMilliseconds: .max) == UInt64(log.count))
    }

    @Test func warmingStartsNoEarlierThanTheNewestHalfACacheKeeps() {
        #expect(Chain.newestHalf(of: 32_768, before: 100_000) == 100_000 - 16_384)
        #expect(Chain.newestHalf(of: 32_768, before: 16_384) == 0)
        #expect(Chain.newestHalf(of: 32_768, before: 5) == 0)
        #expect(Chain.newestHalf(of: 4, before: 0) == 0)
    }
}
