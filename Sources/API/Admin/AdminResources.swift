import Foundation
import Ledger
import Node
import Policy
import Primitives
import Transactions
import Sequencer

/// The admin API's answers, built from the chain's records. Lists are paginated with opaque,
/// stable cursors (the position after the last item returned); a scan of the chain or the
/// audit log stops after a fixed budget and returns a cursor even when the page is not full,
/// so no request does unbounded work.
struct AdminResources: Sendable {
    let chain: Chain
    /// Transactions one transaction-list request may read (tests lower it).
    var transactionScanBudget = Self.defaultTransactionScanBudget

    /// Blocks one transaction-list request may read.
    static let blockScanBudget: UInt64 = 2_000
    /// Transactions one transaction-list request may read (each is opened and decoded: about
    /// 5 µs, so a filter that matches nothing on a chain of a million transactions answers in
    /// about 25 ms with a cursor, not in seconds, with room for a node busy with blocks).
    /// Checked per store read, so a full block is read in pieces.
    static let defaultTransactionScanBudget = 5_000
    /// Transactions a filtered scan opens per store read (a full block can hold 20,000).
    static let transactionChunk = 1_000
    /// Audit rows one decision or audit-list request may read.
    static let auditScanBudget = 20_000

    // MARK: - Status

    func status() async throws -> JSON {
        let head = await chain.head
        let batch = await chain.latestBatch
        let openBatch = await chain.openBatchNumber
        let pending = await chain.pendingCount
        let history = await chain.policyHistory
        let auditHead = await chain.writtenAuditHead
        let uptime = Date().timeIntervalSince(chain.startedAt)
        return .object([
            ("chainId", .integer(chain.config.chain.chainID)),
            (
                "headBlock",
                .object([
                    ("number", .integer(head.header.number)), ("hash", .string(head.hash.hex)),
                    ("timestamp", .integer(head.header.timestamp)),
                ])
            ),
            ("mempoolSize", .integer(pending)),
            ("policy", history.current.map(Self.policyEntry) ?? .null),
            (
                "batches",
                .object([
                    ("latestSealed", .integer(batch.number)), ("latestStateRoot", .string(batch.stateRoot.hex)),
                    ("latestSealedAt", .integer(batch.sealedAt)), ("open", .integer(openBatch)),
                ])
            ),
            ("auditHead", .string(auditHead.hex)),
            ("storeEngine", .string(chain.config.store.name)),
            ("proverQueue", Self.proverQueue(chain.nodeMetrics.proverQueueStatus)),
            ("startedAt", .integer(UInt64(chain.startedAt.timeIntervalSince1970 * 1000))),
            ("uptimeSeconds", .number(String(format: "%.3f", uptime))),
        ])
    }

    // MARK: - Blocks

    func blocks(_ query: AdminQuery) async throws -> AdminAnswer {
        let limit = try query.limit()
        let head = await chain.head.header.number
        let start = try cursorNumber(query)
        var items: [JSON] = []
        var number = start
        while number <= head && items.count < limit {
            guard let block = try chain.blockSummary(number: number) else { break }
            items.append(.object(Self.blockFields(block)))
            number += 1
        }
        return .json(Self.page(items, next: number <= head ? String(number) : nil), count: items.count)
    }

    func block(_ query: AdminQuery) async throws -> AdminAnswer {
        let number = try query.requiredInteger("number")
        guard let block = try chain.block(number: number) else {
            throw AdminFailure.notFound("no block \(number): the head is \(await chain.head.header.number)")
        }
        var fields = Self.blockFields(block.summary)
        fields.append(("transactions", .array(block.transactionHashes.map { .string($0.hex) })))
        return .json(.object(fields), count: 1)
    }

    static func blockFields(_ block: SequencedBlock.Summary) -> [(String, JSON)] {
        let header = block.header
        return [
            ("number", .integer(header.number)), ("hash", .string(block.hash.hex)), ("parentHash", .string(header.parentHash.hex)),
            ("timestamp", .integer(header.timestamp)), ("transactionCount", .integer(block.transactionCount)),
            ("gasUsed", .integer(header.gasUsed)), ("stateRoot", .string(header.stateRoot.hex)),
            ("policyHash", header.extraData.count == 32 ? .string(Hex.encode(header.extraData)) : .null),
        ]
    }

    // MARK: - Transactions

    /// The block range a request selects: from/to block, narrowed by from/to time (unix seconds).
    func blockRange(_ query: AdminQuery) async throws -> ClosedRange<UInt64>? {
        let head = await chain.head.header.number
        var first = try query.integer("from_block") ?? 0
        var last = min(try query.integer("to_block") ?? head, head)
        if let from = try query.integer("from_time") { first = max(first, try chain.firstBlock(atOrAfter: from, head: head)) }
        if let to = try query.integer("to_time") {
            // Blocks strictly after `to` start at firstBlock(atOrAfter: to + 1).
            let after = try chain.firstBlock(atOrAfter: to == .max ? to : to + 1, head: head)
            guard after > 0 else { return nil }
            last = min(last, after - 1)
        }
        return first <= last ? first...last : nil
    }

    /// Which senders a request selects: `member` (every address of that member) or `address`.
    func senderFilter(_ query: AdminQuery) throws -> Set<Address>? {
        var senders: Set<Address>?
        if let name = query.string("member") {
            guard let member = chain.currentPolicy?.members.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw AdminFailure.notFound("no member named '\(name)' in the policy in force")
            }
            senders = Set(member.addresses)
        }
        if let address = try query.address("address") {
            senders = senders.map { $0.intersection([address]) } ?? [address]
        }
        return senders
    }

    func transactions(_ query: AdminQuery) async throws -> AdminAnswer {
        let limit = try query.limit()
        let senders = try senderFilter(query)
        let outcome = try query.oneOf("outcome", ["success", "failed"])
        guard let range = try await blockRange(query) else { return .json(Self.page([], next: nil), count: 0) }
        var position = (block: range.lowerBound, index: 0)
        if let cursor = query.string("cursor") {
            let parts = cursor.split(separator: ".")
            guard parts.count == 2, let block = UInt64(parts[0]), let index = Int(parts[1]) else {
                throw AdminFailure.badRequest("cursor '\(cursor)' is not one this API returned (expected block.position)")
            }
            position = (max(block, range.lowerBound), index)
        }
        var items: [JSON] = []
        var scannedBlocks: UInt64 = 0
        var scannedTransactions = 0
        var next: String?
        let filtered = senders != nil || outcome != nil
        scan: while position.block <= range.upperBound {
            guard scannedBlocks < Self.blockScanBudget, scannedTransactions < transactionScanBudget else {
                next = "\(position.block).\(position.index)"
                break
            }
            // The header and count alone (cached, no transaction hashes decoded).
            guard let block = try chain.blockSummary(number: position.block) else { break }
            let count = block.transactionCount
            while position.index < count {
                // Unfiltered, a page opens exactly its rows; filtered, chunks of what the budget leaves.
                let left = transactionScanBudget - scannedTransactions
                let wanted = min(left, filtered ? Self.transactionChunk : limit - items.count)
                guard wanted > 0 else {
                    next = "\(position.block).\(position.index)"
                    break scan
                }
                let chunk = try chain.transactions(blockNumber: position.block, from: position.index, limit: wanted)
                guard !chunk.isEmpty else { break }
                scannedTransactions += chunk.count
                for transaction in chunk {
                    position.index = transaction.position + 1
                    if let senders, !senders.contains(transaction.sender) { continue }
                    if let outcome, (outcome == "success") != transaction.receipt.succeeded { continue }
                    items.append(transactionJSON(transaction, header: block.header))
                    guard items.count < limit else {
                        if position.index < count {
                            next = "\(position.block).\(position.index)"
                        } else if position.block < range.upperBound {
                            next = "\(position.block + 1).0"
                        }
                        break scan
                    }
                }
            }
            position = (position.block + 1, 0)
            scannedBlocks += 1
        }
        return .json(Self.page(items, next: next), count: items.count)
    }

    func transaction(_ query: AdminQuery) async throws -> AdminAnswer {
        guard let hash = try query.hash("hash") else { throw AdminFailure.badRequest("hash is required") }
        guard let transaction = try chain.transaction(hash: hash), let block = try chain.block(number: transaction.blockNumber)
        else { throw AdminFailure.notFound("no included transaction \(hash.hex)") }
        guard case .object(var fields) = transactionJSON(transaction, header: block.header) else { return .json(.null, count: 0) }
        fields.append(("raw", .string(Hex.encode(transaction.signed.rawBytes))))
        fields.append(
            (
                "logs",
                .array(
                    transaction.receipt.logs.map { log in
                        .object([
                            ("address", .string(log.address.checksummed)), ("topics", .array(log.topics.map { .string($0.hex) })),
                            ("data", .string(Hex.encode(log.data))),
                        ])
                    })
            ))
        return .json(.object(fields), count: 1)
    }

    func transactionJSON(_ transaction: IncludedTransaction, header: BlockHeader) -> JSON {
        let signed = transaction.signed
        let member = chain.currentPolicy?.member(transaction.sender)?.name
        let operation = try? OperationDecoder.operation(for: signed.transaction, tokens: tokenDefinitions)
        let policyHash: JSON = header.extraData.count == 32 ? .string(Hex.encode(header.extraData)) : .null
        return .object([
            ("hash", .string(transaction.hash.hex)), ("blockNumber", .integer(transaction.blockNumber)),
            ("position", .integer(transaction.position)), ("timestamp", .integer(header.timestamp)),
            ("from", .string(transaction.sender.checksummed)), ("member", member.map(JSON.string) ?? .null),
            ("nonce", .integer(signed.transaction.nonce)), ("type", .integer(signed.transaction.type.rawValue)),
            ("operation", operation.map(Self.operation) ?? .null),
            (
                "receipt",
                .object([
                    ("status", .string(transaction.receipt.succeeded ? "success" : "failed")),
                    ("gasUsed", .integer(transaction.receipt.gasUsed)),
                    ("revertReason", transaction.receipt.revertReason.map(JSON.string) ?? .null),
                    ("logCount", .integer(transaction.receipt.logs.count)),
                ])
            ),
            ("decision", Self.decision(transaction.receipt, policyHash: policyHash)),
        ])
    }

    var tokenDefinitions: [Address: TokenDefinition] {
        Dictionary(uniqueKeysWithValues: chain.config.tokens.map { ($0.address, $0) })
    }

    /// The policy decision behind a receipt: a refusal at execution is a failed receipt whose
    /// reason names the rule (`StateTransition.reject`); everything else ran under the block's policy.
    static func decision(_ receipt: ExecutionReceipt, policyHash: JSON) -> JSON {
        if let reason = receipt.revertReason, reason.hasPrefix("policy rule "),
            let colon = reason.firstIndex(of: ":")
        {
            let rule = reason[reason.index(reason.startIndex, offsetBy: 12)..<colon]
            return .object([("outcome", .string("deny")), ("rule", .string(String(rule))), ("policyHash", policyHash)])
        }
        return .object([("outcome", .string("allow")), ("rule", .null), ("policyHash", policyHash)])
    }

    static func operation(_ operation: Ledger.Operation) -> JSON {
        var fields: [(String, JSON)] = [("name", .string(operation.name))]
        func address(_ key: String, _ value: Address) { fields.append((key, .string(value.checksummed))) }
        func amount(_ value: UInt256) { fields.append(("amount", .string(value.description))) }
        switch operation {
        case .nativeTransfer(let to, let value):
            address("to", to)
            amount(value)
        case .transfer(let token, let to, let value), .mint(let token, let to, let value):
            address("token", token)
            address("to", to)
            amount(value)
        case .transferFrom(let token, let from, let to, let value), .forcedTransfer(let token, let from, let to, let value):
            address("token", token)
            address("from", from)
            address("to", to)
            amount(value)
        case .approve(let token, let spender, let value):
            address("token", token)
            address("spender", spender)
            amount(value)
        case .burn(let token, let value):
            address("token", token)
            amount(value)
        case .burnFrom(let token, let from, let value):
            address("token", token)
            address("from", from)
            amount(value)
        case .setAddressFrozen(let token, let account, let frozen):
            address("token", token)
            address("account", account)
            fields.append(("frozen", .bool(frozen)))
        case .freezePartialTokens(let token, let account, let value), .unfreezePartialTokens(let token, let account, let value):
            address("token", token)
            address("account", account)
            amount(value)
        case .pause(let token), .unpause(let token):
            address("token", token)
        case .withdraw(let token, let value):
            if let token { address("token", token) }
            address("to", Bridge.address)
            amount(value)
        }
        return .object(fields)
    }

    // MARK: - Accounts and tokens

    func accounts(_ query: AdminQuery) async throws -> AdminAnswer {
        let limit = try query.limit()
        let after = try query.string("cursor").map { cursor throws(AdminFailure) in try AdminQuery.address(cursor, name: "cursor") }
        let addresses = await chain.knownAddresses()
        let startIndex = after.map { cursor in addresses.firstIndex { $0 > cursor } ?? addresses.endIndex } ?? 0
        let selected = addresses[startIndex...].prefix(limit)
        var items: [JSON] = []
        for address in selected { items.append(await account(address)) }
        let next = startIndex + selected.count < addresses.count ? selected.last?.hex : nil
        return .json(Self.page(items, next: next), count: items.count)
    }

    func account(_ query: AdminQuery) async throws -> AdminAnswer {
        guard let address = try query.address("address") else { throw AdminFailure.badRequest("address is required") }
        return .json(await account(address), count: 1)
    }

    func account(_ address: Address) async -> JSON {
        let state = await chain.account(address)
        let member = chain.currentPolicy?.member(address)
        var balances: [JSON] = [
            .object([
                ("asset", .string("native")), ("symbol", .string("native")), ("balance", .string(state.nativeBalance.description)),
                ("frozen", .bool(false)), ("frozenAmount", .string("0")),
            ])
        ]
        for token in chain.config.tokens {
            let holding = await chain.holding(token: token.address, holder: address)
            guard !holding.isZero else { continue }
            balances.append(
                .object([
                    ("asset", .string(token.address.checksummed)), ("symbol", .string(token.symbol)),
                    ("balance", .string(holding.balance.description)), ("frozen", .bool(holding.frozen)),
                    ("frozenAmount", .string(holding.frozenAmount.description)),
                ]))
        }
        return .object([
            ("address", .string(address.checksummed)), ("member", member.map { .string($0.name) } ?? .null),
            ("organisation", member.map { .string($0.organisation) } ?? .null),
            ("kycTier", member.map { .integer($0.kycTier) } ?? .null),
            ("jurisdiction", member.map { .string($0.jurisdiction) } ?? .null),
            ("status", member.map { .string($0.status.rawValue) } ?? .null),
            ("nonce", .integer(state.nonce)), ("balances", .array(balances)),
        ])
    }

    func tokens() async -> AdminAnswer {
        var items: [JSON] = []
        for token in chain.config.tokens { items.append(await tokenJSON(token)) }
        return .json(.object([("items", .array(items))]), count: items.count)
    }

    func token(_ query: AdminQuery) async throws -> AdminAnswer {
        guard let address = try query.address("address") else { throw AdminFailure.badRequest("address is required") }
        guard let token = chain.config.tokens.first(where: { $0.address == address }) else {
            throw AdminFailure.notFound("no token is configured at \(address.checksummed)")
        }
        return .json(await tokenJSON(token), count: 1)
    }

    func tokenJSON(_ token: TokenDefinition) async -> JSON {
        let state = await chain.tokenState(token.address)
        return .object([
            ("address", .string(token.address.checksummed)), ("symbol", .string(token.symbol)), ("name", .string(token.name)),
            ("decimals", .integer(token.decimals)), ("totalSupply", .string(state.totalSupply.description)),
            ("supplyCap", token.supplyCap.map { .string($0.description) } ?? .null),
            ("holderCount", .integer(state.holderCount)), ("paused", .bool(state.paused)),
        ])
    }

    // MARK: - Policy

    static func policyEntry(_ entry: PolicyHistory.Entry) -> JSON {
        .object([("hash", .string(entry.hash)), ("fromBlock", .integer(entry.fromBlock)), ("since", .integer(entry.since))])
    }

    /// The policy in force now, or at `block`.
    func policy(_ query: AdminQuery) async throws -> AdminAnswer {
        let history = await chain.policyHistory
        let entry: PolicyHistory.Entry?
        if let block = try query.integer("block") {
            let head = await chain.head.header.number
            guard block <= head else { throw AdminFailure.notFound("no block \(block): the head is \(head)") }
            entry = history.inForce(at: block)
        } else {
            entry = history.current
        }
        guard let entry else { throw AdminFailure.notFound("no policy was in force: this chain runs without one") }
        return .json(try policyDocument(entry), count: 1)
    }

    func policyByHash(_ query: AdminQuery) async throws -> AdminAnswer {
        guard let hash = try query.hash("hash") else { throw AdminFailure.badRequest("hash is required") }
        guard let entry = await chain.policyHistory.entries.last(where: { $0.hash == hash.hex }) else {
            throw AdminFailure.notFound("policy \(hash.hex) was never in force on this chain")
        }
        return .json(try policyDocument(entry), count: 1)
    }

    func policyHistory() async -> AdminAnswer {
        let entries = await chain.policyHistory.entries
        return .json(.object([("items", .array(entries.map(Self.policyEntry)))]), count: entries.count)
    }

    func policyDocument(_ entry: PolicyHistory.Entry) throws -> JSON {
        guard let hash = try? Hash32(hex: entry.hash), let overview = try chain.policyOverview(hash: hash) else {
            throw AdminFailure.notFound("the record of policy \(entry.hash) is missing")
        }
        let encoded = try JSON.parse(overview.encoded)
        guard case .object(var fields) = encoded else { return encoded }
        fields.append(("fromBlock", .integer(entry.fromBlock)))
        fields.append(("since", .integer(entry.since)))
        return .object(fields)
    }

    // MARK: - Batches

    func batches(_ query: AdminQuery) async throws -> AdminAnswer {
        let limit = try query.limit()
        let latest = await chain.latestBatch.number
        var number = try cursorNumber(query)
        var items: [JSON] = []
        while number <= latest && items.count < limit {
            guard let batch = try chain.batch(number: number) else { break }
            items.append(try batchJSON(batch))
            number += 1
        }
        return .json(Self.page(items, next: number <= latest ? String(number) : nil), count: items.count)
    }

    func batch(_ query: AdminQuery) async throws -> AdminAnswer {
        let number = try query.requiredInteger("number")
        guard let batch = try chain.batch(number: number) else {
            throw AdminFailure.notFound("no sealed batch \(number): the latest is \(await chain.latestBatch.number)")
        }
        return .json(try batchJSON(batch), count: 1)
    }

    /// A batch with its public commitment fields and where it stands on the L1.
    func batchJSON(_ batch: BatchRecord) throws -> JSON {
        let settlement = batch.number == 0 ? nil : try chain.settlement(of: batch.number)
        let status = batch.number == 0 ? "genesis" : settlement?.state.rawValue ?? "sealed"
        return .object([
            ("number", .integer(batch.number)), ("firstBlock", .integer(batch.firstBlock)), ("lastBlock", .integer(batch.lastBlock)),
            ("stateRoot", .string(batch.stateRoot.hex)), ("auditHead", .string(batch.auditHead.hex)),
            ("policyHash", .string(batch.policyHash.hex)), ("operationsCommitment", .string(batch.operationsCommitment.hex)),
            ("firstDepositIndex", .integer(batch.firstDepositIndex)), ("depositCount", .integer(batch.depositCount)),
            ("depositHash", .string(batch.depositHash.hex)), ("withdrawalCount", .integer(batch.withdrawalCount)),
            ("withdrawalsRoot", .string(batch.withdrawalsRoot.hex)), ("sealedAt", .integer(batch.sealedAt)),
            ("status", .string(status)), ("batchHash", settlement?.batchHash.map(JSON.string) ?? .null),
            ("reason", settlement?.reason.map(JSON.string) ?? .null),
            ("settlementUpdatedAt", settlement.map { .integer($0.updatedAt) } ?? .null),
        ])
    }

    // MARK: - Audit log and decisions

    struct AuditFilter {
        var kinds: Set<AuditEntry.Kind>?
        var actors: Set<String>?
        var rule: String?
        var asset: String?
        var outcome: String?
        var fromTime: UInt64?
        var toTime: UInt64?

        func matches(_ entry: AuditEntry) -> Bool {
            if let kinds, !kinds.contains(entry.kind) { return false }
            if let actors, !actors.contains(entry.actor ?? "") { return false }
            if let rule, entry.rule != rule { return false }
            if let asset, entry.asset?.lowercased() != asset.lowercased() { return false }
            if let outcome, entry.outcome != outcome { return false }
            // Entry times are milliseconds, filters seconds: compare in seconds (no overflow).
            if let fromTime, entry.time / 1000 < fromTime { return false }
            if let toTime, entry.time / 1000 > toTime { return false }
            return true
        }
    }

    func auditFilter(_ query: AdminQuery, decisionsOnly: Bool) throws -> AuditFilter {
        var filter = AuditFilter()
        if decisionsOnly {
            filter.kinds = [.policyDecision]
            if let senders = try senderFilter(query) { filter.actors = Set(senders.map(\.checksummed)) }
            filter.rule = query.string("rule")
            if let asset = query.string("asset") {
                filter.asset = asset == "native" ? "native" : try query.address("asset")?.checksummed
            }
            filter.outcome = try query.oneOf("outcome", ["allow", "deny"])
        } else if let kind = query.string("kind") {
            guard let parsed = AuditEntry.Kind(rawValue: kind) else {
                throw AdminFailure.badRequest(
                    "kind must be one of " + AuditEntry.Kind.allCases.map(\.rawValue).joined(separator: ", ") + ", got '\(kind)'")
            }
            filter.kinds = [parsed]
        }
        filter.fromTime = try query.integer("from_time")
        filter.toTime = try query.integer("to_time")
        return filter
    }

    func auditPage(_ query: AdminQuery, decisionsOnly: Bool) async throws -> AdminAnswer {
        let limit = try query.limit()
        let filter = try auditFilter(query, decisionsOnly: decisionsOnly)
        var sequence = try cursorNumber(query)
        var items: [JSON] = []
        var scanned = 0
        var exhausted = false
        while items.count < limit && scanned < Self.auditScanBudget {
            let rows = try chain.auditLog(from: sequence, limit: 500)
            if rows.isEmpty {
                exhausted = true
                break
            }
            for row in rows {
                sequence = row.sequence + 1
                scanned += 1
                if filter.matches(row.entry) {
                    items.append(Self.auditJSON(row))
                    if items.count == limit { break }
                }
            }
        }
        if !exhausted && items.count == limit {
            exhausted = try chain.auditLog(from: sequence, limit: 1).isEmpty
        }
        return .json(Self.page(items, next: exhausted ? nil : String(sequence)), count: items.count)
    }

    static func auditJSON(_ row: (sequence: UInt64, entry: AuditEntry, hash: Hash32)) -> JSON {
        let entry = row.entry
        func optional(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }
        return .object([
            ("sequence", .integer(row.sequence)), ("hash", .string(row.hash.hex)), ("previous", optional(entry.previous)),
            ("kind", .string(entry.kind.rawValue)), ("time", .integer(entry.time)), ("block", entry.block.map(JSON.integer) ?? .null),
            ("transaction", optional(entry.transaction)), ("actor", optional(entry.actor)), ("rule", optional(entry.rule)),
            ("asset", optional(entry.asset)), ("outcome", optional(entry.outcome)), ("count", entry.count.map(JSON.integer) ?? .null),
            ("detail", .string(entry.detail)),
        ])
    }

    // MARK: - Helpers

    func cursorNumber(_ query: AdminQuery) throws(AdminFailure) -> UInt64 {
        guard let cursor = query.string("cursor") else { return 0 }
        guard let value = UInt64(cursor) else { throw .badRequest("cursor '\(cursor)' is not one this API returned") }
        return value
    }

    static func page(_ items: [JSON], next: String?) -> JSON {
        .object([("items", .array(items)), ("nextCursor", next.map(JSON.string) ?? .null)])
    }
}

// MARK: - Exports

extension AdminResources {
    static let transactionColumns: [(header: String, path: [String])] = [
        ("hash", ["hash"]), ("block", ["blockNumber"]), ("position", ["position"]), ("timestamp", ["timestamp"]),
        ("from", ["from"]), ("member", ["member"]), ("nonce", ["nonce"]), ("operation", ["operation", "name"]),
        ("token", ["operation", "token"]), ("operation_from", ["operation", "from"]), ("to", ["operation", "to"]),
        ("amount", ["operation", "amount"]), ("status", ["receipt", "status"]), ("revert_reason", ["receipt", "revertReason"]),
        ("decision", ["decision", "outcome"]), ("rule", ["decision", "rule"]), ("policy_hash", ["decision", "policyHash"]),
    ]

    static let auditColumns: [(header: String, path: [String])] = [
        ("sequence", ["sequence"]), ("hash", ["hash"]), ("previous", ["previous"]), ("kind", ["kind"]), ("time", ["time"]),
        ("block", ["block"]), ("transaction", ["transaction"]), ("actor", ["actor"]), ("rule", ["rule"]), ("asset", ["asset"]),
        ("outcome", ["outcome"]), ("count", ["count"]), ("detail", ["detail"]),
    ]

    func format(_ query: AdminQuery) throws(AdminFailure) -> AdminExport.Format {
        AdminExport.Format(rawValue: try query.oneOf("format", ["jsonl", "csv"]) ?? "jsonl") ?? .jsonl
    }

    func transactionsExport(_ query: AdminQuery) async throws -> AdminAnswer {
        let format = try format(query)
        let senders = try senderFilter(query)
        let range = try await blockRange(query)
        let resources = self
        return .stream(
            AdminExport(format: format, name: "transactions", columns: Self.transactionColumns) { emit in
                guard let range else { return }
                for number in range {
                    try Task.checkCancellation()
                    guard let block = try resources.chain.blockSummary(number: number) else { break }
                    for transaction in try resources.chain.transactions(blockNumber: number) {
                        if let senders, !senders.contains(transaction.sender) { continue }
                        try await emit(resources.transactionJSON(transaction, header: block.header))
                    }
                }
            })
    }

    func auditExport(_ query: AdminQuery, decisionsOnly: Bool) async throws -> AdminAnswer {
        let format = try format(query)
        let filter = try auditFilter(query, decisionsOnly: decisionsOnly)
        let first = try query.integer("from_sequence") ?? 0
        let chain = self.chain
        return .stream(
            AdminExport(format: format, name: decisionsOnly ? "decisions" : "audit", columns: Self.auditColumns) { emit in
                var sequence = first
                while true {
                    try Task.checkCancellation()
                    let rows = try chain.auditLog(from: sequence, limit: 1_000)
                    guard let last = rows.last else { return }
                    for row in rows where filter.matches(row.entry) { try await emit(Self.auditJSON(row)) }
                    sequence = last.sequence + 1
                }
            })
    }
}
