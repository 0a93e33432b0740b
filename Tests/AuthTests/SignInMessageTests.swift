import Auth
import Foundation
import Primitives
import Testing

@Suite struct SignInMessageTests {
    static let address = try! Address(hex: "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23")

    @Test func formatsEveryFieldAndParsesItBack() throws {
        let message = SignInMessage(
            scheme: "https", domain: "node.example:8545", address: Self.address, statement: "I accept the terms.",
            uri: "https://node.example:8545/rpc", chainID: 1337, nonce: "32891756abcdef",
            issuedAt: Date(timeIntervalSince1970: 1_735_689_600),
            expirationTime: Date(timeIntervalSince1970: 1_735_689_900),
            notBefore: Date(timeIntervalSince1970: 1_735_689_000), requestID: "req-1",
            resources: [
                "ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/",
                "https://example.com/my-web2-claim.json",
            ])
        #expect(
            message.text == """
                https://node.example:8545 wants you to sign in with your Ethereum account:
                0x2c7536E3605D9C16a7a3D7b1898e529396a65c23

                I accept the terms.

                URI: https://node.example:8545/rpc
                Version: 1
                Chain ID: 1337
                Nonce: 32891756abcdef
                Issued At: 2025-01-01T00:00:00Z
                Expiration Time: 2025-01-01T00:05:00Z
                Not Before: 2024-12-31T23:50:00Z
                Request ID: req-1
                Resources:
                - ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/
                - https://example.com/my-web2-claim.json
                """)
        #expect(try SignInMessage(parsing: message.text) == message)
    }

    @Test func parsesMessageWithoutStatement() throws {
        let text = """
            127.0.0.1:8545 wants you to sign in with your Ethereum account:
            0x2c7536E3605D9C16a7a3D7b1898e529396a65c23


            URI: http://127.0.0.1:8545
            Version: 1
            Chain ID: 1
            Nonce: abcdefgh
            Issued At: 2025-01-01T00:00:00Z
            """
        let message = try SignInMessage(parsing: text)
        #expect(message.statement == nil)
        #expect(message.expirationTime == nil)
        #expect(message.text == text)
    }

    @Test func parsesRFC3339Offsets() throws {
        func issuedAt(_ value: String) throws -> Date {
            try SignInMessage(
                parsing: """
                    127.0.0.1:8545 wants you to sign in with your Ethereum account:
                    0x2c7536E3605D9C16a7a3D7b1898e529396a65c23


                    URI: http://127.0.0.1:8545
                    Version: 1
                    Chain ID: 1
                    Nonce: abcdefgh
                    Issued At: \(value)
                    """
            ).issuedAt
        }
        let reference = Date(timeIntervalSince1970: 1_735_689_600)
        #expect(try issuedAt("2025-01-01T00:00:00Z") == reference)
        #expect(try issuedAt("2025-01-01T01:30:00+01:30") == reference)
        #expect(try issuedAt("2024-12-31T19:00:00-05:00") == reference)
        #expect(try issuedAt("2025-01-01T00:00:00.250Z") == reference.addingTimeInterval(0.25))
        #expect(try issuedAt("2024-02-29T00:00:00Z") == Date(timeIntervalSince1970: 1_709_164_800))
        for invalid in [
            "2025-02-29T00:00:00Z", "2025-01-01 00:00:00Z", "2025-01-01T00:00:00", "2025-13-01T00:00:00Z",
            "2025-01-01T24:00:00Z", "2025-01-01T00:00:00.Z", "2025-01-01T00:00:00+0100",
        ] {
            #expect(throws: AuthError.malformedMessage, "\(invalid)") { try issuedAt(invalid) }
        }
    }

    @Test func refusesLegacyLayoutWithOneBlankLineAndNoStatement() {
        let text = """
            127.0.0.1:8545 wants you to sign in with your Ethereum account:
            0x2c7536E3605D9C16a7a3D7b1898e529396a65c23

            URI: http://127.0.0.1:8545
            Version: 1
            Chain ID: 1
            Nonce: abcdefgh
            Issued At: 2025-01-01T00:00:00Z
            """
        #expect(throws: AuthError.malformedMessage) { try SignInMessage(parsing: text) }
    }

    @Test(arguments: ["abc", "abc defgh", "abcdefg!"])
    func refusesNonceThatIsShortOrNotAlphanumeric(_ nonce: String) {
        let text = """
            127.0.0.1:8545 wants you to sign in with your Ethereum account:
            0x2c7536E3605D9C16a7a3D7b1898e529396a65c23


            URI: http://127.0.0.1:8545
            Version: 1
            Chain ID: 1
            Nonce: \(nonce)
            Issued At: 2025-01-01T00:00:00Z
            """
        #expect(throws: AuthError.malformedMessage) { try SignInMessage(parsing: text) }
    }

    @Test func malformedMessageErrorNamesTheProblem() {
        let text =
            "127.0.0.1:8545 wants you to sign in with your Ethereum account:\n0x2c7536E3605D9C16a7a3D7b1898e529396a65c23\n\n\nURI: http://127.0.0.1:8545\nVersion: 7"
        do {
            _ = try SignInMessage(parsing: text)
            Issue.record("accepted version 7")
        } catch {
            #expect(error.description.contains("Version must be 1"))
        }
    }
}
