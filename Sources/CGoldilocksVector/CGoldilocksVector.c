#include "CGoldilocksVector.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define CLOISTER_HAVE_AVX512 1
#include <immintrin.h>
#endif

// Every kernel below handles elements of `width` words: 1 for base-field values, 3 for cubic
// ones (c0, c1, c2), whose butterfly with a base-field twiddle is three base butterflies.
// The public functions pass the width as a constant, so each shape is compiled on its own.
#define ALWAYS_INLINE inline __attribute__((always_inline))

static const uint64_t P = 0xFFFFFFFF00000001ULL;
static const uint64_t EPSILON = 0xFFFFFFFFULL;

// MARK: - Scalar (the fallback, the first stages and ragged ends)

static ALWAYS_INLINE uint64_t scalar_add(uint64_t a, uint64_t b) {
    uint64_t sum = a + b;
    if (sum < a) sum += EPSILON;
    return sum >= P ? sum - P : sum;
}

static ALWAYS_INLINE uint64_t scalar_sub(uint64_t a, uint64_t b) {
    uint64_t difference = a - b;
    return a < b ? difference - EPSILON : difference;
}

static ALWAYS_INLINE uint64_t scalar_mul(uint64_t a, uint64_t b) {
    unsigned __int128 product = (unsigned __int128)a * b;
    uint64_t low = (uint64_t)product, high = (uint64_t)(product >> 64);
    uint64_t high_high = high >> 32, high_low = high & EPSILON;
    uint64_t t0 = low - high_high;
    if (low < high_high) t0 -= EPSILON;
    uint64_t t1 = high_low * EPSILON;
    uint64_t t2 = t0 + t1;
    if (t2 < t0) t2 += EPSILON;
    return t2 >= P ? t2 - P : t2;
}

/// One butterfly on an element of `width` words.
static ALWAYS_INLINE void scalar_butterfly(uint64_t *low, uint64_t *high, uint64_t twiddle, size_t width) {
    for (size_t k = 0; k < width; k++) {
        uint64_t u = low[k], v = scalar_mul(high[k], twiddle);
        low[k] = scalar_add(u, v);
        high[k] = scalar_sub(u, v);
    }
}

/// Stages of distance `first_half` up to count/2 on one block, one butterfly at a time.
static ALWAYS_INLINE void scalar_block_stages(
    uint64_t *values, size_t count, const uint64_t *twiddles, size_t first_half, size_t last_half, size_t width) {
    for (size_t half = first_half; half < count && half <= last_half; half <<= 1) {
        for (size_t start = 0; start < count; start += 2 * half) {
            for (size_t j = 0; j < half; j++)
                scalar_butterfly(values + width * (start + j), values + width * (start + half + j), twiddles[half + j], width);
        }
    }
}

static ALWAYS_INLINE void scalar_wide_stage(
    uint64_t *base, size_t half, const uint64_t *stage_twiddles, size_t from, size_t to, size_t width) {
    size_t shift = (size_t)__builtin_ctzll(half);
    for (size_t t = from; t < to; t++) {
        size_t j = t & (half - 1);
        size_t low = ((t >> shift) << (shift + 1)) + j;
        scalar_butterfly(base + width * low, base + width * (low + half), stage_twiddles[j], width);
    }
}

// MARK: - RPO-256 (scalar)

// The permutation as `RPO256` in StarkCrypto defines it: per round MDS, constants, x^7, MDS,
// constants, x^(1/7). The MDS matrix is circulant with this first row; each lane is split into
// 32-bit halves whose dot products with the row stay below 2^41.
static const uint64_t RPO_MDS_ROW[12] = {7, 23, 8, 26, 13, 10, 9, 7, 6, 22, 21, 8};

/// low + high * 2^64 mod p for high < 2^32 (the MDS sums' recombination), canonical.
static ALWAYS_INLINE uint64_t scalar_reduce_small(uint64_t low, uint64_t high) {
    uint64_t t1 = (high << 32) - high;  // high * epsilon
    uint64_t t2 = low + t1;
    if (t2 < low) t2 += EPSILON;
    return t2 >= P ? t2 - P : t2;
}

static ALWAYS_INLINE void scalar_rpo_mds(uint64_t *state) {
    uint64_t low[12], high[12], out[12];
    for (int j = 0; j < 12; j++) { low[j] = state[j] & EPSILON; high[j] = state[j] >> 32; }
    for (int i = 0; i < 12; i++) {
        uint64_t sum_low = 0, sum_high = 0;
        for (int k = 0; k < 12; k++) {
            sum_low += RPO_MDS_ROW[k] * low[(i + k) % 12];
            sum_high += RPO_MDS_ROW[k] * high[(i + k) % 12];
        }
        uint64_t combined_low = sum_low + (sum_high << 32);
        uint64_t carry = combined_low < sum_low ? 1 : 0;
        out[i] = scalar_reduce_small(combined_low, (sum_high >> 32) + carry);
    }
    for (int i = 0; i < 12; i++) state[i] = out[i];
}

/// x^(1/7) by the addition chain RPO256.applyInverseSBox documents.
static ALWAYS_INLINE uint64_t scalar_inverse_sbox(uint64_t x) {
    uint64_t x2 = scalar_mul(x, x), x4 = scalar_mul(x2, x2);
    uint64_t x7 = scalar_mul(x4, scalar_mul(x2, x));
    uint64_t u2 = scalar_mul(scalar_mul(x4, x4), x);
    uint64_t t = u2, saved;
    for (int i = 0; i < 6; i++) t = scalar_mul(t, t);
    t = scalar_mul(t, u2);
    saved = t;
    for (int i = 0; i < 12; i++) t = scalar_mul(t, t);
    t = scalar_mul(t, saved);
    for (int i = 0; i < 6; i++) t = scalar_mul(t, t);
    t = scalar_mul(t, u2);
    for (int i = 0; i < 4; i++) t = scalar_mul(t, t);
    saved = t;
    t = scalar_mul(t, t);
    saved = scalar_mul(saved, t);
    for (int i = 0; i < 31; i++) t = scalar_mul(t, t);
    t = scalar_mul(t, saved);
    return scalar_mul(t, x7);
}

static void scalar_rpo_permute(uint64_t *state, const uint64_t *constants1, const uint64_t *constants2) {
    for (int round = 0; round < 7; round++) {
        scalar_rpo_mds(state);
        for (int i = 0; i < 12; i++) {
            uint64_t x = scalar_add(state[i], constants1[12 * round + i]);
            uint64_t x2 = scalar_mul(x, x), x4 = scalar_mul(x2, x2);
            state[i] = scalar_mul(x4, scalar_mul(x2, x));
        }
        scalar_rpo_mds(state);
        for (int i = 0; i < 12; i++) state[i] = scalar_inverse_sbox(scalar_add(state[i], constants2[12 * round + i]));
    }
}

#ifdef CLOISTER_HAVE_AVX512
#define AVX512 __attribute__((target("avx512f")))

// MARK: - AVX-512: eight lanes of Goldilocks

AVX512 static ALWAYS_INLINE __m512i vector_add(__m512i a, __m512i b) {
    const __m512i p = _mm512_set1_epi64((long long)P), epsilon = _mm512_set1_epi64((long long)EPSILON);
    __m512i sum = _mm512_add_epi64(a, b);
    sum = _mm512_mask_add_epi64(sum, _mm512_cmplt_epu64_mask(sum, a), sum, epsilon);
    return _mm512_mask_sub_epi64(sum, _mm512_cmpge_epu64_mask(sum, p), sum, p);
}

AVX512 static ALWAYS_INLINE __m512i vector_sub(__m512i a, __m512i b) {
    const __m512i epsilon = _mm512_set1_epi64((long long)EPSILON);
    __m512i difference = _mm512_sub_epi64(a, b);
    return _mm512_mask_sub_epi64(difference, _mm512_cmplt_epu64_mask(a, b), difference, epsilon);
}

/// high * 2^64 + low mod p, canonical, as the scalar: low - high_high + high_low * epsilon,
/// corrected by epsilon.
AVX512 static ALWAYS_INLINE __m512i vector_reduce128(__m512i low, __m512i high) {
    const __m512i p = _mm512_set1_epi64((long long)P), epsilon = _mm512_set1_epi64((long long)EPSILON);
    __m512i high_high = _mm512_srli_epi64(high, 32), high_low = _mm512_and_si512(high, epsilon);
    __m512i t0 = _mm512_sub_epi64(low, high_high);
    t0 = _mm512_mask_sub_epi64(t0, _mm512_cmplt_epu64_mask(low, high_high), t0, epsilon);
    __m512i t1 = _mm512_sub_epi64(_mm512_slli_epi64(high_low, 32), high_low);
    __m512i t2 = _mm512_add_epi64(t0, t1);
    t2 = _mm512_mask_add_epi64(t2, _mm512_cmplt_epu64_mask(t2, t0), t2, epsilon);
    return _mm512_mask_sub_epi64(t2, _mm512_cmpge_epu64_mask(t2, p), t2, p);
}

AVX512 static ALWAYS_INLINE __m512i vector_mul(__m512i a, __m512i b) {
    __m512i a_high = _mm512_srli_epi64(a, 32), b_high = _mm512_srli_epi64(b, 32);
    __m512i ll = _mm512_mul_epu32(a, b), lh = _mm512_mul_epu32(a, b_high);
    __m512i hl = _mm512_mul_epu32(a_high, b), hh = _mm512_mul_epu32(a_high, b_high);
    // The 128-bit product: high * 2^64 + low.
    __m512i middle = _mm512_add_epi64(lh, hl);
    __mmask8 middle_carry = _mm512_cmplt_epu64_mask(middle, lh);
    __m512i low = _mm512_add_epi64(ll, _mm512_slli_epi64(middle, 32));
    __mmask8 low_carry = _mm512_cmplt_epu64_mask(low, ll);
    __m512i high = _mm512_add_epi64(hh, _mm512_srli_epi64(middle, 32));
    high = _mm512_mask_add_epi64(high, middle_carry, high, _mm512_set1_epi64(1LL << 32));
    high = _mm512_mask_add_epi64(high, low_carry, high, _mm512_set1_epi64(1));
    return vector_reduce128(low, high);
}

/// a^2: as vector_mul(a, a) with three 32-bit products instead of four (the two cross
/// products are equal: a^2 = hh 2^64 + m 2^33 + ll with m = a_low a_high).
AVX512 static ALWAYS_INLINE __m512i vector_square(__m512i a) {
    __m512i a_high = _mm512_srli_epi64(a, 32);
    __m512i ll = _mm512_mul_epu32(a, a), m = _mm512_mul_epu32(a, a_high), hh = _mm512_mul_epu32(a_high, a_high);
    __m512i low = _mm512_add_epi64(ll, _mm512_slli_epi64(m, 33));
    __mmask8 low_carry = _mm512_cmplt_epu64_mask(low, ll);
    __m512i high = _mm512_add_epi64(hh, _mm512_srli_epi64(m, 31));
    high = _mm512_mask_add_epi64(high, low_carry, high, _mm512_set1_epi64(1));
    return vector_reduce128(low, high);
}

/// Eight butterflies on elements of `width` words: `width` vectors of each side. For cubic
/// elements each twiddle is spread over its element's three coordinates.
AVX512 static ALWAYS_INLINE void vector_butterflies(
    uint64_t *low, uint64_t *high, const uint64_t *twiddles, size_t width) {
    __m512i eight = _mm512_loadu_si512((const void *)twiddles);
    __m512i spread[3] = {eight, eight, eight};
    if (width == 3) {
        spread[0] = _mm512_permutexvar_epi64(_mm512_set_epi64(2, 2, 1, 1, 1, 0, 0, 0), eight);
        spread[1] = _mm512_permutexvar_epi64(_mm512_set_epi64(5, 4, 4, 4, 3, 3, 3, 2), eight);
        spread[2] = _mm512_permutexvar_epi64(_mm512_set_epi64(7, 7, 7, 6, 6, 6, 5, 5), eight);
    }
    for (size_t k = 0; k < width; k++) {
        __m512i u = _mm512_loadu_si512((const void *)(low + 8 * k));
        __m512i v = vector_mul(_mm512_loadu_si512((const void *)(high + 8 * k)), spread[k]);
        _mm512_storeu_si512((void *)(low + 8 * k), vector_add(u, v));
        _mm512_storeu_si512((void *)(high + 8 * k), vector_sub(u, v));
    }
}

AVX512 static ALWAYS_INLINE void vector_block_stages(
    uint64_t *values, size_t count, const uint64_t *twiddles, size_t width) {
    // Distances 1, 2 and 4 pair elements inside one vector: scalar.
    scalar_block_stages(values, count, twiddles, 1, 4, width);
    for (size_t half = 8; half < count; half <<= 1) {
        for (size_t start = 0; start < count; start += 2 * half) {
            for (size_t j = 0; j < half; j += 8)
                vector_butterflies(values + width * (start + j), values + width * (start + half + j), twiddles + half + j, width);
        }
    }
}

AVX512 static ALWAYS_INLINE void vector_wide_stage(
    uint64_t *base, size_t half, const uint64_t *stage_twiddles, size_t from, size_t to, size_t width) {
    size_t shift = (size_t)__builtin_ctzll(half);
    size_t t = from;
    while (t < to) {
        size_t group = t >> shift;
        size_t group_end = (group + 1) << shift;
        if (group_end > to) group_end = to;
        uint64_t *low = base + width * (group << (shift + 1));
        uint64_t *high = low + width * half;
        size_t j = t & (half - 1);
        // Scalar up to a multiple of eight, eight at a time, scalar for the rest.
        for (; t < group_end && (j & 7) != 0; j++, t++) scalar_butterfly(low + width * j, high + width * j, stage_twiddles[j], width);
        for (; t + 8 <= group_end; j += 8, t += 8) vector_butterflies(low + width * j, high + width * j, stage_twiddles + j, width);
        for (; t < group_end; j++, t++) scalar_butterfly(low + width * j, high + width * j, stage_twiddles[j], width);
    }
}

// MARK: - AVX-512: RPO-256 on eight states at once

/// Vector i holds lane i of eight states.
AVX512 static ALWAYS_INLINE void vector_rpo_mds(__m512i *state) {
    const __m512i mask32 = _mm512_set1_epi64((long long)EPSILON);
    __m512i low[12], high[12];
    for (int j = 0; j < 12; j++) {
        low[j] = _mm512_and_si512(state[j], mask32);
        high[j] = _mm512_srli_epi64(state[j], 32);
    }
    for (int i = 0; i < 12; i++) {
        __m512i sum_low = _mm512_setzero_si512(), sum_high = _mm512_setzero_si512();
        for (int k = 0; k < 12; k++) {
            const __m512i entry = _mm512_set1_epi64((long long)RPO_MDS_ROW[k]);
            sum_low = _mm512_add_epi64(sum_low, _mm512_mul_epu32(low[(i + k) % 12], entry));
            sum_high = _mm512_add_epi64(sum_high, _mm512_mul_epu32(high[(i + k) % 12], entry));
        }
        // sum_low + sum_high * 2^32 as low + high * 2^64 (high < 2^9), then reduced.
        __m512i combined_low = _mm512_add_epi64(sum_low, _mm512_slli_epi64(sum_high, 32));
        __m512i carried = _mm512_mask_add_epi64(
            _mm512_srli_epi64(sum_high, 32), _mm512_cmplt_epu64_mask(combined_low, sum_low),
            _mm512_srli_epi64(sum_high, 32), _mm512_set1_epi64(1));
        __m512i t1 = _mm512_sub_epi64(_mm512_slli_epi64(carried, 32), carried);
        __m512i t2 = _mm512_add_epi64(combined_low, t1);
        t2 = _mm512_mask_add_epi64(t2, _mm512_cmplt_epu64_mask(t2, combined_low), t2, mask32);
        const __m512i p = _mm512_set1_epi64((long long)P);
        state[i] = _mm512_mask_sub_epi64(t2, _mm512_cmpge_epu64_mask(t2, p), t2, p);
    }
}

/// t[i] ← t[i]^(2^times) for the twelve lanes, lane-interleaved so the chains overlap.
AVX512 static ALWAYS_INLINE void vector_square_lanes(__m512i *t, int times) {
    for (int step = 0; step < times; step++)
        for (int i = 0; i < 12; i++) t[i] = vector_square(t[i]);
}

AVX512 static ALWAYS_INLINE void vector_multiply_lanes(__m512i *t, const __m512i *factor) {
    for (int i = 0; i < 12; i++) t[i] = vector_mul(t[i], factor[i]);
}

/// Seven rounds on eight states (vector i holds lane i of each), the inverse S-box by the
/// same addition chain as the scalar code.
AVX512 static void vector_rpo_permute8(__m512i *state, const uint64_t *constants1, const uint64_t *constants2) {
    __m512i x7[12], u2[12], t[12], saved[12];
    for (int round = 0; round < 7; round++) {
        vector_rpo_mds(state);
        for (int i = 0; i < 12; i++) {
            __m512i x = vector_add(state[i], _mm512_set1_epi64((long long)constants1[12 * round + i]));
            __m512i x2 = vector_square(x), x4 = vector_square(x2);
            state[i] = vector_mul(x4, vector_mul(x2, x));
        }
        vector_rpo_mds(state);
        for (int i = 0; i < 12; i++) {
            __m512i x = vector_add(state[i], _mm512_set1_epi64((long long)constants2[12 * round + i]));
            __m512i x2 = vector_square(x), x4 = vector_square(x2);
            x7[i] = vector_mul(x4, vector_mul(x2, x));
            u2[i] = vector_mul(vector_square(x4), x);
            t[i] = u2[i];
        }
        vector_square_lanes(t, 6);
        vector_multiply_lanes(t, u2);  // u4
        for (int i = 0; i < 12; i++) saved[i] = t[i];
        vector_square_lanes(t, 12);
        vector_multiply_lanes(t, saved);  // u8
        vector_square_lanes(t, 6);
        vector_multiply_lanes(t, u2);  // y = u10
        vector_square_lanes(t, 4);  // y^16
        for (int i = 0; i < 12; i++) saved[i] = t[i];
        vector_square_lanes(t, 1);  // y^32
        vector_multiply_lanes(saved, t);  // y^48
        vector_square_lanes(t, 31);  // y^(2^36)
        vector_multiply_lanes(t, saved);
        for (int i = 0; i < 12; i++) state[i] = vector_mul(t[i], x7[i]);
    }
}

/// `count` states of 12 words, eight at a time (a last partial group padded in a copy).
AVX512 static void vector_rpo_permute(uint64_t *states, size_t count, const uint64_t *constants1, const uint64_t *constants2) {
    const __m512i offsets = _mm512_set_epi64(84, 72, 60, 48, 36, 24, 12, 0);
    __m512i state[12];
    for (size_t group = 0; group < count; group += 8) {
        uint64_t padded[96];
        uint64_t *base = states + 12 * group;
        size_t in_group = count - group < 8 ? count - group : 8;
        if (in_group < 8) {
            for (size_t w = 0; w < 96; w++) padded[w] = w < 12 * in_group ? base[w] : 0;
            base = padded;
        }
        for (int i = 0; i < 12; i++) state[i] = _mm512_i64gather_epi64(offsets, (const void *)(base + i), 8);
        vector_rpo_permute8(state, constants1, constants2);
        for (int i = 0; i < 12; i++) _mm512_i64scatter_epi64((void *)(base + i), offsets, state[i], 8);
        if (in_group < 8) {
            for (size_t w = 0; w < 12 * in_group; w++) states[12 * group + w] = padded[w];
        }
    }
}

AVX512 static void vector_block_stages_1(uint64_t *v, size_t n, const uint64_t *tw) { vector_block_stages(v, n, tw, 1); }
AVX512 static void vector_block_stages_3(uint64_t *v, size_t n, const uint64_t *tw) { vector_block_stages(v, n, tw, 3); }
AVX512 static void vector_wide_stage_1(uint64_t *b, size_t h, const uint64_t *tw, size_t f, size_t t) { vector_wide_stage(b, h, tw, f, t, 1); }
AVX512 static void vector_wide_stage_3(uint64_t *b, size_t h, const uint64_t *tw, size_t f, size_t t) { vector_wide_stage(b, h, tw, f, t, 3); }
#endif

// MARK: - Entry points

int cloister_goldilocks_vector_available(void) {
    // The compiler runtime fills in the processor's features before main; nothing is cached
    // here, so nothing is shared between threads.
#ifdef CLOISTER_HAVE_AVX512
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
#else
    return 0;
#endif
}

#ifdef CLOISTER_HAVE_AVX512
#define CLOISTER_DISPATCH(use_vectors, vector_call, scalar_call) \
    do { if ((use_vectors) && __builtin_cpu_supports("avx512f")) { vector_call; } else { scalar_call; } } while (0)
#else
#define CLOISTER_DISPATCH(use_vectors, vector_call, scalar_call) do { (void)(use_vectors); scalar_call; } while (0)
#endif

void cloister_ntt_block_stages(uint64_t *values, size_t count, const uint64_t *twiddles, int use_vectors) {
    CLOISTER_DISPATCH(use_vectors, vector_block_stages_1(values, count, twiddles),
        scalar_block_stages(values, count, twiddles, 1, count, 1));
}

void cloister_ntt_wide_stage(
    uint64_t *base, size_t half, const uint64_t *stage_twiddles, size_t from, size_t to, int use_vectors) {
    CLOISTER_DISPATCH(use_vectors, vector_wide_stage_1(base, half, stage_twiddles, from, to),
        scalar_wide_stage(base, half, stage_twiddles, from, to, 1));
}

void cloister_ntt_cubic_block_stages(uint64_t *values, size_t count, const uint64_t *twiddles, int use_vectors) {
    CLOISTER_DISPATCH(use_vectors, vector_block_stages_3(values, count, twiddles),
        scalar_block_stages(values, count, twiddles, 1, count, 3));
}

void cloister_ntt_cubic_wide_stage(
    uint64_t *base, size_t half, const uint64_t *stage_twiddles, size_t from, size_t to, int use_vectors) {
    CLOISTER_DISPATCH(use_vectors, vector_wide_stage_3(base, half, stage_twiddles, from, to),
        scalar_wide_stage(base, half, stage_twiddles, from, to, 3));
}

void cloister_rpo_permute(
    uint64_t *states, size_t count, const uint64_t *constants1, const uint64_t *constants2, int use_vectors) {
    CLOISTER_DISPATCH(use_vectors, vector_rpo_permute(states, count, constants1, constants2),
        for (size_t j = 0; j < count; j++) scalar_rpo_permute(states + 12 * j, constants1, constants2));
}
