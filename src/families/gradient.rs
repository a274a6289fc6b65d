//! The public training family: one-pass batch gradients of linear and
//! logistic regression, and the contract's `sigmoid`.

use crate::dispatch::{Backends, Kernel, Kernels, float_family};
use crate::element::Float;
#[cfg(feature = "alloc")]
use crate::error::{Error, at_least_one, shape};
use crate::lanes::Lanes;
#[cfg(feature = "alloc")]
use crate::matrix::Matrix;
use crate::par::{self, Split};
#[cfg(feature = "alloc")]
use crate::params::Loss;
use crate::params::Params;

/// What a batch-gradient kernel returns besides `grad_w` (which it writes
/// into the caller's slice).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Gradient<T> {
    /// The gradient with respect to the bias `b`.
    pub grad_b: T,
    /// The loss at `(w, b)`, before the step.
    pub loss: T,
}

/// One batch-gradient call (shapes checked).
#[cfg(feature = "alloc")]
pub(crate) struct Grad<'a, T> {
    k: Kernels,
    loss: Loss,
    x: Matrix<'a, T>,
    y: &'a [T],
    w: &'a [T],
    b: T,
    grad_w: &'a mut [T],
}

#[cfg(feature = "alloc")]
impl<T: Params> Kernel for Grad<'_, T> {
    type T = T;
    type Output = Gradient<T>;
    /// Whole subtrees of row blocks on the threads (each by the sequential
    /// sums on its rows alone, which are that subtree's partials), combined
    /// by the tree's `(+)`, then the means once, as the contract's step 4.
    fn parallel(self) -> Result<Gradient<T>, Self> {
        let budget = self.k.budget();
        let (m, n) = (self.x.rows(), self.x.cols());
        let blocks = m.div_ceil(crate::params::R);
        let grain = self
            .k
            .task_bytes
            .div_ceil(crate::params::R * n.max(1) * core::mem::size_of::<T>());
        if budget <= 1 || blocks < 2 * grain {
            return Err(self);
        }
        let (k, loss) = (self.k.seq(), self.loss);
        let (x, y, w, b) = (self.x, self.y, self.w, self.b);
        let (g, gb, l) = par::tree(
            0,
            blocks,
            budget,
            grain,
            &|lo, hi| sums(k, loss, x, y, w, b, lo, hi),
            &|(mut gl, gbl, ll), (gr, gbr, lr)| {
                crate::scalar::gemv::add(&mut gl, &gr);
                (gl, gbl + gbr, ll + lr)
            },
        );
        Ok(finish(loss, m, &g, gb, l, self.grad_w))
    }
    #[inline(always)]
    fn scalar(self) -> Gradient<T> {
        let (grad_b, loss) = crate::scalar::gradient::gradient(
            self.loss,
            self.x,
            self.y,
            self.w,
            self.b,
            self.grad_w,
        );
        Gradient { grad_b, loss }
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) -> Gradient<T> {
        use crate::kernels::gradient::gradient;
        let (x, y, w, b, g) = (self.x, self.y, self.w, self.b, self.grad_w);
        let (grad_b, loss) = match self.loss {
            Loss::Squared => gradient::<T, S, false>(s, x, y, w, b, g),
            Loss::Log => gradient::<T, S, true>(s, x, y, w, b, g),
        };
        Gradient { grad_b, loss }
    }
}

#[cfg(feature = "alloc")]
float_family!(
    /// `linear_gradient` and `logistic_gradient`.
    GradientF<T>: Grad => Gradient<T>
);

/// The sums of the gradient over row blocks `lo..hi` (`T(lo..hi)` of the
/// block tree: `g`, `gb`, `l` before the means), on `k`'s backend,
/// sequentially.
#[cfg(feature = "alloc")]
#[allow(clippy::too_many_arguments)]
pub(crate) fn sums<T: Params>(
    k: Kernels,
    loss: Loss,
    x: Matrix<'_, T>,
    y: &[T],
    w: &[T],
    b: T,
    lo: usize,
    hi: usize,
) -> (alloc::vec::Vec<T>, T, T) {
    use crate::params::R;
    let (r0, r1) = ((lo * R).min(x.rows()), (hi * R).min(x.rows()));
    let mut g = alloc::vec![T::ZERO; x.cols()];
    let (gb, l) = T::run_float::<GradSumsF>(GradSums {
        k: k.seq(),
        loss,
        x: x.row_range(r0, r1),
        y: &y[r0..r1],
        w,
        b,
        g: &mut g,
    });
    (g, gb, l)
}

/// The contract's step 4 on combined sums of all `m` rows: `grad_w[j] =
/// g[j] / m`, and the returned `grad_b` and loss.
#[cfg(feature = "alloc")]
pub(crate) fn finish<T: Float>(
    loss: Loss,
    m: usize,
    g: &[T],
    gb: T,
    l: T,
    grad_w: &mut [T],
) -> Gradient<T> {
    let (mt, grad_b, loss) = crate::params::finish(loss, m, gb, l);
    for (o, &gj) in grad_w.iter_mut().zip(g) {
        *o = gj / mt;
    }
    Gradient { grad_b, loss }
}

/// One call for the sums of a gradient (steps 1-3 of the contract) into
/// `g`; returns `(gb, l)`.
#[cfg(feature = "alloc")]
pub(crate) struct GradSums<'a, T> {
    k: Kernels,
    loss: Loss,
    x: Matrix<'a, T>,
    y: &'a [T],
    w: &'a [T],
    b: T,
    g: &'a mut [T],
}

#[cfg(feature = "alloc")]
impl<T: Params> Kernel for GradSums<'_, T> {
    type T = T;
    type Output = (T, T);
    #[inline(always)]
    fn scalar(self) -> (T, T) {
        crate::scalar::gradient::sums(self.loss, self.x, self.y, self.w, self.b, self.g)
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) -> (T, T) {
        use crate::kernels::gradient::sums;
        let (x, y, w, b, g) = (self.x, self.y, self.w, self.b, self.g);
        match self.loss {
            Loss::Squared => sums::<T, S, false>(s, x, y, w, b, g),
            Loss::Log => sums::<T, S, true>(s, x, y, w, b, g),
        }
    }
}

#[cfg(feature = "alloc")]
float_family!(
    /// The sums of a gradient (the pieces of a parallel or distributed gradient).
    GradSumsF<T>: GradSums => (T, T)
);

/// One `sigmoid` call.
pub(crate) struct Sigmoid<'a, T> {
    k: Kernels,
    x: &'a mut [T],
}

impl<T: Float> Split for Sigmoid<'_, T> {
    fn len(&self) -> usize {
        self.x.len()
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (a, b) = self.x.split_at_mut(mid);
        (Sigmoid { k: self.k, x: a }, Sigmoid { k: self.k, x: b })
    }
}

impl<T: Params> Kernel for Sigmoid<'_, T> {
    type T = T;
    type Output = ();
    /// Pieces of the slice on the threads (element-wise).
    fn parallel(self) -> Result<(), Self> {
        let budget = self.k.budget();
        // The sigmoid costs ~20 operations an element: a quarter of the
        // streaming grain pays for a thread.
        let grain = self.k.task_bytes / (4 * core::mem::size_of::<T>());
        if budget <= 1 || self.x.len() < 2 * grain {
            return Err(self);
        }
        let op = Sigmoid {
            k: self.k.seq(),
            x: self.x,
        };
        par::pieces(op, budget, grain, &|op| T::run_float::<SigmoidF>(op));
        Ok(())
    }
    #[inline(always)]
    fn scalar(self) {
        crate::scalar::sigmoid::sigmoid_slice(self.x)
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) {
        crate::kernels::sigmoid::sigmoid_slice(s, self.x)
    }
}

float_family!(
    /// `sigmoid`.
    SigmoidF<T>: Sigmoid => ()
);

/// The shape checks shared by both gradients, before anything is written.
#[cfg(feature = "alloc")]
fn check<T>(
    op: &'static str,
    x: &Matrix<'_, T>,
    y: &[T],
    w: &[T],
    grad_w: &[T],
) -> Result<(), Error> {
    shape(op, "length of `y` vs rows of `x`", x.rows(), y.len())?;
    at_least_one(op, "rows of `x` (the mean needs at least one)", x.rows())?;
    shape(op, "length of `w` vs columns of `x`", x.cols(), w.len())?;
    shape(
        op,
        "length of `grad_w` vs columns of `x`",
        x.cols(),
        grad_w.len(),
    )
}

impl Kernels {
    /// The gradient of the mean squared error of the linear model
    /// `f(x) = w.x + b` over the rows of `x`,
    /// `J = 1/(2m) * sum_i (f(X[i]) - y[i])^2`, in one pass over `x`
    /// ([contract](crate::contract#batch-gradient-of-linear-regression)):
    /// writes `grad_w[j] = 1/m * sum_i e_i X[i][j]` with `e_i = f(X[i]) - y[i]`,
    /// returns `grad_b = 1/m * sum_i e_i` and the loss `J`. Bit-identical on
    /// every backend.
    ///
    /// Each row is read once: its dot gives `e_i`, and the row, still in
    /// L1, is folded into the gradient. Needs the `alloc` feature (scratch
    /// for the block tree as in [`Kernels::gemv_t`]; none for `m <= 256`).
    ///
    /// ```
    /// use dotgrad::{Kernels, Matrix};
    /// // y = 2 x, fit at w = 0: e = -y, grad_w = -mean(2 x^2), loss = mean(4 x^2) / 2.
    /// let x = Matrix::from_rows(&[1.0f32, 2.0, 3.0], 3, 1).unwrap();
    /// let mut gw = [0.0f32];
    /// let g = Kernels::best().linear_gradient(x, &[2.0, 4.0, 6.0], &[0.0], 0.0, &mut gw).unwrap();
    /// assert_eq!(gw, [-28.0 / 3.0]);
    /// assert_eq!(g.grad_b, -4.0);
    /// assert_eq!(g.loss, 56.0 / 6.0);
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] when `y.len() != x.rows()`, `x.rows() == 0`,
    /// `w.len() != x.cols()` or `grad_w.len() != x.cols()` (checked in this
    /// order); `grad_w` is untouched.
    ///
    /// # Accuracy
    /// With `ê_i` the residuals as computed (each within the `dot` bound of
    /// the exact residual, plus two roundings), `k = 256 + ceil(log2(blocks))`
    /// and `eta` the smallest positive subnormal,
    /// `|grad_w[j] - 1/m sum_i ê_i X[i][j]| <= (gamma(k) sum_i |ê_i X[i][j]| + (1 + gamma(k)) m eta / 2) / m + u |grad_w[j]| + eta`:
    /// the sum's roundings, one `eta / 2` for each of the `m` FMAs whose
    /// result may be subnormal, and the final division's rounding, which
    /// for a subnormal quotient is absolute (`grad_w` of `1.5 eta` rounds
    /// to `2 eta`). The contract states the bounds for `grad_b` and the
    /// loss, and how the residuals' own errors enter.
    #[cfg(feature = "alloc")]
    #[inline]
    pub fn linear_gradient<T: Float>(
        self,
        x: Matrix<'_, T>,
        y: &[T],
        w: &[T],
        b: T,
        grad_w: &mut [T],
    ) -> Result<Gradient<T>, Error> {
        check("linear_gradient", &x, y, w, grad_w)?;
        Ok(T::run_float::<GradientF>(Grad {
            k: self,
            loss: Loss::Squared,
            x,
            y,
            w,
            b,
            grad_w,
        }))
    }

    /// The gradient of the mean log-loss of logistic regression,
    /// `p_i = sigmoid(z_i)`, `z_i = w.X[i] + b`,
    /// `J = 1/m * sum_i (max(z_i, 0) - z_i y_i + log1p(exp(-|z_i|)))`
    /// (which is `-1/m sum_i (y_i ln p_i + (1 - y_i) ln(1 - p_i))`, computed
    /// without overflow for any `z_i`), in one pass over `x`
    /// ([contract](crate::contract#batch-gradient-of-logistic-regression)):
    /// writes `grad_w[j] = 1/m * sum_i (p_i - y_i) X[i][j]`, returns
    /// `grad_b = 1/m * sum_i (p_i - y_i)` and `J`. `sigmoid`, `exp` and
    /// `log1p` are the contract's fixed FMA sequences, so the result is
    /// bit-identical on every backend.
    ///
    /// **Labels** are taken as probabilities and not checked: `y_i` in
    /// `{0, 1}` gives the usual log-loss, `y_i` in `[0, 1]` the
    /// cross-entropy against soft labels (gradient `(p_i - y_i) x_i` in both
    /// cases). Values outside `[0, 1]` are used in the same formulas (the
    /// "loss" is then no longer a cross-entropy and may be negative); a NaN
    /// label makes the results NaN. An infinite logit gives `p_i` of exactly
    /// 0 or 1 and a NaN loss.
    ///
    /// ```
    /// use dotgrad::{Kernels, Matrix};
    /// // At w = 0, b = 0 every p_i is 1/2 and the loss is ln 2.
    /// let x = Matrix::from_rows(&[1.0f64, -1.0, 2.0, 0.5], 2, 2).unwrap();
    /// let mut gw = [0.0f64; 2];
    /// let g = Kernels::best().logistic_gradient(x, &[1.0, 0.0], &[0.0; 2], 0.0, &mut gw).unwrap();
    /// assert_eq!(gw, [0.25, 0.375]);
    /// assert_eq!(g.grad_b, 0.0);
    /// assert!((g.loss - 2f64.ln()).abs() < 1e-15);
    /// ```
    ///
    /// # Errors
    /// As [`Kernels::linear_gradient`]; `grad_w` is untouched.
    ///
    /// # Accuracy
    /// As for [`Kernels::linear_gradient`], with residuals `ê_i = fl(p̂_i - y_i)`
    /// where `p̂_i` is within the sigmoid bound of the contract of
    /// `sigmoid(ẑ_i)`.
    #[cfg(feature = "alloc")]
    #[inline]
    pub fn logistic_gradient<T: Float>(
        self,
        x: Matrix<'_, T>,
        y: &[T],
        w: &[T],
        b: T,
        grad_w: &mut [T],
    ) -> Result<Gradient<T>, Error> {
        check("logistic_gradient", &x, y, w, grad_w)?;
        Ok(T::run_float::<GradientF>(Grad {
            k: self,
            loss: Loss::Log,
            x,
            y,
            w,
            b,
            grad_w,
        }))
    }

    /// `x[j] = sigmoid(x[j]) = 1 / (1 + exp(-x[j]))` in place, by the
    /// contract's fixed sequence ([contract](crate::contract#sigmoid-and-log-loss)),
    /// bit-identical on every backend; e.g. turns the logits from
    /// [`Kernels::gemv`] into probabilities. Never overflows: large negative
    /// inputs give correctly scaled subnormals, then `+0.0`; large positive
    /// ones `1.0`. NaN stays NaN. Never fails.
    ///
    /// # Accuracy
    /// At most 2.5 ulp from the exact value (subnormal results: in units of
    /// the smallest subnormal). f32: measured over all 2^32 inputs, worst
    /// 2.402 ulp; f64: 2.23 ulp at worst on 200,000 samples against 150-bit
    /// arithmetic.
    #[inline]
    pub fn sigmoid<T: Float>(self, x: &mut [T]) {
        T::run_float::<SigmoidF>(Sigmoid { k: self, x });
    }
}

/// [`Kernels::linear_gradient`] on the automatically chosen backend.
///
/// # Errors
/// As [`Kernels::linear_gradient`].
#[cfg(feature = "alloc")]
#[inline]
pub fn linear_gradient<T: Float>(
    x: Matrix<'_, T>,
    y: &[T],
    w: &[T],
    b: T,
    grad_w: &mut [T],
) -> Result<Gradient<T>, Error> {
    Kernels::best().linear_gradient(x, y, w, b, grad_w)
}

/// [`Kernels::logistic_gradient`] on the automatically chosen backend.
///
/// # Errors
/// As [`Kernels::logistic_gradient`].
#[cfg(feature = "alloc")]
#[inline]
pub fn logistic_gradient<T: Float>(
    x: Matrix<'_, T>,
    y: &[T],
    w: &[T],
    b: T,
    grad_w: &mut [T],
) -> Result<Gradient<T>, Error> {
    Kernels::best().logistic_gradient(x, y, w, b, grad_w)
}

/// [`Kernels::sigmoid`] on the automatically chosen backend.
///
/// ```
/// let mut z = [0.0f32, 100.0, -100.0];
/// dotgrad::sigmoid(&mut z);
/// assert_eq!(z[0], 0.5);
/// assert_eq!(z[1], 1.0);
/// assert!(z[2] > 0.0 && z[2] < 1e-43);
/// ```
#[inline]
pub fn sigmoid<T: Float>(x: &mut [T]) {
    Kernels::best().sigmoid(x)
}
