import Foundation
import Primitives
import Store
import Testing

/// A directory with a fresh master key file, per test.
struct KeyFixture {
    let directory: String
    let keyPath: String
    let masterKey: MasterKey

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("cloister-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        keyPath = directory + "/master.key"
        masterKey = try MasterKey.create(at: keyPath)
    }
}

@Suite struct MasterKeyTests {
    @Test func missingMasterKeySaysHowToCreateOne() throws {
        #expect(throws: StoreError.masterKeyMissing(path: "/nonexistent/master.key")) {
            try MasterKey.load(from: "/nonexistent/master.key")
        }
        #expect(StoreError.masterKeyMissing(path: "m.key").description.contains("cloister keys new-master m.key"))
    }

    @Test func masterKeyReadableByOthersIsRefused() throws {
        let fixture = try KeyFixture()
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: fixture.keyPath)
        #expect(throws: StoreError.self) { try MasterKey.load(from: fixture.keyPath) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: fixture.keyPath)
        #expect(throws: Never.self) { try MasterKey.load(from: fixture.keyPath) }
    }

    @Test func masterKeyFileIsNeverOverwritten() throws {
        let fixture = try KeyFixture()
        #expect(throws: StoreError.self) { try MasterKey.create(at: fixture.keyPath) }
    }

    @Test func masterKeyIsThirtyTwoBytes() {
        #expect(throws: StoreError.self) { try MasterKey(bytes: [UInt8](repeating: 1, count: 31)) }
        #expect(throws: Never.self) { try MasterKey(bytes: [UInt8](repeating: 1, count: 32)) }
    }
}

@Suite struct RecordCipherTests {
    static let dataKey = [UInt8](repeating: 7, count: 32)

    @Test func sealedRecordOpensOnlyForItsTableAndRow() throws {
        let cipher = try RecordCipher(dataKey: Self.dataKey)
        let sealed = try cipher.seal([1, 2, 3], table: "state", rowID: [9])
        #expect(sealed.count == 12 + 3 + 16)
        #expect(try cipher.open(sealed, table: "state", rowID: [9]) == [1, 2, 3])
        #expect(throws: StoreError.self) { try cipher.open(sealed, table: "state", rowID: [8]) }
        #expect(throws: StoreError.self) { try cipher.open(sealed, table: "audit", rowID: [9]) }
        #expect(throws: StoreError.self) { try cipher.open(Array(sealed.dropLast()), table: "state", rowID: [9]) }
        let other = try RecordCipher(dataKey: [UInt8](repeating: 8, count: 32))
        #expect(throws: StoreError.self) { try other.open(sealed, table: "state", rowID: [9]) }
    }

    @Test func lookupIDsAreKeyedAndSeparatedByTable() throws {
        let cipher = try RecordCipher(dataKey: Self.dataKey)
        let id = cipher.lookupID(table: "transactions", key: [1, 2])
        #expect(id.count == 32)
        #expect(cipher.lookupHash(table: "transactions", key: [1, 2]).bytes == id)
        #expect(try RecordCipher(dataKey: Self.dataKey).lookupID(table: "transactions", key: [1, 2]) == id)
        #expect(cipher.lookupID(table: "state", key: [1, 2]) != id)
        let other = try RecordCipher(dataKey: [UInt8](repeating: 8, count: 32))
        #expect(other.lookupID(table: "transactions", key: [1, 2]) != id)
    }

    @Test func secretsAreStablePerPurposeAndIndependent() throws {
        let cipher = try RecordCipher(dataKey: Self.dataKey)
        let session = cipher.secret(purpose: "session-tokens")
        #expect(session.count == 32)
        #expect(try RecordCipher(dataKey: Self.dataKey).secret(purpose: "session-tokens") == session)
        #expect(cipher.secret(purpose: "block-view") != session)
        let other = try RecordCipher(dataKey: [UInt8](repeating: 8, count: 32))
        #expect(other.secret(purpose: "session-tokens") != session)
    }

    @Test func dataKeyUnwrapsOnlyWithItsMasterKey() throws {
        let master = try MasterKey(bytes: SecureRandom.bytes(32))
        let wrapped = try RecordCipher.wrap(dataKey: Self.dataKey, with: master)
        #expect(RecordCipher.unwrap(wrapped, with: master) == Self.dataKey)
        #expect(RecordCipher.unwrap(wrapped, with: try MasterKey(bytes: SecureRandom.bytes(32))) == nil)
        #expect(RecordCipher.unwrap(Array(wrapped.prefix(20)), with: master) == nil)
    }

    @Test func encryptionFailureSaysNothingWasStored() {
        let error = StoreError.encryptionFailed("cannot seal a record for state: OpenSSL failed")
        #expect(error.description.contains("cannot seal a record for state"))
        #expect(error.description.contains("nothing was stored"))
    }
}
