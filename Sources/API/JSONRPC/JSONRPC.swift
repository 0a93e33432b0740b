/// A JSON-RPC error object, with the codes of rpc.md.
public struct RPCError: Error, Sendable, Equatable {
    public var code: Int
    public var message: String
    public var data: JSON?

    public init(code: Int, message: String, data: JSON? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public static func parseError(_ detail: String) -> RPCError { RPCError(code: -32700, message: "parse error: \(detail)") }
    public static func invalidRequest(_ detail: String) -> RPCError { RPCError(code: -32600, message: "invalid request: \(detail)") }
    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: -32601, message: "the method \(method) does not exist/is not available")
    }
    public static func invalidParams(_ detail: String) -> RPCError { RPCError(code: -32602, message: "invalid params: \(detail)") }
    public static func internalError(_ detail: String) -> RPCError { RPCError(code: -32603, message: "internal error: \(detail)") }
    /// Invalid input a person can fix (bad nonce, wrong chain id …).
    public static func invalidInput(_ message: String) -> RPCError { RPCError(code: -32000, message: message) }
    /// Authenticated, but the access policy does not allow it.
    public static func forbidden(_ message: String) -> RPCError { RPCError(code: -32001, message: message) }
    /// Refused by a compliance rule; `data` names the rule.
    public static func complianceRefusal(rule: String, message: String) -> RPCError {
        RPCError(code: -32003, message: message, data: .object([("rule", .string(rule))]))
    }
    public static func limitExceeded(_ message: String) -> RPCError { RPCError(code: -32005, message: message) }
    /// `execution reverted: <reason>` with `data` = the ABI `Error(string)` encoding, which
    /// web3.py surfaces as ContractLogicError carrying the reason.
    public static func executionReverted(reason: String, data: [UInt8]) -> RPCError {
        RPCError(code: 3, message: "execution reverted: \(reason)", data: .string(Hex.encode(data)))
    }

    var json: JSON {
        var members: [(String, JSON)] = [("code", .integer(code)), ("message", .string(message))]
        if let data { members.append(("data", data)) }
        return .object(members)
    }
}

/// One parsed call; `id` nil means a notification (no answer).
public struct RPCRequest: Sendable {
    public var id: JSON?
    public var method: String
    /// Positional or named parameters; absent is an empty array.
    public var params: JSON

    public init(id: JSON?, method: String, params: JSON) {
        self.id = id
        self.method = method
        self.params = params
    }
}

/// The JSON-RPC 2.0 envelope: parsing, validation, batches, notifications and limits,
/// independent of what the methods do.
public struct JSONRPCServer: Sendable {
    public struct Limits: Sendable {
        public var maxBatch = 1_000
        public var maxDepth = 64
        public init() {}
    }

    public let limits: Limits
    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Answers every valid request of one batch, results in the order given. A handler that
    /// knows its methods can do better than item by item (eth_sendRawTransaction batches are
    /// admitted together); `answerConcurrently` is the plain way.
    public typealias BatchHandler = @Sendable ([RPCRequest]) async -> [Result<JSON, RPCError>]

    /// Concurrent workers answering one batch.
    static let batchWorkers = 4

    /// Answers a request body. Returns nil when nothing must be sent back (notifications only).
    public func respond(
        to body: [UInt8], handler: @Sendable (RPCRequest) async -> Result<JSON, RPCError>
    ) async -> [UInt8]? {
        await respond(to: body, handler: handler) { requests in await Self.answerConcurrently(requests, handler: handler) }
    }

    /// Answers a request body, handing a batch's valid requests to `batchHandler` at once.
    /// Returns nil when nothing must be sent back (notifications only).
    public func respond(
        to body: [UInt8], handler: @Sendable (RPCRequest) async -> Result<JSON, RPCError>, batchHandler: BatchHandler
    ) async -> [UInt8]? {
        let document: JSON
        do {
            document = try JSON.parse(body, maxDepth: limits.maxDepth)
        } catch {
            return Self.errorResponse(id: .null, .parseError(error.description)).serialized
        }
        guard case .array(let items) = document else {
            return await answer(document, handler: handler)?.serialized
        }
        guard !items.isEmpty else { return Self.errorResponse(id: .null, .invalidRequest("empty batch")).serialized }
        guard items.count <= limits.maxBatch else {
            return Self.errorResponse(
                id: .null, .limitExceeded("batch of \(items.count) requests exceeds the limit of \(limits.maxBatch)")
            ).serialized
        }
        let parsed = items.map(parseRequest)
        let requests = parsed.compactMap { try? $0.get() }
        let results = requests.isEmpty ? [] : await batchHandler(requests)
        var responses = [JSON]()
        responses.reserveCapacity(items.count)
        var next = 0
        for item in parsed {
            switch item {
            case .failure(let failure): responses.append(Self.errorResponse(id: failure.id, failure.error))
            case .success(let request):
                // A handler answering fewer results than requests is a bug; answer it, do not crash.
                let result = next < results.count ? results[next] : .failure(.internalError("no answer for this batch item"))
                next += 1
                if let id = request.id { responses.append(Self.response(id: id, result)) }
            }
        }
        return responses.isEmpty ? nil : JSON.array(responses).serialized
    }

    /// Answers requests by a few concurrent workers, as JSON-RPC 2.0 allows, in request order:
    /// a batch of transactions is then recovered on every core while some items wait for the
    /// sequencer (a task per item cost more than it saved).
    public static func answerConcurrently(
        _ requests: [RPCRequest], handler: @Sendable (RPCRequest) async -> Result<JSON, RPCError>
    ) async -> [Result<JSON, RPCError>] {
        if requests.count == 1 { return [await handler(requests[0])] }
        let workers = Swift.min(requests.count, batchWorkers)
        return await withoutActuallyEscaping(handler) { handler in
            await withTaskGroup(of: [(Int, Result<JSON, RPCError>)].self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        var answers = [(Int, Result<JSON, RPCError>)]()
                        for index in stride(from: worker, to: requests.count, by: workers) {
                            answers.append((index, await handler(requests[index])))
                        }
                        return answers
                    }
                }
                var answered = [Result<JSON, RPCError>](repeating: .failure(.internalError("unanswered")), count: requests.count)
                for await answers in group { for (index, result) in answers { answered[index] = result } }
                return answered
            }
        }
    }

    /// One request object → its response, or nil for a notification.
    func answer(_ item: JSON, handler: @Sendable (RPCRequest) async -> Result<JSON, RPCError>) async -> JSON? {
        switch parseRequest(item) {
        case .failure(let failure):
            return Self.errorResponse(id: failure.id, failure.error)
        case .success(let request):
            let result = await handler(request)
            guard let id = request.id else { return nil }
            return Self.response(id: id, result)
        }
    }

    static func response(id: JSON, _ result: Result<JSON, RPCError>) -> JSON {
        switch result {
        case .success(let value): return .object([("jsonrpc", .string("2.0")), ("id", id), ("result", value)])
        case .failure(let error): return errorResponse(id: id, error)
        }
    }

    struct RequestFailure: Error {
        var id: JSON
        var error: RPCError
    }

    func parseRequest(_ item: JSON) -> Result<RPCRequest, RequestFailure> {
        guard case .object = item else {
            return .failure(RequestFailure(id: .null, error: .invalidRequest("a request must be a JSON object")))
        }
        // The id is echoed when it is valid, even if the rest of the request is not.
        var id: JSON?
        if let value = item["id"] {
            switch value {
            case .string, .number, .null: id = value
            default: return .failure(RequestFailure(id: .null, error: .invalidRequest("id must be a string, number or null")))
            }
        }
        let echo = id ?? .null
        guard item["jsonrpc"] == .string("2.0") else {
            return .failure(RequestFailure(id: echo, error: .invalidRequest("jsonrpc must be \"2.0\"")))
        }
        guard case .string(let method)? = item["method"] else {
            return .failure(RequestFailure(id: echo, error: .invalidRequest("method must be a string")))
        }
        let params = item["params"] ?? .array([])
        switch params {
        case .array, .object: break
        default: return .failure(RequestFailure(id: echo, error: .invalidRequest("params must be an array or an object")))
        }
        return .success(RPCRequest(id: id, method: method, params: params))
    }

    static func errorResponse(id: JSON, _ error: RPCError) -> JSON {
        .object([("jsonrpc", .string("2.0")), ("id", id), ("error", error.json)])
    }
}

import Primitives
