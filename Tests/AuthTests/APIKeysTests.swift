import Auth
import Primitives
import Testing

@Suite struct APIKeysTests {
    @Test func hashIsSHA256OfTheKeyText() {
        // sha256("abc"), FIPS 180-2 appendix B.1.
        #expect(APIKeys.hash("abc").hex == "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func generatedKeyHashMatches() throws {
        let (key, hash) = APIKeys.generate()
        #expect(key.hasPrefix("clk_"))
        #expect(key.count == 4 + 43)
        #expect(APIKeys.hash(key) == hash)
        #expect(APIKeys.matches(key, hash: hash))
        #expect(CredentialKind(token: key) == .apiKey)
        // A generated key passes through the Authorization header unchanged.
        #expect(try BearerToken.parse("Bearer \(key)") == key)
    }

    @Test func differentKeysHaveDifferentHashes() {
        let first = APIKeys.generate()
        let second = APIKeys.generate()
        #expect(first.key != second.key)
        #expect(first.hash != second.hash)
        #expect(!APIKeys.matches(first.key, hash: second.hash))
        #expect(APIKeys.hash(first.key + "x") != first.hash)
    }

    @Test func authenticatesOnlyConfiguredKeys() throws {
        let service = APIKeys.generate()
        let other = APIKeys.generate()
        let configured = [APIKeys.generate().hash, service.hash, APIKeys.generate().hash]
        #expect(try APIKeys.authenticate(service.key, configuredHashes: configured) == .apiKey(hash: service.hash))
        #expect(throws: AuthError.unknownAPIKey) { try APIKeys.authenticate(other.key, configuredHashes: configured) }
        #expect(throws: AuthError.unknownAPIKey) { try APIKeys.authenticate(service.key, configuredHashes: []) }
        #expect(throws: AuthError.missingCredentials) { try APIKeys.authenticate("", configuredHashes: configured) }
    }

    @Test func refusalNeverQuotesTheKey() {
        let presented = APIKeys.generate().key
        do {
            _ = try APIKeys.authenticate(presented, configuredHashes: [APIKeys.generate().hash])
            Issue.record("accepted an unknown key")
        } catch {
            #expect(!error.description.contains(presented))
            #expect(!error.description.contains(String(presented.dropFirst(4).prefix(8))))
        }
    }
}
