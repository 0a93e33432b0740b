#ifndef CLOISTER_CGOLDILOCKSVECTOR_H
#define CLOISTER_CGOLDILOCKSVECTOR_H

#include <stddef.h>
#include <stdint.h>

// Radix-2 NTT butterflies and the RPO-256 permutation over Goldilocks (p = 2^64 - 2^32 + 1), eight at a time with
// AVX-512 where the processor has it. Swift has no 64x64->128-bit vector product; these
// compute it from four 32x32-bit products per lane. Inputs and outputs are canonical
// (below p), exactly what the scalar Swift butterflies produce.

/// 1 if this processor runs the kernels below with AVX-512, 0 if they run scalar (correct,
/// but no faster than Swift's own butterflies).
int cloister_goldilocks_vector_available(void);

// Each kernel takes `use_vectors`: nonzero runs AVX-512 where the processor has it, zero runs
// the same butterflies in scalar C (the fallback, and what tests compare the vectors with).

/// Every decimation-in-time stage with butterfly distance 1, 2, 4, ... count/2 on one
/// contiguous block of `count` (a power of two, at least 2) values already in bit-reversed
/// order. `twiddles` is laid out by stage: entry h + j is the j-th twiddle of the stage whose
/// butterflies are h apart.
void cloister_ntt_block_stages(uint64_t *values, size_t count, const uint64_t *twiddles, int use_vectors);

/// The butterflies t in [from, to) of one wide stage (distance `half`, a power of two of at
/// least 8) over a buffer starting at `base`: butterfly t pairs base[g*2*half + j] and
/// base[g*2*half + half + j] for g = t / half, j = t mod half, with twiddle stage_twiddles[j].
void cloister_ntt_wide_stage(
    uint64_t *base, size_t half, const uint64_t *stage_twiddles, size_t from, size_t to, int use_vectors);

/// ``cloister_ntt_block_stages`` for cubic-extension values: `count` elements of three words
/// each (c0, c1, c2), twiddles in the base field.
void cloister_ntt_cubic_block_stages(uint64_t *values, size_t count, const uint64_t *twiddles, int use_vectors);

/// ``cloister_ntt_wide_stage`` for cubic-extension values (`half`, `from`, `to` count elements).
void cloister_ntt_cubic_wide_stage(
    uint64_t *base, size_t half, const uint64_t *stage_twiddles, size_t from, size_t to, int use_vectors);

/// The RPO-256 permutation (StarkCrypto's `RPO256.permute`) on `count` states of 12 canonical
/// words each, state j at states[12 j ... 12 j + 11], in place; eight states at a time with
/// AVX-512. `constants1` and `constants2` are the 7 x 12 round constants (`RPOConstants`).
void cloister_rpo_permute(
    uint64_t *states, size_t count, const uint64_t *constants1, const uint64_t *constants2, int use_vectors);

#endif
