//! ndarray: `ArrayView2` / `&ArrayBase<_, Ix2>` into [`Matrix`] and
//! [`Oriented`], `ArrayView1` / `&ArrayBase<_, Ix1>` into slices (feature
//! `ndarray`). No `unsafe`: ndarray lends the slice of a contiguous view.
//!
//! ```
//! use dotgrad::Matrix;
//! use dotgrad::interop::{Oriented, slice};
//! use ndarray::{Array1, Array2, s};
//!
//! let x = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f32);
//! let w = Array1::from_vec(vec![1.0f32, 0.0, -1.0, 0.5]);
//! let mut out = [0.0f32; 3];
//! dotgrad::gemv(Matrix::try_from(&x)?, slice(&w)?, 0.0, &mut out)?;
//! assert_eq!(out, [-0.5, 1.5, 3.5]);
//!
//! // The transpose is column-major: `Oriented` runs the kernel that fits.
//! let xt = Oriented::try_from(x.t())?;
//! assert!(matches!(xt, Oriented::ColMajor(_)));
//! assert!(Matrix::try_from(x.t()).is_err());
//!
//! // Some columns of `x` have gaps between their rows: refused, with the
//! // strides in the message; `interop::columns` of the whole array instead.
//! let err = Matrix::try_from(x.slice(s![.., 1..3])).unwrap_err();
//! assert!(err.to_string().contains("row stride 4 and column stride 1"));
//! let right = dotgrad::interop::columns(Matrix::try_from(&x)?, 1..3)?;
//! assert_eq!(right.row(2), &[9.0, 10.0]);
//! # Ok::<(), dotgrad::Error>(())
//! ```

use ndarray::{ArrayBase, ArrayView1, ArrayView2, Data, Ix1, Ix2};

use super::{Block, Oriented, VectorView, layout, oriented, unit_stride};
use crate::error::Error;
use crate::matrix::Matrix;

/// The (row, column) strides of a 2-D view.
fn strides2<A>(v: &ArrayView2<'_, A>) -> (isize, isize) {
    let s = v.strides();
    (s[0], s[1])
}

/// Refuses any layout but row-major and contiguous (see
/// [`interop`](super)).
impl<'a, A> TryFrom<ArrayView2<'a, A>> for Matrix<'a, A> {
    type Error = Error;
    fn try_from(v: ArrayView2<'a, A>) -> Result<Self, Error> {
        let op = "Matrix::try_from(ArrayView2)";
        let (rows, cols) = v.dim();
        layout(op, rows, cols, strides2(&v), true)?;
        let refused = Error::Layout {
            op,
            shape: (rows, cols),
            strides: strides2(&v),
            expected: super::NEED_ROW_MAJOR,
        };
        Matrix::from_rows(v.to_slice().ok_or(refused)?, rows, cols)
    }
}

/// As the conversion of the array's `view()`.
impl<'a, A, S: Data<Elem = A>> TryFrom<&'a ArrayBase<S, Ix2>> for Matrix<'a, A> {
    type Error = Error;
    fn try_from(x: &'a ArrayBase<S, Ix2>) -> Result<Self, Error> {
        Matrix::try_from(x.view())
    }
}

/// Row-major into [`Oriented::RowMajor`], column-major (a transposed view,
/// an array in Fortran order) into [`Oriented::ColMajor`]; gaps and
/// negative strides are refused.
impl<'a, A> TryFrom<ArrayView2<'a, A>> for Oriented<'a, A> {
    type Error = Error;
    fn try_from(v: ArrayView2<'a, A>) -> Result<Self, Error> {
        let op = "Oriented::try_from(ArrayView2)";
        let (rows, cols) = v.dim();
        let block: Block = layout(op, rows, cols, strides2(&v), false)?;
        let refused = Error::Layout {
            op,
            shape: (rows, cols),
            strides: strides2(&v),
            expected: super::NEED_ONE_BLOCK,
        };
        oriented(v.to_slice_memory_order().ok_or(refused)?, rows, cols, block)
    }
}

/// As the conversion of the array's `view()`.
impl<'a, A, S: Data<Elem = A>> TryFrom<&'a ArrayBase<S, Ix2>> for Oriented<'a, A> {
    type Error = Error;
    fn try_from(x: &'a ArrayBase<S, Ix2>) -> Result<Self, Error> {
        Oriented::try_from(x.view())
    }
}

/// Stride 1 (any stride for a length of 0 or 1).
impl<'a, A> VectorView<'a, A> for ArrayView1<'a, A> {
    fn try_slice(self) -> Result<&'a [A], Error> {
        let op = "interop::slice(ArrayView1)";
        let (len, stride) = (self.len(), self.strides()[0]);
        unit_stride(op, len, stride)?;
        self.to_slice().ok_or(Error::Layout {
            op,
            shape: (len, 1),
            strides: (stride, 0),
            expected: super::NEED_STRIDE_1,
        })
    }
}

/// As the array's `view()`.
impl<'a, A, S: Data<Elem = A>> VectorView<'a, A> for &'a ArrayBase<S, Ix1> {
    fn try_slice(self) -> Result<&'a [A], Error> {
        self.view().try_slice()
    }
}
