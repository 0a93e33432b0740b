import Primitives

/// EIP-191 version 0x45 ("personal_sign") messages: what wallets sign for a sign-in.
///
/// The prefix and length make a signed text unusable as a transaction signature, which
/// is why wallets sign sign-in messages this way and why the node must hash them the same way.
public enum PersonalMessage {
    /// keccak256("\u{19}Ethereum Signed Message:\n" + decimal byte length + message bytes),
    /// as eth-account's `encode_defunct(text:)` and ethers' `hashMessage` compute it.
    public static func hash(_ message: String) -> Hash32 {
        let bytes = Array(message.utf8)
        var hasher = Keccak256()
        hasher.update(Array("\u{19}Ethereum Signed Message:\n\(bytes.count)".utf8))
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Parses a wallet signature: `0x` + 65 bytes r ‖ s ‖ v, v ∈ {27, 28} or {0, 1}, with
    /// r and s in range and s in the lower half of the order (EIP-2), so that each signature
    /// has one accepted form.
    public static func signature(hex text: String) throws(AuthError) -> RecoverableSignature {
        let bytes: [UInt8]
        do {
            bytes = try Hex.decodeData(text)
        } catch {
            throw AuthError.malformedSignature.with("the signature is not 0x-prefixed hex (\(error))")
        }
        guard bytes.count == 65 else {
            throw AuthError.malformedSignature.with(
                "the signature must be 65 bytes (r ‖ s ‖ v, 0x + 130 hex digits), got \(bytes.count) bytes")
        }
        let recoveryID: UInt8
        switch bytes[64] {
        case 0, 1: recoveryID = bytes[64]
        case 27, 28: recoveryID = bytes[64] - 27
        default: throw AuthError.malformedSignature.with("the signature's v byte must be 27, 28, 0 or 1")
        }
        let signature = RecoverableSignature(
            r: UInt256(bigEndianWord: bytes[0..<32]), s: UInt256(bigEndianWord: bytes[32..<64]),
            recoveryID: recoveryID)
        do {
            try signature.validate()
        } catch {
            throw AuthError.malformedSignature.with("the signature is not canonical: \(error)")
        }
        return signature
    }

    /// The address whose key signed `message` (a text, hashed per EIP-191).
    public static func recoverSigner(message: String, signature text: String) throws(AuthError) -> Address {
        let signature = try signature(hex: text)
        do {
            return try Secp256k1.recoverAddress(messageHash: hash(message), signature: signature)
        } catch {
            throw AuthError.badSignature.with("no account can be recovered from this signature and message")
        }
    }
}
