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
//! ### Optimizer steps: sgd, momentum, adam
//! `sgd_step`, `momentum_step` and `adam_step` update the parameters `w` and
//! the optimizer state in place, element by element, in **one pass**: for
//! each element `j`, every buffer is read at most once and every output is
//! written once. They follow PyTorch's documented `torch.optim.SGD` and
//! `torch.optim.Adam` / `AdamW` algorithms; the operation order below is
//! this crate's.
//!
//! **Per-call constants.** Hyper-parameters are `f64` (as PyTorch's Python
//! floats). Each constant is computed once per call, in `f64`, by exactly
//! the operations written, then rounded once to `T`, written `T(x)`. They
//! are computed before dispatch, so every backend uses the same bits. `t`
//! is the caller's step counter, `t >= 1` (the first step is `t = 1`).
//! `pow(b, t)` is square-and-multiply from the lowest bit of `t`: `r = 1`,
//! `p = b`; for each bit of `t`, lowest first: if the bit is set `r = r * p`;
//! then `p = p * p`; the result is `r`. (`sqrt` of an `f64` constant is the
//! correctly rounded one, like every `sqrt` here.)
//!
//! **`sgd_step(w, grad)`**, with `lr` and `weight_decay = λ`. Constants
//! `nlr = T(-lr)`, `wd = T(λ)`. For each `j`:
//! 1. `g = grad[j]`; if `λ != 0`: `g = fma(wd, w[j], g)`.
//! 2. `w[j] = fma(nlr, g, w[j])`.
//!
//! **`momentum_step(w, b, grad, t)`**, with `lr`, `momentum = μ`,
//! `dampening = τ`, `λ`, `nesterov`. Constants `nlr = T(-lr)`, `wd = T(λ)`,
//! `mu = T(μ)`, `c = T(1 - τ)`. For each `j`:
//! 1. `g` as in step 1 of sgd.
//! 2. If `t == 1`: `b[j] = g`, and the old `b[j]` is not read (PyTorch
//!    creates the buffer as a copy of the gradient); else
//!    `b[j] = fma(mu, b[j], c * g)`.
//! 3. `d = fma(mu, b[j], g)` (new `b[j]`) if `nesterov`, else `d = b[j]`.
//! 4. `w[j] = fma(nlr, d, w[j])`.
//!
//! **`adam_step(w, m, v, v_max, grad, t)`**, with `lr`, `beta1 = β1`,
//! `beta2 = β2`, `eps = ε`, `λ`, `amsgrad`, `decoupled_weight_decay`
//! (AdamW). Constants `b1 = T(β1)`, `c1 = T(1 - β1)`, `b2 = T(β2)`,
//! `c2 = T(1 - β2)`, `ns = T(-(lr / (1 - pow(β1, t))))`,
//! `r = T(1 / sqrt(1 - pow(β2, t)))`, `e = T(ε)`; for Adam `wd = T(λ)`, for
//! AdamW `dw = T(1 - lr * λ)`. For each `j`:
//! 1. `g = grad[j]`, `x = w[j]`; if `λ != 0`: Adam `g = fma(wd, x, g)`,
//!    AdamW `x = x * dw`.
//! 2. `m[j] = fma(b1, m[j], c1 * g)`.
//! 3. `v[j] = fma(b2, v[j], c2 * (g * g))`.
//! 4. With `amsgrad`: `v_max[j] = max(v_max[j], v[j])` where
//!    `max(a, b) = if a > b { a } else { b }` (a NaN in the new `v[j]`
//!    propagates; a NaN already in `v_max[j]` is replaced by `v[j]`), and
//!    `s = v_max[j]`; without: `s = v[j]`.
//! 5. `den = fma(sqrt(s), r, e)`: square root, then the bias correction,
//!    then `+ ε`, outside the root.
//! 6. `w[j] = fma(ns, m[j] / den, x)`.
//!
//! This is PyTorch's `θ = θ - lr * m̂ / (sqrt(v̂) + ε)` with
//! `m̂ = m / (1 - β1^t)` and `v̂ = v / (1 - β2^t)`, the bias corrections
//! folded into the two constants `ns` and `r`, so that each element costs
//! one square root and one division, both correctly rounded. Like PyTorch's
//! implementation, `amsgrad` keeps the maximum of the raw `v` and corrects
//! it with the current step's `r`. `λ = 0` skips the weight-decay operation
//! (so a `-0.0` gradient or an infinite `w` is not disturbed by `0 * w`).
//!
//! **Accuracy (per step).** Let `γ(k) = k*u / (1 - k*u)` and compare one
//! step with the exact evaluation of PyTorch's formula, with the exact
//! hyper-parameters, on the same inputs; assume nothing overflows. `η` is
//! the smallest positive subnormal of `T`: an operation whose result is
//! subnormal may lose up to `η/2` more, hence the `k·η` terms. Write
//! `G = |grad| + λ|w|` (L2 decay) or `G = |grad|` (none or AdamW). Then
//! - sgd: `|w' - w*| <= γ(4)(|w| + lr·G) + 4η(1 + lr)`;
//! - momentum: `|b' - b*| <= γ(6)·B + 6η` with `B = μ|b| + (1-τ)G`
//!   (`γ(2)·G + 2η` at `t = 1`, where `B = G`), and
//!   `|w' - w*| <= γ(10)(|w| + lr·D) + 10η(1 + lr)` with `D = μB + G`
//!   (nesterov) or `D = B`;
//! - adam: `|m' - m*| <= E_m = γ(7)·M + 7η`, `M = β1|m| + (1-β1)G`;
//!   `|v' - v*| <= E_v = γ(10)·V + 10η`, `V = β2|v| + (1-β2)G²` (the same
//!   for `v_max'`, as `max` is 1-Lipschitz). For the step, let `s*` be the
//!   exact `v*` or `max(v_max, v*)`, `r* = 1/sqrt(1-β2^t)`,
//!   `den* = r*·sqrt(s*) + ε`, `q* = m*/den*`, `α = lr/(1-β1^t)`;
//!   `E_√ = min(sqrt(E_v), E_v/sqrt(s*))` bounds the root's error, and the
//!   denominator errs by at most `θ·den*` relative, with
//!   `θ0 = γ(3) + ρ_r(1 + γ(2))`, `θ = r*·E_√(1 + θ0)/den* + θ0`. Then
//!   `|w' - w*| <= u|w*| + α((E_m + |m*|θ)/(den*(1-θ)) + ρ_α|q*| + η)(1 + γ(2)) + E_x + 2η`,
//!   where `E_x = γ(4)(1 + lr·λ)|w| + 4η` for AdamW with `λ != 0` and `0`
//!   otherwise.
//!   `ρ_α` and `ρ_r` are the relative errors of the constants `ns` and `r`:
//!   `pow` errs by at most `γ₆₄(t)` relative (each squaring doubles the
//!   error), so `1 - pow(β, t)` errs by at most
//!   `ρ(β, t) = γ₆₄(t)·β^t/(1 - β^t) + u₆₄` relative, and
//!   `ρ_α <= ρ(β1, t) + u₆₄ + u`, `ρ_r <= ρ(β2, t)/2 + 2u₆₄ + u`. For `f32`
//!   these are a few `u`; for `f64` with `β2 = 0.999` they reach a few
//!   hundred `u₆₄` around `t = 1000`, as PyTorch's own `1 - beta2**t` does.
//!   When `G ≈ |grad + λw|` and `v, v_max >= 0` (no cancellation, the usual
//!   case), `E_√` is about `γ(5)·sqrt(s*)` and `θ` about `γ(8) + ρ_r`.
//!
//! `tests/optim/accuracy.rs` checks these bounds step by step along many
//! random trajectories, against PyTorch's formulas evaluated in `f64`.
//!
//! ## What is not promised
//! - NaN payloads and the sign of a NaN.
//! - Results under a non-default floating-point environment (flush-to-zero,
//!   denormals-are-zero, or another rounding mode set by the caller).
//! - Anything about kernels named `fast_*` (none yet), which may use native
//!   instructions with other rounding and document their own bound.
