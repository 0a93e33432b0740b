import ConfigFiles
import Foundation
import Primitives
import Settlement

/// `Config/l1.toml`, checked and typed: where the L1 mock listens and keeps its file, and
/// whose signature it accepts for operator calls.
///
/// Read strictly like the node's config: a missing, mistyped or unknown key stops
/// `cloister l1` with the file and key named. Relative paths resolve against the file's folder.
public struct L1Config: Sendable {
    public var file: String
    public var listenHost: String
    public var listenPort: Int
    public var dataDirectory: String
    public var operatorAddress: Address
    public var genesisStateRoot: Hash32?
    public var depositDeadlineSeconds: UInt64?

    public static let defaultPath = "Config/l1.toml"

    public init(
        file: String = "(defaults)", listenHost: String = "127.0.0.1", listenPort: Int = 8547, dataDirectory: String,
        operatorAddress: Address, genesisStateRoot: Hash32? = nil, depositDeadlineSeconds: UInt64? = nil
    ) {
        self.file = file
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.dataDirectory = dataDirectory
        self.operatorAddress = operatorAddress
        self.genesisStateRoot = genesisStateRoot
        self.depositDeadlineSeconds = depositDeadlineSeconds
    }

    public static func load(path: String) throws(ConfigError) -> L1Config {
        try parse(ConfigDocument.load(path: path), file: path)
    }

    public static func parse(_ document: ConfigTable, file: String) throws(ConfigError) -> L1Config {
        let base = (file as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : ((base.isEmpty ? "." : base) as NSString).appendingPathComponent(path)
        }
        let root = TableReader(document, file: file)
        let l1 = try root.table("l1")
        let (host, port) = try parseListenAddress(try l1.string("listen"), reader: l1, key: "listen")
        let dataDirectory = resolve(try l1.string("data_dir"))
        let operatorAddress = try l1.address("operator")
        var genesis: Hash32?
        if let text = try l1.optionalString("genesis_state_root") {
            do { genesis = try Hash32(hex: text) } catch {
                throw l1.error("genesis_state_root", "'\(text)' is not a 32-byte hash (0x + 64 hex digits)")
            }
        }
        let deadline = try l1.optionalInteger("deposit_deadline_seconds")
        if let deadline, deadline < 1 {
            throw l1.error("deposit_deadline_seconds", "must be at least 1, got \(deadline)")
        }
        try l1.finish()
        try root.finish()
        return L1Config(
            file: file, listenHost: host, listenPort: port, dataDirectory: dataDirectory,
            operatorAddress: operatorAddress,
            genesisStateRoot: genesis, depositDeadlineSeconds: deadline.map { UInt64($0) })
    }

    /// `host:port`; port 0 picks a free port.
    public static func parseListenAddress(
        _ text: String, reader: TableReader? = nil, key: String = "listen"
    )
        throws(ConfigError) -> (host: String, port: Int)
    {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
            let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port)
        else {
            let problem = "'\(text)' must be host:port, e.g. 127.0.0.1:8547"
            throw reader?.error(key, problem) ?? ConfigError(file: "--listen", key: nil, problem: problem)
        }
        return (String(text[..<colon]), port)
    }

    /// The engine options this config asks for.
    public var engineOptions: L1SettlementMock.Options {
        L1SettlementMock.Options(genesisStateRoot: genesisStateRoot, depositDeadlineSeconds: depositDeadlineSeconds)
    }
}
