import Auth
import Foundation
import Primitives
import Synchronization
import Testing

/// A clock the test moves by hand, so expiries are crossed without waiting.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_750_000_000)) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }

    func advance(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        current.withLock { $0 = $0.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18) }
    }

    var function: @Sendable () -> Date { { self.now } }
}

/// Signs a text the way eth-account's `encode_defunct(text=…)` + `sign_message` does:
/// keccak256("\u{19}Ethereum Signed Message:\n" + decimal byte length + bytes), v = 27/28.
/// Written here independently of the module's own hashing, so the two check each other.
func personalSign(_ message: String, with key: PrivateKey, vBase: UInt8 = 27) -> String {
    let bytes = Array(message.utf8)
    let digest = Keccak256.hash(Array("\u{19}Ethereum Signed Message:\n\(bytes.count)".utf8) + bytes)
    let signature = key.sign(messageHash: digest)
    return Hex.encode(signature.r.bigEndianBytes + signature.s.bigEndianBytes + [signature.recoveryID + vBase])
}

/// Unpadded base64url, for building tokens by hand.
func base64URL(_ bytes: some Sequence<UInt8>) -> String {
    Data(bytes).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

func base64URLDecode(_ text: String) -> [UInt8]? {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    return Data(base64Encoded: base64).map { Array($0) }
}

/// The error a throwing call raised, for checking both its reason and its wording.
func authError(_ body: () async throws -> Void) async -> AuthError? {
    do {
        try await body()
        return nil
    } catch let error as AuthError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

/// A 2048-bit RSA key made for these tests only (`openssl genrsa 2048`).
let testRSAPrivateKeyPEM = """
    -----BEGIN PRIVATE KEY-----
    MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCZAApXWKxoc+PY
    Y+tB99H/5qoCz/UxSVfdt3YMZy6BdQfhMQ6VheuWekF7WBZ/8lxS4b8TiO4hxm6E
    S/jNH/3YxW9DMPAYcmmFzsyZ+aynZlehWo1FVfafAkBKHKinjJL22qaFQZ0yCv5W
    D92CmVIIkXQAuHknEafECxmE6xFTMHxVKAQa5LXYc2NB/tHwxCU1e4kcNmS9qC79
    XU1N7O+SzUur+MJKW9PIzTMAOz3H+vPpZ8eNt3z4kW07/C0P7xaE+eOPk3md58uk
    1fjEI3AeXdF/q8UOpeqd0vglX/HNXzPAj4WUUxcUwf2J2WZiW5jiblfSqcJ337+e
    EzmC1uW/AgMBAAECggEAMDwABptw9xkaCp0tjMWJEejxTiOrhBdAOSjecXiSA8QW
    cNsbYu4uYGk4fZ8+sKWCj6qVp53ynPlG3DRrQpfEWnOb6Q3jk4F2XPXeMOiykq/E
    Dp1SjjpUnrqB9Btm3DOIHYS/HKGb4ivvFMi5p7OYVhUtAhEmOLfrMPXi3LGS66uP
    p8CYEjw4tfKtqnZw/1QRB16ZNqBg6WN5gRGkVOZcWGESaCuGjtDejpyFv4YIXIft
    Wp7RLomATqTbToNs9XRLSQL+Vs21YiTnrYBotFgYY1zxfjcAod+KM4y4Tx5HE8l2
    UnORAw/Svrb7lSVzSqYDhZ722Xrs83J52/fzYwmk2QKBgQDJvlSbeQWvQ2zF8Re9
    wxnOI66IhC8dwIiHAE0J/xdNqjpRxdkDtBzj0sgPOZOrn0vtW/0f0X977+nmGfhy
    xLJJ0d+eQ4C4hnGmuZSnJmhA34d00VkO9SGkhxL1nWgUAM1JOU/CFfBNOc9YOa2o
    lrcdcZbq6oSyu5kaWQGjTWYNGwKBgQDCJdJIiwT9qKwef2DI8jcKycq3GmGoxwWg
    Bu/bWFEpox7H4CC6CQ0GGMyY88u9fm9KUlYtGiSEBjlNea49ZjIyUpociPJ5hqZ0
    +zaJWgUF19fsziK/5u/CqWrTtZ6ztTHgRSKBAsryBMG5cjUHYaNXFEdLGZxD246B
    tB1acxVILQKBgCgsCDj1PlaJ/Izl1y5oPSk5HbX9bExmXElVnAGTlBZZAUfrN61v
    HhmXjVLKykbwb3QSTzMYymPpgA/buAdSd5YPfpHLK0STMOpcJeeq1DOmzxhJ34wE
    7/ANHY9fCqyBBF/CU8l4COO30TvmMFhTup7YUY7xp/7XMEN42cSk0t9lAoGBAKC2
    xFMO2avNM+XvFcRiVVQV5Twbl5oqXiqxc16ExnMMOA/HJfA6S9CvOLaoohCUGDZS
    4ElnqbCsokTTJHxpG8ZygGZ8qxQUdbjCt8uNfDjxCypZHYTz+6eNrQPiBaTHqqj3
    Me/PywX7EA6eTu10Us1j2Px/D89QcbBG1EGqoIRlAoGAbSIuMBUGSbFAD2jbqkWe
    FFxSBsNSWLg+4BbCbTOG8DpFxJ6ApzubhZe0hdEzhxCAUucr2NRFlLC1Iln+Yrhb
    grOBmC7lWLBjO7hj1wleTdVpU6ddQl+QzfjRkF5R2NOYre0myiqwZLLHOkVg4QJU
    q0SBwdwvCD5CuZ7NAvlkvnc=
    -----END PRIVATE KEY-----
    """
