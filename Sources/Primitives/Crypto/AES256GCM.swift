import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// AES-256-GCM authenticated encryption through OpenSSL.
///
/// The associated data is authenticated but not encrypted: the store binds each record to
/// its table and key with it, so a ciphertext moved to another row no longer opens.
public enum AES256GCM {
    public static let keyByteCount = 32
    public static let nonceByteCount = 12
    public static let tagByteCount = 16

    /// A sealed message: nonce, ciphertext and tag.
    public struct SealedBox: Equatable, Sendable {
        public var nonce: [UInt8]
        public var ciphertext: [UInt8]
        public var tag: [UInt8]

        public init(nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
            self.nonce = nonce
            self.ciphertext = ciphertext
            self.tag = tag
        }

        /// `nonce || ciphertext || tag`, the form stored on disk.
        public var combined: [UInt8] { nonce + ciphertext + tag }

        /// Splits `nonce || ciphertext || tag`.
        public init(combined: [UInt8]) throws(CryptoError) {
            guard combined.count >= AES256GCM.nonceByteCount + AES256GCM.tagByteCount else {
                throw .invalidLength("sealed data is \(combined.count) bytes, shorter than nonce and tag (28)")
            }
            nonce = Array(combined[0..<12])
            ciphertext = Array(combined[12..<(combined.count - 16)])
            tag = Array(combined[(combined.count - 16)...])
        }
    }

    /// Encrypts with a fresh random nonce.
    public static func seal(
        _ plaintext: some ContiguousBytes, key: some ContiguousBytes, associatedData: some ContiguousBytes = [UInt8]()
    ) throws(CryptoError) -> SealedBox {
        try seal(plaintext, key: key, nonce: SecureRandom.bytes(nonceByteCount), associatedData: associatedData)
    }

    /// Encrypts with a fresh random nonce straight into `nonce || ciphertext || tag` (the
    /// stored form, equal to `seal(...).combined`) in one buffer: the store seals every record
    /// of every block, and the separate arrays and their concatenation cost more than AES.
    public static func sealCombined(
        _ plaintext: [UInt8], key: [UInt8], associatedData: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        guard key.count == keyByteCount else { throw .invalidLength("AES-256-GCM key must be 32 bytes, got \(key.count)") }
        let length = plaintext.count
        var ok: Int32 = 0
        let output = [UInt8](unsafeUninitializedCapacity: nonceByteCount + length + tagByteCount) { buffer, initialized in
            let base = buffer.baseAddress!
            SecureRandom.fillSmall(UnsafeMutableRawBufferPointer(start: base, count: nonceByteCount))
            ok = plaintext.withUnsafeBufferPointer { p in
                key.withUnsafeBufferPointer { k in
                    associatedData.withUnsafeBufferPointer { a in
                        cloister_aes256gcm_seal(
                            k.baseAddress!, base, a.baseAddress, a.count, p.baseAddress, length, base + nonceByteCount,
                            base + nonceByteCount + length)
                    }
                }
            }
            initialized = ok == 1 ? buffer.count : 0
        }
        guard ok == 1 else { throw .backendFailure("AES-256-GCM encryption failed in OpenSSL") }
        return output
    }

    /// Encrypts with a caller-chosen nonce. A nonce must never repeat under one key;
    /// this form exists for known-answer tests.
    public static func seal(
        _ plaintext: some ContiguousBytes, key: some ContiguousBytes, nonce: [UInt8],
        associatedData: some ContiguousBytes = [UInt8]()
    ) throws(CryptoError) -> SealedBox {
        try checkSizes(key: key, nonce: nonce)
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        var ciphertext = [UInt8]()
        let ok = plaintext.withUnsafeBytes { p in
            ciphertext = [UInt8](repeating: 0, count: p.count)
            return key.withUnsafeBytes { k in
                associatedData.withUnsafeBytes { a in
                    ciphertext.withUnsafeMutableBytes { c in
                        tag.withUnsafeMutableBytes { t in
                            cloister_aes256gcm_seal(
                                k.baseAddress!.assumingMemoryBound(to: UInt8.self), nonce,
                                a.baseAddress?.assumingMemoryBound(to: UInt8.self), a.count,
                                p.baseAddress?.assumingMemoryBound(to: UInt8.self), p.count,
                                c.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                t.baseAddress!.assumingMemoryBound(to: UInt8.self))
                        }
                    }
                }
            }
        }
        guard ok == 1 else { throw .backendFailure("AES-256-GCM encryption failed in OpenSSL") }
        return SealedBox(nonce: nonce, ciphertext: ciphertext, tag: tag)
    }

    /// Decrypts and authenticates; any change to ciphertext, tag, nonce, key or associated data fails.
    public static func open(
        _ box: SealedBox, key: some ContiguousBytes, associatedData: some ContiguousBytes = [UInt8]()
    ) throws(CryptoError) -> [UInt8] {
        try checkSizes(key: key, nonce: box.nonce)
        guard box.tag.count == tagByteCount else {
            throw .invalidLength("AES-256-GCM tag must be 16 bytes, got \(box.tag.count)")
        }
        var plaintext = [UInt8](repeating: 0, count: box.ciphertext.count)
        let ok = key.withUnsafeBytes { k in
            associatedData.withUnsafeBytes { a in
                box.ciphertext.withUnsafeBytes { c in
                    plaintext.withUnsafeMutableBytes { p in
                        cloister_aes256gcm_open(
                            k.baseAddress!.assumingMemoryBound(to: UInt8.self), box.nonce,
                            a.baseAddress?.assumingMemoryBound(to: UInt8.self), a.count,
                            c.baseAddress?.assumingMemoryBound(to: UInt8.self), c.count,
                            box.tag, p.baseAddress?.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
        }
        guard ok == 1 else { throw .authenticationFailed }
        return plaintext
    }

    private static func checkSizes(key: some ContiguousBytes, nonce: [UInt8]) throws(CryptoError) {
        let keyCount = key.withUnsafeBytes { $0.count }
        guard keyCount == keyByteCount else { throw .invalidLength("AES-256-GCM key must be 32 bytes, got \(keyCount)") }
        guard nonce.count == nonceByteCount else {
            throw .invalidLength("AES-256-GCM nonce must be 12 bytes, got \(nonce.count)")
        }
    }
}
