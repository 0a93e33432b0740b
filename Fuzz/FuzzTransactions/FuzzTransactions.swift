import FuzzSupport
import Primitives
import Transactions

/// Transaction decoding, validation and sender recovery on any bytes, as
/// `eth_sendRawTransaction` receives them.
///
/// Contract: nothing traps; a decoded transaction keeps its raw bytes, and its signing hash
/// (taken from the raw field encodings) equals the hash of the signing payload rebuilt from
/// the decoded fields; re-encoding the fields and signature gives back the input, which
/// decodes to an equal transaction; validation and recovery refuse with errors only.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Fuzz.bytes(data, size)
    guard let signed = try? TransactionCodec.decode(input) else { return 0 }
    Fuzz.expect(signed.rawBytes == input, "the decoded transaction does not keep its raw bytes")
    Fuzz.expect(signed.hash == Keccak256.hash(input), "the transaction hash is not keccak256 of the raw bytes")
    let payload = TransactionCodec.signingPayload(signed.transaction)
    Fuzz.expect(
        Keccak256.hash(payload) == signed.signingHash,
        "the signing hash differs from keccak256 of the rebuilt payload \(Hex.encode(payload))")
    let encoded = TransactionCodec.encode(signed.transaction, signature: signed.signature)
    Fuzz.expect(encoded == input, "re-encoding gives \(Hex.encode(encoded)), decoded from \(Hex.encode(input))")
    do {
        let again = try TransactionCodec.decode(encoded)
        Fuzz.expect(again == signed, "the re-encoded transaction decodes to a different one")
    } catch {
        Fuzz.expect(false, "the re-encoded transaction does not decode: \(error)")
    }
    let ownChain = signed.transaction.chainID ?? 1
    for validator in [
        TransactionValidator(chainID: ownChain, allowsUnprotectedLegacy: true),
        TransactionValidator(chainID: ownChain &+ 1),
    ] {
        _ = try? validator.validate(signed)
    }
    _ = IntrinsicGas.of(signed.transaction)
    _ = try? signed.recoverSender()
    return 0
}
