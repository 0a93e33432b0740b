import ArgumentParser
import Foundation
import Primitives
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth", abstract: "Sign in to a node's member API.", subcommands: [Login.self])

    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wallet sign-in (EIP-4361) with a key file; prints only the bearer token on stdout.",
            discussion: """
                Example:
                  TOKEN=$(cloister auth login --key Config/devnet-keys/alice.key)
                  curl -s -H "Authorization: Bearer $TOKEN" -d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}' http://127.0.0.1:8545
                """)

        @Option(help: "The member's key file.")
        var key: String

        @Option(help: "The node's HTTP address.")
        var rpc: String = "http://127.0.0.1:8545"

        func run() async throws {
            let privateKey: PrivateKey
            do { privateKey = try KeyFile.read(at: key) } catch { throw CommandFailure(error.description) }
            let challenge = try await post("/auth/challenge", ["address": privateKey.address.checksummed])
            guard let message = challenge["message"] as? String else {
                throw CommandFailure("the node did not return a sign-in message: \(challenge)")
            }
            let signature = PersonalSign.sign(message: message, with: privateKey)
            let login = try await post("/auth/login", ["message": message, "signature": Hex.encode(signature)])
            guard let token = login["token"] as? String else { throw CommandFailure("sign-in refused: \(login["error"] ?? login)") }
            print(token)
        }

        func post(_ path: String, _ body: [String: String]) async throws -> [String: Any] {
            guard let url = URL(string: rpc.hasSuffix("/") ? String(rpc.dropLast()) + path : rpc + path) else {
                throw CommandFailure("--rpc \(rpc) is not a URL")
            }
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            let data: Data
            do {
                (data, _) = try await URLSession.shared.data(for: request)
            } catch {
                throw CommandFailure("cannot reach \(rpc): \(error.localizedDescription) (is the node running? `make run`)")
            }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw CommandFailure("unexpected answer from \(url): \(String(decoding: data, as: UTF8.self))")
            }
            return object
        }
    }
}

/// EIP-191 `personal_sign`: what wallets and eth-account's `encode_defunct` sign.
enum PersonalSign {
    static func sign(message: String, with key: PrivateKey) -> [UInt8] {
        let bytes = Array(message.utf8)
        var hasher = Keccak256()
        hasher.update(Array("\u{19}Ethereum Signed Message:\n\(bytes.count)".utf8))
        hasher.update(bytes)
        let signature = key.sign(messageHash: hasher.finalize())
        return signature.r.bigEndianBytes + signature.s.bigEndianBytes + [27 + signature.recoveryID]
    }
}
