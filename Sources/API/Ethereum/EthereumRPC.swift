import Ledger
import Node
import Policy
import Primitives
import Transactions
import Sequencer

/// The Ethereum JSON-RPC methods of rpc.md, answered for one authenticated caller.
///
/// Every answer comes from the caller's `MemberView` (docs/PRIVACY.md): what a member may not
/// see is answered as if it did not exist (a zero balance and nonce for foreign accounts, null
/// for foreign transactions and receipts), and blocks, receipts and logs are the member's view
/// of them, counting only what it sees. `read_all` callers (auditors) see everything.
public struct EthereumRPC: Sendable {
    public static let clientVersion = "cloister/0.1.0"
    /// Widest block range one eth_getLogs call may scan.
    public static let maxLogRange: UInt64 = 5_000

    let chain: Chain
    let tokens: [Address: TokenDefinition]
    let chainID: UInt64
    let gasPrice: UInt256
    /// Keys members' block views (`MemberView.salt`): derived from the chain's own secret.
    let viewKey: [UInt8]
    let viewCache = BlockViewCache()
    let refusalLimiter: PolicyRefusalLimiter
    /// The node's registry, looked up once (not per call).
    let metrics: NodeMetrics

    /// - Parameter viewKey: keys members' block views; nil (always, in a node) for the chain's
    ///   own secret. Tests that compare two chains byte for byte give both the same key.
    public init(chain: Chain, viewKey: [UInt8]? = nil) {
        self.chain = chain
        self.tokens = Dictionary(uniqueKeysWithValues: chain.config.tokens.map { ($0.address, $0) })
        self.chainID = chain.config.chain.chainID
        self.gasPrice = chain.config.chain.gasPrice
        self.viewKey = viewKey ?? chain.secret(purpose: "block-view")
        self.refusalLimiter = PolicyRefusalLimiter(perMinute: chain.config.policyRefusalsPerMinute)
        self.metrics = chain.nodeMetrics
    }

    /// What `caller` sees of the chain: the one place answers come from.
    func view(for caller: CallerIdentity) -> MemberView {
        MemberView(chain: chain, caller: caller, tokens: tokens, key: viewKey, cache: viewCache)
    }

    /// Every method this node answers. A method must be listed here to be reachable, and the
    /// cross-member tests fail for a listed method without a row in their matrix, so a new
    /// method cannot ship without a privacy test.
    public static let offeredMethods: Set<String> = [
        "eth_chainId", "net_version", "net_listening", "eth_syncing", "web3_clientVersion", "eth_blockNumber",
        "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_accounts", "eth_feeHistory", "eth_getBlockByNumber",
        "eth_getBlockByHash", "eth_getBlockTransactionCountByNumber", "eth_getBalance", "eth_getTransactionCount",
        "eth_getTransactionByHash", "eth_getTransactionReceipt", "eth_getLogs", "eth_call", "eth_estimateGas",
        "eth_sendRawTransaction", "cloister_getWithdrawalProof", "cloister_getBalanceProof", "cloister_getTransactionProof",
    ]

    /// Methods never offered: signing on the node, node internals, subscriptions over HTTP.
    static let refusedMethods: Set<String> = [
        "eth_sendTransaction", "eth_sign", "eth_signTransaction", "eth_signTypedData", "eth_signTypedData_v4",
        "eth_getStorageAt", "eth_getProof", "eth_subscribe", "eth_unsubscribe", "eth_getCode", "eth_newFilter",
        "eth_newBlockFilter", "eth_getFilterChanges", "eth_coinbase", "eth_mining", "eth_hashrate",
    ]
    static let refusedPrefixes = ["debug_", "txpool_", "admin_", "personal_", "miner_", "engine_"]

    public func handle(_ request: RPCRequest, caller: CallerIdentity) async -> Result<JSON, RPCError> {
        do {
            return .success(try await dispatch(request, caller: caller))
        } catch let error as RPCError {
            return .failure(error)
        } catch {
            return .failure(.internalError("\(error)"))
        }
    }

    func dispatch(_ request: RPCRequest, caller: CallerIdentity) async throws -> JSON {
        let params = Params(request.params)
        let method = Self.offeredMethods.contains(request.method) ? request.method : ""
        switch method {
        case "eth_chainId": return EthereumJSON.quantity(chainID)
        case "net_version": return .string(String(chainID))
        case "net_listening": return .bool(true)
        case "eth_syncing": return .bool(false)
        case "web3_clientVersion": return .string(Self.clientVersion)
        case "eth_blockNumber": return EthereumJSON.quantity(await chain.head.header.number)
        case "eth_gasPrice": return EthereumJSON.quantity(gasPrice)
        case "eth_maxPriorityFeePerGas": return EthereumJSON.quantity(UInt64(0))
        case "eth_accounts": return .array([])
        case "eth_feeHistory": return try await feeHistory(params)
        case "eth_getBlockByNumber":
            return try await block(number: try await blockNumber(params.value(0, "block")), full: try params.bool(1, "full"), caller: caller)
        case "eth_getBlockByHash":
            guard let number = try await view(for: caller).blockNumber(hash: try params.hash(0, "block hash")) else { return .null }
            return try await block(number: number, full: try params.bool(1, "full"), caller: caller)
        case "eth_getBlockTransactionCountByNumber":
            guard let block = try await view(for: caller).block(number: try await blockNumber(params.value(0, "block"))) else { return .null }
            return EthereumJSON.quantity(UInt64(block.transactions.count))
        case "eth_getBalance": return try await balance(params, caller: caller)
        case "eth_getTransactionCount": return try await transactionCount(params, caller: caller)
        case "eth_getTransactionByHash":
            guard let seen = try await view(for: caller).transaction(hash: try params.hash(0, "transaction hash")) else { return .null }
            return EthereumJSON.transaction(seen)
        case "eth_getTransactionReceipt":
            guard let seen = try await view(for: caller).transaction(hash: try params.hash(0, "transaction hash")) else { return .null }
            return EthereumJSON.receipt(seen, gasPrice: gasPrice)
        case "eth_getLogs": return try await logs(params, caller: caller)
        case "eth_call": return try await call(params, caller: caller)
        case "eth_estimateGas": return try await estimateGas(params, caller: caller)
        case "eth_sendRawTransaction": return try await sendRawTransaction(params, caller: caller)
        case "cloister_getWithdrawalProof": return try await withdrawalProof(params, caller: caller)
        case "cloister_getBalanceProof": return try await balanceProof(params, caller: caller)
        case "cloister_getTransactionProof": return try await transactionProof(params, caller: caller)
        default:
            if Self.refusedMethods.contains(request.method) || Self.refusedPrefixes.contains(where: request.method.hasPrefix) {
                throw RPCError(
                    code: -32601,
                    message: "the method \(request.method) is not offered by this node: keys stay with their owners "
                        + "(sign locally and use eth_sendRawTransaction) and node internals are not exposed")
            }
            throw RPCError.methodNotFound(request.method)
        }
    }

    // MARK: - Blocks

    /// Resolves a block tag or number; numbers above the head are answered with null by callers.
    func blockNumber(_ value: JSON?) async throws -> UInt64 {
        let head = await chain.head.header.number
        guard let value else { return head }
        guard case .string(let text) = value else { throw RPCError.invalidParams("block must be a tag or a hex number") }
        switch text {
        case "latest", "pending", "safe", "finalized": return head
        case "earliest": return 0
        default:
            do { return try Hex.decodeQuantity(text) } catch { throw RPCError.invalidParams("block number \(text): \(error)") }
        }
    }

    func block(number: UInt64, full: Bool, caller: CallerIdentity) async throws -> JSON {
        guard let block = try await view(for: caller).block(number: number) else { return .null }
        return EthereumJSON.block(
            block, transactions: block.transactions.map { full ? EthereumJSON.transaction($0) : EthereumJSON.hash($0.included.hash) })
    }

    func feeHistory(_ params: Params) async throws -> JSON {
        let requested = try params.quantity(0, "block count")
        let newest = try await blockNumber(params.value(1, "newest block"))
        let count = min(requested, 1_024, newest + 1)
        let oldest = newest + 1 - count
        let percentiles = params.value(2, "percentiles")?.arrayValue ?? []
        var members: [(String, JSON)] = [
            ("oldestBlock", EthereumJSON.quantity(oldest)),
            ("baseFeePerGas", .array(Array(repeating: EthereumJSON.quantity(gasPrice), count: Int(count) + 1))),
            ("gasUsedRatio", .array(Array(repeating: .number("0"), count: Int(count)))),
        ]
        if !percentiles.isEmpty {
            members.append(
                ("reward", .array(Array(repeating: .array(Array(repeating: EthereumJSON.quantity(UInt64(0)), count: percentiles.count)), count: Int(count)))))
        }
        return .object(members)
    }

    // MARK: - Accounts

    func balance(_ params: Params, caller: CallerIdentity) async throws -> JSON {
        let address = try params.address(0, "address")
        _ = try await blockNumber(params.value(1, "block"))
        guard caller.maySee(address) else { return EthereumJSON.quantity(UInt64(0)) }
        return EthereumJSON.quantity(await chain.account(address).nativeBalance)
    }

    func transactionCount(_ params: Params, caller: CallerIdentity) async throws -> JSON {
        let address = try params.address(0, "address")
        let tag = params.value(1, "block")?.stringValue ?? "latest"
        guard caller.maySee(address) else { return EthereumJSON.quantity(UInt64(0)) }
        if tag == "pending" { return EthereumJSON.quantity(await chain.pendingNonce(of: address)) }
        _ = try await blockNumber(params.value(1, "block"))
        return EthereumJSON.quantity(await chain.account(address).nonce)
    }

    // MARK: - Transactions, receipts, logs

    func logs(_ params: Params, caller: CallerIdentity) async throws -> JSON {
        guard case .object = params.value(0, "filter") ?? .null, let filter = params.value(0, "filter") else {
            throw RPCError.invalidParams("eth_getLogs takes one filter object")
        }
        var from: UInt64
        var to: UInt64
        if let blockHash = filter["blockHash"] {
            guard let text = blockHash.stringValue, let hash = try? Hash32(hex: text) else {
                throw RPCError.invalidParams("blockHash must be 32 bytes of hex")
            }
            guard let number = try await view(for: caller).blockNumber(hash: hash) else { return .array([]) }
            (from, to) = (number, number)
        } else {
            from = try await blockNumber(filter["fromBlock"] ?? .string("latest"))
            to = try await blockNumber(filter["toBlock"] ?? .string("latest"))
        }
        guard from <= to else { throw RPCError.invalidParams("fromBlock \(from) is after toBlock \(to)") }
        guard to - from < Self.maxLogRange else {
            throw RPCError.limitExceeded("block range of \(to - from + 1) exceeds the limit of \(Self.maxLogRange) blocks")
        }
        let addresses = try Self.addressFilter(filter["address"])
        let topics = try Self.topicFilter(filter["topics"])
        let head = await chain.head.header.number
        to = min(to, head)
        var results = [JSON]()
        if from > to { return .array([]) }
        let view = view(for: caller)
        for number in from...to {
            guard let block = try await view.block(number: number) else { continue }
            for seen in block.transactions {
                for (offset, index) in seen.logs.enumerated() {
                    let log = seen.included.receipt.logs[index]
                    if let addresses, !addresses.contains(log.address) { continue }
                    guard Self.matches(log.topics, topics) else { continue }
                    results.append(EthereumJSON.log(log, in: seen, index: seen.firstLogIndex + offset))
                }
            }
        }
        return .array(results)
    }

    static func addressFilter(_ value: JSON?) throws -> Set<Address>? {
        guard let value, !value.isNull else { return nil }
        let items = value.arrayValue ?? [value]
        var addresses = Set<Address>()
        for item in items {
            guard let text = item.stringValue, let address = try? Address(hex: text) else {
                throw RPCError.invalidParams("address filter must be an address or a list of addresses")
            }
            addresses.insert(address)
        }
        return addresses
    }

    /// Topic positions: nil is a wildcard, otherwise any of the listed hashes.
    static func topicFilter(_ value: JSON?) throws -> [Set<Hash32>?] {
        guard let value, !value.isNull else { return [] }
        guard let positions = value.arrayValue else { throw RPCError.invalidParams("topics must be an array") }
        return try positions.map { position in
            if position.isNull { return nil }
            let items = position.arrayValue ?? [position]
            var hashes = Set<Hash32>()
            for item in items {
                guard let text = item.stringValue, let hash = try? Hash32(hex: text) else {
                    throw RPCError.invalidParams("each topic must be 32 bytes of hex, null, or a list of those")
                }
                hashes.insert(hash)
            }
            return hashes
        }
    }

    static func matches(_ topics: [Hash32], _ filter: [Set<Hash32>?]) -> Bool {
        for (position, wanted) in filter.enumerated() {
            guard let wanted else { continue }
            guard position < topics.count, wanted.contains(topics[position]) else { return false }
        }
        return true
    }

    // MARK: - Calls and writes

    /// eth_call: a view of a token (on the part of the ledger the caller may see), or a dry run
    /// of a state-changing call (policy, then execution on that same part of the ledger), which
    /// answers with the revert reason as Ethereum nodes do, so `contract.functions.f(...).call()`
    /// shows why a transaction would fail before it is signed.
    func call(_ params: Params, caller: CallerIdentity) async throws -> JSON {
        let object = try params.object(0, "call")
        guard let toText = object["to"]?.stringValue, let to = try? Address(hex: toText) else {
            throw RPCError.invalidParams("eth_call needs a 'to' address")
        }
        let data = try Self.callData(object)
        _ = try await blockNumber(params.value(1, "block"))
        if let token = tokens[to], let selector = ABI.selector(of: data), ABI.function(selector)?.isView ?? true {
            // A view is a read of the asset: it needs the policy's `read` grant on it (or read_all).
            if !caller.readAll, let policy = chain.currentPolicy,
                !caller.addresses.contains(where: { policy.mayRead($0, asset: to) })
            {
                throw RPCError.forbidden("your roles grant no read access to \(token.symbol)")
            }
            do {
                if caller.readAll { return EthereumJSON.data(try await chain.call(to: to, data: data)) }
                return EthereumJSON.data(try await chain.call(to: to, data: data, visible: caller.addresses))
            } catch {
                throw RPCError.executionReverted(reason: error.description, data: ABI.encodeRevert(error.description))
            }
        }
        let (operation, sender) = try await checkedOperation(object, caller: caller, method: "eth_call")
        let receipt = await chain.simulate(operation, sender: sender, visible: view(for: caller).visibleAddresses)
        guard receipt.succeeded else {
            let reason = receipt.revertReason ?? "the call would fail"
            throw RPCError.executionReverted(reason: reason, data: ABI.encodeRevert(reason))
        }
        switch operation {
        case .transfer, .transferFrom, .approve: return EthereumJSON.data(ABI.encode([ABI.word(true)]))
        default: return EthereumJSON.data([UInt8]())
        }
    }

    /// The accounts a view is about (balanceOf, isFrozen, getFrozenTokens: the holder;
    /// allowance: owner or spender), or nil for views about the token itself.
    static func viewSubjects(_ data: [UInt8]) -> [Address]? {
        guard let selector = ABI.selector(of: data) else { return nil }
        func word(_ index: Int) -> Address? {
            let start = 4 + 32 * index
            guard data.count >= start + 32, let word = try? Hash32(data[start..<(start + 32)]) else { return nil }
            return Address(lastTwentyBytesOf: word)
        }
        switch selector {
        case ABI.Selector.balanceOf, ABI.Selector.isFrozen, ABI.Selector.getFrozenTokens: return word(0).map { [$0] }
        case ABI.Selector.allowance: return [word(0), word(1)].compactMap { $0 }
        default: return nil
        }
    }

    static func callData(_ object: JSON) throws -> [UInt8] {
        guard let text = (object["data"] ?? object["input"])?.stringValue else { return [] }
        do { return try Hex.decodeData(text) } catch { throw RPCError.invalidParams("data: \(error)") }
    }

    func estimateGas(_ params: Params, caller: CallerIdentity) async throws -> JSON {
        let (operation, _) = try await checkedOperation(try params.object(0, "transaction"), caller: caller, method: "eth_estimateGas")
        return EthereumJSON.quantity(operation.gasCost)
    }

    /// The operation a call object describes, with its sender, once policy allows it as it would
    /// decide now on what the caller may see (`Chain.checkPolicy`): rules that depend on other
    /// members' holdings decide at execution only, so no answer here depends on them. A refusal
    /// is audited, counted against the member's refusal rate, and answered as a revert naming
    /// the rule, which wallets show before signing.
    func checkedOperation(_ object: JSON, caller: CallerIdentity, method: String) async throws -> (Ledger.Operation, Address) {
        let to = try object["to"].flatMap { value -> Address? in
            guard let text = value.stringValue else { return nil }
            do { return try Address(hex: text) } catch { throw RPCError.invalidParams("to: \(error)") }
        }
        let value = try object["value"].flatMap { value -> UInt256? in
            guard let text = value.stringValue else { return nil }
            do { return try UInt256(quantity: text) } catch { throw RPCError.invalidParams("value: \(error)") }
        } ?? .zero
        let transaction = UnsignedTransaction.dynamicFee(
            chainID: chainID, nonce: 0, maxPriorityFeePerGas: 0, maxFeePerGas: 0, gasLimit: 10_000_000, to: to, value: value,
            data: try Self.callData(object))
        let operation: Ledger.Operation
        do {
            operation = try OperationDecoder.operation(for: transaction, tokens: tokens)
        } catch {
            throw RPCError.executionReverted(reason: error.description, data: ABI.encodeRevert(error.description))
        }
        let sender = try Self.sender(object, caller: caller)
        try refusalLimiter.check(caller.name, metrics: metrics)
        let decision = await chain.checkPolicy(operation, sender: sender, visible: view(for: caller).visibleAddresses)
        guard decision.isAllowed else {
            refusalLimiter.record(caller.name)
            await chain.recordPolicyProbe(decision, sender: sender, member: caller.name, method: method)
            let reason = "policy rule \(decision.ruleID): \(decision.message)"
            throw RPCError.executionReverted(reason: reason, data: ABI.encodeRevert(reason))
        }
        return (operation, sender)
    }

    /// The `from` of a call object: it must be one of the caller's addresses (default: the first).
    static func sender(_ object: JSON, caller: CallerIdentity) throws -> Address {
        if let text = object["from"]?.stringValue {
            guard let address = try? Address(hex: text) else { throw RPCError.invalidParams("from is not a valid address") }
            guard caller.addresses.contains(address) || caller.submitForOthers else {
                throw RPCError.forbidden("from \(address.checksummed) is not one of the authenticated member's addresses")
            }
            return address
        }
        guard let first = caller.addresses.sorted().first else {
            throw RPCError.invalidParams("from is required: this caller has no address of its own")
        }
        return first
    }

    func sendRawTransaction(_ params: Params, caller: CallerIdentity) async throws -> JSON {
        try refusalLimiter.check(caller.name, metrics: metrics)
        switch admission(params, caller: caller) {
        case .refused(let error, let unreadable):
            if let unreadable { await chain.recordAdmissionRefusal(raw: unreadable.raw, unreadable.error) }
            throw error
        case .admitted(let transaction):
            let refusal: AdmissionError?
            do {
                try await chain.enqueue(transaction)
                refusal = nil
            } catch {
                refusal = error
            }
            if case .policyRefused? = refusal {
                refusalLimiter.record(caller.name)
                metrics.policyRefusalProvoked(member: caller.name, entry: "eth_sendRawTransaction")
            }
            return try Self.submitted(transaction, refusal: refusal).get()
        }
    }

    /// Answers one batch. Its eth_sendRawTransaction items are admitted together: their
    /// signatures recovered on two tasks, then one hop onto the sequencer for all of them, so
    /// a block being produced holds up the queueing but never the recovery. Every other item is
    /// answered as it would be on its own. Results are in request order.
    public func handle(batch requests: [RPCRequest], caller: CallerIdentity) async -> [Result<JSON, RPCError>] {
        var transactionIndices = [Int]()
        var otherIndices = [Int]()
        for (index, request) in requests.enumerated() {
            if request.method == "eth_sendRawTransaction" { transactionIndices.append(index) } else { otherIndices.append(index) }
        }
        guard transactionIndices.count > 1 else {
            return await JSONRPCServer.answerConcurrently(requests) { await handle($0, caller: caller) }
        }
        // The other requests are picked out before the async let: capturing `otherIndices` in it
        // and reading it below is refused as a possible race by the -sanitize=thread build.
        let otherRequests = otherIndices.map { requests[$0] }
        async let others = JSONRPCServer.answerConcurrently(otherRequests) { await handle($0, caller: caller) }
        let submitted = await sendRawTransactions(transactionIndices.map { Params(requests[$0].params) }, caller: caller)
        var results = [Result<JSON, RPCError>](repeating: .failure(.internalError("unanswered")), count: requests.count)
        for (index, result) in zip(transactionIndices, submitted) { results[index] = result }
        for (index, result) in zip(otherIndices, await others) { results[index] = result }
        return results
    }

    /// eth_sendRawTransaction for several transactions at once (see `handle(batch:caller:)`).
    func sendRawTransactions(_ params: [Params], caller: CallerIdentity) async -> [Result<JSON, RPCError>] {
        let half = params.count / 2
        let admissions: [Admission] = await withTaskGroup(of: [Admission].self) { group in
            group.addTask { params[..<half].map { admission($0, caller: caller) } }
            let second = params[half...].map { admission($0, caller: caller) }
            let first = await group.next() ?? []
            return first + second
        }
        var admitted = [AdmittedTransaction]()
        admitted.reserveCapacity(admissions.count)
        var unreadable = [(raw: [UInt8], error: AdmissionError)]()
        for admission in admissions {
            switch admission {
            case .admitted(let transaction): admitted.append(transaction)
            case .refused(_, let refusal?): unreadable.append(refusal)
            case .refused: break
            }
        }
        if !unreadable.isEmpty { await chain.recordAdmissionRefusals(unreadable) }
        if !admitted.isEmpty, let throttled = refusalLimiter.refusal(caller.name, metrics: metrics) {
            return admissions.map { _ in .failure(throttled) }
        }
        let refusals = admitted.isEmpty ? [] : await chain.enqueue(contentsOf: admitted)
        for case .policyRefused? in refusals {
            refusalLimiter.record(caller.name)
            metrics.policyRefusalProvoked(member: caller.name, entry: "eth_sendRawTransaction")
        }
        var next = 0
        return admissions.map { admission in
            switch admission {
            case .refused(let error, _): return .failure(error)
            case .admitted(let transaction):
                defer { next += 1 }
                return Self.submitted(transaction, refusal: refusals[next])
            }
        }
    }

    /// The stateless half of eth_sendRawTransaction: decoding, signature, sender and operation.
    enum Admission: Sendable {
        case admitted(AdmittedTransaction)
        /// Refused before the sequencer saw it; `unreadable` is what the audit log must record
        /// (transactions that could not be decoded or validated).
        case refused(RPCError, unreadable: (raw: [UInt8], error: AdmissionError)?)
    }

    func admission(_ params: Params, caller: CallerIdentity) -> Admission {
        guard let text = params.value(0, "raw transaction")?.stringValue else {
            return .refused(.invalidParams("eth_sendRawTransaction takes the signed transaction as hex"), unreadable: nil)
        }
        let raw: [UInt8]
        do { raw = try Hex.decodeData(text) } catch { return .refused(.invalidParams("raw transaction: \(error)"), unreadable: nil) }
        let admitted: AdmittedTransaction
        do {
            admitted = try chain.admit(raw: raw)
        } catch {
            return .refused(.invalidInput(error.description), unreadable: (raw, error))
        }
        guard caller.submitForOthers || caller.addresses.contains(admitted.sender) else {
            return .refused(
                .forbidden(
                    "the transaction is signed by \(admitted.sender.checksummed), not by the authenticated member; sign with your own key"),
                unreadable: nil)
        }
        return .admitted(admitted)
    }

    /// The answer for a transaction the sequencer queued (`refusal` nil) or refused.
    static func submitted(_ transaction: AdmittedTransaction, refusal: AdmissionError?) -> Result<JSON, RPCError> {
        switch refusal {
        case nil: return .success(EthereumJSON.hash(transaction.hash))
        case .policyRefused(let rule, let message)?:
            return .failure(.complianceRefusal(rule: rule, message: "refused by policy rule \(rule): \(message)"))
        case let error?: return .failure(.invalidInput(error.description))
        }
    }
}

/// Positional or named parameters with typed accessors that answer -32602 on bad input.
struct Params {
    let values: [JSON]

    init(_ json: JSON) {
        switch json {
        case .array(let items): values = items
        case .object(let members): values = members.map(\.1)
        default: values = []
        }
    }

    func value(_ index: Int, _ name: String) -> JSON? { index < values.count ? values[index] : nil }

    func string(_ index: Int, _ name: String) throws -> String {
        guard let text = value(index, name)?.stringValue else { throw RPCError.invalidParams("\(name) is missing or not a string") }
        return text
    }

    func bool(_ index: Int, _ name: String) throws -> Bool {
        guard let value = value(index, name) else { return false }
        guard let flag = value.boolValue else { throw RPCError.invalidParams("\(name) must be true or false") }
        return flag
    }

    func address(_ index: Int, _ name: String) throws -> Address {
        let text = try string(index, name)
        do { return try Address(hex: text) } catch { throw RPCError.invalidParams("\(name): \(error)") }
    }

    func hash(_ index: Int, _ name: String) throws -> Hash32 {
        let text = try string(index, name)
        do { return try Hash32(hex: text) } catch { throw RPCError.invalidParams("\(name): \(error)") }
    }

    func quantity(_ index: Int, _ name: String) throws -> UInt64 {
        switch value(index, name) {
        case .string(let text)?:
            do { return try Hex.decodeQuantity(text) } catch { throw RPCError.invalidParams("\(name): \(error)") }
        case .number(let text)?:
            guard let number = UInt64(text) else { throw RPCError.invalidParams("\(name) must be a non-negative integer") }
            return number
        default: throw RPCError.invalidParams("\(name) is missing")
        }
    }

    func object(_ index: Int, _ name: String) throws -> JSON {
        guard let value = value(index, name), case .object = value else { throw RPCError.invalidParams("\(name) must be an object") }
        return value
    }
}
