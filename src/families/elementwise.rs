//! The public element-wise family: `axpy` and `scale`.

use crate::dispatch::{Backends, Kernel, Kernels, float_family};
use crate::element::Float;
use crate::error::{Error, same_len};
use crate::lanes::Lanes;
use crate::par::{self, Split};

/// One `axpy` call (`x.len() == y.len()`, checked).
pub(crate) struct Axpy<'a, T> {
    k: Kernels,
    alpha: T,
    x: &'a [T],
    y: &'a mut [T],
}

impl<T: Float> Split for Axpy<'_, T> {
    fn len(&self) -> usize {
        self.y.len()
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (k, alpha) = (self.k, self.alpha);
        let (x1, x2) = self.x.split_at(mid);
        let (y1, y2) = self.y.split_at_mut(mid);
        let a1 = Axpy {
            k,
            alpha,
            x: x1,
            y: y1,
        };
        (
            a1,
            Axpy {
                k,
                alpha,
                x: x2,
                y: y2,
            },
        )
    }
}

impl<T: Float> Kernel for Axpy<'_, T> {
    type T = T;
    type Output = ();
    /// Pieces of the buffers on the threads (element-wise).
    fn parallel(self) -> Result<(), Self> {
        let budget = self.k.budget();
        let grain = self.k.task_bytes / (2 * core::mem::size_of::<T>());
        if budget <= 1 || self.y.len() < 2 * grain {
            return Err(self);
        }
        let op = Axpy {
            k: self.k.seq(),
            ..self
        };
        par::pieces(op, budget, grain, &|op| T::run_float::<AxpyF>(op));
        Ok(())
    }
    #[inline(always)]
    fn scalar(self) {
        crate::scalar::axpy::axpy(self.alpha, self.x, self.y)
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) {
        crate::kernels::elementwise::axpy(s, self.alpha, self.x, self.y)
    }
}

float_family!(
    /// `axpy`.
    AxpyF<T>: Axpy => ()
);

/// One `scale` call.
pub(crate) struct Scale<'a, T> {
    k: Kernels,
    alpha: T,
    x: &'a mut [T],
}

impl<T: Float> Split for Scale<'_, T> {
    fn len(&self) -> usize {
        self.x.len()
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (k, alpha) = (self.k, self.alpha);
        let (x1, x2) = self.x.split_at_mut(mid);
        (Scale { k, alpha, x: x1 }, Scale { k, alpha, x: x2 })
    }
}

impl<T: Float> Kernel for Scale<'_, T> {
    type T = T;
    type Output = ();
    /// Pieces of the buffer on the threads (element-wise).
    fn parallel(self) -> Result<(), Self> {
        let budget = self.k.budget();
        let grain = self.k.task_bytes / core::mem::size_of::<T>();
        if budget <= 1 || self.x.len() < 2 * grain {
            return Err(self);
        }
        let op = Scale {
            k: self.k.seq(),
            ..self
        };
        par::pieces(op, budget, grain, &|op| T::run_float::<ScaleF>(op));
        Ok(())
    }
    #[inline(always)]
    fn scalar(self) {
        crate::scalar::axpy::scale(self.alpha, self.x)
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) {
        crate::kernels::elementwise::scale(s, self.alpha, self.x)
    }
}

float_family!(
    /// `scale`.
    ScaleF<T>: Scale => ()
);

impl Kernels {
    /// `y[j] = fma(alpha, x[j], y[j])` for every `j`
    /// ([contract: axpy](crate::contract#axpy-and-scale)). One rounding per
    /// element, so the result is the correctly rounded `alpha * x[j] + y[j]`
    /// (error at most half an ulp) and bit-identical on every backend.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `x.len() != y.len()`; `y` is untouched.
    #[inline]
    pub fn axpy<T: Float>(self, alpha: T, x: &[T], y: &mut [T]) -> Result<(), Error> {
        same_len("axpy", ("x", x.len()), ("y", y.len()))?;
        T::run_float::<AxpyF>(Axpy {
            k: self,
            alpha,
            x,
            y,
        });
        Ok(())
    }

    /// `x[j] = alpha * x[j]` for every `j`: one correctly rounded product per
    /// element, bit-identical on every backend. Never fails.
    #[inline]
    pub fn scale<T: Float>(self, alpha: T, x: &mut [T]) {
        T::run_float::<ScaleF>(Scale { k: self, alpha, x });
    }
}

/// [`Kernels::axpy`] on the automatically chosen backend.
///
/// ```
/// let x = [1.0f32, 2.0, 3.0];
/// let mut y = [10.0f32, 20.0, 30.0];
/// dotgrad::axpy(-0.5, &x, &mut y).unwrap();
/// assert_eq!(y, [9.5, 19.0, 28.5]);
/// ```
///
/// # Errors
/// [`Error::LengthMismatch`] when `x.len() != y.len()`; `y` is untouched.
#[inline]
pub fn axpy<T: Float>(alpha: T, x: &[T], y: &mut [T]) -> Result<(), Error> {
    Kernels::best().axpy(alpha, x, y)
}

/// [`Kernels::scale`] on the automatically chosen backend.
///
/// ```
/// let mut x = [1.0f64, -2.0];
/// dotgrad::scale(3.0, &mut x);
/// assert_eq!(x, [3.0, -6.0]);
/// ```
#[inline]
pub fn scale<T: Float>(alpha: T, x: &mut [T]) {
    Kernels::best().scale(alpha, x)
}
