import ConfigFiles
import Primitives
import Testing

@Suite struct TableReaderTests {
    static let text = """
        name = "devnet"
        port = 8545
        enabled = true
        supply = "1_000_000_000_000_000_000_000"
        owner = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        [limits]
        daily = 100
        [[assets]]
        symbol = "EURD"
        [[assets]]
        symbol = 7
        """

    func reader() throws -> TableReader {
        TableReader(try ConfigDocument.parse(Self.text, file: "test.toml"), file: "test.toml")
    }

    @Test func readsTypedValues() throws {
        let root = try reader()
        #expect(try root.string("name") == "devnet")
        #expect(try root.integer("port", in: 1...65_535) == 8545)
        #expect(try root.boolean("enabled"))
        #expect(try root.amount("supply") == (try UInt256(decimal: "1000000000000000000000")))
        #expect(try root.address("owner").checksummed == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        #expect(try root.optionalString("absent") == nil)
    }

    @Test func wrongTypeNamesFileKeyAndTypes() throws {
        let root = try reader()
        #expect(throws: ConfigError(file: "test.toml", key: "port", problem: "expected a string, found an integer")) {
            try root.string("port")
        }
    }

    @Test func missingKeyIsNamed() throws {
        #expect(throws: ConfigError(file: "test.toml", key: "chain_id", problem: "is required but missing")) {
            try reader().integer("chain_id")
        }
    }

    @Test func unknownKeyIsRefusedByFinish() throws {
        let root = try reader()
        _ = try root.string("name")
        do {
            try root.finish()
            Issue.record("unread keys were accepted")
        } catch {
            #expect(["port", "enabled", "supply", "owner", "limits", "assets"].contains(error.key ?? ""))
            #expect(error.description.contains("not a known setting"))
        }
    }

    @Test func nestedTablesAndArraysOfTablesCarryTheirPath() throws {
        let root = try reader()
        let limits = try root.table("limits")
        #expect(try limits.integer("daily") == 100)
        #expect(throws: ConfigError.self) { try limits.string("daily") }
        let assets = try root.tables("assets")
        #expect(assets.count == 2)
        #expect(try assets[0].string("symbol") == "EURD")
        do {
            _ = try assets[1].string("symbol")
        } catch {
            #expect(error.key == "assets[1].symbol")
        }
    }

    @Test func outOfRangeAndBadAmountsAreRefused() throws {
        let root = try reader()
        #expect(throws: ConfigError.self) { try root.integer("port", in: 1...1024) }
        #expect(throws: ConfigError.self) { try root.amount("name") }
        #expect(throws: ConfigError.self) { try root.address("name") }
    }

    @Test func invalidTOMLNamesTheLine() {
        do {
            _ = try ConfigDocument.parse("a = 1\nb = = 2", file: "x.toml")
            Issue.record("accepted invalid TOML")
        } catch {
            #expect(error.file == "x.toml")
            #expect(error.description.contains("line 2"))
        }
    }
}
