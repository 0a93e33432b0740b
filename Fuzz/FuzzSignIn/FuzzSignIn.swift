import Auth
import FuzzSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The EIP-4361 sign-in message parser on any text (`auth_login` hands it the client's
/// message before checking the signature).
///
/// Contract: nothing traps; a parsed message prints (`text`) as a message that parses to
/// the same fields (dates to the whole second, as `text` writes them) and prints the same
/// text again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: Fuzz.bytes(data, size), as: UTF8.self)
    guard let message = try? SignInMessage(parsing: text) else { return 0 }
    let printed = message.text
    do {
        let again = try SignInMessage(parsing: printed)
        Fuzz.expect(again.text == printed, "the printed message prints differently after parsing:\n\(printed)")
        var truncated = message
        truncated.issuedAt = wholeSecond(message.issuedAt)
        truncated.expirationTime = message.expirationTime.map(wholeSecond)
        truncated.notBefore = message.notBefore.map(wholeSecond)
        Fuzz.expect(again == truncated, "the printed message parses to other fields:\n\(printed)")
    } catch {
        Fuzz.expect(false, "the printed message does not parse (\(error)):\n\(printed)")
    }
    return 0
}

/// The instant as `text` writes it: UTC, whole seconds (rounded down).
private func wholeSecond(_ date: Date) -> Date {
    Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
}
