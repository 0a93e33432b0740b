#ifndef CLOISTER_COPENSSL_H
#define CLOISTER_COPENSSL_H

// A narrow C surface over OpenSSL 3 libcrypto: one call per operation, so Swift
// never juggles EVP contexts. Every function returns 1 on success, 0 on failure.

#include <stddef.h>
#include <stdint.h>

/// AES-256-GCM encryption with a 12-byte nonce; writes `length` bytes to `ciphertext` and 16 to `tag`.
int cloister_aes256gcm_seal(const uint8_t key[32], const uint8_t nonce[12],
                            const uint8_t *aad, size_t aad_length,
                            const uint8_t *plaintext, size_t length,
                            uint8_t *ciphertext, uint8_t tag[16]);

/// AES-256-GCM decryption; returns 0 (and the output must be discarded) when the tag does not verify.
int cloister_aes256gcm_open(const uint8_t key[32], const uint8_t nonce[12],
                            const uint8_t *aad, size_t aad_length,
                            const uint8_t *ciphertext, size_t length,
                            const uint8_t tag[16], uint8_t *plaintext);

/// HKDF-SHA256 (RFC 5869) extract-and-expand.
int cloister_hkdf_sha256(const uint8_t *key, size_t key_length,
                         const uint8_t *salt, size_t salt_length,
                         const uint8_t *info, size_t info_length,
                         uint8_t *output, size_t output_length);

/// One-shot SHA-256.
int cloister_sha256(const uint8_t *data, size_t length, uint8_t digest[32]);

/// SHA-256 of the concatenation of `count` parts, without copying them together.
int cloister_sha256_parts(const uint8_t *const *parts, const size_t *lengths, size_t count,
                          uint8_t digest[32]);

/// Cryptographically secure random bytes from OpenSSL's DRBG.
int cloister_random_bytes(uint8_t *output, size_t length);

/// HMAC-SHA256, used for keyed lookup hashes.
int cloister_hmac_sha256(const uint8_t *key, size_t key_length,
                         const uint8_t *data, size_t length, uint8_t mac[32]);

#endif
