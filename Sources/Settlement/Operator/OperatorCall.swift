import Primitives

/// A call only the operator may make, and the exact bytes its signature covers.
///
/// The operator signs `keccak256("cloister-l1/v1" ‖ len(name) ‖ name ‖ body)` where `len`
/// is one byte and `body` is fixed-width big-endian fields:
///
/// | call    | body                                                        |
/// |---------|-------------------------------------------------------------|
/// | commit  | batchNumber (8) ‖ batchHash (32)                            |
/// | prove   | batchNumber (8) ‖ batchHash (32) ‖ SHA-256(proof) (32)      |
/// | execute | batchNumber (8) ‖ batchHash (32)                            |
/// | revert  | toBatch (8) ‖ hash of the last committed batch (32)         |
///
/// The batch hash covers every public field, so a commit signature cannot be reused for
/// other content; a replay of an applied call is an identical resend, which the L1
/// acknowledges without a state change. A revert signature names the chain tip it was
/// made against, so it is useless once the tip moves; and a batch hash once reverted is
/// never committed again, so replaying an old commit cannot undo a revert.
public enum OperatorCall: Sendable, Hashable {
    case commit(BatchCommitment)
    case prove(batchNumber: UInt64, batchHash: Hash32, proof: [UInt8])
    case execute(batchNumber: UInt64, batchHash: Hash32)
    case revert(toBatch: UInt64, lastCommittedBatchHash: Hash32)

    public static let signingDomainTag = "cloister-l1/v1"

    /// The call's name in the signed message and the HTTP path.
    public var name: String {
        switch self {
        case .commit: return "commit"
        case .prove: return "prove"
        case .execute: return "execute"
        case .revert: return "revert"
        }
    }

    /// The batch the call is about (the target batch for a revert).
    public var batchNumber: UInt64 {
        switch self {
        case .commit(let commitment): return commitment.batchNumber
        case .prove(let number, _, _), .execute(let number, _): return number
        case .revert(let target, _): return target
        }
    }

    /// The fixed-width body the signature binds (see the table above).
    public var signingBody: [UInt8] {
        var body = CanonicalBytes(tag: "")
        switch self {
        case .commit(let commitment):
            body.append(commitment.batchNumber)
            body.append(commitment.batchHash)
        case .prove(let number, let hash, let proof):
            body.append(number)
            body.append(hash)
            body.append(SHA256.hash(proof))
        case .execute(let number, let hash):
            body.append(number)
            body.append(hash)
        case .revert(let target, let tip):
            body.append(target)
            body.append(tip)
        }
        return body.bytes
    }

    /// The 32-byte hash the operator signs.
    public var signingHash: Hash32 {
        var message = CanonicalBytes(tag: Self.signingDomainTag)
        message.append([UInt8(name.utf8.count)] + Array(name.utf8))
        message.append(signingBody)
        return Keccak256.hash(message.bytes)
    }

    /// Signs the call with the operator's key.
    public func sign(with key: PrivateKey) -> OperatorSignature {
        OperatorSignature(key.sign(messageHash: signingHash))
    }
}

/// A 65-byte recoverable secp256k1 signature, `r ‖ s ‖ v` with v = 27 + recovery id (as
/// Ethereum writes them), sent as `0x` hex in the `X-Cloister-Operator-Signature` header.
public struct OperatorSignature: Sendable, Equatable, CustomStringConvertible {
    public static let headerName = "X-Cloister-Operator-Signature"

    public let signature: RecoverableSignature

    public init(_ signature: RecoverableSignature) { self.signature = signature }

    /// `0x` + 130 hex digits; v may be 0/1 or 27/28.
    public init(hex: String) throws(SettlementError) {
        guard let bytes = try? Hex.decodeData(hex, count: 65) else {
            throw SettlementError(
                .unauthorized,
                "the operator signature must be 0x followed by 130 hex digits (r ‖ s ‖ v), got '\(hex.prefix(20))…'")
        }
        let v = bytes[64] >= 27 ? bytes[64] - 27 : bytes[64]
        guard v <= 1, let r = try? UInt256(bigEndian: bytes[0..<32]), let s = try? UInt256(bigEndian: bytes[32..<64])
        else {
            throw SettlementError(
                .unauthorized, "the operator signature's v must be 27 or 28 (or 0 or 1), got \(bytes[64])")
        }
        signature = RecoverableSignature(r: r, s: s, recoveryID: v)
    }

    public var hex: String {
        Hex.encode(signature.r.bigEndianBytes + signature.s.bigEndianBytes + [27 + signature.recoveryID])
    }
    public var description: String { hex }

    /// The address whose key made this signature over `call`.
    public func signer(of call: OperatorCall) throws(SettlementError) -> Address {
        do {
            return try Secp256k1.recoverAddress(messageHash: call.signingHash, signature: signature)
        } catch {
            throw SettlementError(.unauthorized, "the operator signature on '\(call.name)' cannot be used: \(error)")
        }
    }
}
