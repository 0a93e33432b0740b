import ArgumentParser
import Auth
import Foundation
import Primitives
import Store
import Transactions

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure a node under load (`bench run`, the default) or prepare a wrk measurement.",
        subcommands: [BenchRun.self, RPCSetup.self], defaultSubcommand: BenchRun.self)

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

        func run() throws {
            guard accounts >= 2, transfers >= 1, (1...1_000).contains(batch) else {
                throw CommandFailure("--accounts must be at least 2, --transfers at least 1, --batch 1 to 1000")
            }
            guard !FileManager.default.fileExists(atPath: dir) else { throw CommandFailure("\(dir) exists; choose a new folder") }
            let chain = BenchChain(members: accounts)
            try chain.write(dir: dir, listen: .init(api: "127.0.0.1:\(port)", admin: "127.0.0.1:\(port + 1)", embeddedL1: nil))

            // Round r holds every sender's r-th transfer, so each sender's nonces arrive in order.
            var bodies = ""
            bodies.reserveCapacity(transfers * 420)
            var pending = [String]()
            for (index, raw) in chain.transfers(count: transfers).enumerated() {
                pending.append("{\"jsonrpc\":\"2.0\",\"id\":\(index),\"method\":\"eth_sendRawTransaction\",\"params\":[\"\(Hex.encode(raw))\"]}")
                if pending.count == batch || index == transfers - 1 {
                    bodies += (batch == 1 ? pending[0] : "[" + pending.joined(separator: ",") + "]") + "\n"
                    pending.removeAll(keepingCapacity: true)
                }
            }
            try bodies.write(toFile: dir + "/transfers.jsonl", atomically: true, encoding: .utf8)
            let read = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\",\"params\":[\"\(chain.relayer.address.hex)\",\"latest\"]}"
            try (read + "\n").write(toFile: dir + "/read.json", atomically: true, encoding: .utf8)
            print("wrote \(dir): \(accounts) members, \(transfers) pre-signed transfers, API key in api.key")
        }
    }
}
