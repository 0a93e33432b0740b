import Primitives

/// API keys for services: the node is configured with SHA-256 hashes only, so a leaked
/// configuration file or database grants nothing.
///
/// The keys are 32 random bytes, so a single unsalted SHA-256 is enough: there is no
/// dictionary to attack, and a fast hash keeps every request cheap.
public enum APIKeys {
    /// The prefix of generated keys: makes them recognisable to secret scanners and to
    /// ``CredentialKind``.
    public static let prefix = "clk_"

    /// SHA-256 of the key's UTF-8 bytes: the value to put in the configuration.
    public static func hash(_ presentedKey: String) -> Hash32 {
        SHA256.hash(Array(presentedKey.utf8))
    }

    /// A new key (`clk_` + 32 random bytes in base64url) and its hash. Show the key once to
    /// the operator; store only the hash.
    public static func generate() -> (key: String, hash: Hash32) {
        let key = prefix + Base64URL.encode(SecureRandom.bytes(32))
        return (key, hash(key))
    }

    /// Whether `presentedKey` hashes to `hash`, compared in constant time.
    public static func matches(_ presentedKey: String, hash: Hash32) -> Bool {
        ConstantTime.equals(self.hash(presentedKey).bytes, hash.bytes)
    }

    /// The subject for a presented key, if its hash is among `configuredHashes`.
    ///
    /// Every configured hash is compared, in constant time and without stopping at a match,
    /// so the time taken says nothing about which or how many bytes matched.
    public static func authenticate(
        _ presentedKey: String, configuredHashes: some Sequence<Hash32>
    ) throws(AuthError) -> AuthenticatedSubject {
        guard !presentedKey.isEmpty else { throw .missingCredentials }
        let presented = hash(presentedKey)
        let presentedBytes = presented.bytes
        var found = false
        for configured in configuredHashes {
            found = ConstantTime.equals(presentedBytes, configured.bytes) || found
        }
        guard found else { throw .unknownAPIKey }
        return .apiKey(hash: presented)
    }
}
