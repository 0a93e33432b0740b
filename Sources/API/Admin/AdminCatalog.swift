import Node
import Sequencer

/// One query or path parameter of an admin route.
struct AdminParameter: Sendable {
    enum Location: String, Sendable { case query, path }

    let name: String
    let location: Location
    let schema: JSON
    let description: String

    static func query(_ name: String, _ schema: JSON, _ description: String) -> AdminParameter {
        AdminParameter(name: name, location: .query, schema: schema, description: description)
    }

    static func path(_ name: String, _ schema: JSON, _ description: String) -> AdminParameter {
        AdminParameter(name: name, location: .path, schema: schema, description: description)
    }
}

/// One admin route: registered by `AdminRoutes` and described by `AdminOpenAPI` from this
/// same value, so the served document always lists exactly what the listener answers.
struct AdminRoute: Sendable {
    /// The OpenAPI operationId, and the route's label in metrics.
    let name: String
    /// OpenAPI form: `/admin/v1/blocks/{number}`.
    let path: String
    let summary: String
    let parameters: [AdminParameter]
    /// The name of the 200 response's schema in `components.schemas`; nil for exports.
    let schema: String?
    let handler: @Sendable (AdminResources, AdminQuery) async throws -> AdminAnswer

    var isExport: Bool { schema == nil }
    var hasPathParameters: Bool { parameters.contains { $0.location == .path } }

    /// Hummingbird form: `/admin/v1/blocks/:number`.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
        }.joined(separator: "/")
    }
}

public enum AdminCatalog {
    /// How many resource routes the admin listener serves (tests compare it with the OpenAPI document).
    public static var routeCount: Int { routes.count }

    static let prefix = "/admin/v1"
    static let openAPIPath = "/admin/v1/openapi.json"

    // Parameter schemas.
    static let uint: JSON = .object([("type", .string("integer")), ("minimum", .integer(0)), ("maximum", .number("18446744073709551615"))])
    static let address: JSON = .object([("type", .string("string")), ("pattern", .string("^0x[0-9a-fA-F]{40}$"))])
    static let hash: JSON = .object([("type", .string("string")), ("pattern", .string("^0x[0-9a-fA-F]{64}$"))])
    static let text: JSON = .object([("type", .string("string")), ("minLength", .integer(1))])
    static func choice(_ values: [String]) -> JSON {
        .object([("type", .string("string")), ("enum", .array(values.map(JSON.string)))])
    }

    static func pattern(_ regex: String) -> JSON { .object([("type", .string("string")), ("pattern", .string(regex))]) }
    /// Cursors are positions: a block or batch number, an audit sequence number, block.position, an address.
    static let cursor = AdminParameter.query("cursor", pattern("^[0-9]{1,18}$"), "Where the previous page ended: its `nextCursor`.")
    static let transactionCursor = AdminParameter.query(
        "cursor", pattern("^[0-9]{1,18}\\.[0-9]{1,9}$"), "Where the previous page ended: its `nextCursor` (block.position).")
    static let accountCursor = AdminParameter.query(
        "cursor", pattern("^0x[0-9a-fA-F]{40}$"), "Where the previous page ended: its `nextCursor` (an address).")
    static let limit = AdminParameter.query(
        "limit", .object([("type", .string("integer")), ("minimum", .integer(1)), ("maximum", .integer(1000))]),
        "Page size, 1 to 1000 (default 100).")
    static let fromBlock = AdminParameter.query("from_block", uint, "First block of the range (inclusive).")
    static let toBlock = AdminParameter.query("to_block", uint, "Last block of the range (inclusive).")
    static let fromTime = AdminParameter.query("from_time", uint, "Start of the time range, unix seconds (inclusive).")
    static let toTime = AdminParameter.query("to_time", uint, "End of the time range, unix seconds (inclusive).")
    static let member = AdminParameter.query("member", text, "A member's name in the policy in force: all of its addresses.")
    static let sender = AdminParameter.query("address", address, "One sender address.")
    static let format = AdminParameter.query("format", choice(["jsonl", "csv"]), "JSON Lines (default) or CSV.")
    static let decisionFilters: [AdminParameter] = [
        member, sender, .query("rule", text, "A policy rule id (e.g. `kyc-minimum`, or `allow` for allowed blocks)."),
        .query("asset", pattern("^(native|0x[0-9a-fA-F]{40})$"), "`native` or a token address."),
        .query("outcome", choice(["allow", "deny"]), "The decision."), fromTime, toTime,
    ]
    static let auditKinds = choice(AuditEntry.Kind.allCases.map(\.rawValue))

    static let routes: [AdminRoute] = [
        AdminRoute(
            name: "getStatus", path: "\(prefix)/status",
            summary: "Head block, mempool size, the policy in force and since when, batch progress, audit head, uptime.",
            parameters: [], schema: "Status"
        ) { resources, _ in .json(try await resources.status(), count: 1) },
        AdminRoute(
            name: "listBlocks", path: "\(prefix)/blocks", summary: "Blocks in ascending order.", parameters: [cursor, limit],
            schema: "BlockPage"
        ) { try await $0.blocks($1) },
        AdminRoute(
            name: "getBlock", path: "\(prefix)/blocks/{number}",
            summary: "One block, with the policy hash in force and its transaction hashes.",
            parameters: [.path("number", uint, "Block number.")], schema: "BlockDetail"
        ) { try await $0.block($1) },
        AdminRoute(
            name: "listTransactions", path: "\(prefix)/transactions",
            summary: "Included transactions in full (decoded operation, signer, decision, receipt), in chain order, filtered.",
            parameters: [transactionCursor, limit, fromBlock, toBlock, fromTime, toTime, member, sender,
                .query("outcome", choice(["success", "failed"]), "Receipt status.")],
            schema: "TransactionPage"
        ) { try await $0.transactions($1) },
        AdminRoute(
            name: "getTransaction", path: "\(prefix)/transactions/{hash}", summary: "One transaction with its raw bytes and logs.",
            parameters: [.path("hash", hash, "Transaction hash.")], schema: "TransactionDetail"
        ) { try await $0.transaction($1) },
        AdminRoute(
            name: "listAccounts", path: "\(prefix)/accounts",
            summary: "Accounts: balances per asset, nonce, frozen amounts, KYC tier and jurisdiction from policy.",
            parameters: [accountCursor, limit], schema: "AccountPage"
        ) { try await $0.accounts($1) },
        AdminRoute(
            name: "getAccount", path: "\(prefix)/accounts/{address}", summary: "One account.",
            parameters: [.path("address", address, "Account address.")], schema: "Account"
        ) { try await $0.account($1) },
        AdminRoute(
            name: "listTokens", path: "\(prefix)/tokens", summary: "Configured tokens: supply, cap, holder count, paused.",
            parameters: [], schema: "TokenList"
        ) { resources, _ in await resources.tokens() },
        AdminRoute(
            name: "getToken", path: "\(prefix)/tokens/{address}", summary: "One token.",
            parameters: [.path("address", address, "Token address.")], schema: "Token"
        ) { try await $0.token($1) },
        AdminRoute(
            name: "listDecisions", path: "\(prefix)/decisions",
            summary: "Policy decisions from the audit log, filtered by member, asset, rule, outcome and time.",
            parameters: [cursor, limit] + decisionFilters, schema: "AuditPage"
        ) { try await $0.auditPage($1, decisionsOnly: true) },
        AdminRoute(
            name: "getPolicy", path: "\(prefix)/policy",
            summary: "The effective policy (members, roles, rules, hash); with `block`, the policy in force at that block.",
            parameters: [.query("block", uint, "A block number.")], schema: "Policy"
        ) { try await $0.policy($1) },
        AdminRoute(
            name: "listPolicyHistory", path: "\(prefix)/policy/history",
            summary: "Every policy put in force on this chain and the first block it governed.", parameters: [],
            schema: "PolicyHistory"
        ) { resources, _ in await resources.policyHistory() },
        AdminRoute(
            name: "getPolicyByHash", path: "\(prefix)/policies/{hash}", summary: "A policy that was in force, by its hash.",
            parameters: [.path("hash", hash, "Policy hash.")], schema: "Policy"
        ) { try await $0.policyByHash($1) },
        AdminRoute(
            name: "listBatches", path: "\(prefix)/batches",
            summary: "Sealed batches: blocks, state root, audit head, policy hash and settlement status.",
            parameters: [cursor, limit], schema: "BatchPage"
        ) { try await $0.batches($1) },
        AdminRoute(
            name: "getBatch", path: "\(prefix)/batches/{number}", summary: "One batch.",
            parameters: [.path("number", uint, "Batch number.")], schema: "Batch"
        ) { try await $0.batch($1) },
        AdminRoute(
            name: "getBalanceDisclosure", path: "\(prefix)/disclosures/balance/{holder}/{asset}",
            summary: "A selective disclosure of one holding at a sealed batch (by default the latest the L1 executed), "
                + "checkable against the L1 alone (docs/DISCLOSURE.md); audited as produced.",
            parameters: [
                .path("holder", address, "The holder's address."),
                .path("asset", pattern("^(native|0x[0-9a-fA-F]{40})$"), "`native` or a token address."),
                .query("batch", uint, "A sealed batch no older than the latest executed one."),
            ],
            schema: "BalanceDisclosure"
        ) { try await $0.balanceDisclosure($1) },
        AdminRoute(
            name: "getTransactionDisclosure", path: "\(prefix)/disclosures/transaction/{hash}",
            summary: "A selective disclosure of one transaction (a native transfer or an ERC-20 transfer call) in a batch "
                + "committed to the L1: the signed transaction and its operation leaf's path to the batch's operations "
                + "commitment, checkable against the L1 alone (docs/DISCLOSURE.md); audited as produced.",
            parameters: [.path("hash", hash, "Transaction hash.")], schema: "TransactionDisclosure"
        ) { try await $0.transactionDisclosure($1) },
        AdminRoute(
            name: "listAuditEntries", path: "\(prefix)/audit",
            summary: "The hash-chained audit log in order: every decision, refusal, policy load, login and admin read.",
            parameters: [cursor, limit, .query("kind", auditKinds, "Only entries of this kind."), fromTime, toTime],
            schema: "AuditPage"
        ) { try await $0.auditPage($1, decisionsOnly: false) },
        AdminRoute(
            name: "exportTransactions", path: "\(prefix)/exports/transactions",
            summary: "Streams transactions over a block or time range as JSON Lines or CSV.",
            parameters: [format, fromBlock, toBlock, fromTime, toTime, member, sender], schema: nil
        ) { try await $0.transactionsExport($1) },
        AdminRoute(
            name: "exportDecisions", path: "\(prefix)/exports/decisions",
            summary: "Streams policy decisions as JSON Lines or CSV.",
            parameters: [format, .query("from_sequence", uint, "First audit sequence number.")] + decisionFilters, schema: nil
        ) { try await $0.auditExport($1, decisionsOnly: true) },
        AdminRoute(
            name: "exportAuditEntries", path: "\(prefix)/exports/audit",
            summary: "Streams the audit log as JSON Lines or CSV.",
            parameters: [
                format, .query("from_sequence", uint, "First audit sequence number."),
                .query("kind", auditKinds, "Only entries of this kind."), fromTime, toTime,
            ], schema: nil
        ) { try await $0.auditExport($1, decisionsOnly: false) },
    ]
}
