//! The one-query-against-many-rows forms of the pair kernels: `dots`,
//! `sqeuclideans`, `cosines` ([contract: one query against many
//! rows](crate::contract#one-query-against-many-rows-dots-sqeuclideans-cosines)).
//! Each row is the pair kernel of `(row, q)` bit for bit; rows are
//! independent, so threads take contiguous ranges of rows.

use core::marker::PhantomData;

use half::{bf16, f16};

use crate::dispatch::{Backends, Kernel, Kernels, element_family};
use crate::element::Element;
use crate::error::{Error, shape};
use crate::families::dot::Dot;
use crate::families::similarity::{Cosine, SqEuclidean};
use crate::matrix::Matrix;
use crate::par::{self, Split};

/// A pair kernel `(a, b) -> Out` for element type `T`, as the rows form
/// runs it: the scalar reference and the SIMD body of one pair, and the
/// loop over rows (which a pair may replace by a row engine that gives the
/// same bits).
pub(crate) trait Pair<T: Element> {
    /// What one pair returns.
    type Out: Copy + Send;
    /// One pair, the contract literally.
    fn scalar(k: Kernels, a: &[T], b: &[T]) -> Self::Out;
    /// One pair on backend `s`.
    fn simd<S: Backends>(s: S, k: Kernels, a: &[T], b: &[T]) -> Self::Out;
    /// Every row of `x` against `q` on backend `s`.
    #[inline(always)]
    fn simd_rows<S: Backends>(s: S, k: Kernels, x: Matrix<'_, T>, q: &[T], out: &mut [Self::Out]) {
        for (i, o) in out.iter_mut().enumerate().take(x.rows()) {
            *o = Self::simd(s, k, x.at(i), q);
        }
    }
}

/// `dot` as a pair.
pub(crate) enum DotP {}
/// `sqeuclidean` as a pair.
pub(crate) enum SqP {}
/// `cosine` as a pair.
pub(crate) enum CosP {}

/// `Pair<$t> for $p` from the one-pair op struct `$op`, returning `$out`;
/// `$rows` optionally replaces the loop over rows.
macro_rules! pair {
    ($p:ident, $op:ident, $t:ty, $out:ty $(, rows = $rows:expr)?) => {
        impl Pair<$t> for $p {
            type Out = $out;
            #[inline(always)]
            fn scalar(k: Kernels, a: &[$t], b: &[$t]) -> $out {
                Kernel::scalar($op { k, a, b })
            }
            #[inline(always)]
            fn simd<S: Backends>(s: S, k: Kernels, a: &[$t], b: &[$t]) -> $out {
                Kernel::simd($op { k, a, b }, s)
            }
            $(
                #[inline(always)]
                fn simd_rows<S: Backends>(
                    s: S,
                    _k: Kernels,
                    x: Matrix<'_, $t>,
                    q: &[$t],
                    out: &mut [$out],
                ) {
                    $rows(s, x, q, out)
                }
            )?
        }
    };
}

// f32 and f64 `dots` on the gemv row engine (several rows per load of `q`,
// short `q` in registers): `gemv` is `dot(row, q) + b` with one rounding,
// and `+ -0.0` returns every `d` unchanged (contract M2).
pair!(
    DotP,
    Dot,
    f32,
    f32,
    rows = |s, x, q, out| crate::kernels::gemv::gemv::<f32, _>(s, x, q, -0.0, out)
);
pair!(
    DotP,
    Dot,
    f64,
    f64,
    rows = |s, x, q, out| crate::kernels::gemv::gemv::<f64, _>(s, x, q, -0.0, out)
);
pair!(DotP, Dot, bf16, f32);
pair!(DotP, Dot, f16, f32);
pair!(DotP, Dot, i8, i64);
pair!(DotP, Dot, u8, i64);
pair!(SqP, SqEuclidean, f32, f32);
pair!(SqP, SqEuclidean, f64, f64);
pair!(SqP, SqEuclidean, bf16, f32);
pair!(SqP, SqEuclidean, f16, f32);
pair!(SqP, SqEuclidean, i8, i64);
pair!(SqP, SqEuclidean, u8, i64);
pair!(CosP, Cosine, f32, f32);
pair!(CosP, Cosine, f64, f64);
pair!(CosP, Cosine, bf16, f32);
pair!(CosP, Cosine, f16, f32);
pair!(CosP, Cosine, i8, f64);
pair!(CosP, Cosine, u8, f64);

/// One rows call (shapes checked): `out[i] = P(x[i], q)`.
pub(crate) struct Many<'a, T, O, P> {
    k: Kernels,
    x: Matrix<'a, T>,
    q: &'a [T],
    out: &'a mut [O],
    p: PhantomData<P>,
}

impl<T: Element, O: Send, P: Pair<T, Out = O> + Send> Split for Many<'_, T, O, P> {
    fn len(&self) -> usize {
        self.out.len()
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (k, x, q) = (self.k, self.x, self.q);
        let (o1, o2) = self.out.split_at_mut(mid);
        let one = |x, out| Many {
            k,
            x,
            q,
            out,
            p: PhantomData,
        };
        (
            one(x.row_range(0, mid), o1),
            one(x.row_range(mid, x.rows()), o2),
        )
    }
}

/// `dots`: `out: [T::Acc]`.
pub(crate) type Dots<'a, T> = Many<'a, T, <T as Element>::Acc, DotP>;
/// `sqeuclideans`: `out: [T::Acc]`.
pub(crate) type SqRows<'a, T> = Many<'a, T, <T as Element>::Acc, SqP>;
/// `cosines`: `out: [T::Dist]`.
pub(crate) type CosRows<'a, T> = Many<'a, T, <T as Element>::Dist, CosP>;

/// The rows family of pair `$p` for `Many`'s `parallel`: `$fam` runs one
/// piece sequentially.
macro_rules! many_kernel {
    ($p:ident, $alias:ident, $fam:ident, $out:ident) => {
        impl<'a, T: Element> Kernel for Many<'a, T, <T as Element>::$out, $p>
        where
            $p: Pair<T, Out = <T as Element>::$out>,
        {
            type T = f32;
            type Output = ();
            /// Contiguous ranges of rows on the threads, each by the
            /// sequential call: rows are independent (contract M2).
            fn parallel(self) -> Result<(), Self> {
                let budget = self.k.budget();
                let row_bytes = self.x.cols().max(1) * core::mem::size_of::<T>();
                let grain = self.k.task_bytes.div_ceil(row_bytes).max(1);
                if budget <= 1 || self.out.len() < 2 * grain {
                    return Err(self);
                }
                let op = Many {
                    k: self.k.seq(),
                    ..self
                };
                par::pieces(op, budget, grain, &|op: $alias<'_, T>| T::run::<$fam>(op));
                Ok(())
            }
            #[inline(always)]
            fn scalar(self) {
                let (k, x, q) = (self.k, self.x, self.q);
                for (i, o) in self.out.iter_mut().enumerate() {
                    *o = <$p as Pair<T>>::scalar(k, x.at(i), q);
                }
            }
            #[inline(always)]
            fn simd<S: Backends>(self, s: S) {
                <$p as Pair<T>>::simd_rows(s, self.k, self.x, self.q, self.out)
            }
        }
        element_family!(
            /// The rows form of one pair kernel over every element type.
            $fam<T>: $alias => ()
        );
    };
}
many_kernel!(DotP, Dots, DotsF, Acc);
many_kernel!(SqP, SqRows, SqRowsF, Acc);
many_kernel!(CosP, CosRows, CosRowsF, Dist);

/// The shape checks of a rows call named `name`.
fn check(name: &'static str, rows: usize, cols: usize, q: usize, out: usize) -> Result<(), Error> {
    shape(name, "length of `q` vs columns of `x`", cols, q)?;
    shape(name, "length of `out` vs rows of `x`", rows, out)
}

impl Kernels {
    /// `out[i] = dot(x[i], q)` for every row `i` of `x`, every element
    /// type ([contract: one query against many
    /// rows](crate::contract#one-query-against-many-rows-dots-sqeuclideans-cosines)):
    /// each row bit for bit [`Kernels::dot`] of that row and `q`, on every
    /// backend and thread count. f32 and f64 run several rows per load of
    /// `q`; bf16 and f16 give `f32`, i8 and u8 the exact `i64`.
    ///
    /// # Errors
    /// [`Error::Shape`] when `q.len() != x.cols()` or `out.len() !=
    /// x.rows()`; `out` is untouched.
    ///
    /// # Accuracy
    /// Each `out[i]` has [`Kernels::dot`]'s bound.
    #[inline]
    pub fn dots<T: Element>(
        self,
        x: Matrix<'_, T>,
        q: &[T],
        out: &mut [T::Acc],
    ) -> Result<(), Error> {
        check("dots", x.rows(), x.cols(), q.len(), out.len())?;
        T::run::<DotsF>(Many {
            k: self,
            x,
            q,
            out,
            p: PhantomData,
        });
        Ok(())
    }

    /// `out[i] = sqeuclidean(x[i], q)` for every row `i` of `x`, each row
    /// bit for bit [`Kernels::sqeuclidean`], on every backend and thread
    /// count.
    ///
    /// # Errors
    /// [`Error::Shape`] when `q.len() != x.cols()` or `out.len() !=
    /// x.rows()`; `out` is untouched.
    ///
    /// # Accuracy
    /// Each `out[i]` has [`Kernels::sqeuclidean`]'s bound.
    #[inline]
    pub fn sqeuclideans<T: Element>(
        self,
        x: Matrix<'_, T>,
        q: &[T],
        out: &mut [T::Acc],
    ) -> Result<(), Error> {
        check("sqeuclideans", x.rows(), x.cols(), q.len(), out.len())?;
        T::run::<SqRowsF>(Many {
            k: self,
            x,
            q,
            out,
            p: PhantomData,
        });
        Ok(())
    }

    /// `out[i] = cosine(x[i], q)` for every row `i` of `x`, each row bit
    /// for bit [`Kernels::cosine`] (clamped to `[0, 2]`, the same values
    /// for zero vectors), on every backend and thread count.
    ///
    /// # Errors
    /// [`Error::Shape`] when `q.len() != x.cols()` or `out.len() !=
    /// x.rows()`; `out` is untouched.
    ///
    /// # Accuracy
    /// Each `out[i]` has [`Kernels::cosine`]'s bound.
    #[inline]
    pub fn cosines<T: Element>(
        self,
        x: Matrix<'_, T>,
        q: &[T],
        out: &mut [T::Dist],
    ) -> Result<(), Error> {
        check("cosines", x.rows(), x.cols(), q.len(), out.len())?;
        T::run::<CosRowsF>(Many {
            k: self,
            x,
            q,
            out,
            p: PhantomData,
        });
        Ok(())
    }
}

/// [`Kernels::dots`] on the automatically chosen backend.
///
/// ```
/// use dotgrad::Matrix;
/// let x = Matrix::from_rows(&[1i8, 2, 3, -4, 5, -6], 2, 3).unwrap();
/// let mut out = [0i64; 2];
/// dotgrad::dots(x, &[1, 1, 1], &mut out).unwrap();
/// assert_eq!(out, [6, -5]);
/// assert!(dotgrad::dots(x, &[1, 1], &mut out).is_err());
/// ```
///
/// # Errors
/// As [`Kernels::dots`].
#[inline]
pub fn dots<T: Element>(x: Matrix<'_, T>, q: &[T], out: &mut [T::Acc]) -> Result<(), Error> {
    Kernels::best().dots(x, q, out)
}

/// [`Kernels::sqeuclideans`] on the automatically chosen backend.
///
/// ```
/// use dotgrad::Matrix;
/// let x = Matrix::from_rows(&[1.0f32, 2.0, 3.0, 4.0], 2, 2).unwrap();
/// let mut out = [0.0f32; 2];
/// dotgrad::sqeuclideans(x, &[1.0, 2.0], &mut out).unwrap();
/// assert_eq!(out, [0.0, 8.0]);
/// ```
///
/// # Errors
/// As [`Kernels::sqeuclideans`].
#[inline]
pub fn sqeuclideans<T: Element>(
    x: Matrix<'_, T>,
    q: &[T],
    out: &mut [T::Acc],
) -> Result<(), Error> {
    Kernels::best().sqeuclideans(x, q, out)
}

/// [`Kernels::cosines`] on the automatically chosen backend.
///
/// ```
/// use dotgrad::Matrix;
/// let x = Matrix::from_rows(&[1.0f64, 0.0, 0.0, 3.0, -2.0, 0.0], 3, 2).unwrap();
/// let mut out = [0.0f64; 3];
/// dotgrad::cosines(x, &[1.0, 0.0], &mut out).unwrap();
/// assert_eq!(out, [0.0, 1.0, 2.0]);
/// ```
///
/// # Errors
/// As [`Kernels::cosines`].
#[inline]
pub fn cosines<T: Element>(x: Matrix<'_, T>, q: &[T], out: &mut [T::Dist]) -> Result<(), Error> {
    Kernels::best().cosines(x, q, out)
}
