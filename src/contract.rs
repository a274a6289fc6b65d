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
//! - `T` is `f32` or `f64`; `u` its unit roundoff (2^-24, 2^-53). The
//!   reduced-precision types compute in f32 or exactly in integers
//!   ([reduced-precision dot](#reduced-precision-dot)).
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
//! level each), `|dot - exact| <= gamma(k) * sum_j |a[j]*b[j]| + (1 +
//! gamma(k)) * n * eta / 2`, where `gamma(k) = k*u / (1 - k*u)` and `eta` is
//! the smallest positive subnormal ([`dot_error_bound`](crate::dot_error_bound)
//! computes it). For f32 in one block, `k = 70`: about `4.2e-6` times
//! `sum |a*b|`. The underflow term counts one `eta / 2` per FMA, since each
//! FMA whose result is subnormal may lose that much (sums of subnormals are
//! exact); the shared contract's `k * eta` is too small when many products
//! underflow.
//!
//! ### Reduced-precision dot
//! `dot` of `bf16`, `f16` ([`half`]), `i8` and `u8` inputs (both inputs of
//! one type). A stripe is still 256 bytes of one input (`W` = 128 bf16/f16
//! or 256 i8/u8 elements) and a block 16 KiB (`E` = 8192 or 16384).
//!
//! **bf16 and f16 -> f32.** Every element is first widened **exactly** to
//! f32 (every bf16 and f16 value, subnormals and infinities included, is an
//! f32 value; a NaN stays a NaN). Then, as for an f32 `dot`: 64 f32 lanes
//! per block starting at `+0.0`, for each element `j` of the block in
//! increasing order `s[l(j)] = fma(a[j], b[j], s[l(j)])`, the blocks'
//! lanes combined by the block tree, the result the `fold` of the 64 lanes
//! (`+0.0` for `n = 0`). Each lane receives two elements of each stripe
//! (128 FMAs per block); the lane map `l` differs by type, each chosen so
//! that every backend widens with no lane shuffle:
//! - **bf16: `l(j) = (j mod 128) / 2`**, adjacent pairs share a lane, even
//!   element first. A bf16 is the top half of an f32, so a register of
//!   32-bit words holds elements `2i` (low half) and `2i + 1` (high half) of
//!   word `i`: `word << 16` widens the even ones and `word & 0xFFFF0000` the
//!   odd ones, two integer operations per register of 32-bit lanes on AVX2,
//!   AVX-512 and NEON alike. A consecutive map would cost a zero-extending
//!   shuffle per register on x86.
//! - **f16: `l(j) = j mod 64`**, the two halves of a stripe pass over the
//!   lanes in turn. f16 needs a real conversion (exponent rebias,
//!   subnormals), and every backend's conversion instruction reads
//!   consecutive halves into consecutive lanes (F16C and AVX-512
//!   `vcvtph2ps`, NEON `fcvtl`), so consecutive elements go to consecutive
//!   lanes.
//!
//! Widening is exact and every later step is an f32 FMA or addition of
//! `dot`, so the accuracy bound of [dot](#dot) holds with f32's `u`, `k =
//! 128 + ceil(log2(blocks)) + 6` and the products of the widened values.
//! Special values follow IEEE f32 arithmetic on the widened values: `inf *
//! 0` and `inf - inf` give NaN, NaN propagates, no input or product is
//! flushed to zero (an f16 subnormal widens to a normal f32; a product of
//! two bf16 subnormals underflows f32 and rounds to a signed zero). One-step
//! dot instructions (`vdpbf16ps`, AVX-512 FP16, NEON `bfdot`) flush
//! subnormals or round pair sums and are not used.
//!
//! **i8 and u8 -> i64.** The exact integer `sum_j a[j] * b[j]` (0 for `n =
//! 0`); exact, so every order gives the same value and no order is
//! prescribed. The overflow argument: a product is at most `2^14` in
//! magnitude for i8 (`-128 * -128`) and `255^2 = 65025` for u8. Backends
//! multiply exactly (8-bit values widened to 16 bits, then 16 x 16 -> 32
//! bit pair sums, `vpmaddwd`, whose one overflow `2 * (-32768)^2` 8-bit
//! values never reach; or NEON `smull`/`umull` into 16 bits and pairwise
//! `sadalp`/`uadalp` into 32) and add them into 32-bit lanes over blocks of
//! `IBLOCK = 16384` elements: any partial sum of a block is at most
//! `16384 * 65025 < 2^31`, so no lane can overflow, whatever the lane
//! assignment. Each block's sum then goes into an `i64`, which holds the
//! sum of `n` products for `n <= 2^63 / 65025`, about `1.4 * 10^14`
//! elements (140 TB per input, more memory than any machine has today; a
//! longer input, which no 47-bit address space can hold, is not promised).
//! Saturating instructions (`vpmaddubsw`, `vpdpwssds`) are never used.
//!
//! ### Similarity
//! `sqeuclidean(a, b)` and `cosine(a, b)`, every element type, one pass.
//! - Q1. `sqeuclidean`: `d = a[j] - b[j]` (after exact widening for bf16
//!   and f16; in f32 for those, in `T` for f32 and f64), rounded once; then
//!   `s[l(j)] = fma(d, d, s[l(j)])` in the lanes, blocks, block tree and
//!   fold of the type's `dot` (`+0.0` for `n = 0`). i8 and u8: the exact
//!   `sum (a[j] - b[j])^2` as an `i64` (differences exact in 16 bits, each
//!   square at most `255^2`, the overflow argument of the integer `dot`).
//! - C1. `cosine`: the three sums `ab = dot(a, b)`, `aa = dot(a, a)`,
//!   `bb = dot(b, b)`, each bit for bit the type's `dot`, in one pass.
//! - C2. Widened exactly to f64. `0` if `aa == bb == 0` (both vectors
//!   zero, or empty), `1` if exactly one of them is 0.
//! - C3. `den = sqrt(aa * bb)` if `aa * bb` is a finite normal f64, else
//!   `sqrt(aa) * sqrt(bb)`; `d = 1 - ab / den` (correctly rounded `sqrt`
//!   and division, no estimates), so `a == b` gives exactly 0.
//! - C4. `d` clamped to `[0, 2]` (`d < 0 -> 0`, `d > 2 -> 2`, NaN stays
//!   NaN), rounded once to the result type (f32 for f32, bf16, f16; f64
//!   for f64, i8, u8).
//!
//! **Accuracy.** sqeuclidean: within `gamma(k + 3)` relative of the exact
//! sum plus `n * eta / 2` (`k` of the type's `dot`). cosine: within `3
//! gamma(k) + 8 * 2^-53 + 2u` absolute (`u` of the result type) when no
//! product underflows.
//!
//! ### One query against many rows: dots, sqeuclideans, cosines
//! `dots(X, q)`, `sqeuclideans(X, q)`, `cosines(X, q)`, every element type,
//! `X` row-major `m x n` with a row stride, `q` of length `n`:
//! - M1. `out[i] = dot(X[i], q)` (resp. `sqeuclidean`, `cosine`), each
//!   row exactly the one-pair kernel above: the same bits as `m` separate
//!   calls, in any order.
//! - M2. Rows are independent: a backend may compute several rows
//!   together (for f32 and f64, `dots` runs on the `gemv` row engine with
//!   `b = -0.0`, and `fl(d + -0.0) = d` for every `d`, signed zeros and
//!   infinities included), and threads take contiguous ranges of rows. No
//!   sum is split, so no order changes.
//!
//! **Accuracy.** Each `out[i]` has its one-pair kernel's bound.
//!
//! ### axpy and scale
//! `axpy(alpha, x, y)`: `y[j] = fma(alpha, x[j], y[j])`.
//! `scale(alpha, x)`: `x[j] = alpha * x[j]`.
//! Element by element, each result is one correctly rounded operation (at
//! most half an ulp from exact), so every backend agrees as long as it uses
//! exactly these operations, which they all do.
//!
//! ### gemv
//! `gemv(X, w, b)`, `X` row-major `m x n` with a row stride:
//! `out[i] = dot(X[i], w) + b`, each row's dot exactly the `dot` above,
//! then one rounded `+ b`. Backends may compute several rows' dots together
//! (sharing each load of `w`) or keep a short `w` in registers: each row's
//! lanes, tree and fold are unchanged, so the bits are.
//!
//! **Accuracy.** `|out[i] - (exact_i + b)| <= dot_error_bound(n, sum_j |X[i][j] w[j]|) + u |out[i]|`.
//!
//! ### gemv_t: out = X^T v
//! Rows are split into **row blocks** of `R = 256` rows (the last may be
//! shorter; `m = 0` gives one empty block). In a row block the partials
//! `g[0..n]` start at `+0.0`, and for each row `i` of the block in
//! increasing order, for every `j`: `g[j] = fma(v[i], X[i][j], g[j])`. The
//! row blocks' partials are combined with the block tree (element-wise `+`);
//! `out = g`. A backend may fold several rows into one pass over `g`, or
//! keep a short `g` in registers for a whole block, as long as each `g[j]`
//! still receives its rows' FMAs in increasing `i`: the bits do not change.
//!
//! **Accuracy.** With `k = R + ceil(log2(blocks))` (at most `R` sequential
//! FMAs per block, then one level per tree level),
//! `|out[j] - exact_j| <= gamma(k) * sum_i |v[i] X[i][j]| + (1 + gamma(k)) * m * eta / 2`.
//! The underflow term counts one `eta / 2` per FMA (there are `m` of them
//! into each `out[j]`; additions of subnormals are exact), as `dot`'s does:
//! 3000 products of `0.375 eta` each round to `+0.0`, an error of
//! `1125 eta`, where an earlier `k * eta` stated 260 `eta`.
//!
//! ### Batch gradient of linear regression
//! The model is `f(x) = w.x + b`, the loss `J = 1/(2m) * sum_i (f(X[i]) - y_i)^2`
//! (mean squared error with the 1/2 convention), `m >= 1`.
//! 1. For each row: `p_i = dot(X[i], w) + b` (as `gemv`), `e_i = p_i - y_i`.
//! 2. Row blocks of `R = 256` rows. In a row block the partials `g[0..n]`,
//!    `gb` and `l` start at `+0.0`, and for each row `i` in increasing
//!    order: `g[j] = fma(e_i, X[i][j], g[j])` for every `j`, `gb = gb + e_i`,
//!    `l = fma(e_i, e_i, l)`.
//! 3. Row blocks are combined with the block tree: element-wise `+` on `g`,
//!    `+` on `gb` and on `l`, each `(left) + (right)`.
//! 4. `grad_w[j] = g[j] / m`, `grad_b = gb / m`, `loss = l / (2m)`, with `m`
//!    and `2m` converted to `T` by round-to-nearest (exact while
//!    `m < 2^24` for f32, `2^53` for f64).
//!
//! Step 2 is `gemv_t` with `v = e` plus two scalar sums, so a kernel can do
//! all of it in **one pass over `X`**: the dot of a row gives `e_i`, and the
//! row, still in L1, is folded into `g`. Kernels do that for batches of
//! rows (the batch's dots, then its residuals, then its rows folded into
//! `g` in order), which leaves every operation above in place.
//!
//! **Accuracy.** Let `ê_i` be the residuals as computed and `e_i` the exact
//! ones. `|ê_i - e_i| <= delta_i = dot_error_bound(n, sum_j |X[i][j] w[j]|) + u (|p̂_i| + |ê_i|) + 2 eta`
//! (the dot, then one rounding each for `+ b` and `- y_i`). With
//! `k = R + ceil(log2(blocks))`:
//! - `|grad_w[j] - 1/m sum_i e_i X[i][j]| <= (gamma(k) sum_i |ê_i X[i][j]| + (1 + gamma(k)) m eta / 2 + sum_i delta_i |X[i][j]|) / m + u |grad_w[j]| + eta`;
//! - `|grad_b - 1/m sum_i e_i| <= (gamma(k) sum_i |ê_i| + sum_i delta_i) / m + u |grad_b| + eta`;
//! - `|loss - 1/(2m) sum_i e_i^2| <= (gamma(k) sum_i ê_i^2 + (1 + gamma(k)) m eta / 2 + sum_i (2 |ê_i| delta_i + delta_i^2)) / (2m) + u |loss| + eta`.
//!
//! The `m eta / 2` terms count the FMAs whose results may be subnormal (as
//! for `gemv_t`); the `+ u |.| + eta` terms the final division, whose
//! rounding of a subnormal quotient is absolute: `grad_w = 1536 eta / 1024
//! = 1.5 eta` rounds to `2 eta`.
//!
//! The tests check these against compensated f64 references.
//!
//! ### Sigmoid and log-loss
//! `sigmoid(z) = 1 / (1 + exp(-z))` and the log-loss term are evaluated by a
//! fixed sequence of IEEE operations (no libm call), the same on every
//! backend. Both start from `t = exp(-|z|)`, which lies in `[0, 1]` and
//! cannot overflow for any `z`.
//!
//! `exp(-a)` for `a >= 0` (or NaN), "E1-E6" (range reduction, then a fixed
//! polynomial with FMA, as in the Cephes `expf` behind the SSE/AVX
//! "mathfun" exponentials):
//! - E1. `x = max(LO, -a)`, where `max(p, q)` is `p > q ? p : q` (so a NaN
//!   `a` passes through);
//! - E2. `k = round_even(x * LOG2E)`;
//! - E3. `r = fma(k, -LN2_HI, x)`, then `r = fma(k, -LN2_LO, r)`;
//! - E4. `y = P[0]`, then `y = fma(y, r, P[i])` for `i = 1, 2, ...`;
//! - E5. `y = fma(y, r * r, r) + 1` (`r * r` rounded on its own);
//! - E6. `k1 = round_even(k * 0.5)`, `k2 = k - k1`,
//!   `t = (y * 2^k1) * 2^k2`, each `2^k` built exactly from exponent bits.
//!   Splitting the scale keeps both factors normal, so results in the
//!   subnormal range are rounded once, correctly scaled, not flushed.
//!
//! `log1p(t)` for `t` in `[0, 1]`, "L1-L4" (`log1p(t) = 2 atanh(s)`):
//! - L1. `s = t / (2 + t)` (so `0 <= s <= 1/3`);
//! - L2. `s2 = s * s`;
//! - L3. `q = Q[0]`, then `q = fma(q, s2, Q[i])` for `i = 1, 2, ...`;
//!   then `q = q * s2`;
//! - L4. `log1p(t) = fma(s, q, s + s)`.
//!
//! `sigmoid(z)`, "S1-S3":
//! - S1. `t = exp(-|z|)` (`|z|`: the sign bit cleared);
//! - S2. `num = z < 0 ? t : 1` (false for `-0.0` and NaN);
//! - S3. `p = num / (1 + t)`.
//!
//! The **log-loss term** of a logit `z` and a label `y` is
//! `max(z, 0) - z*y + log1p(exp(-|z|))`, evaluated as
//! `li = fma(-z, y, max(z, 0)) + log1p(t)` with the same `t` as S1 and
//! `max(z, 0) = z > 0 ? z : +0.0`. It equals
//! `-(y ln p + (1 - y) ln(1 - p))` and stays finite for any finite `z`.
//!
//! | constant | f32 | f64 |
//! |---|---|---|
//! | `LO` | -104 | -746 |
//! | `LOG2E` | `log2(e)` rounded to f32 | `log2(e)` rounded to f64 |
//! | `LN2_HI` | `ln 2` rounded (`0x3f317218`) | `ln 2` rounded (`0x3fe62e42fefa39ef`) |
//! | `LN2_LO` | `ln 2 - LN2_HI` rounded (`0xb102e308`) | `0x3c7abc9e3b39803f` |
//! | `P` | Cephes `expf`: `0x39506967, 0x3ab743ce, 0x3c088908, 0x3d2aa9c1, 0x3e2aaaaa, 0x3f000000` (1.9875691500e-4 ... 5.0000001201e-1) | `1/13!, 1/12!, ..., 1/2!`, each rounded to f64 |
//! | `Q` | `2/13, 2/11, 2/9, 2/7, 2/5, 2/3`, each rounded to f32 | `2/31, 2/29, ..., 2/5, 2/3`, each rounded to f64 |
//!
//! **Accuracy.** `sigmoid` is within 2.5 ulp of the exact value (for
//! subnormal results: 2.5 times the smallest subnormal). f32: measured
//! over all 2^32 inputs, worst 2.402 ulp at `z = -4.157294`; f64: worst
//! 2.23 ulp on 200,000 samples against 150-bit arithmetic. The loss term
//! with `y = 0` (softplus) was within 2.1 ulp (f32) and 2.4 ulp (f64) on
//! 40,000 samples of `[-100, 100]`.
//!
//! ### Batch gradient of logistic regression
//! As the linear gradient, with, for each row, `z_i = dot(X[i], w) + b`,
//! `p_i = sigmoid(z_i)` (S1-S3), `e_i = p_i - y_i`, and in step 2
//! `l = l + li` (the loss term above, not an FMA); step 4 is
//! `loss = l / m`. So the loss is the mean log-loss
//! `1/m sum_i (max(z_i, 0) - z_i y_i + log1p(exp(-|z_i|)))` and the
//! gradient `1/m sum_i (p_i - y_i) X[i]`.
//!
//! Labels are probabilities and are not checked: `y_i` in `{0, 1}` gives
//! the usual log-loss, `y_i` in `[0, 1]` the cross-entropy against soft
//! labels; other values go through the same formulas. An infinite logit
//! gives `p_i` of exactly 0 or 1 and a NaN loss term.
//!
//! **Accuracy.** As for the linear gradient, with
//! `delta_i = 2.5 (2u |p̂_i| + eta) + 1/4 |ẑ_i - z_i| + u |ê_i| + eta`
//! (the sigmoid's bound, its slope at most 1/4, the subtraction), where
//! `|ẑ_i - z_i|` is bounded as `|p̂_i - p_i|` of the linear case. Each loss
//! term is off by at most `(1 + |y_i|) |ẑ_i - z_i| + |ẑ_i - z_i|` (its slope)
//! plus `u (2 |ẑ_i| (1 + |y_i|) + 9) + 3 eta` (its roundings), and the sum
//! adds `gamma(k) sum_i |li|`.
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
//! ### gemm: C = op(A) op(B)
//! `gemm(A, ta, B, tb, C)` and `gemm_acc` (`C += op(A) op(B)`), where
//! `op(X)` is `X` or `X^T` (a transpose only chooses which stored element
//! is read), `op(A)` is `m x K`, `op(B)` is `K x n`, `C` is `m x n`, all
//! row-major views with row strides:
//! 1. For each `C[i][j]`, the accumulator `c` starts at `+0.0` (`gemm`) or
//!    at the existing `C[i][j]` (`gemm_acc`).
//! 2. For `p = 0, 1, ..., K - 1` in increasing order:
//!    `c = fma(op(A)[i][p], op(B)[p][j], c)`.
//! 3. `C[i][j] = c`. With `K = 0`, `gemm` writes `+0.0` and `gemm_acc`
//!    leaves `C` unchanged.
//!
//! This is **not** the `dot` order that `gemv` uses for its rows: there is
//! no split of `K` into lanes or blocks, no tree and no fold, so a `gemm`
//! with `n = 1` generally differs from a `gemv` of the same data. Each
//! element is one sequential FMA chain, and nothing else:
//! - storing an accumulator to memory and loading it back is exact, so a
//!   backend may cut `K` into cache blocks, finishing a block by storing
//!   `C` and continuing the chain from it;
//! - each register lane holds one element, so vectorising over `i` and `j`,
//!   any microkernel shape, packing with zero padding (padded rows and
//!   columns feed only lanes that are never stored), and any split of the
//!   tiles of `C` over threads give the same bits;
//! - `K` is never split across threads or across accumulators of one
//!   element (that would add a tree, and change the bits).
//!
//! Signed zeros follow from the chain: the first step is
//! `fma(a, b, +0.0)` (never a plain product), so products that are all
//! exactly `-0.0` (a factor `-0.0`) give `+0.0` in `gemm`, and `-0.0` in
//! `gemm_acc` from a `-0.0` in `C`; tiny negative products that round to
//! zero give `-0.0` in both (the exact sum is negative). NaN and infinities propagate through the FMAs as IEEE
//! says; no lane of one element ever touches another element.
//!
//! **Accuracy.** With `C0` the input `C` (`0` for `gemm`),
//! `|C[i][j] - exact| <= gamma(K) * (|C0[i][j]| + sum_p |op(A)[i][p] op(B)[p][j]|) + (1 + gamma(K)) * K * eta / 2`:
//! each of the `K` FMAs rounds once (relative `u`, compounding to
//! `gamma(K)` on every term it carries), and each FMA whose result is
//! subnormal may lose up to `eta / 2` instead, later roundings scaling
//! that loss by at most `1 + gamma(K)`.
//!
//! ### Dense layer: forward and backward
//! `dense_forward(X, W, b, Y)`, `X` `m x d`, `W` `d x h`, `b` of length `h`,
//! `Y` `m x h`: `Y[i][j]` is the gemm chain of step 2 above started from
//! `c = b[j]` (that is, `Y` filled with `b` by rows, then
//! `gemm_acc(X, W, Y)`): `K = d` FMAs, one rounding each, and no separate
//! `+ b`.
//!
//! `dense_backward(X, W, dY, dW, db, dX)`, `dY` `m x h`:
//! - `dW = X^T dY` (`gemm` with `ta = Yes`), `d x h`;
//! - `db = dY^T 1`: `gemv_t(dY, v)` with every `v[i] = 1` (its row blocks,
//!   tree and combination; `fma(1, x, s)` is `x + s` rounded once);
//! - `dX = dY W^T` (`gemm` with `tb = Yes`), `m x d`, when asked for.
//!
//! **Accuracy.** `Y` and `dW`, `dX` as gemm (`K = d`, `m`, `h`
//! respectively; for `Y`, `C0 = b`); `db` as `gemv_t`.
//!
//! ### Softmax cross-entropy
//! `softmax_cross_entropy(Z, labels, dZ)`, logits `Z` `m x c` (`c >= 1`),
//! class indices `labels[i] < c`, for each row `i` in order:
//! - X1. `mx = Z[i][0]`, then `mx = Z[i][j] > mx ? Z[i][j] : mx` for
//!   `j = 1..c` (a NaN logit is never taken as the maximum, and NaN results
//!   follow from X2).
//! - X2. `e_j = exp(-(mx - Z[i][j]))` by E1-E6 of the sigmoid (`a = mx -
//!   Z[i][j] >= 0`, rounded once), so the maximum's `e` is exactly 1.
//! - X3. `s = e_0 + e_1 + ... + e_{c-1}` in increasing `j`, from `+0.0`
//!   (`1 <= s <= c`).
//! - X4. `dZ[i][j] = (e_j / s - t_j) / m`, `t_j = 1` for `j = labels[i]`,
//!   else 0: three roundings (`/ s`, `- t_j`, `/ m`), the gradient of the
//!   mean loss.
//! - X5. `ln s`: `s = f 2^k` with `f` in `[1, 2)` (exact), `ln s =
//!   fma(k, LN2_HI, fma(k, LN2_LO, log1p(f - 1)))` (L1-L4, `f - 1` exact,
//!   in `[0, 1)`); the row's loss `l_i = ln s + (mx - Z[i][labels[i]])`.
//! - X6. The returned loss: `(l_0 + l_1 + ... + l_{m-1}) / m` in increasing
//!   `i`, from `+0.0` (`+0.0` for `m = 0`).
//!
//! Every step is a scalar operation in a fixed order, so every backend and
//! thread count gives these bits (the layer's cost is in its gemms).
//!
//! **Accuracy.** Two measured constants: `exp` (E1-E6) is within
//! `K_e u = 1.5 u` of `exp(-a)` relatively (worst 1.41 u over every f32
//! input with a normal result, 1.32 u on 60,000 f64 samples against
//! 200-bit arithmetic), and `ln s` (X5) within `K_l u = 3 u` of `ln s`
//! relatively (worst 2.95 u over every f32 `s` in `[1, 256]`, 2.88 u on
//! the f64 samples); `u` is the unit roundoff, `eta` the smallest
//! subnormal. For finite logits, with the exact `a_j = mx - Z[i][j]`,
//! `p_j = exp(-a_j) / sum_k exp(-a_k)`, the row's exact loss `l_i` and
//! `j*` the index of the maximum, the relative error of the computed `s`
//! is at most
//! `sigma_i = gamma(c - 1) + u sum_{j != j*} p_j (K_e + a_j)`
//! (the additions, then each `e_j`'s own error and the rounding of `a_j`,
//! which `exp` turns into a relative error of `a_j u`); then, to first
//! order in `u`,
//! - `dZ[i][j]` within
//!   `(p_j ((K_e + a_j + 1) u + sigma_i) + 2 u |p_j - t_j|) / m + 2 eta`
//!   of `(p_j - t_j) / m`;
//! - the row's loss within
//!   `beta_i = sigma_i + K_l u ln s + u a_label + u l_i` of `l_i`, and the
//!   returned mean `L` within
//!   `gamma(m - 1) L + u L + (1/m) sum_i beta_i` of the exact mean.
//!
//! Inputs built for each term reach it (tests/softmax_accuracy.rs, f32 and
//! f64): `c - 1` terms just under half an ulp of 1 after the maximum give
//! 0.996 of the loss bound (`gamma(c - 1)`); rows whose losses each round
//! away in the mean give 0.87; `mx - z` rounded by almost half an ulp near
//! 32 gives 0.84-0.85 of the `dZ` bound. Random logits reach up to 0.96
//! (`dZ`) and 0.37 (loss).
//!
//! ### Batch gradient of softmax regression
//! `softmax_gradient(X, labels, W, b, gW, gb)`, `X` `m x d` (`m >= 1`),
//! `W` `d x c`, `b` of length `c >= 1`, class indices `labels[i] < c`: the
//! gradient of the mean cross-entropy of `softmax(X W + b)`, in one pass
//! over `X`. Rows are split into row blocks of `R = 256` rows, as for the
//! other gradients. In row block `B`:
//! - S1. Logits: `Z[i][j]` is the dense layer's chain, `c = b[j]`, then
//!   `c = fma(X[i][p], W[p][j], c)` for `p = 0..d` in increasing order.
//! - S2. Per row, X1-X3 and X5 of the softmax cross-entropy:
//!   `mx`, `e_j`, `s`, `ln s`, and `l_i = ln s + (mx - Z[i][labels[i]])`;
//!   then `D[i][j] = e_j / s - t_j` (two roundings; no `/ m` here).
//! - S3. The block's partials, all from `+0.0`, over the block's rows `i`
//!   in increasing order: `G[p][j] = fma(X[i][p], D[i][j], G[p][j])`
//!   (`X_B^T D`, one chain per element, as gemm), `g_b[j] = g_b[j] +
//!   D[i][j]`, `l = l + l_i`.
//! - S4. Row blocks are combined by the block tree (element-wise `+` on
//!   `G`, `g_b` and `l`).
//! - S5. `gW[p][j] = G[p][j] / m`, `gb[j] = g_b[j] / m`, and the returned
//!   loss `l / m`, `m` converted to `T` with round-to-nearest.
//!
//! The loss is summed per block and combined by the tree, so it can differ
//! in the last bits from `softmax_cross_entropy`'s sequential mean (X6);
//! `Z` and `D` of one block exist only in scratch, which is how `X` is read
//! once. Threads split at the tree's split points, as for the other
//! gradients.
//!
//! **Accuracy.** `Z` as gemm (`K = d`, `C0 = b`); with `D̂` the computed
//! `D` (each within the softmax cross-entropy's bound on `m dZ` of `P - Y`
//! for the computed `Z`)
//! and `k = 256 + ceil(log2(blocks))`,
//! `|gW[p][j] - 1/m sum_i X[i][p] D̂[i][j]| <= (gamma(k) sum_i |X[i][p] D̂[i][j]| + (1 + gamma(k)) m eta / 2) / m + u |gW[p][j]| + eta`,
//! as for the linear gradient (each chain is at most `R` FMAs, then the
//! tree's levels).
//!
//! ## Threads and machines
//! Every reduction is split on its own block boundaries (blocks of `E`
//! elements for `dot`, row blocks of `R` rows for `gemv_t` and the
//! gradients) and combined by the block tree above; nothing else changes.
//! A thread (with [`Par`](crate::Par) on the handle and the `rayon`
//! feature) or a worker process computes whole subtrees `T(lo..hi)` of the
//! canonical tree, each by the sequential kernel on its blocks alone (the
//! tree's shape depends only on the number of blocks, so `T(lo..hi)` over
//! a range equals the subtree of the whole); the tree's remaining `(+)`
//! and, last, the fold (`dot`) or the means (`/ m` of the gradients) are
//! applied once. So the result has the same bits for any number of threads
//! or workers.
//!
//! - Threads split only at the tree's own split points (`lo + P`), giving
//!   each half a share of the threads in proportion to its blocks, and stop
//!   splitting at subtrees smaller than a least task size
//!   ([`Kernels::with_task_bytes`](crate::Kernels::with_task_bytes)): the
//!   size changes the speed, never the bits.
//! - A worker holding blocks `lo..hi` (a range that starts on a block
//!   boundary and ends on one or at the end of the input) carries the
//!   maximal subtrees of the canonical tree inside its range: at most
//!   `2 ceil(log2(blocks))` of them, whatever the number of workers
//!   ([`Partial`](crate::Partial)). Combining the partials of every range,
//!   in order, finishes the same tree. Partials carry sums, never means.
//! - `gemm` splits the rows of `C` anywhere (each element is its own
//!   chain; `K` is never split).
//! - `gemv` splits its rows anywhere (each row is its own `dot`), and the
//!   element-wise kernels split their elements anywhere.
//!
//! ## What is not promised
//! - NaN payloads and the sign of a NaN.
//! - Results under a non-default floating-point environment (flush-to-zero,
//!   denormals-are-zero, or another rounding mode set by the caller).
//! - Anything about kernels named `fast_*` (none yet), which may use native
//!   instructions with other rounding and document their own bound.
