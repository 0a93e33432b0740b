import Sequencer
/// The OpenAPI 3.1 document of the admin API, served at `/admin/v1/openapi.json`.
///
/// Paths come from `AdminCatalog.routes` (the same values the listener registers); the
/// response schemas below are strict (`additionalProperties: false`), so a field added to an
/// answer without being documented fails the schemathesis run in CI.
enum AdminOpenAPI {
    static let document: JSON = build()

    // MARK: Schema helpers

    static func type(_ name: String) -> JSON { .object([("type", .string(name))]) }
    static let string = type("string")
    static let integer = type("integer")
    static let boolean = type("boolean")
    static let number = type("number")
    static let decimal: JSON = .object([("type", .string("string")), ("pattern", .string("^[0-9]+$"))])
    static let hex: JSON = .object([("type", .string("string")), ("pattern", .string("^0x[0-9a-fA-F]*$"))])

    static func nullable(_ schema: JSON) -> JSON {
        guard case .object(var fields) = schema, let index = fields.firstIndex(where: { $0.0 == "type" }),
            case .string(let name) = fields[index].1
        else { return .object([("anyOf", .array([schema, type("null")]))]) }
        fields[index].1 = .array([.string(name), .string("null")])
        return .object(fields)
    }

    /// The prover queue of a node whose batches `cloister prover` workers prove.
    static let proverQueue = object([
        ("waiting", integer), ("running", integer), ("done", integer), ("failed", integer),
        ("oldestWaitingSeconds", nullable(number)),
        ("workers", array(object([("worker", string), ("secondsSinceHeartbeat", number), ("batch", nullable(integer))]))),
    ])

    static func array(_ items: JSON) -> JSON { .object([("type", .string("array")), ("items", items)]) }
    static func ref(_ name: String) -> JSON { .object([("$ref", .string("#/components/schemas/\(name)"))]) }

    /// An object whose listed properties are all required and nothing else is allowed.
    static func object(_ properties: [(String, JSON)], optional: Set<String> = []) -> JSON {
        .object([
            ("type", .string("object")), ("properties", .object(properties)),
            ("required", .array(properties.map(\.0).filter { !optional.contains($0) }.map(JSON.string))),
            ("additionalProperties", .bool(false)),
        ])
    }

    static func page(of item: String) -> JSON {
        object([("items", array(ref(item))), ("nextCursor", nullable(string))])
    }

    // MARK: Components

    static let blockFields: [(String, JSON)] = [
        ("number", integer), ("hash", hex), ("parentHash", hex), ("timestamp", integer), ("transactionCount", integer),
        ("gasUsed", integer), ("stateRoot", hex), ("policyHash", nullable(hex)),
    ]

    static let transactionFields: [(String, JSON)] = [
        ("hash", hex), ("blockNumber", integer), ("position", integer), ("timestamp", integer), ("from", hex),
        ("member", nullable(string)), ("nonce", integer), ("type", integer), ("operation", nullable(ref("Operation"))),
        (
            "receipt",
            object([
                ("status", .object([("type", .string("string")), ("enum", .array([.string("success"), .string("failed")]))])),
                ("gasUsed", integer), ("revertReason", nullable(string)), ("logCount", integer),
            ])
        ),
        (
            "decision",
            object([
                ("outcome", .object([("type", .string("string")), ("enum", .array([.string("allow"), .string("deny")]))])),
                ("rule", nullable(string)), ("policyHash", nullable(hex)),
            ])
        ),
    ]

    static let policyEntry = object([("hash", hex), ("fromBlock", integer), ("since", integer)])

    static let schemas: [(String, JSON)] = [
        ("Error", object([("error", string)])),
        (
            "Status",
            object([
                ("chainId", integer),
                ("headBlock", object([("number", integer), ("hash", hex), ("timestamp", integer)])),
                ("mempoolSize", integer), ("policy", nullable(policyEntry)),
                (
                    "batches",
                    object([("latestSealed", integer), ("latestStateRoot", hex), ("latestSealedAt", integer), ("open", integer)])
                ),
                ("auditHead", hex), ("storeEngine", string), ("proverQueue", nullable(proverQueue)), ("startedAt", integer),
                ("uptimeSeconds", number),
            ])
        ),
        ("Block", object(blockFields)),
        ("BlockDetail", object(blockFields + [("transactions", array(hex))])),
        ("BlockPage", page(of: "Block")),
        (
            "Operation",
            object(
                [
                    ("name", string), ("token", hex), ("from", hex), ("to", hex), ("spender", hex), ("account", hex),
                    ("amount", decimal), ("frozen", boolean),
                ], optional: ["token", "from", "to", "spender", "account", "amount", "frozen"])
        ),
        ("Transaction", object(transactionFields)),
        (
            "TransactionDetail",
            object(
                transactionFields + [
                    ("raw", hex),
                    ("logs", array(object([("address", hex), ("topics", array(hex)), ("data", hex)]))),
                ])
        ),
        ("TransactionPage", page(of: "Transaction")),
        (
            "Account",
            object([
                ("address", hex), ("member", nullable(string)), ("organisation", nullable(string)), ("kycTier", nullable(integer)),
                ("jurisdiction", nullable(string)), ("status", nullable(string)), ("nonce", integer),
                (
                    "balances",
                    array(
                        object([
                            ("asset", string), ("symbol", string), ("balance", decimal), ("frozen", boolean), ("frozenAmount", decimal),
                        ]))
                ),
            ])
        ),
        ("AccountPage", page(of: "Account")),
        (
            "Token",
            object([
                ("address", hex), ("symbol", string), ("name", string), ("decimals", integer), ("totalSupply", decimal),
                ("supplyCap", nullable(decimal)), ("holderCount", integer), ("paused", boolean),
            ])
        ),
        ("TokenList", object([("items", array(ref("Token")))])),
        (
            "Policy",
            object([
                ("hash", hex), ("files", array(string)), ("fromBlock", integer), ("since", integer),
                ("organisations", array(object([("id", string), ("name", string), ("status", string)]))),
                (
                    "members",
                    array(
                        object(
                            [
                                ("name", string), ("organisation", string), ("addresses", array(hex)), ("roles", array(string)),
                                ("kycTier", integer), ("jurisdiction", string), ("status", string), ("travelRuleDataOnFile", boolean),
                                ("lockedUntil", integer), ("signsInWith", array(string)),
                            ], optional: ["lockedUntil"]))
                ),
                (
                    "roles",
                    array(
                        object([
                            ("name", string), ("system", array(string)),
                            ("grants", .object([("type", .string("object")), ("additionalProperties", array(string))])),
                        ]))
                ),
                ("rules", array(object([("id", string), ("asset", string), ("assetAddress", hex), ("description", string)]))),
                ("sanctionedAddresses", array(hex)), ("sanctionedOrganisations", array(string)),
            ])
        ),
        ("PolicyHistory", object([("items", array(policyEntry))])),
        (
            "Batch",
            object([
                ("number", integer), ("firstBlock", integer), ("lastBlock", integer), ("stateRoot", hex), ("auditHead", hex),
                ("policyHash", hex), ("operationsCommitment", hex), ("firstDepositIndex", integer), ("depositCount", integer),
                ("depositHash", hex), ("withdrawalCount", integer), ("withdrawalsRoot", hex), ("sealedAt", integer),
                (
                    "status",
                    .object([
                        ("type", .string("string")),
                        (
                            "enum",
                            .array(["genesis", "sealed", "committed", "proven", "executed", "failed"].map(JSON.string))
                        ),
                    ])
                ),
                ("batchHash", nullable(hex)), ("reason", nullable(string)), ("settlementUpdatedAt", nullable(integer)),
            ])
        ),
        ("BatchPage", page(of: "Batch")),
        (
            "BalanceDisclosure",
            object([
                ("format", string), ("kind", string), ("chainId", integer), ("batch", integer), ("stateRoot", hex),
                ("holder", hex), ("asset", hex), ("balance", string), ("slot", integer), ("nonce", string),
                ("blinding", string), ("siblings", array(hex)),
            ])
        ),
        (
            "TransactionDisclosure",
            object([
                ("format", string), ("kind", string), ("chainId", integer), ("batch", integer), ("operationsCommitment", hex),
                ("transactionHash", hex), ("transaction", hex), ("from", hex), ("to", hex), ("asset", hex), ("amount", string),
                (
                    "operation",
                    object([
                        ("kind", string), ("fromSlot", integer), ("toSlot", integer), ("amountLow", string),
                        ("amountHigh", string), ("fromKey", string), ("toKey", string), ("assetId", string),
                    ])
                ),
                ("salt", array(string)), ("index", integer), ("siblings", array(hex)),
            ])
        ),
        (
            "AuditEntry",
            object([
                ("sequence", integer), ("hash", hex), ("previous", nullable(hex)), ("kind", string), ("time", integer),
                ("block", nullable(integer)), ("transaction", nullable(hex)), ("actor", nullable(string)), ("rule", nullable(string)),
                ("asset", nullable(string)), ("outcome", nullable(string)), ("count", nullable(integer)), ("detail", string),
            ])
        ),
        ("AuditPage", page(of: "AuditEntry")),
    ]

    // MARK: Document

    static func response(_ description: String, schema: JSON, contentType: String = "application/json") -> JSON {
        .object([("description", .string(description)), ("content", .object([(contentType, .object([("schema", schema)]))]))])
    }

    static func errorResponse(_ description: String) -> JSON { response(description, schema: ref("Error")) }

    static func operation(_ route: AdminRoute) -> JSON {
        var responses: [(String, JSON)] = []
        if let schema = route.schema {
            responses.append(("200", response("OK", schema: ref(schema))))
        } else {
            responses.append(
                (
                    "200",
                    .object([
                        ("description", .string("The export, streamed.")),
                        (
                            "content",
                            .object([
                                ("application/x-ndjson", .object([("schema", string)])),
                                ("text/csv", .object([("schema", string)])),
                            ])
                        ),
                    ])
                ))
        }
        responses.append(("400", errorResponse("A parameter is malformed or unknown; the message says which.")))
        responses.append(("401", errorResponse("Missing, invalid or expired bearer token.")))
        responses.append(("403", errorResponse("The caller lacks admin_read (and read_all).")))
        if route.hasPathParameters || route.name == "getPolicy" || route.name.hasPrefix("list") || route.isExport {
            responses.append(("404", errorResponse("No such record (or no member of that name).")))
        }
        return .object([
            ("operationId", .string(route.name)), ("summary", .string(route.summary)),
            (
                "parameters",
                .array(
                    route.parameters.map { parameter in
                        .object([
                            ("name", .string(parameter.name)), ("in", .string(parameter.location.rawValue)),
                            ("required", .bool(parameter.location == .path)), ("description", .string(parameter.description)),
                            ("schema", parameter.schema),
                        ])
                    })
            ),
            ("responses", .object(responses)),
        ])
    }

    static func build() -> JSON {
        var paths: [(String, JSON)] = AdminCatalog.routes.map { ($0.path, .object([("get", operation($0))])) }
        paths.append(
            (
                AdminCatalog.openAPIPath,
                .object([
                    (
                        "get",
                        .object([
                            ("operationId", .string("getOpenAPIDocument")), ("summary", .string("This document.")),
                            ("security", .array([])),
                            ("responses", .object([("200", response("The OpenAPI document.", schema: type("object")))])),
                        ])
                    )
                ])
            ))
        paths.append(
            (
                "/metrics",
                .object([
                    (
                        "get",
                        .object([
                            ("operationId", .string("getMetrics")),
                            ("summary", .string("Prometheus metrics: aggregate counters and histograms only, no member data.")),
                            ("security", .array([])),
                            ("responses", .object([("200", response("Prometheus text format.", schema: string, contentType: "text/plain"))])),
                        ])
                    )
                ])
            ))
        return .object([
            ("openapi", .string("3.1.0")),
            (
                "info",
                .object([
                    ("title", .string("Cloister admin and audit API")), ("version", .string("1")),
                    (
                        "description",
                        .string(
                            "Read-only. Callers need the admin_read or read_all permission; every read is an audit entry. "
                                + "Lists are paginated: pass a page's nextCursor as cursor for the next page.")
                    ),
                ])
            ),
            ("servers", .array([.object([("url", .string("/"))])])),
            ("security", .array([.object([("bearer", .array([]))])])),
            ("paths", .object(paths)),
            (
                "components",
                .object([
                    ("schemas", .object(schemas)),
                    (
                        "securitySchemes",
                        .object([("bearer", .object([("type", .string("http")), ("scheme", .string("bearer"))]))])
                    ),
                ])
            ),
        ])
    }
}
