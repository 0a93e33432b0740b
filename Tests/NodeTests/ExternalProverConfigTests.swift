import ConfigFiles
import Foundation
import NodeConfiguration
import Testing

/// `[settlement] prover = "external"`: proving left to `cloister prover` workers, which take
/// their jobs from the PostgreSQL store's database, so it is refused on SQLite and without a key.
@Suite struct ExternalProverConfigTests {
    static let postgres = """
        [storage]
        engine = "postgres"
        postgres_url = "postgresql://cloister@db.internal:5432/cloister"
        """

    static func parse(_ text: String) throws(ConfigError) -> NodeConfig {
        try NodeConfig.parse(try ConfigDocument.parse(text, file: "c.toml"), file: "c.toml")
    }

    static func config(engine postgres: Bool, settlement: String) -> String {
        var text = NodeConfigTests.valid.replacingOccurrences(of: "prover = \"stark\"", with: settlement)
        if postgres { text = text.replacingOccurrences(of: "[storage]", with: Self.postgres) }
        text = text.replacingOccurrences(of: "\nengine = \"sqlite\"", with: postgres ? "" : "\nengine = \"sqlite\"")
        return text
    }

    @Test func externalProvingOnPostgresReadsTheKeyAndBoundsBatchesLikeAProver() throws {
        let config = try Self.parse(
            Self.config(engine: true, settlement: "prover = \"external\"\nprover_key_file = \"keys/prover.key\""))
        #expect(config.settlement.prover == .external)
        #expect(config.settlement.proverKeyFile?.hasSuffix("/keys/prover.key") == true)
        #expect(config.settlement.proves)
        #expect(config.batch.maxOperations == 4096 && config.batch.maxProofRows == 1 << 18)
    }

    @Test func externalProvingOnSQLiteIsRefusedSayingWhatToSet() throws {
        #expect {
            try Self.parse(Self.config(engine: false, settlement: "prover = \"external\"\nprover_key_file = \"prover.key\""))
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.key == "settlement.prover" && error.description.contains("engine = \"postgres\"")
        }
    }

    @Test func externalProvingWithoutAKeyOrAKeyWithoutItIsRefused() throws {
        #expect {
            try Self.parse(Self.config(engine: true, settlement: "prover = \"external\""))
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.key == "settlement.prover_key_file" && error.description.contains("cloister keys new-prover")
        }
        #expect {
            try Self.parse(Self.config(engine: true, settlement: "prover = \"stark\"\nprover_key_file = \"prover.key\""))
        } throws: { error in
            (error as? ConfigError)?.key == "settlement.prover_key_file"
        }
        #expect {
            try Self.parse(Self.config(engine: true, settlement: "prover = \"elsewhere\""))
        } throws: { error in
            (error as? ConfigError)?.description.contains("\"external\"") == true
        }
    }
}
