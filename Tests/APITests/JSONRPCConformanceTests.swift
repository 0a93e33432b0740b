import API
import Synchronization
import Testing

/// The JSON-RPC 2.0 rules of rpc.md, pinned on the envelope alone.
@Suite struct JSONRPCConformanceTests {
    let server = JSONRPCServer()

    /// Echoes the method name, fails for "fail", so the envelope's behaviour is visible.
    @Sendable static func echo(_ request: RPCRequest) async -> Result<JSON, RPCError> {
        request.method == "fail" ? .failure(.invalidInput("failed")) : .success(.string(request.method))
    }

    func respond(_ body: String) async throws -> JSON? {
        guard let bytes = await server.respond(to: Array(body.utf8), handler: Self.echo) else { return nil }
        return try JSON.parse(bytes)
    }

    @Test func echoesIdVerbatim() async throws {
        for id in ["1", "\"abc\"", "1.50", "-7", "12345678901234567890"] {
            let response = try #require(try await respond("{\"jsonrpc\":\"2.0\",\"id\":\(id),\"method\":\"m\"}"))
            #expect(response["id"] == (try JSON.parse(Array(id.utf8))))
            #expect(response["result"] == .string("m"))
            #expect(response["error"] == nil)
            #expect(response["jsonrpc"] == .string("2.0"))
        }
    }

    @Test func nullIdIsAnsweredWithNullId() async throws {
        let response = try #require(try await respond("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"m\"}"))
        #expect(response["id"] == .null)
        #expect(response["result"] == .string("m"))
    }

    @Test func notificationGetsNoAnswer() async throws {
        #expect(try await respond("{\"jsonrpc\":\"2.0\",\"method\":\"m\"}") == nil)
        #expect(try await respond("{\"jsonrpc\":\"2.0\",\"method\":\"fail\",\"params\":[]}") == nil)
    }

    @Test func parseErrorHasNullId() async throws {
        for body in ["{\"jsonrpc\":\"2.0\",\"id\":1,", "not json", "", "{\"a\":1} x"] {
            let response = try #require(try await respond(body))
            #expect(response["id"] == .null)
            #expect(response["error"]?["code"] == .integer(-32700))
        }
    }

    @Test(arguments: [
        "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"m\"}",
        "{\"id\":1,\"method\":\"m\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":1}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":\"x\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"m\"}",
        "42",
    ])
    func invalidRequestIsRefused(_ body: String) async throws {
        let response = try #require(try await respond(body))
        #expect(response["error"]?["code"] == .integer(-32600))
        #expect(response["result"] == nil)
    }

    @Test func invalidRequestEchoesAValidId() async throws {
        let response = try #require(try await respond("{\"jsonrpc\":\"1.0\",\"id\":9,\"method\":\"m\"}"))
        #expect(response["id"] == .integer(9))
    }

    @Test func paramsMayBeArrayObjectOrAbsent() async throws {
        for params in [",\"params\":[1,2]", ",\"params\":{\"a\":1}", ""] {
            let response = try #require(try await respond("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"\(params)}"))
            #expect(response["result"] == .string("m"))
        }
    }

    @Test func emptyBatchIsOneInvalidRequest() async throws {
        let response = try #require(try await respond("[]"))
        #expect(response["error"]?["code"] == .integer(-32600))
        #expect(response["id"] == .null)
    }

    @Test func batchAnswersEachRequestAndSkipsNotifications() async throws {
        let response = try #require(
            try await respond(
                "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\"},{\"jsonrpc\":\"2.0\",\"method\":\"n\"},1,{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"fail\"}]"
            ))
        let items = try #require(response.arrayValue)
        #expect(items.count == 3)
        #expect(items[0]["result"] == .string("a"))
        #expect(items[1]["error"]?["code"] == .integer(-32600))
        #expect(items[2]["id"] == .string("x"))
        #expect(items[2]["error"]?["code"] == .integer(-32000))
    }

    /// Items of a batch are answered concurrently (a batch of transactions is recovered on
    /// every core), and the answers still come back in request order: the first item here
    /// finishes only once the last one has started.
    @Test func batchItemsRunConcurrentlyAndAnswerInOrder() async throws {
        let lastStarted = Mutex(false)
        let handler: @Sendable (RPCRequest) async -> Result<JSON, RPCError> = { request in
            if request.method == "last" { lastStarted.withLock { $0 = true } }
            guard request.method == "first" else { return .success(.string(request.method)) }
            for _ in 0..<200 {
                if lastStarted.withLock({ $0 }) { return .success(.string("first saw last")) }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return .success(.string("first ran alone"))
        }
        let body = "[" + ["first", "b", "c", "last"].enumerated()
            .map { "{\"jsonrpc\":\"2.0\",\"id\":\($0.offset),\"method\":\"\($0.element)\"}" }
            .joined(separator: ",") + "]"
        let bytes = try #require(await server.respond(to: Array(body.utf8), handler: handler))
        let items = try #require(try JSON.parse(bytes).arrayValue)
        #expect(items.map { $0["id"] } == [.integer(0), .integer(1), .integer(2), .integer(3)])
        #expect(items.map { $0["result"] } == [.string("first saw last"), .string("b"), .string("c"), .string("last")])
    }

    /// A batch handler sees every valid item of a batch in one call (notifications included,
    /// invalid items left out), and its answers are placed back between the invalid items' errors.
    @Test func batchHandlerGetsAllValidItemsAtOnceAndAnswersKeepTheirPlaces() async throws {
        let calls = Mutex([[String]]())
        let body = #"[{"jsonrpc":"2.0","id":1,"method":"a"},5,{"jsonrpc":"2.0","method":"note"},"#
            + #"{"jsonrpc":"1.0","id":3,"method":"old"},{"jsonrpc":"2.0","id":4,"method":"fail"}]"#
        let bytes = try #require(
            await server.respond(
                to: Array(body.utf8), handler: Self.echo,
                batchHandler: { requests in
                    calls.withLock { $0.append(requests.map(\.method)) }
                    var answers = [Result<JSON, RPCError>]()
                    for request in requests { answers.append(await Self.echo(request)) }
                    return answers
                }))
        #expect(calls.withLock { $0 } == [["a", "note", "fail"]])
        let items = try #require(try JSON.parse(bytes).arrayValue)
        #expect(items.map { $0["id"] } == [.integer(1), .null, .integer(3), .integer(4)])
        #expect(items[0]["result"] == .string("a"))
        #expect(items[1]["error"]?["code"] == .integer(-32600))
        #expect(items[2]["error"]?["code"] == .integer(-32600))
        #expect(items[3]["error"]?["code"] == .integer(-32000))
    }

    /// A batch handler that answers too few items is a bug, answered as an internal error, not a crash.
    @Test func batchHandlerAnsweringTooFewItemsIsAnInternalError() async throws {
        let body = #"[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","id":2,"method":"b"}]"#
        let bytes = try #require(
            await server.respond(to: Array(body.utf8), handler: Self.echo, batchHandler: { _ in [.success(.string("only"))] }))
        let items = try #require(try JSON.parse(bytes).arrayValue)
        #expect(items[0]["result"] == .string("only"))
        #expect(items[1]["error"]?["code"] == .integer(-32603))
    }

    @Test func batchOfNotificationsGetsNoBody() async throws {
        #expect(try await respond("[{\"jsonrpc\":\"2.0\",\"method\":\"a\"},{\"jsonrpc\":\"2.0\",\"method\":\"b\"}]") == nil)
    }

    @Test func batchOverTheLimitIsRefused() async throws {
        let one = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"}"
        let body = "[" + Array(repeating: one, count: 1_001).joined(separator: ",") + "]"
        let response = try #require(try await respond(body))
        #expect(response["error"]?["code"] == .integer(-32005))
    }

    @Test func deepNestingIsAParseErrorNotACrash() async throws {
        let body = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let response = try #require(try await respond(body))
        #expect(response["error"]?["code"] == .integer(-32700))
    }

    @Test func jsonRoundTripsStringsWithEscapes() throws {
        let text = "{\"s\":\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\",\"n\":-1.5e3,\"t\":true,\"z\":null}"
        let value = try JSON.parse(Array(text.utf8))
        #expect(value["s"] == .string("a\"b\\c\né😀"))
        #expect(try JSON.parse(value.serialized) == value)
        #expect(throws: JSONParseError.self) { try JSON.parse(Array("\"\\ud800\"".utf8)) }
        #expect(throws: JSONParseError.self) { try JSON.parse(Array("01".utf8)) }
        #expect(throws: JSONParseError.self) { try JSON.parse(Array("\"a\u{01}\"".utf8)) }
    }
}
