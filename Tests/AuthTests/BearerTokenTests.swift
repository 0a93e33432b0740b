import Auth
import Testing

@Suite struct BearerTokenTests {
    @Test(arguments: ["Bearer abc.DEF-123_x~+/==", "bearer abc", "BEARER abc", "bEaReR abc"])
    func parsesBearerHeader(_ header: String) throws {
        let token = try BearerToken.parse(header)
        #expect(header.hasSuffix(token))
        #expect(token.count == header.count - 7)
    }

    @Test func missingHeaderIsRefused() {
        #expect(throws: AuthError.missingCredentials) { try BearerToken.parse(nil) }
        #expect(throws: AuthError.missingCredentials) { try BearerToken.parse("") }
    }

    @Test(arguments: ["Basic dXNlcjpwYXNzd29yZA==", "Token abc", "Bearerabc", "Bearer-abc", "Digest x"])
    func wrongSchemeIsRefused(_ header: String) {
        #expect(throws: AuthError.unsupportedScheme) { try BearerToken.parse(header) }
    }

    @Test(arguments: ["Bearer", "Bearer ", "Bearer  ", "Bearer =", "Bearer ==="])
    func emptyTokenIsRefused(_ header: String) {
        #expect(throws: AuthError.malformedAuthorizationHeader) { try BearerToken.parse(header) }
    }

    @Test(arguments: [
        "Bearer  abc", " Bearer abc", "Bearer abc ", "Bearer abc def", "Bearer\tabc", "Bearer abc\t", "Bearer a=b",
        "Bearer abc\r\n", "Bearer äbc",
    ])
    func extraSpacesOrForeignCharactersAreRefused(_ header: String) {
        #expect(throws: AuthError.self) { try BearerToken.parse(header) }
        #expect((try? BearerToken.parse(header)) == nil)
    }

    @Test func overlongHeaderIsRefused() {
        #expect(throws: AuthError.malformedAuthorizationHeader) {
            try BearerToken.parse("Bearer " + String(repeating: "a", count: 20_000))
        }
    }

    @Test func refusalNeverQuotesTheHeader() throws {
        for header in ["Basic dXNlcjpwYXNzd29yZA==", "Bearer  s3cr3t-t0ken", "Bearer s3cr3t t0ken"] {
            do {
                _ = try BearerToken.parse(header)
                Issue.record("accepted \(header)")
            } catch {
                #expect(!error.description.contains("dXNlcjpwYXNzd29yZA"))
                #expect(!error.description.contains("s3cr3t"))
            }
        }
    }
}
