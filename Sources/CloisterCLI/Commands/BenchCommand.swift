import ArgumentParser
import Auth
import Foundation
import Primitives
import Store
import Transactions

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Prepare load measurements of a node.", subcommands: [RPCSetup.self])

    /// Writes a self-contained chain (config, policy, master key) with many funded members and
    /// a file of pre-signed transfers as JSON-RPC bodies, for `scripts/bench-rpc.sh` and wrk.
    struct RPCSetup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rpc-setup",
            abstract: "Write a benchmark chain and pre-signed transfers into DIR (see scripts/bench-rpc.sh).")

        @Option(help: "Folder to create.") var dir: String
        @Option(help: "Funded members sending transfers.") var accounts: Int = 2_000
        @Option(help: "Pre-signed transfers to write.") var transfers: Int = 100_000
        @Option(help: "Port the node will listen on.") var port: Int = 18_545
        @Option(help: "Transfers per JSON-RPC batch (one HTTP request); 1 sends single requests.") var batch: Int = 1

        static let chainID: UInt64 = 777
        static let token = try! Address(hex: "0xe0d0000000000000000000000000000000000001")

        func run() throws {
            guard accounts >= 2, transfers >= 1, (1...1_000).contains(batch) else {
                throw CommandFailure("--accounts must be at least 2, --transfers at least 1, --batch 1 to 1000")
            }
            let fileManager = FileManager.default
            guard !fileManager.fileExists(atPath: dir) else { throw CommandFailure("\(dir) exists; choose a new folder") }
            try fileManager.createDirectory(atPath: dir + "/policy", withIntermediateDirectories: true)
            do { _ = try MasterKey.create(at: dir + "/master.key") } catch { throw CommandFailure(error.description) }

            let keys = (0..<accounts).map { _ in PrivateKey.generate() }
            let relayer = PrivateKey.generate()
            let (apiKey, apiKeyHash) = APIKeys.generate()
            try (apiKey + "\n").write(toFile: dir + "/api.key", atomically: true, encoding: .utf8)

            var config = """
                # Benchmark chain written by `cloister bench rpc-setup`: not for real use.
                [chain]
                chain_id = \(Self.chainID)
                block_interval_ms = 100
                max_block_transactions = 20000
                block_gas_limit = 100000000000
                [batch]
                max_blocks = 100
                max_interval_ms = 10000
                [storage]
                data_dir = "data"
                master_key_file = "master.key"
                [api]
                listen = "127.0.0.1:\(port)"
                [admin]
                listen = "127.0.0.1:\(port + 1)"
                [policy]
                directory = "policy"
                [[tokens]]
                address = "\(Self.token.hex)"
                symbol = "EURD"
                name = "Digital Euro Deposit"
                decimals = 6
                issuers = []
                agents = []

                """
            var members = "[[organisation]]\nid = \"bench\"\nname = \"Bench\"\n"
            for (index, key) in (keys + [relayer]).enumerated() {
                config += """
                    [[accounts]]
                    name = "m\(index)"
                    organisation = "bench"
                    address = "\(key.address.hex)"
                    native = "1000000000000000000"
                    tokens = { EURD = "1000000000000" }

                    """
                let isRelayer = index == keys.count
                members += """
                    [[member]]
                    name = "\(isRelayer ? "relayer" : "m\(index)")"
                    address = "\(key.address.checksummed)"
                    organisation = "bench"
                    roles = ["\(isRelayer ? "relayer" : "trader")"]
                    kyc_tier = 2
                    jurisdiction = "DE"
                    travel_rule_data_on_file = true
                    \(isRelayer ? "api_key_sha256 = \"\(apiKeyHash.hex)\"" : "")

                    """
            }
            let roles = """
                [role.trader]
                grants = [{ asset = "EURD", ops = ["transfer", "read"] }, { asset = "native", ops = ["transfer", "read"] }]
                [role.relayer]
                system = ["submit_for_others", "admin_read"]   # admin_read: export measurements (scripts/measure-export.sh)
                grants = [{ asset = "*", ops = ["transfer", "read"] }]
                """
            let compliance = """
                [[rule]]
                id = "eurd-transfer-size"
                kind = "transfer_amount"
                asset = "EURD"
                max = "1000000.00"
                [[rule]]
                id = "eurd-velocity"
                kind = "transfer_limit"
                asset = "EURD"
                windows = [{ period = "1h", max = "1000000.00" }, { period = "24h", max = "5000000.00" }]
                """
            try config.write(toFile: dir + "/cloister.toml", atomically: true, encoding: .utf8)
            try members.write(toFile: dir + "/policy/members.toml", atomically: true, encoding: .utf8)
            try roles.write(toFile: dir + "/policy/roles.toml", atomically: true, encoding: .utf8)
            try compliance.write(toFile: dir + "/policy/compliance.toml", atomically: true, encoding: .utf8)

            // Round r holds every sender's r-th transfer, so each sender's nonces arrive in order.
            var bodies = ""
            bodies.reserveCapacity(transfers * 420)
            var pending = [String]()
            for index in 0..<transfers {
                let sender = keys[index % accounts]
                let recipient = keys[(index % accounts + 1 + index / accounts) % accounts].address
                let data = [0xa9, 0x05, 0x9c, 0xbb] + [UInt8](repeating: 0, count: 12) + recipient.bytes + UInt256(1).bigEndianBytes
                let raw = TransactionCodec.sign(
                    .dynamicFee(
                        chainID: Self.chainID, nonce: UInt64(index / accounts), maxPriorityFeePerGas: 0, maxFeePerGas: 0,
                        gasLimit: 100_000, to: Self.token, value: 0, data: data),
                    with: sender
                ).rawBytes
                pending.append("{\"jsonrpc\":\"2.0\",\"id\":\(index),\"method\":\"eth_sendRawTransaction\",\"params\":[\"\(Hex.encode(raw))\"]}")
                if pending.count == batch || index == transfers - 1 {
                    bodies += (batch == 1 ? pending[0] : "[" + pending.joined(separator: ",") + "]") + "\n"
                    pending.removeAll(keepingCapacity: true)
                }
            }
            try bodies.write(toFile: dir + "/transfers.jsonl", atomically: true, encoding: .utf8)
            let read = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\",\"params\":[\"\(relayer.address.hex)\",\"latest\"]}"
            try (read + "\n").write(toFile: dir + "/read.json", atomically: true, encoding: .utf8)
            print("wrote \(dir): \(accounts) members, \(transfers) pre-signed transfers, API key in api.key")
        }
    }
}
