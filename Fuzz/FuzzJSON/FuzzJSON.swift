import API
import FuzzSupport

/// The API's strict JSON parser on any bytes (every JSON-RPC body goes through it).
///
/// Contract: nothing traps, however deep or malformed; a parsed value prints as JSON that
/// parses back to an equal value and prints the same again (printing is a fixed point);
/// a lower depth limit only ever refuses, it never changes what is parsed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Fuzz.bytes(data, size)
    guard let value = try? JSON.parse(input) else { return 0 }
    let printed = value.serialized
    do {
        let reparsed = try JSON.parse(printed)
        Fuzz.expect(reparsed == value, "the printed JSON parses to a different value: \(String(decoding: printed, as: UTF8.self))")
        Fuzz.expect(reparsed.serialized == printed, "printing the reparsed JSON is not a fixed point")
    } catch {
        Fuzz.expect(false, "the printed JSON does not parse: \(error): \(String(decoding: printed, as: UTF8.self))")
    }
    if let shallow = try? JSON.parse(input, maxDepth: 3) {
        Fuzz.expect(shallow == value, "a lower depth limit changed the parsed value")
    }
    return 0
}
