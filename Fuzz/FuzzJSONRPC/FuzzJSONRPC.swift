import API
import FuzzSupport

/// The JSON-RPC 2.0 envelope (`JSONRPCServer.respond`) on any request body, with a handler
/// that echoes the params (or refuses methods starting with "x"), batches answered by the
/// concurrent workers.
///
/// Contract: nothing traps; a body that is not JSON gets one parse error (-32700, id null);
/// otherwise every request that is not a valid notification gets exactly one response, in
/// order, echoing its id when the id is valid (null otherwise), and no response is sent
/// when there is nothing to answer; every response is JSON-RPC 2.0.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Fuzz.bytes(data, size)
    let server = JSONRPCServer()
    let response = Fuzz.wait {
        await server.respond(to: input) { request in
            request.method.hasPrefix("x") ? .failure(.invalidParams("refused by the fuzz handler")) : .success(request.params)
        }
    }
    guard let document = try? JSON.parse(input, maxDepth: server.limits.maxDepth) else {
        Fuzz.expect(errorCode(response) == -32700, "a body that is not JSON got no parse error")
        return 0
    }
    switch document {
    case .array(let items) where items.isEmpty || items.count > server.limits.maxBatch:
        Fuzz.expect(errorCode(response) != nil, "an empty or oversized batch got no error")
    case .array(let items):
        let expected = items.compactMap(expectedID)
        guard let response else {
            Fuzz.expect(expected.isEmpty, "a batch with \(expected.count) requests to answer got no response")
            return 0
        }
        guard case .array(let answers) = parse(response) else {
            Fuzz.expect(false, "a batch got a response that is not an array")
            return 0
        }
        Fuzz.expect(answers.map { $0["id"] } == expected.map { Optional($0) }, "batch responses do not echo the ids in order")
        for answer in answers { checkEnvelope(answer) }
    default:
        guard let id = expectedID(document) else {
            Fuzz.expect(response == nil, "a notification got a response")
            return 0
        }
        guard let response else {
            Fuzz.expect(false, "a request with an id got no response")
            return 0
        }
        let answer = parse(response)
        Fuzz.expect(answer["id"] == id, "the response does not echo the id")
        checkEnvelope(answer)
    }
    return 0
}

/// The id a request's response must carry, or nil for a valid notification (no response).
private func expectedID(_ item: JSON) -> JSON? {
    guard case .object = item else { return .null }
    let id = item["id"]
    let validID: JSON
    switch id {
    case nil: validID = .null
    case .string?, .number?, .null?: validID = id!
    default: return .null
    }
    guard item["jsonrpc"] == .string("2.0"), case .string? = item["method"] else { return validID }
    switch item["params"] {
    case nil, .array?, .object?: return id == nil ? nil : validID
    default: return validID
    }
}

private func parse(_ bytes: [UInt8]) -> JSON {
    do { return try JSON.parse(bytes, maxDepth: 1_000) } catch {
        Fuzz.expect(false, "the response is not JSON: \(error)")
        return .null
    }
}

/// The error code of a single error response, nil when there is none.
private func errorCode(_ response: [UInt8]?) -> Int? {
    guard let response else { return nil }
    let answer = parse(response)
    checkEnvelope(answer)
    guard case .number(let code)? = answer["error"]?["code"] else { return nil }
    return Int(code)
}

private func checkEnvelope(_ answer: JSON) {
    Fuzz.expect(answer["jsonrpc"] == .string("2.0"), "a response is not JSON-RPC 2.0")
    let hasResult = answer["result"] != nil
    let hasError = answer["error"] != nil
    Fuzz.expect(hasResult != hasError, "a response must carry exactly one of result and error")
    Fuzz.expect(answer["id"] != nil, "a response carries no id")
}
