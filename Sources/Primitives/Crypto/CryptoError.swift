/// Failures of the cryptographic primitives. Each message says what was wrong with the input.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A key, nonce, tag or output had the wrong size.
    case invalidLength(String)
    /// AES-GCM authentication failed: wrong key, wrong associated data, or tampered data.
    case authenticationFailed
    /// A secp256k1 private key was zero or not below the group order.
    case invalidPrivateKey
    /// A signature was malformed, had r or s out of range, or high s (EIP-2).
    case invalidSignature(String)
    /// Public-key recovery found no key for this signature and message.
    case recoveryFailed
    /// The system library reported an internal failure.
    case backendFailure(String)

    public var description: String {
        switch self {
        case .invalidLength(let why): return why
        case .authenticationFailed:
            return "authentication failed: the data was tampered with, or the key or associated data is wrong"
        case .invalidPrivateKey: return "invalid private key: it must be 32 bytes, non-zero and below the secp256k1 group order"
        case .invalidSignature(let why): return "invalid signature: \(why)"
        case .recoveryFailed: return "no public key can be recovered from this signature"
        case .backendFailure(let why): return why
        }
    }
}
