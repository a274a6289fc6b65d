//! faer: `MatRef` / `&Mat` into [`Matrix`] and [`Oriented`], `ColRef`,
//! `RowRef`, `&Col`, `&Row` into slices (feature `faer`).
//!
//! faer stores matrices column by column, so a `Mat` or `MatRef` converts
//! into [`Oriented::ColMajor`], whose `gemv` runs dotgrad's `gemv_t` on the
//! storage. A `Mat` pads every column to a multiple of 64 bytes (16 `f32`,
//! 8 `f64`) with uninitialised elements: a `Mat` whose row count is not such
//! a multiple has gaps, and is refused. A `MatRef` over your own slice
//! (`MatRef::from_column_major_slice`, `from_row_major_slice`) has none.
//!
//! ```
//! use dotgrad::interop::{Oriented, slice};
//! use faer::{Col, Mat, MatRef};
//!
//! // A 3 x 2 matrix, column-major in a plain Vec.
//! let data = vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0];
//! let x = Oriented::try_from(MatRef::from_column_major_slice(&data, 3, 2))?;
//! let w = Col::from_fn(2, |j| [1.0, -1.0][j]);
//! let mut out = [0.0; 3];
//! x.gemv(slice(&w)?, 0.0, &mut out)?;
//! assert_eq!(out, [-3.0, -3.0, -3.0]);
//!
//! // A 16-row Mat<f64> has no padding; a 3-row one has, and is refused.
//! assert!(Oriented::try_from(&Mat::<f64>::zeros(16, 2)).is_ok());
//! assert!(Oriented::try_from(&Mat::<f64>::zeros(3, 2)).is_err());
//! # Ok::<(), dotgrad::Error>(())
//! ```

use faer::{Col, ColRef, Mat, MatRef, Row, RowRef};

use super::{Oriented, VectorView, layout, oriented, unit_stride};
use crate::error::Error;
use crate::matrix::Matrix;

/// The `rows * cols` elements of `m` as one slice.
///
/// # Safety
/// [`layout`] returned `Ok` for `m`'s shape and strides (they fill one
/// block).
unsafe fn block_slice<'a, T>(m: MatRef<'a, T>) -> &'a [T] {
    let len = m.nrows() * m.ncols();
    if len == 0 {
        return &[];
    }
    // SAFETY: the caller saw `layout` return a block, so the strides (those of axes
    // longer than 1) are non-negative and the element offsets
    // `i * row_stride + j * col_stride` for `i < nrows`, `j < ncols` are
    // exactly `0..len`: every element of the slice is an element of the
    // view, which `MatRef<'a, T>` guarantees initialised, aligned and
    // borrowed shared for `'a` (no padding or other view's element is
    // covered). `len > 0`, so `as_ptr` points at element (0, 0).
    unsafe { core::slice::from_raw_parts(m.as_ptr(), len) }
}

/// What a column-major view with gaps between its columns (a `Mat`'s
/// padding, or some rows of a matrix) needs.
const NEED_NO_PADDING: &str = "a column-major view needs column stride = rows; a faer \
    `Mat` pads each column to a multiple of 64 bytes with uninitialised elements (a \
    `Mat` of 1000 f32 rows has column stride 1008), which no slice may cover: use a row \
    count that is a multiple of 16 (f32) or 8 (f64), or keep the data in a Vec and \
    convert `MatRef::from_column_major_slice(&data, rows, cols)`; a view of some rows \
    has gaps too: copy it";

/// `err` with [`NEED_NO_PADDING`] when the view is column-major with gaps
/// between its columns.
fn padded(err: Error, rows: usize, (rs, cs): (isize, isize)) -> Error {
    match err {
        Error::Layout {
            op, shape, strides, ..
        } if rs == 1 && cs > 0 && cs as usize > rows => Error::Layout {
            op,
            shape,
            strides,
            expected: NEED_NO_PADDING,
        },
        other => other,
    }
}

/// Refuses any layout but row-major and contiguous (a `Mat` is
/// column-major: convert it into [`Oriented`]).
impl<'a, T> TryFrom<MatRef<'a, T>> for Matrix<'a, T> {
    type Error = Error;
    fn try_from(m: MatRef<'a, T>) -> Result<Self, Error> {
        let op = "Matrix::try_from(MatRef)";
        let (rows, cols) = (m.nrows(), m.ncols());
        let strides = (m.row_stride(), m.col_stride());
        layout(op, rows, cols, strides, true).map_err(|e| padded(e, rows, strides))?;
        // SAFETY: `layout` returned `Ok`.
        Matrix::from_rows(unsafe { block_slice(m) }, rows, cols)
    }
}

/// As the conversion of [`Mat::as_ref`].
impl<'a, T> TryFrom<&'a Mat<T>> for Matrix<'a, T> {
    type Error = Error;
    fn try_from(m: &'a Mat<T>) -> Result<Self, Error> {
        Matrix::try_from(m.as_ref())
    }
}

/// Column-major (faer's default) into [`Oriented::ColMajor`], row-major
/// into [`Oriented::RowMajor`]; gaps (a `Mat`'s padding, a view of some
/// rows) and negative strides are refused.
impl<'a, T> TryFrom<MatRef<'a, T>> for Oriented<'a, T> {
    type Error = Error;
    fn try_from(m: MatRef<'a, T>) -> Result<Self, Error> {
        let op = "Oriented::try_from(MatRef)";
        let (rows, cols) = (m.nrows(), m.ncols());
        let strides = (m.row_stride(), m.col_stride());
        let block = layout(op, rows, cols, strides, false).map_err(|e| padded(e, rows, strides))?;
        // SAFETY: `layout` returned `Ok`.
        oriented(unsafe { block_slice(m) }, rows, cols, block)
    }
}

/// As the conversion of [`Mat::as_ref`].
impl<'a, T> TryFrom<&'a Mat<T>> for Oriented<'a, T> {
    type Error = Error;
    fn try_from(m: &'a Mat<T>) -> Result<Self, Error> {
        Oriented::try_from(m.as_ref())
    }
}

/// Row stride 1 (any stride for a length of 0 or 1).
impl<'a, T> VectorView<'a, T> for ColRef<'a, T> {
    fn try_slice(self) -> Result<&'a [T], Error> {
        let op = "interop::slice(ColRef)";
        let (len, stride) = (self.nrows(), self.row_stride());
        unit_stride(op, len, stride)?;
        match self.try_as_col_major() {
            Some(c) => Ok(c.as_slice()),
            // A length of 0 or 1 with another stride.
            None => Ok(if len == 0 {
                &[]
            } else {
                core::slice::from_ref(self.get(0))
            }),
        }
    }
}

/// As [`Col::as_ref`].
impl<'a, T> VectorView<'a, T> for &'a Col<T> {
    fn try_slice(self) -> Result<&'a [T], Error> {
        self.as_ref().try_slice()
    }
}

/// Column stride 1 (any stride for a length of 0 or 1).
impl<'a, T> VectorView<'a, T> for RowRef<'a, T> {
    fn try_slice(self) -> Result<&'a [T], Error> {
        let op = "interop::slice(RowRef)";
        let (len, stride) = (self.ncols(), self.col_stride());
        unit_stride(op, len, stride)?;
        match self.try_as_row_major() {
            Some(r) => Ok(r.as_slice()),
            None => Ok(if len == 0 {
                &[]
            } else {
                core::slice::from_ref(self.get(0))
            }),
        }
    }
}

/// As [`Row::as_ref`].
impl<'a, T> VectorView<'a, T> for &'a Row<T> {
    fn try_slice(self) -> Result<&'a [T], Error> {
        self.as_ref().try_slice()
    }
}
