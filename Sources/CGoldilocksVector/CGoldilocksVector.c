#include "CGoldilocksVector.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define CLOISTER_HAVE_AVX512 1
#include <immintrin.h>
#endif

static const uint64_t P = 0xFFFFFFFF00000001ULL;
static const uint64_t EPSILON = 0xFFFFFFFFULL;

// MARK: - Scalar (the first stages, and ragged ends)

static inline uint64_t scalar_add(uint64_t a, uint64_t b) {
    uint64_t sum = a + b;
    if (sum < a) sum += EPSILON;
    return sum >= P ? sum - P : sum;
}

static inline uint64_t scalar_sub(uint64_t a, uint64_t b) {
    uint64_t difference = a - b;
    return a < b ? difference - EPSILON : difference;
}

static inline uint64_t scalar_mul(uint64_t a, uint64_t b) {
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

static inline void scalar_butterfly(uint64_t *low, uint64_t *high, uint64_t twiddle) {
    uint64_t u = *low, v = scalar_mul(*high, twiddle);
    *low = scalar_add(u, v);
    *high = scalar_sub(u, v);
}

static void block_stages_scalar(uint64_t *values, size_t count, const uint64_t *twiddles) {
    for (size_t half = 1; half < count; half <<= 1) {
        for (size_t start = 0; start < count; start += 2 * half) {
            for (size_t j = 0; j < half; j++) scalar_butterfly(values + start + j, values + start + half + j, twiddles[half + j]);
        }
    }
}

static void wide_stage_scalar(uint64_t *base, size_t half, const uint64_t *stage_twiddles, size_t from, size_t to) {
    size_t shift = (size_t)__builtin_ctzll(half);
    for (size_t t = from; t < to; t++) {
        uint64_t *low = base + ((t >> shift) << (shift + 1));
        size_t j = t & (half - 1);
        scalar_butterfly(low + j, low + half + j, stage_twiddles[j]);
    }
}

static inline void scalar_cubic_butterfly(uint64_t *low, uint64_t *high, uint64_t twiddle) {
    for (int k = 0; k < 3; k++) scalar_butterfly(low + k, high + k, twiddle);
}

static void cubic_block_stages_scalar(uint64_t *values, size_t count, const uint64_t *twiddles) {
    for (size_t half = 1; half < count; half <<= 1) {
        for (size_t start = 0; start < count; start += 2 * half) {
            for (size_t j = 0; j < half; j++)
                scalar_cubic_butterfly(values + 3 * (start + j), values + 3 * (start + half + j), twiddles[half + j]);
        }
    }
}

static void cubic_wide_stage_scalar(uint64_t *base, size_t half, const uint64_t *stage_twiddles, size_t from, size_t to) {
    size_t shift = (size_t)__builtin_ctzll(half);
    for (size_t t = from; t < to; t++) {
        size_t low = ((t >> shift) << (shift + 1)) + (t & (half - 1));
        scalar_cubic_butterfly(base + 3 * low, base + 3 * (low + half), stage_twiddles[t & (half - 1)]);
    }
}

#ifdef CLOISTER_HAVE_AVX512
#define AVX512 __attribute__((target("avx512f")))

AVX512 static inline __m512i vector_add(__m512i a, __m512i b) {
    const __m512i p = _mm512_set1_epi64((long long)P), epsilon = _mm512_set1_epi64((long long)EPSILON);
    __m512i sum = _mm512_add_epi64(a, b);
    sum = _mm512_mask_add_epi64(sum, _mm512_cmplt_epu64_mask(sum, a), sum, epsilon);
    return _mm512_mask_sub_epi64(sum, _mm512_cmpge_epu64_mask(sum, p), sum, p);
}

AVX512 static inline __m512i vector_sub(__m512i a, __m512i b) {
    const __m512i epsilon = _mm512_set1_epi64((long long)EPSILON);
    __m512i difference = _mm512_sub_epi64(a, b);
    return _mm512_mask_sub_epi64(difference, _mm512_cmplt_epu64_mask(a, b), difference, epsilon);
}

AVX512 static inline __m512i vector_mul(__m512i a, __m512i b) {
    const __m512i p = _mm512_set1_epi64((long long)P), epsilon = _mm512_set1_epi64((long long)EPSILON);
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
    // Reduction, as the scalar: low - high_high + high_low * epsilon, corrected by epsilon.
    __m512i high_high = _mm512_srli_epi64(high, 32), high_low = _mm512_and_si512(high, epsilon);
    __m512i t0 = _mm512_sub_epi64(low, high_high);
    t0 = _mm512_mask_sub_epi64(t0, _mm512_cmplt_epu64_mask(low, high_high), t0, epsilon);
    __m512i t1 = _mm512_sub_epi64(_mm512_slli_epi64(high_low, 32), high_low);
    __m512i t2 = _mm512_add_epi64(t0, t1);
    t2 = _mm512_mask_add_epi64(t2, _mm512_cmplt_epu64_mask(t2, t0), t2, epsilon);
    return _mm512_mask_sub_epi64(t2, _mm512_cmpge_epu64_mask(t2, p), t2, p);
}

AVX512 static inline void vector_butterflies(uint64_t *low, uint64_t *high, const uint64_t *twiddles) {
    __m512i u = _mm512_loadu_si512((const void *)low);
    __m512i v = vector_mul(_mm512_loadu_si512((const void *)high), _mm512_loadu_si512((const void *)twiddles));
    _mm512_storeu_si512((void *)low, vector_add(u, v));
    _mm512_storeu_si512((void *)high, vector_sub(u, v));
}

/// Eight cubic butterflies: 24 words of each side, each twiddle spread over its element's
/// three coordinates.
AVX512 static inline void vector_cubic_butterflies(uint64_t *low, uint64_t *high, const uint64_t *twiddles) {
    const __m512i spread0 = _mm512_set_epi64(2, 2, 1, 1, 1, 0, 0, 0);
    const __m512i spread1 = _mm512_set_epi64(5, 4, 4, 4, 3, 3, 3, 2);
    const __m512i spread2 = _mm512_set_epi64(7, 7, 7, 6, 6, 6, 5, 5);
    __m512i eight = _mm512_loadu_si512((const void *)twiddles);
    __m512i spread[3] = {
        _mm512_permutexvar_epi64(spread0, eight), _mm512_permutexvar_epi64(spread1, eight),
        _mm512_permutexvar_epi64(spread2, eight)};
    for (int k = 0; k < 3; k++) {
        __m512i u = _mm512_loadu_si512((const void *)(low + 8 * k));
        __m512i v = vector_mul(_mm512_loadu_si512((const void *)(high + 8 * k)), spread[k]);
        _mm512_storeu_si512((void *)(low + 8 * k), vector_add(u, v));
        _mm512_storeu_si512((void *)(high + 8 * k), vector_sub(u, v));
    }
}

AVX512 static void cubic_block_stages_avx512(uint64_t *values, size_t count, const uint64_t *twiddles) {
    for (size_t half = 1; half < 8 && half < count; half <<= 1) {
        for (size_t start = 0; start < count; start += 2 * half) {
            for (size_t j = 0; j < half; j++)
                scalar_cubic_butterfly(values + 3 * (start + j), values + 3 * (start + half + j), twiddles[half + j]);
        }
    }
    for (size_t half = 8; half < count; half <<= 1) {
        for (size_t start = 0; start < count; start += 2 * half) {
            for (size_t j = 0; j < half; j += 8)
                vector_cubic_butterflies(values + 3 * (start + j), values + 3 * (start + half + j), twiddles + half + j);
        }
    }
}

AVX512 static void cubic_wide_stage_avx512(uint64_t *base, size_t half, const uint64_t *stage_twiddles, size_t from, size_t to) {
    size_t shift = (size_t)__builtin_ctzll(half);
    size_t t = from;
    while (t < to) {
        size_t group = t >> shift;
        size_t group_end = (group + 1) << shift;
        if (group_end > to) group_end = to;
        uint64_t *low = base + 3 * (group << (shift + 1));
        uint64_t *high = low + 3 * half;
        size_t j = t & (half - 1);
        while (t < group_end && (j & 7) != 0) { scalar_cubic_butterfly(low + 3 * j, high + 3 * j, stage_twiddles[j]); j++; t++; }
        while (t + 8 <= group_end) { vector_cubic_butterflies(low + 3 * j, high + 3 * j, stage_twiddles + j); j += 8; t += 8; }
        while (t < group_end) { scalar_cubic_butterfly(low + 3 * j, high + 3 * j, stage_twiddles[j]); j++; t++; }
    }
}

AVX512 static void block_stages_avx512(uint64_t *values, size_t count, const uint64_t *twiddles) {
    for (size_t start = 0; start < count; start += 2) {
        uint64_t u = values[start], v = values[start + 1];
        values[start] = scalar_add(u, v);
        values[start + 1] = scalar_sub(u, v);
    }
    for (size_t half = 2; half < 8 && half < count; half <<= 1) {
        for (size_t start = 0; start < count; start += 2 * half) {
            for (size_t j = 0; j < half; j++) scalar_butterfly(values + start + j, values + start + half + j, twiddles[half + j]);
        }
    }
    for (size_t half = 8; half < count; half <<= 1) {
        for (size_t start = 0; start < count; start += 2 * half) {
            for (size_t j = 0; j < half; j += 8) vector_butterflies(values + start + j, values + start + half + j, twiddles + half + j);
        }
    }
}

AVX512 static void wide_stage_avx512(uint64_t *base, size_t half, const uint64_t *stage_twiddles, size_t from, size_t to) {
    size_t shift = (size_t)__builtin_ctzll(half);
    size_t t = from;
    while (t < to) {
        size_t group = t >> shift;
        size_t group_end = (group + 1) << shift;
        if (group_end > to) group_end = to;
        uint64_t *low = base + (group << (shift + 1));
        uint64_t *high = low + half;
        size_t j = t & (half - 1);
        while (t < group_end && (j & 7) != 0) { scalar_butterfly(low + j, high + j, stage_twiddles[j]); j++; t++; }
        while (t + 8 <= group_end) { vector_butterflies(low + j, high + j, stage_twiddles + j); j += 8; t += 8; }
        while (t < group_end) { scalar_butterfly(low + j, high + j, stage_twiddles[j]); j++; t++; }
    }
}
#endif

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
    CLOISTER_DISPATCH(use_vectors, block_stages_avx512(values, count, twiddles), block_stages_scalar(values, count, twiddles));
}

void cloister_ntt_wide_stage(
    uint64_t *base, size_t half, const uint64_t *stage_twiddles, size_t from, size_t to, int use_vectors) {
    CLOISTER_DISPATCH(
        use_vectors, wide_stage_avx512(base, half, stage_twiddles, from, to),
        wide_stage_scalar(base, half, stage_twiddles, from, to));
}

void cloister_ntt_cubic_block_stages(uint64_t *values, size_t count, const uint64_t *twiddles, int use_vectors) {
    CLOISTER_DISPATCH(
        use_vectors, cubic_block_stages_avx512(values, count, twiddles), cubic_block_stages_scalar(values, count, twiddles));
}

void cloister_ntt_cubic_wide_stage(
    uint64_t *base, size_t half, const uint64_t *stage_twiddles, size_t from, size_t to, int use_vectors) {
    CLOISTER_DISPATCH(
        use_vectors, cubic_wide_stage_avx512(base, half, stage_twiddles, from, to),
        cubic_wide_stage_scalar(base, half, stage_twiddles, from, to));
}
