//! # The numerical contract
//!
//! dotgrad's promise: **for the same inputs, every backend returns the same
//! bits**, on every CPU, whatever the thread count. A NaN result may differ
//! only in its payload and sign. Backends differ in speed, never in results.
//!
//! This is possible because each kernel has exactly one evaluation order,
//! written below. The scalar backend ([`Isa::Scalar`](crate::Isa::Scalar))
//! performs it one element at a time, literally; each SIMD backend performs
//! the *same* operations, with several lanes per instruction. The tests and
//! fuzz targets therefore compare bits, not tolerances. How far that one
//! result may lie from the exact value is a separate statement, the accuracy
//! bound given with each kernel.
//!
//! ## Words
//! - `T` is `f32` or `f64`; `u` its unit roundoff (2^-24, 2^-53).
//! - `fma(a, b, c)` is `a*b + c` rounded once. Where this page writes `fma`,
//!   every backend uses a fused multiply-add, never a multiply and an add.
//! - `+ - * / sqrt` are IEEE-754 operations rounded to nearest-even. No
//!   approximate instruction (reciprocal or square-root estimates) is used.
//! - A **stripe** is 256 bytes of one input: `W` = 64 f32 or 32 f64 elements.
//!   Element `j` belongs to **lane** `j mod W`.
//! - A **block** is 16 KiB of one input: `E` = 4096 f32 or 2048 f64 elements
//!   (64 stripes).
//!
//! Why 256 bytes: it is exactly the accumulator state each ISA needs to keep
//! its FMA units busy on a load-bound loop — 4 zmm registers on AVX-512, 8
//! ymm on AVX2, 16 q registers on NEON. Lane `16k..16k+16` of an f32 stripe
//! lives in AVX-512 register `k`, and so on. Lane assignment depends on the
//! element's index only, never on its address, so the allocator cannot
//! change a result.
//!
//! ## The fold
//! `fold(s)` reduces `W` lanes to one by halving: for `w = W/2, W/4, ..., 1`,
//! `s[i] = s[i] + s[i + w]` for every `i < w`; the result is `s[0]`. In
//! registers: add the upper half of the registers onto the lower half until
//! one is left, then its upper half onto its lower half until one lane is left.
//!
//! ## The block tree
//! Blocks (of elements for `dot`, of matrix rows for the row-block kernels)
//! are combined by the tree `T(lo..hi)`: a single block is its own partial;
//! otherwise, with `P` the largest power of two strictly less than `hi - lo`,
//! `T(lo..hi) = T(lo..lo+P) (+) T(lo+P..hi)`, where `(+)` adds lane by lane
//! (element by element for vector partials). A binary counter over finished
//! blocks and a recursion over halves build this same tree, so a parallel
//! evaluation would give the same bits as a sequential one.
//!
//! ## Kernels
//!
//! ### dot
//! `dot(a, b)`, `n = a.len()`:
//! 1. Split the elements into blocks of `E` (the last may be shorter).
//! 2. In each block, lanes `s[0..W]` start at `+0.0`; for each element `j` of
//!    the block in increasing order, `s[j mod W] = fma(a[j], b[j], s[j mod W])`.
//! 3. Combine the blocks' lane vectors with the block tree.
//! 4. Return `fold` of the result (`+0.0` for `n = 0`).
//!
//! Signed zeros decide bit-identity at the edges: a lane can hold `-0.0`
//! (a tiny negative product rounded to zero), and `-0.0 + +0.0 = +0.0`. So
//! every lane takes part in every `+` of the tree and the fold, touched by
//! the data or not, and elements past `n` never touch a lane: a zero-padded
//! tail would compute `fma(0, 0, -0.0) = +0.0` and change the sign. SIMD
//! backends use a masked FMA (AVX-512) or blend the old lanes back (AVX2,
//! NEON) in the last, partial register.
//!
//! **Accuracy.** With `k = E/W + ceil(log2(blocks)) + log2(W)` (each lane
//! takes at most `E/W` FMAs per block, then the tree and the fold add one
//! level each), `|dot - exact| <= gamma(k) * sum_j |a[j]*b[j]| + k * eta`,
//! where `gamma(k) = k*u / (1 - k*u)` and `eta` is the smallest positive
//! subnormal ([`dot_error_bound`](crate::dot_error_bound) computes it). For
//! f32 in one block, `k = 70`: about `4.2e-6` times `sum |a*b|`.
//!
//! ### axpy and scale
//! `axpy(alpha, x, y)`: `y[j] = fma(alpha, x[j], y[j])`.
//! `scale(alpha, x)`: `x[j] = alpha * x[j]`.
//! Element by element, each result is one correctly rounded operation (at
//! most half an ulp from exact), so every backend agrees as long as it uses
//! exactly these operations, which they all do.
//!
//! ## What is not promised
//! - NaN payloads and the sign of a NaN.
//! - Results under a non-default floating-point environment (flush-to-zero,
//!   denormals-are-zero, or another rounding mode set by the caller).
//! - Anything about kernels named `fast_*` (none yet), which may use native
//!   instructions with other rounding and document their own bound.
