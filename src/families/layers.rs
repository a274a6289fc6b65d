//! Layers of a model with many outputs: the dense layer's forward and
//! backward passes (on `gemm` and `gemv_t`) and the softmax cross-entropy
//! ([contract: dense layer](crate::contract#dense-layer-forward-and-backward),
//! [contract: softmax cross-entropy](crate::contract#softmax-cross-entropy)).

use alloc::vec;

use crate::dispatch::{Backends, Kernel, Kernels, float_family};
use crate::element::Float;
use crate::error::{Error, at_least_one, shape};
use crate::lanes::Lanes;
use crate::matrix::Matrix;
use crate::matrix_mut::{MatrixMut, Operand, Trans};
use crate::params::{Params, R};
use crate::scalar::sigmoid::{exp_neg, log1p_unit};

/// `ln s` for `s >= 1` (contract step X5): `s = f 2^k`, `f` in `[1, 2)`,
/// `fma(k, LN2_HI, fma(k, LN2_LO, log1p(f - 1)))`. NaN and infinity give
/// NaN and infinity.
#[inline]
fn ln_ge1<T: Params>(s: T) -> T {
    let w = s.to_f64();
    if !w.is_finite() {
        return s;
    }
    // Exact: the exponent of a normal f64 (s >= 1), and `f - 1` has at
    // most T's mantissa bits.
    let bits = w.to_bits();
    let k = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let f = f64::from_bits((bits & ((1 << 52) - 1)) | (1023 << 52));
    let c = T::SIGMOID;
    let k = T::from_f64(k as f64);
    T::fma(
        k,
        c.ln2_hi,
        T::fma(k, c.ln2_lo, log1p_unit(T::from_f64(f - 1.0))),
    )
}

/// Contract steps X1-X3 on one row, in place: `z` becomes `e_j =
/// exp(-(mx - z_j))` with `mx` the sequential maximum (a NaN is never
/// taken); returns `(mx, s)`, `s` the sum of the `e_j` in increasing `j`
/// from `+0.0`.
#[inline]
fn exp_row<T: Params>(z: &mut [T]) -> (T, T) {
    let mut mx = z[0];
    for &v in &z[1..] {
        mx = if v > mx { v } else { mx };
    }
    let mut s = T::ZERO;
    for e in z.iter_mut() {
        *e = exp_neg(mx - *e);
        s = s + *e;
    }
    (mx, s)
}

/// Contract steps X1-X6 on rows of `z` (shapes and labels checked).
fn softmax_rows<T: Params>(z: Matrix<'_, T>, labels: &[u32], mut dz: MatrixMut<'_, T>) -> T {
    let m = z.rows();
    let mt = T::from_f64(m as f64);
    let mut total = T::ZERO;
    for (i, &label) in labels.iter().enumerate().take(m) {
        let zi = z.at(i);
        let out = dz.at_mut(i);
        out.copy_from_slice(zi);
        let (mx, s) = exp_row(out);
        for (j, o) in out.iter_mut().enumerate() {
            let t = if j == label as usize { T::ONE } else { T::ZERO };
            *o = (*o / s - t) / mt;
        }
        let li = ln_ge1(s) + (mx - zi[label as usize]);
        total = total + li;
    }
    if m == 0 { T::ZERO } else { total / mt }
}

/// One `softmax_cross_entropy` call (shapes and labels checked).
pub(crate) struct Softmax<'a, T> {
    k: Kernels,
    z: Matrix<'a, T>,
    labels: &'a [u32],
    dz: MatrixMut<'a, T>,
}

impl<T: Params> Kernel for Softmax<'_, T> {
    type T = T;
    type Output = T;
    #[inline(always)]
    fn scalar(self) -> T {
        softmax_rows(self.z, self.labels, self.dz)
    }
    /// The contract's scalar steps on every backend (no lane order to
    /// choose: each value is a fixed sequence of scalar operations).
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, _s: S) -> T {
        softmax_rows(self.z, self.labels, self.dz)
    }
}

float_family!(
    /// `softmax_cross_entropy`.
    SoftmaxF<T>: Softmax => T
);

/// One `softmax_gradient` call (shapes and labels checked, `m >= 1`).
pub(crate) struct SoftmaxGrad<'a, T> {
    k: Kernels,
    x: Matrix<'a, T>,
    labels: &'a [u32],
    w: Matrix<'a, T>,
    b: &'a [T],
    gw: MatrixMut<'a, T>,
    gb: &'a mut [T],
}

/// Contract steps S1-S3 on row block `xb` (labels `labels`), adding the
/// block's partials to `part` (`+0.0` on entry): `G` (`d x c`), then `g_b`
/// (`c`), then `l`. `z` is scratch of at least `xb.rows() * c` elements,
/// where the block's logits and then its `D` live.
fn softmax_block<T: Params>(
    k: Kernels,
    xb: Matrix<'_, T>,
    labels: &[u32],
    w: Matrix<'_, T>,
    b: &[T],
    z: &mut [T],
    part: &mut [T],
) {
    let (rb, d, c) = (xb.rows(), xb.cols(), w.cols());
    let z = &mut z[..rb * c];
    for row in z.chunks_exact_mut(c) {
        row.copy_from_slice(b);
    }
    // S1: Z = b + X_B W, each element the chain from b[j] over p.
    let (xn, wn) = (Operand::new(xb, Trans::No), Operand::new(w, Trans::No));
    if let Ok(zm) = MatrixMut::from_rows(&mut *z, rb, c) {
        crate::families::gemm::run_checked(k, xn, wn, zm, true);
    }
    let (g, rest) = part.split_at_mut(d * c);
    let (gbp, lp) = rest.split_at_mut(c);
    // S2 on the backend's registers.
    let l = T::run_float::<SoftmaxRowsF>(SoftmaxRows {
        k,
        z: &mut *z,
        c,
        labels: &labels[..rb],
        gb: gbp,
    });
    lp[0] = l;
    // S3: G = X_B^T D, each element one chain over the block's rows.
    if let (Ok(dm), Ok(gm)) = (Matrix::from_rows(&*z, rb, c), MatrixMut::from_rows(g, d, c)) {
        let (xt, dn) = (Operand::new(xb, Trans::Yes), Operand::new(dm, Trans::No));
        crate::families::gemm::run_checked(k, xt, dn, gm, false);
    }
}

/// Step S2 on one block's logits (`labels.len()` rows of `c` in `z`, in
/// place): `D`, the block's `g_b` added to `gb`, and the block's loss.
pub(crate) struct SoftmaxRows<'a, T> {
    k: Kernels,
    z: &'a mut [T],
    c: usize,
    labels: &'a [u32],
    gb: &'a mut [T],
}

impl<T: Params> Kernel for SoftmaxRows<'_, T> {
    type T = T;
    type Output = T;
    /// The contract's steps, one scalar operation at a time.
    fn scalar(self) -> T {
        let mut l = T::ZERO;
        for (zi, &label) in self.z.chunks_exact_mut(self.c).zip(self.labels) {
            let label = label as usize;
            let zl = zi[label];
            let (mx, s) = exp_row(zi);
            for (j, (e, g)) in zi.iter_mut().zip(self.gb.iter_mut()).enumerate() {
                let t = if j == label { T::ONE } else { T::ZERO };
                *e = *e / s - t;
                *g = *g + *e;
            }
            l = l + (ln_ge1(s) + (mx - zl));
        }
        l
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) -> T {
        crate::kernels::softmax::rows(s, self.z, self.c, self.labels, self.gb, ln_ge1)
    }
}

float_family!(
    /// Step S2 of `softmax_gradient`, per row block.
    SoftmaxRowsF<T>: SoftmaxRows => T
);

/// Steps S1-S3 on one row block, adding its partials to `part` (layout as
/// in [`softmax_block`]). `z` (`rows x c`) and `padded` (`2 d x 32`) are
/// scratch.
pub(crate) struct SoftmaxBlock<'a, T> {
    k: Kernels,
    xb: Matrix<'a, T>,
    labels: &'a [u32],
    w: Matrix<'a, T>,
    b: &'a [T],
    z: &'a mut [T],
    padded: &'a mut [T],
    /// The first block of this scratch: `W` is packed into `padded` then,
    /// and kept for the later blocks (same backend, same `W`).
    first: bool,
    part: &'a mut [T],
}

impl<T: Params> Kernel for SoftmaxBlock<'_, T> {
    type T = T;
    type Output = ();
    /// The two gemms and the scalar steps.
    fn scalar(self) {
        softmax_block(
            self.k,
            self.xb,
            self.labels,
            self.w,
            self.b,
            self.z,
            self.part,
        );
    }
    /// Up to a register of classes, the fused tile kernel (the same
    /// chains, `X` read once); more classes, the two gemms.
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) {
        let (d, c, l) = (self.xb.cols(), self.w.cols(), <S as Lanes<T>>::LANES);
        if c > 2 * l {
            return softmax_block(
                self.k,
                self.xb,
                self.labels,
                self.w,
                self.b,
                self.z,
                self.part,
            );
        }
        let nr = if c > l { 2 * l } else { l };
        let (wp, g) = self.padded.split_at_mut(d * 32);
        let (wp, g) = (&mut wp[..d * nr], &mut g[..d * nr]);
        if self.first {
            for (p, row) in wp.chunks_exact_mut(nr).enumerate() {
                row[..c].copy_from_slice(self.w.at(p));
                row[c..].fill(T::ZERO);
            }
        }
        g.fill(T::ZERO);
        let (gp, rest) = self.part.split_at_mut(d * c);
        let (gbp, lp) = rest.split_at_mut(c);
        use crate::kernels::softmax::fused_block;
        let (xb, labels, b) = (self.xb, self.labels, self.b);
        let wide = <S as Lanes<T>>::REGISTERS >= 32;
        let loss = match (c > l, wide) {
            (false, _) => fused_block::<T, S, 8, 1, 4>(s, xb, labels, wp, b, g, gbp, ln_ge1),
            (true, true) => fused_block::<T, S, 8, 2, 2>(s, xb, labels, wp, b, g, gbp, ln_ge1),
            (true, false) => fused_block::<T, S, 6, 2, 1>(s, xb, labels, wp, b, g, gbp, ln_ge1),
        };
        for (dst, src) in gp.chunks_exact_mut(c).zip(g.chunks_exact(nr)) {
            dst.copy_from_slice(&src[..c]);
        }
        lp[0] = loss;
    }
}

float_family!(
    /// Steps S1-S3 of `softmax_gradient` on one row block.
    SoftmaxBlockF<T>: SoftmaxBlock => ()
);

/// `T(lo..hi)` of the block tree over row blocks `lo..hi` (S1-S4): the
/// partials' layout as in [`softmax_block`].
fn softmax_subtree<T: Params>(op: &SoftmaxGrad<'_, T>, lo: usize, hi: usize) -> alloc::vec::Vec<T> {
    let (m, d, c) = (op.x.rows(), op.x.cols(), op.w.cols());
    let mut out = vec![T::ZERO; c * d + c + 1];
    let rows = op.x.row_range(lo * R, (hi * R).min(m));
    let mut z = vec![T::ZERO; R.min(rows.rows()) * c];
    let mut padded = vec![T::ZERO; 2 * d * 32];
    let k = op.k.seq();
    crate::tree::row_block_tree(
        rows,
        &mut out,
        &mut |q, xb, part| {
            let i0 = (lo + q) * R;
            T::run_float::<SoftmaxBlockF>(SoftmaxBlock {
                k,
                xb,
                labels: &op.labels[i0..],
                w: op.w,
                b: op.b,
                z: &mut z,
                padded: &mut padded,
                first: q == 0,
                part,
            });
        },
        &mut |a, b| add_into(a, b),
        &mut |(), ()| (),
    );
    out
}

/// The tree's `(+)` on partials: `a[i] = a[i] + b[i]`.
fn add_into<T: Float>(a: &mut [T], b: &[T]) {
    for (x, &y) in a.iter_mut().zip(b) {
        *x = *x + y;
    }
}

/// The whole call: the block tree over every row block, on up to the
/// handle's threads (split at the tree's own split points), then S5.
fn softmax_gradient_run<T: Params + Send + Sync>(op: SoftmaxGrad<'_, T>) -> T {
    let (m, d, c) = (op.x.rows(), op.x.cols(), op.w.cols());
    let blocks = op.x.row_blocks();
    let block_bytes = R * d.max(1) * core::mem::size_of::<T>();
    let grain = op.k.task_bytes.div_ceil(block_bytes).max(1);
    let root = {
        let view = &op;
        crate::par::tree(
            0,
            blocks,
            op.k.budget(),
            grain,
            &|lo, hi| softmax_subtree(view, lo, hi),
            &|mut a, b| {
                add_into(&mut a, &b);
                a
            },
        )
    };
    let SoftmaxGrad { mut gw, gb, .. } = op;
    let mt = T::from_usize(m);
    let (g, rest) = root.split_at(d * c);
    for (p, gp) in g.chunks_exact(c.max(1)).enumerate().take(d) {
        for (o, &v) in gw.at_mut(p).iter_mut().zip(gp) {
            *o = v / mt;
        }
    }
    for (g, &s) in gb.iter_mut().zip(&rest[..c]) {
        *g = s / mt;
    }
    rest[c] / mt
}

impl<T: Params + Send + Sync> Kernel for SoftmaxGrad<'_, T> {
    type T = T;
    type Output = T;
    /// The whole call, threaded or not: its cost is in the two gemms per
    /// row block, each dispatched to the handle's backend (sequentially
    /// inside a thread's subtree), and the softmax steps are scalar.
    #[inline(always)]
    fn parallel(self) -> Result<T, Self> {
        Ok(softmax_gradient_run(self))
    }
    #[inline(always)]
    fn scalar(self) -> T {
        softmax_gradient_run(self)
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, _s: S) -> T {
        softmax_gradient_run(self)
    }
}

float_family!(
    /// `softmax_gradient`.
    SoftmaxGradF<T>: SoftmaxGrad => T
);

/// Checks `labels` against `classes` ([`Error::Label`] for the first
/// label `>= classes`).
fn check_labels(op: &'static str, labels: &[u32], classes: usize) -> Result<(), Error> {
    match labels
        .iter()
        .enumerate()
        .find(|&(_, &l)| l as usize >= classes)
    {
        Some((row, &label)) => Err(Error::Label {
            op,
            row,
            label,
            classes,
        }),
        None => Ok(()),
    }
}

impl Kernels {
    /// The forward pass of a dense layer, `Y = X W + b`
    /// ([contract](crate::contract#dense-layer-forward-and-backward)):
    /// each `Y[i][j]` one FMA chain over `k = 0..d` in increasing order
    /// starting from `b[j]` (`Y` filled with `b`, then
    /// [`gemm_acc`](Kernels::gemm_acc)). Bit-identical on every backend and
    /// thread count.
    ///
    /// # Errors
    /// [`Error::Shape`] when `w` is not `x.cols() x h`, `b.len() != h` or
    /// `y` is not `x.rows() x h`; `y` is untouched.
    ///
    /// # Accuracy
    /// As [`gemm_acc`](Kernels::gemm_acc) with `K = d` and `C0 = b`.
    pub fn dense_forward<T: Float>(
        self,
        x: Matrix<'_, T>,
        w: Matrix<'_, T>,
        b: &[T],
        mut y: MatrixMut<'_, T>,
    ) -> Result<(), Error> {
        let op = "dense_forward";
        shape(op, "rows of `w` vs columns of `x`", x.cols(), w.rows())?;
        shape(op, "length of `b` vs columns of `w`", w.cols(), b.len())?;
        shape(op, "rows of `y` vs rows of `x`", x.rows(), y.rows())?;
        shape(op, "columns of `y` vs columns of `w`", w.cols(), y.cols())?;
        for i in 0..y.rows() {
            y.at_mut(i).copy_from_slice(b);
        }
        self.gemm_acc(x, Trans::No, w, Trans::No, y)
    }

    /// The backward pass of a dense layer `Y = X W + b`, from `dY`, the
    /// gradient of the loss with respect to `Y`
    /// ([contract](crate::contract#dense-layer-forward-and-backward)):
    /// `dW = X^T dY` and `dX = dY W^T` by [`gemm`](Kernels::gemm), `db` the
    /// column sums of `dY` by [`gemv_t`](Kernels::gemv_t) with a vector of
    /// ones; `dx` only when given (the first layer does not need it).
    /// Bit-identical on every backend and thread count.
    ///
    /// # Errors
    /// [`Error::Shape`] when `w` is not `x.cols() x h`, `dy` not
    /// `x.rows() x h`, `dw` not the shape of `w`, `db.len() != h`, or `dx`
    /// not the shape of `x`; nothing is written.
    ///
    /// # Accuracy
    /// `dW` as gemm with `K = m`, `dX` with `K = h`, `db` as `gemv_t`.
    pub fn dense_backward<T: Float>(
        self,
        x: Matrix<'_, T>,
        w: Matrix<'_, T>,
        dy: Matrix<'_, T>,
        dw: MatrixMut<'_, T>,
        db: &mut [T],
        dx: Option<MatrixMut<'_, T>>,
    ) -> Result<(), Error> {
        let op = "dense_backward";
        shape(op, "rows of `w` vs columns of `x`", x.cols(), w.rows())?;
        shape(op, "rows of `dy` vs rows of `x`", x.rows(), dy.rows())?;
        shape(op, "columns of `dy` vs columns of `w`", w.cols(), dy.cols())?;
        shape(op, "rows of `dw` vs rows of `w`", w.rows(), dw.rows())?;
        shape(op, "columns of `dw` vs columns of `w`", w.cols(), dw.cols())?;
        shape(op, "length of `db` vs columns of `w`", w.cols(), db.len())?;
        if let Some(dx) = &dx {
            shape(op, "rows of `dx` vs rows of `x`", x.rows(), dx.rows())?;
            shape(op, "columns of `dx` vs columns of `x`", x.cols(), dx.cols())?;
        }
        self.gemm(x, Trans::Yes, dy, Trans::No, dw)?;
        let ones = vec![T::ONE; dy.rows()];
        self.gemv_t(dy, &ones, db)?;
        if let Some(dx) = dx {
            self.gemm(dy, Trans::No, w, Trans::Yes, dx)?;
        }
        Ok(())
    }

    /// Softmax cross-entropy of logits `z` (`m x c`) against class indices
    /// `labels` ([contract](crate::contract#softmax-cross-entropy)):
    /// writes `dz = (softmax(z) - onehot(labels)) / m`, the gradient of the
    /// mean loss, and returns the mean loss `(1/m) sum_i (ln sum_j
    /// exp(z_ij - max_i) + max_i - z_i,label)`. The maximum is subtracted
    /// first, `exp` is the sigmoid's fixed polynomial (no libm), so the
    /// bits are the same on every backend and thread count, and no finite
    /// logit overflows.
    ///
    /// # Errors
    /// [`Error::Shape`] when `labels.len() != z.rows()`, `z` has no columns
    /// (and at least one row), or `dz` is not the shape of `z`;
    /// [`Error::Label`] for a label `>= z.cols()`; nothing is written.
    ///
    /// # Accuracy
    /// As the [contract](crate::contract#softmax-cross-entropy) states it:
    /// each `dz` within `(p_j ((1.5 + a_j + 1) u + sigma) + 2 u |p_j -
    /// t_j|) / m + 2 eta` of `(p_j - t_j) / m`, where `a_j = max - z_j`
    /// and `sigma = gamma(c - 1) + u sum_j p_j (1.5 + a_j)` over the
    /// classes other than the maximum (the relative error of the sum of
    /// the exponentials); the loss within `gamma(m - 1) L + u L` plus the
    /// mean over rows of `sigma + 3 u ln s + u a_label + u l_i`.
    pub fn softmax_cross_entropy<T: Float>(
        self,
        z: Matrix<'_, T>,
        labels: &[u32],
        dz: MatrixMut<'_, T>,
    ) -> Result<T, Error> {
        let op = "softmax_cross_entropy";
        shape(
            op,
            "length of `labels` vs rows of `z`",
            z.rows(),
            labels.len(),
        )?;
        shape(op, "rows of `dz` vs rows of `z`", z.rows(), dz.rows())?;
        shape(op, "columns of `dz` vs columns of `z`", z.cols(), dz.cols())?;
        if z.rows() > 0 {
            at_least_one(op, "columns of `z` (at least one class)", z.cols())?;
        }
        check_labels(op, labels, z.cols())?;
        Ok(T::run_float::<SoftmaxF>(Softmax {
            k: self,
            z,
            labels,
            dz,
        }))
    }

    /// The gradient of softmax regression, in one pass over `x`
    /// ([contract](crate::contract#batch-gradient-of-softmax-regression)):
    /// for the model `P = softmax(X W + b)` (`X` `m x d`, `W` `d x c`,
    /// `b` of length `c`) and the mean cross-entropy against class indices
    /// `labels`, writes `gw = X^T (P - Y) / m` and `gb = 1^T (P - Y) / m`
    /// and returns the mean loss. Per row block of 256 rows the logits,
    /// their softmax and the block's share of `X^T (P - Y)` are computed
    /// while the block is in cache, so `X` is read from memory once; blocks
    /// are combined by the contract's block tree. Bit-identical on every
    /// backend and thread count.
    ///
    /// ```
    /// use dotgrad::{Kernels, Matrix, MatrixMut};
    /// // Two rows, two classes, W = 0 and b = 0: P = 1/2 everywhere.
    /// let x = Matrix::from_rows(&[1.0f64, 2.0, 3.0, 4.0], 2, 2).unwrap();
    /// let w = Matrix::from_rows(&[0.0f64; 4], 2, 2).unwrap();
    /// let (mut gw, mut gb) = ([0.0f64; 4], [0.0f64; 2]);
    /// let loss = Kernels::best()
    ///     .softmax_gradient(x, &[0, 1], w, &[0.0, 0.0], MatrixMut::from_rows(&mut gw, 2, 2).unwrap(), &mut gb)
    ///     .unwrap();
    /// assert!((loss - core::f64::consts::LN_2).abs() < 1e-15);
    /// // (P - Y) = [[-1/2, 1/2], [1/2, -1/2]]; X^T (P - Y) / 2:
    /// assert_eq!(gw, [0.5, -0.5, 0.5, -0.5]);
    /// assert_eq!(gb, [0.0, 0.0]);
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] when `labels.len() != x.rows()`, `x` has no rows,
    /// `w` is not `x.cols() x c` with `c >= 1`, `b.len() != c`, `gw` is not
    /// the shape of `w` or `gb.len() != c`; [`Error::Label`] for a label
    /// `>= c`; nothing is written.
    ///
    /// # Accuracy
    /// The logits as [`dense_forward`](Kernels::dense_forward), each
    /// `P - Y` within the bound on `m dz` of
    /// [`softmax_cross_entropy`](Kernels::softmax_cross_entropy), and `gw`
    /// within `(gamma(k) sum_i |X[i][p] D[i][j]| + (1 + gamma(k)) m eta / 2)
    /// / m + u |gw| + eta` of `1/m sum_i X[i][p] D[i][j]` for the computed
    /// `D`, `k = 256 + ceil(log2(blocks))`.
    #[allow(clippy::too_many_arguments)]
    pub fn softmax_gradient<T: Float>(
        self,
        x: Matrix<'_, T>,
        labels: &[u32],
        w: Matrix<'_, T>,
        b: &[T],
        gw: MatrixMut<'_, T>,
        gb: &mut [T],
    ) -> Result<T, Error> {
        let op = "softmax_gradient";
        shape(
            op,
            "length of `labels` vs rows of `x`",
            x.rows(),
            labels.len(),
        )?;
        at_least_one(op, "rows of `x` (the mean needs at least one)", x.rows())?;
        shape(op, "rows of `w` vs columns of `x`", x.cols(), w.rows())?;
        at_least_one(op, "columns of `w` (at least one class)", w.cols())?;
        shape(op, "length of `b` vs columns of `w`", w.cols(), b.len())?;
        shape(op, "rows of `gw` vs rows of `w`", w.rows(), gw.rows())?;
        shape(op, "columns of `gw` vs columns of `w`", w.cols(), gw.cols())?;
        shape(op, "length of `gb` vs columns of `w`", w.cols(), gb.len())?;
        check_labels(op, labels, w.cols())?;
        Ok(T::run_float::<SoftmaxGradF>(SoftmaxGrad {
            k: self,
            x,
            labels,
            w,
            b,
            gw,
            gb,
        }))
    }
}

/// [`Kernels::dense_forward`] on the automatically chosen backend.
///
/// ```
/// use dotgrad::{Matrix, MatrixMut};
/// let x = Matrix::from_rows(&[1.0f32, 2.0], 1, 2).unwrap();
/// let w = Matrix::from_rows(&[1.0f32, 0.0, 3.0, 0.0, 1.0, 4.0], 2, 3).unwrap();
/// let mut y = [0.0f32; 3];
/// dotgrad::dense_forward(x, w, &[0.5, 0.5, -11.0], MatrixMut::from_rows(&mut y, 1, 3).unwrap())
///     .unwrap();
/// assert_eq!(y, [1.5, 2.5, 0.0]);
/// ```
///
/// # Errors
/// As [`Kernels::dense_forward`].
pub fn dense_forward<T: Float>(
    x: Matrix<'_, T>,
    w: Matrix<'_, T>,
    b: &[T],
    y: MatrixMut<'_, T>,
) -> Result<(), Error> {
    Kernels::best().dense_forward(x, w, b, y)
}

/// [`Kernels::dense_backward`] on the automatically chosen backend.
///
/// # Errors
/// As [`Kernels::dense_backward`].
pub fn dense_backward<T: Float>(
    x: Matrix<'_, T>,
    w: Matrix<'_, T>,
    dy: Matrix<'_, T>,
    dw: MatrixMut<'_, T>,
    db: &mut [T],
    dx: Option<MatrixMut<'_, T>>,
) -> Result<(), Error> {
    Kernels::best().dense_backward(x, w, dy, dw, db, dx)
}

/// [`Kernels::softmax_cross_entropy`] on the automatically chosen backend.
///
/// ```
/// use dotgrad::{Matrix, MatrixMut};
/// // Two equal logits: probabilities 1/2, loss ln 2.
/// let z = Matrix::from_rows(&[3.0f64, 3.0], 1, 2).unwrap();
/// let mut dz = [0.0f64; 2];
/// let loss = dotgrad::softmax_cross_entropy(z, &[1], MatrixMut::from_rows(&mut dz, 1, 2).unwrap())
///     .unwrap();
/// assert!((loss - core::f64::consts::LN_2).abs() < 1e-15);
/// assert_eq!(dz, [0.5, -0.5]);
/// ```
///
/// # Errors
/// As [`Kernels::softmax_cross_entropy`].
pub fn softmax_cross_entropy<T: Float>(
    z: Matrix<'_, T>,
    labels: &[u32],
    dz: MatrixMut<'_, T>,
) -> Result<T, Error> {
    Kernels::best().softmax_cross_entropy(z, labels, dz)
}

/// [`Kernels::softmax_gradient`] on the automatically chosen backend.
///
/// # Errors
/// As [`Kernels::softmax_gradient`].
pub fn softmax_gradient<T: Float>(
    x: Matrix<'_, T>,
    labels: &[u32],
    w: Matrix<'_, T>,
    b: &[T],
    gw: MatrixMut<'_, T>,
    gb: &mut [T],
) -> Result<T, Error> {
    Kernels::best().softmax_gradient(x, labels, w, b, gw, gb)
}

#[cfg(test)]
mod accuracy {
    //! The two constants of the softmax cross-entropy's accuracy bound
    //! (contract: softmax cross-entropy): the relative error of `exp`
    //! (E1-E6) and of `ln s` (X5) in units of `u`. f32 is checked
    //! against f64's `exp` and `ln` (exact to far below an f32 `u`) on
    //! every 16th input; f64 against the same functions on a fixed
    //! sample, which bounds the f64 error only up to libm's own (the
    //! contract's f64 constants were measured against 200-bit arithmetic).
    use super::ln_ge1;
    use crate::element::Float;
    use crate::scalar::sigmoid::exp_neg;

    /// The contract's constants, the same for f32 and f64 (measured worst:
    /// f32 exp 1.41 u over every input, ln 2.95 u over every `s` in
    /// `[1, 256]`; f64 1.32 u and 2.88 u on 60,000 samples against 200-bit
    /// arithmetic).
    const EXP_U: f64 = 1.5;
    const LN_U: f64 = 3.0;

    /// Largest `|got - want| / (|want| u)` of `exp(-a)` over `a` from 0 to
    /// the last normal result, and of `ln s` over `s` in `(1, 2^16]`.
    fn worst_f32() -> (f64, f64) {
        let u = <f32 as Float>::UNIT_ROUNDOFF;
        let mut we = 0.0f64;
        let last = (-f64::from(f32::MIN_POSITIVE).ln()) as f32;
        for bits in (0..last.to_bits()).step_by(16) {
            let a = f32::from_bits(bits);
            let want = (-f64::from(a)).exp();
            let got = f64::from(exp_neg(a));
            we = we.max((got - want).abs() / (want * u));
        }
        let mut wl = 0.0f64;
        for bits in (1f32.to_bits() + 1..=65536f32.to_bits()).step_by(16) {
            let s = f32::from_bits(bits);
            let want = f64::from(s).ln();
            let got = f64::from(ln_ge1(s));
            wl = wl.max((got - want).abs() / (want * u));
        }
        (we, wl)
    }

    #[test]
    fn f32_exp_and_ln_within_bound() {
        let (we, wl) = worst_f32();
        assert!(we <= EXP_U, "exp: {we} u");
        assert!(wl <= LN_U, "ln: {wl} u");
        assert_eq!(ln_ge1(1.0f32).to_bits(), 0, "ln 1 is +0.0");
    }

    #[test]
    fn f64_exp_and_ln_near_libm() {
        let u = <f64 as Float>::UNIT_ROUNDOFF;
        let (mut we, mut wl) = (0.0f64, 0.0f64);
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
            let a = unit * 700.0;
            let want = (-a).exp();
            we = we.max((exp_neg(a) - want).abs() / (want * u));
            let s = 1.0 + unit * 255.0;
            let want = s.ln();
            wl = wl.max((ln_ge1(s) - want).abs() / (want * u));
        }
        // libm's own error (under one ulp, two `u`) on top of ours.
        assert!(we <= EXP_U + 2.0, "exp: {we} u");
        assert!(wl <= LN_U + 2.0, "ln: {wl} u");
    }
}
