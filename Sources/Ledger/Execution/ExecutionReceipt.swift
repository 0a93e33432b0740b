import Primitives

/// An Ethereum log entry as a token contract would emit it.
public struct Log: Equatable, Sendable {
    /// The token's address (the emitting "contract").
    public var address: Address
    /// The event topic first, then the indexed arguments as words.
    public var topics: [Hash32]
    /// The non-indexed arguments, ABI-encoded.
    public var data: [UInt8]

    public init(address: Address, topics: [Hash32], data: [UInt8]) {
        self.address = address
        self.topics = topics
        self.data = data
    }
}

/// What executing one operation produced: the receipt's status, gas and logs.
///
/// A failed operation (status 0) has no logs and a reason; it consumed its nonce and its
/// gas like a reverted Ethereum transaction, and changed nothing else.
public struct ExecutionReceipt: Equatable, Sendable {
    public var succeeded: Bool
    /// Always the operation's fixed `gasCost`, success or failure.
    public var gasUsed: UInt64
    public var logs: [Log]
    /// Why the operation failed, for people (nil on success).
    public var revertReason: String?

    public init(succeeded: Bool, gasUsed: UInt64, logs: [Log], revertReason: String?) {
        self.succeeded = succeeded
        self.gasUsed = gasUsed
        self.logs = logs
        self.revertReason = revertReason
    }

    /// The `Error(string)` payload of a failed operation: the `data` of an `execution reverted` RPC error.
    public var revertData: [UInt8]? { revertReason.map(ABI.encodeRevert) }
}

/// The logs a token emits, in ERC-20 and ERC-3643 (T-REX) layout.
enum TokenEvent {
    static func transfer(_ token: Address, from: Address, to: Address, amount: UInt256) -> Log {
        Log(address: token, topics: [ABI.Topic.transfer, ABI.word(from), ABI.word(to)], data: ABI.word(amount).bytes)
    }

    static func approval(_ token: Address, owner: Address, spender: Address, amount: UInt256) -> Log {
        Log(
            address: token, topics: [ABI.Topic.approval, ABI.word(owner), ABI.word(spender)],
            data: ABI.word(amount).bytes)
    }

    /// All three arguments are indexed in T-REX, so the data is empty.
    static func addressFrozen(_ token: Address, account: Address, frozen: Bool, agent: Address) -> Log {
        Log(
            address: token, topics: [ABI.Topic.addressFrozen, ABI.word(account), ABI.word(frozen), ABI.word(agent)],
            data: [])
    }

    static func tokensFrozen(_ token: Address, account: Address, amount: UInt256) -> Log {
        Log(address: token, topics: [ABI.Topic.tokensFrozen, ABI.word(account)], data: ABI.word(amount).bytes)
    }

    static func tokensUnfrozen(_ token: Address, account: Address, amount: UInt256) -> Log {
        Log(address: token, topics: [ABI.Topic.tokensUnfrozen, ABI.word(account)], data: ABI.word(amount).bytes)
    }

    /// The agent is not indexed in T-REX's `Paused(address)`.
    static func paused(_ token: Address, agent: Address) -> Log {
        Log(address: token, topics: [ABI.Topic.paused], data: ABI.word(agent).bytes)
    }

    static func unpaused(_ token: Address, agent: Address) -> Log {
        Log(address: token, topics: [ABI.Topic.unpaused], data: ABI.word(agent).bytes)
    }
}
