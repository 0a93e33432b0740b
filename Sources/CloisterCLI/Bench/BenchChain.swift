import Auth
import Foundation
import Primitives
import Store
import Transactions

/// The benchmark chain shared by `cloister bench rpc-setup` and `cloister bench run`: funded
/// members (senders), a relayer holding an API key with `submit_for_others`, the EURD token,
/// a policy with size and velocity rules, and pre-signed ERC-20 transfers.
///
/// Transfer `i` is sent by member `i % members` with nonce `i / members` to another member,
/// so any prefix of the sequence is executable and each sender's nonces come in order.
struct BenchChain: Sendable {
    static let chainID: UInt64 = 777
    static let token = Address(hexLiteral: "0xe0d0000000000000000000000000000000000001")

    let keys: [PrivateKey]
    let relayer: PrivateKey
    let apiKey: String
    let apiKeyHash: String

    init(members: Int) {
        keys = (0..<members).map { _ in PrivateKey.generate() }
        relayer = PrivateKey.generate()
        let (key, hash) = APIKeys.generate()
        apiKey = key
        apiKeyHash = hash.hex
    }

    struct Listen {
        var api: String
        var admin: String
        /// `embedded_listen` of an embedded L1 mock, with the operator key file; nil: no settlement.
        var embeddedL1: (listen: String, operatorKeyFile: String)?
        /// "background" (the default) proves every batch on every core at idle priority, "stark" at normal priority,
        /// "none" leaves them committed, "external" leaves them to `cloister prover` workers (`--provers N`).
        var prover = "background"
        /// The chain's `block_interval_ms`; batches close after 10 s of blocks whatever it is.
        var blockIntervalMilliseconds = 100
        /// The chain's `batch.max_operations`; nil: the node's default.
        var batchOperations: Int?
        /// The chain's `durable_admission` (journal accepted transactions before answering). Written
        /// only when false, so that a node built before the switch (`--node-binary`) reads the
        /// config too and the same load can be run against it.
        var durableAdmission = true
        /// Extra `[storage]` lines (`--store postgres`: the engine and its database).
        var storage: [String] = []
    }

    /// Writes `cloister.toml`, `policy/`, `master.key` and `api.key` into `dir` (which must not hold them yet).
    /// - Parameters:
    ///   - syntheticAccounts: extra genesis accounts (`[genesis] synthetic_accounts`) to make the state big.
    ///   - relayerReadAll: give the relayer `read_all` so that it can read every sender's receipt.
    func write(dir: String, listen: Listen, syntheticAccounts: Int = 0, relayerReadAll: Bool = false) throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: dir + "/policy", withIntermediateDirectories: true)
        do { _ = try MasterKey.create(at: dir + "/master.key") } catch { throw CommandFailure(error.description) }
        try (apiKey + "\n").write(toFile: dir + "/api.key", atomically: true, encoding: .utf8)
        try cloisterTOML(listen: listen, syntheticAccounts: syntheticAccounts)
            .write(toFile: dir + "/cloister.toml", atomically: true, encoding: .utf8)
        try membersTOML().write(toFile: dir + "/policy/members.toml", atomically: true, encoding: .utf8)
        try rolesTOML(relayerReadAll: relayerReadAll)
            .write(toFile: dir + "/policy/roles.toml", atomically: true, encoding: .utf8)
        try Self.complianceTOML.write(toFile: dir + "/policy/compliance.toml", atomically: true, encoding: .utf8)
    }

    /// `cloister.toml`: the chain, an embedded L1 if asked for, synthetic accounts if any, EURD, and
    /// one funded account per member and the relayer.
    func cloisterTOML(listen: Listen, syntheticAccounts: Int) -> String {
        var config = """
            # Benchmark chain written by `cloister bench`: not for real use.
            [chain]
            chain_id = \(Self.chainID)
            block_interval_ms = \(listen.blockIntervalMilliseconds)
            max_block_transactions = 20000
            block_gas_limit = 100000000000
            \(listen.durableAdmission ? "" : "durable_admission = false")
            [batch]
            max_blocks = \(max(1, 10_000 / listen.blockIntervalMilliseconds))
            max_interval_ms = 10000
            \(listen.batchOperations.map { "max_operations = \($0)" } ?? "")
            [storage]
            data_dir = "data"
            master_key_file = "master.key"
            \(listen.storage.joined(separator: "\n"))
            [api]
            listen = "\(listen.api)"
            [admin]
            listen = "\(listen.admin)"
            [policy]
            directory = "policy"

            """
        if let l1 = listen.embeddedL1 {
            config += """
                [settlement]
                l1 = "embedded"
                embedded_listen = "\(l1.listen)"
                poll_interval_ms = 1000
                prover = "\(["none", "external"].contains(listen.prover) ? listen.prover : "stark")"
                prover_background = \(listen.prover == "background")
                \(listen.prover == "external" ? "prover_key_file = \"prover.key\"" : "")
                [operator]
                key_file = "\(l1.operatorKeyFile)"

                """
        }
        if syntheticAccounts > 0 {
            config += """
                [genesis]
                synthetic_accounts = \(syntheticAccounts)   # deterministic addresses, no keys, no membership: state size only
                synthetic_native = "1"
                synthetic_tokens = { EURD = "1" }

                """
        }
        config += """
            [[tokens]]
            address = "\(Self.token.hex)"
            symbol = "EURD"
            name = "Digital Euro Deposit"
            decimals = 6
            issuers = []
            agents = []

            """
        for (index, key) in (keys + [relayer]).enumerated() {
            config += """
                [[accounts]]
                name = "m\(index)"
                organisation = "bench"
                address = "\(key.address.hex)"
                native = "1000000000000000000"
                tokens = { EURD = "1000000000000" }

                """
        }
        return config
    }

    /// `policy/members.toml`: the members, traders and the relayer (with its API key), of one organisation.
    func membersTOML() -> String {
        var members = "[[organisation]]\nid = \"bench\"\nname = \"Bench\"\n"
        for (index, key) in (keys + [relayer]).enumerated() {
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
                \(isRelayer ? "api_key_sha256 = \"\(apiKeyHash)\"" : "")

                """
        }
        return members
    }

    /// `policy/roles.toml`: traders move EURD and native; the relayer submits for others.
    func rolesTOML(relayerReadAll: Bool) -> String {
        let relayerSystem = relayerReadAll ? "\"submit_for_others\", \"admin_read\", \"read_all\"" : "\"submit_for_others\", \"admin_read\""
        return """
            [role.trader]
            grants = [{ asset = "EURD", ops = ["transfer", "read"] }, { asset = "native", ops = ["transfer", "read"] }]
            [role.relayer]
            system = [\(relayerSystem)]   # admin_read: export measurements (scripts/measure-export.sh)
            grants = [{ asset = "*", ops = ["transfer", "read"] }]
            """
    }

    /// `policy/compliance.toml`: a size and a velocity rule on EURD.
    static let complianceTOML = """
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

    /// The signed raw transfer number `index` (1 smallest unit of EURD).
    func transfer(_ index: Int) -> [UInt8] {
        let count = keys.count
        let sender = keys[index % count]
        let recipient = keys[(index % count + 1 + index / count) % count].address
        let data = [0xa9, 0x05, 0x9c, 0xbb] + [UInt8](repeating: 0, count: 12) + recipient.bytes + UInt256(1).bigEndianBytes
        return TransactionCodec.sign(
            .dynamicFee(
                chainID: Self.chainID, nonce: UInt64(index / count), maxPriorityFeePerGas: 0, maxFeePerGas: 0,
                gasLimit: 100_000, to: Self.token, value: 0, data: data),
            with: sender
        ).rawBytes
    }

    /// Transfers `0..<count`, signed on every core.
    func transfers(count: Int, progress: (@Sendable (Int) -> Void)? = nil) -> [[UInt8]] {
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = (count + workers - 1) / max(workers, 1)
        let results = ResultBox(count: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let range = (worker * chunk)..<min(count, (worker + 1) * chunk)
            var part = [[UInt8]]()
            part.reserveCapacity(range.count)
            for index in range {
                part.append(transfer(index))
                if worker == 0, index % 10_000 == 0 { progress?(index * workers) }
            }
            results.set(worker, part)
        }
        return results.values.flatMap { $0 }
    }
}

/// Per-worker results of a concurrentPerform (each slot written by one worker).
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [[[UInt8]]]
    init(count: Int) { values = Array(repeating: [], count: count) }
    func set(_ index: Int, _ value: [[UInt8]]) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }
}
