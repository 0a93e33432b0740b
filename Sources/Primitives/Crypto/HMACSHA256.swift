import COpenSSL
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// HMAC-SHA256, the keyed hash behind lookup keys that must not reveal what they index.
public enum HMACSHA256 {
    public static func authenticationCode(key: some ContiguousBytes, message: some ContiguousBytes) -> Hash32 {
        var mac = Hash32.zero
        key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                mac.withUnsafeMutableBytes { out in
                    let ok = cloister_hmac_sha256(
                        k.baseAddress?.assumingMemoryBound(to: UInt8.self), k.count,
                        m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count,
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    precondition(ok == 1, "OpenSSL HMAC-SHA256 failed")
                }
            }
        }
        return mac
    }
}
