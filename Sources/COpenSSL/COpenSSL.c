// The low-level SHA-256 API is deprecated in OpenSSL 3 but avoids a provider fetch
// and a heap context per hash, which the Merkle trees pay millions of times.
#define OPENSSL_API_COMPAT 0x10100000L
#define OPENSSL_SUPPRESS_DEPRECATED

#include "COpenSSL.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

// EVP_CIPHER_fetch is costly; fetch AES-256-GCM once per process.
static const EVP_CIPHER *aes256gcm(void) {
    static const EVP_CIPHER *cipher = NULL;
    const EVP_CIPHER *current = __atomic_load_n(&cipher, __ATOMIC_ACQUIRE);
    if (current == NULL) {
        EVP_CIPHER *fetched = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
        if (fetched == NULL) return NULL;
        const EVP_CIPHER *expected = NULL;
        if (!__atomic_compare_exchange_n(&cipher, &expected, fetched, 0, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE)) {
            EVP_CIPHER_free(fetched);
            return expected;
        }
        current = fetched;
    }
    return current;
}

// One encryption context per thread, keeping its key schedule: the store seals thousands of
// records a second under one key, and a fresh context per record (allocation, provider
// parameter handling, key expansion) cost more than the encryption. Each seal still sets its
// own nonce. The context and its copy of the key are wiped when the thread ends.
typedef struct {
    EVP_CIPHER_CTX *ctx;
    uint8_t key[32];
    int has_key;
} cloister_seal_context;

static pthread_key_t seal_context_key;
static pthread_once_t seal_context_once = PTHREAD_ONCE_INIT;
static int seal_context_key_ok = 0;

static void free_seal_context(void *pointer) {
    cloister_seal_context *context = pointer;
    EVP_CIPHER_CTX_free(context->ctx);
    OPENSSL_cleanse(context->key, sizeof context->key);
    free(context);
}

static void make_seal_context_key(void) {
    seal_context_key_ok = pthread_key_create(&seal_context_key, free_seal_context) == 0;
}

static cloister_seal_context *thread_seal_context(void) {
    pthread_once(&seal_context_once, make_seal_context_key);
    if (!seal_context_key_ok) return NULL;
    cloister_seal_context *context = pthread_getspecific(seal_context_key);
    if (context != NULL) return context;
    context = calloc(1, sizeof *context);
    if (context == NULL) return NULL;
    context->ctx = EVP_CIPHER_CTX_new();
    if (context->ctx == NULL || pthread_setspecific(seal_context_key, context) != 0) {
        EVP_CIPHER_CTX_free(context->ctx);
        free(context);
        return NULL;
    }
    return context;
}

int cloister_aes256gcm_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad,
                            size_t aad_length, const uint8_t *plaintext, size_t length,
                            uint8_t *ciphertext, uint8_t tag[16]) {
    if (length > INT_MAX || aad_length > INT_MAX) return 0;
    const EVP_CIPHER *cipher = aes256gcm();
    if (cipher == NULL) return 0;
    cloister_seal_context *context = thread_seal_context();
    if (context == NULL) return 0;
    EVP_CIPHER_CTX *ctx = context->ctx;
    int ok = 0, out_length = 0;
    if (context->has_key && CRYPTO_memcmp(context->key, key, sizeof context->key) == 0) {
        // Same key: only the nonce changes.
        if (EVP_EncryptInit_ex2(ctx, NULL, NULL, nonce, NULL) != 1) goto done;
    } else {
        context->has_key = 0;
        if (EVP_EncryptInit_ex2(ctx, cipher, key, nonce, NULL) != 1) goto done;
        memcpy(context->key, key, sizeof context->key);
        context->has_key = 1;
    }
    if (aad_length > 0 && EVP_EncryptUpdate(ctx, NULL, &out_length, aad, (int)aad_length) != 1)
        goto done;
    if (length > 0 &&
        EVP_EncryptUpdate(ctx, ciphertext, &out_length, plaintext, (int)length) != 1)
        goto done;
    if (EVP_EncryptFinal_ex(ctx, ciphertext + out_length, &out_length) != 1) goto done;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1) goto done;
    ok = 1;
done:
    // After a failure the context starts again from the key next time.
    if (!ok) context->has_key = 0;
    return ok;
}

int cloister_aes256gcm_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad,
                            size_t aad_length, const uint8_t *ciphertext, size_t length,
                            const uint8_t tag[16], uint8_t *plaintext) {
    if (length > INT_MAX || aad_length > INT_MAX) return 0;
    const EVP_CIPHER *cipher = aes256gcm();
    if (cipher == NULL) return 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) return 0;
    int ok = 0, out_length = 0;
    uint8_t expected_tag[16];
    for (int i = 0; i < 16; i++) expected_tag[i] = tag[i];
    if (EVP_DecryptInit_ex2(ctx, cipher, key, nonce, NULL) != 1) goto done;
    if (aad_length > 0 && EVP_DecryptUpdate(ctx, NULL, &out_length, aad, (int)aad_length) != 1)
        goto done;
    if (length > 0 &&
        EVP_DecryptUpdate(ctx, plaintext, &out_length, ciphertext, (int)length) != 1)
        goto done;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, expected_tag) != 1) goto done;
    if (EVP_DecryptFinal_ex(ctx, plaintext + out_length, &out_length) != 1) goto done;
    ok = 1;
done:
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

int cloister_hkdf_sha256(const uint8_t *key, size_t key_length, const uint8_t *salt,
                         size_t salt_length, const uint8_t *info, size_t info_length,
                         uint8_t *output, size_t output_length) {
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    if (kdf == NULL) return 0;
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (ctx == NULL) return 0;
    static const uint8_t empty = 0;
    OSSL_PARAM params[5];
    size_t n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                    (void *)(key_length ? key : &empty), key_length);
    if (salt_length > 0)
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
                                                        salt_length);
    if (info_length > 0)
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
                                                        info_length);
    params[n] = OSSL_PARAM_construct_end();
    int ok = EVP_KDF_derive(ctx, output, output_length, params) == 1;
    EVP_KDF_CTX_free(ctx);
    return ok;
}

int cloister_sha256(const uint8_t *data, size_t length, uint8_t digest[32]) {
    SHA256_CTX ctx;
    if (SHA256_Init(&ctx) != 1) return 0;
    if (length > 0 && SHA256_Update(&ctx, data, length) != 1) return 0;
    return SHA256_Final(digest, &ctx) == 1;
}

int cloister_sha256_parts(const uint8_t *const *parts, const size_t *lengths, size_t count,
                          uint8_t digest[32]) {
    SHA256_CTX ctx;
    if (SHA256_Init(&ctx) != 1) return 0;
    for (size_t i = 0; i < count; i++)
        if (lengths[i] > 0 && SHA256_Update(&ctx, parts[i], lengths[i]) != 1) return 0;
    return SHA256_Final(digest, &ctx) == 1;
}

int cloister_random_bytes(uint8_t *output, size_t length) {
    if (length > INT_MAX) return 0;
    return RAND_bytes(output, (int)length) == 1;
}

// HMAC-SHA256 (RFC 2104) over the low-level SHA-256: OpenSSL 3's one-shot HMAC() fetches the
// MAC and digest from a provider and allocates contexts on every call, which costs more than
// the hashing itself for the short messages of the store's lookups.
int cloister_hmac_sha256(const uint8_t *key, size_t key_length, const uint8_t *data,
                         size_t length, uint8_t mac[32]) {
    uint8_t block[64] = {0};
    SHA256_CTX ctx;
    if (key_length > sizeof block) {
        if (SHA256_Init(&ctx) != 1 || SHA256_Update(&ctx, key, key_length) != 1 ||
            SHA256_Final(block, &ctx) != 1)
            return 0;
    } else if (key_length > 0) {
        memcpy(block, key, key_length);
    }
    uint8_t pad[64], inner[32];
    for (size_t i = 0; i < sizeof pad; i++) pad[i] = block[i] ^ 0x36;
    int ok = SHA256_Init(&ctx) == 1 && SHA256_Update(&ctx, pad, sizeof pad) == 1 &&
             (length == 0 || SHA256_Update(&ctx, data, length) == 1) && SHA256_Final(inner, &ctx) == 1;
    for (size_t i = 0; i < sizeof pad; i++) pad[i] = block[i] ^ 0x5c;
    ok = ok && SHA256_Init(&ctx) == 1 && SHA256_Update(&ctx, pad, sizeof pad) == 1 &&
         SHA256_Update(&ctx, inner, sizeof inner) == 1 && SHA256_Final(mac, &ctx) == 1;
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(&ctx, sizeof ctx);
    return ok;
}
