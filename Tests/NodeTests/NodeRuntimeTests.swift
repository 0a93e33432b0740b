import Foundation
import Node
import NodeTestSupport
import Store
import Testing

/// The shell's one place that opens the chain on its store engine.
@Suite struct NodeRuntimeTests {
    @Test func wrongOrMissingMasterKeyRefusesToStart() async throws {
        let fixture = try ChainFixture()
        _ = try await fixture.openChain()
        let before = FileManager.default.contents(atPath: fixture.databasePath)
        await #expect(throws: StoreError.masterKeyMissing(path: fixture.directory + "/none.key")) {
            try await NodeRuntime.openChain(config: fixture.config, masterKeyPath: fixture.directory + "/none.key", logger: .init(label: "test"))
        }
        let otherKey = fixture.directory + "/other.key"
        _ = try MasterKey.create(at: otherKey)
        await #expect(throws: StoreError.wrongMasterKey(path: otherKey, database: fixture.databasePath)) {
            try await NodeRuntime.openChain(config: fixture.config, masterKeyPath: otherKey, logger: .init(label: "test"))
        }
        #expect(FileManager.default.contents(atPath: fixture.databasePath) == before)
    }
}
