import ConfigFiles
import Foundation
import Testing

/// Reading a configuration file from disk. The empty-file case is the one that leaked a 4 KB
/// buffer per read through Foundation's whole-file readers (LeakSanitizer, `make sanitize`).
@Suite struct ConfigDocumentLoadTests {
    static func file(_ contents: [UInt8]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cloister-config-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("file.toml").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(contents)))
        return path
    }

    @Test func anEmptyFileLoadsAsAnEmptyTable() throws {
        let path = try Self.file([])
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        #expect(try ConfigDocument.load(path: path).keys.isEmpty)
    }

    @Test func aFileLoadsAsItsTable() throws {
        let path = try Self.file(Array("name = \"devnet\"\nport = 8545\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let table = try ConfigDocument.load(path: path)
        #expect(table.keys == ["name", "port"])
        #expect(table["port"] == .integer(8545))
    }

    @Test func aFileThatIsNotUTF8IsRefusedNamingTheFile() throws {
        let path = try Self.file([0x61, 0x20, 0x3d, 0x20, 0x22, 0xff, 0xfe, 0x22])
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let error = #expect(throws: ConfigError.self) { try ConfigDocument.load(path: path) }
        #expect(error?.file == path)
        #expect(error?.problem.contains("UTF-8") == true)
    }

    @Test func aMissingFileOrADirectoryIsRefusedNamingIt() throws {
        let missing = "/nonexistent-\(UUID())/file.toml"
        #expect(throws: ConfigError.self) { try ConfigDocument.load(path: missing) }
        let directory = FileManager.default.temporaryDirectory.path
        let error = #expect(throws: ConfigError.self) { try ConfigDocument.load(path: directory) }
        #expect(error?.problem.contains("cannot be read") == true)
    }
}
