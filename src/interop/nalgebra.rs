//! nalgebra: `&Matrix<T, R, C, S>` (a `DMatrix`, `SMatrix`, any view) and
//! views by value into [`Matrix`] and [`Oriented`]; column
//! vectors (`&DVector`, `DVectorView`, ...) into slices (feature
//! `nalgebra`).
//!
//! nalgebra stores matrices column by column, so a `DMatrix` converts into
//! [`Oriented::ColMajor`], whose `gemv` runs dotgrad's `gemv_t` on the
//! storage. A view of some rows of a matrix has gaps between its columns
//! and is refused; a view of some columns has none.
//!
//! ```
//! use dotgrad::interop::{Oriented, slice};
//! use nalgebra::{DMatrix, DVector};
//!
//! let x = DMatrix::from_row_slice(2, 3, &[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]);
//! let w = DVector::from_vec(vec![1.0f32, 0.0, -1.0]);
//! let mut out = [0.0f32; 2];
//! Oriented::try_from(&x)?.gemv(slice(&w)?, 0.5, &mut out)?;
//! assert_eq!(out, [-1.5, -1.5]);
//!
//! // Some rows of a matrix have gaps between their columns (one row is a
//! // strided row); some columns do not.
//! assert!(Oriented::try_from(x.rows(0, 1)).is_err());
//! let y = DMatrix::<f32>::zeros(4, 3);
//! assert!(Oriented::try_from(y.rows(0, 2)).is_err());
//! assert!(Oriented::try_from(y.columns(1, 2)).is_ok());
//! # Ok::<(), dotgrad::Error>(())
//! ```

use nalgebra::{Dim, RawStorage, U1, ViewStorage};

use super::{Block, Oriented, VectorView, layout, oriented, unit_stride};
use crate::error::Error;
use crate::matrix::Matrix;

/// A nalgebra stride as an `isize` (strides of a valid view fit).
fn signed(s: usize) -> isize {
    isize::try_from(s).unwrap_or(isize::MAX)
}

/// The (row, column) strides of `m`.
fn strides<T, R: Dim, C: Dim, S: RawStorage<T, R, C>>(
    m: &nalgebra::Matrix<T, R, C, S>,
) -> (isize, isize) {
    let (rs, cs) = m.strides();
    (signed(rs), signed(cs))
}

/// The `rows * cols` elements of `m` as one slice, when [`layout`] found
/// that they fill one block. The caller picks the lifetime: `'a` must not
/// outlive the data `m` borrows or owns.
///
/// # Safety
/// `layout` returned `Ok` for `m`'s shape and strides, and `m`'s elements
/// are borrowed shared (not mutated) for `'a`.
unsafe fn block_slice<'a, T, R: Dim, C: Dim, S: RawStorage<T, R, C>>(
    m: &nalgebra::Matrix<T, R, C, S>,
) -> &'a [T] {
    let (rows, cols) = m.shape();
    let len = rows * cols;
    if len == 0 {
        return &[];
    }
    // SAFETY: `layout` returned a block, so the element offsets
    // `i * rstride + j * cstride` (`i < rows`, `j < cols`) are exactly
    // `0..len` (nalgebra's strides are non-negative): every element of the
    // slice is an element of the matrix, initialised and aligned, at
    // `as_ptr() + offset` as `RawStorage` guarantees; the caller guarantees
    // the shared borrow for `'a`. `len > 0`, so `as_ptr` points at (0, 0).
    unsafe { core::slice::from_raw_parts(m.as_ptr(), len) }
}

/// Refuses any layout but row-major and contiguous (a `DMatrix` is
/// column-major: convert it into [`Oriented`]; a view made with
/// `from_slice_with_strides(data, r, c, c, 1)` is row-major).
impl<'a, T, R: Dim, C: Dim, S: RawStorage<T, R, C>> TryFrom<&'a nalgebra::Matrix<T, R, C, S>>
    for Matrix<'a, T>
{
    type Error = Error;
    fn try_from(m: &'a nalgebra::Matrix<T, R, C, S>) -> Result<Self, Error> {
        let (rows, cols) = m.shape();
        layout(
            "Matrix::try_from(&nalgebra::Matrix)",
            rows,
            cols,
            strides(m),
            true,
        )?;
        // SAFETY: `layout` returned `Ok`; `m` is borrowed for `'a`.
        Matrix::from_rows(unsafe { block_slice(m) }, rows, cols)
    }
}

/// Column-major (nalgebra's default) into [`Oriented::ColMajor`],
/// row-major into [`Oriented::RowMajor`]; gaps (a view of some rows) are
/// refused.
impl<'a, T, R: Dim, C: Dim, S: RawStorage<T, R, C>> TryFrom<&'a nalgebra::Matrix<T, R, C, S>>
    for Oriented<'a, T>
{
    type Error = Error;
    fn try_from(m: &'a nalgebra::Matrix<T, R, C, S>) -> Result<Self, Error> {
        let (rows, cols) = m.shape();
        let block: Block = layout(
            "Oriented::try_from(&nalgebra::Matrix)",
            rows,
            cols,
            strides(m),
            false,
        )?;
        // SAFETY: `layout` returned `Ok`; `m` is borrowed for `'a`.
        oriented(unsafe { block_slice(m) }, rows, cols, block)
    }
}

/// A view by value (`DMatrixView<'a, T>`, `x.columns(..)`, ...), keeping
/// the lifetime of the data it borrows.
impl<'a, T, R: Dim, C: Dim, RS: Dim, CS: Dim>
    TryFrom<nalgebra::Matrix<T, R, C, ViewStorage<'a, T, R, C, RS, CS>>> for Matrix<'a, T>
{
    type Error = Error;
    fn try_from(
        m: nalgebra::Matrix<T, R, C, ViewStorage<'a, T, R, C, RS, CS>>,
    ) -> Result<Self, Error> {
        let (rows, cols) = m.shape();
        layout(
            "Matrix::try_from(nalgebra view)",
            rows,
            cols,
            strides(&m),
            true,
        )?;
        // SAFETY: `layout` returned `Ok`; a `ViewStorage<'a>` borrows its
        // data shared for `'a`.
        Matrix::from_rows(unsafe { block_slice(&m) }, rows, cols)
    }
}

/// A view by value (`DMatrixView<'a, T>`, `x.columns(..)`, ...), keeping
/// the lifetime of the data it borrows.
impl<'a, T, R: Dim, C: Dim, RS: Dim, CS: Dim>
    TryFrom<nalgebra::Matrix<T, R, C, ViewStorage<'a, T, R, C, RS, CS>>> for Oriented<'a, T>
{
    type Error = Error;
    fn try_from(
        m: nalgebra::Matrix<T, R, C, ViewStorage<'a, T, R, C, RS, CS>>,
    ) -> Result<Self, Error> {
        let (rows, cols) = m.shape();
        let block = layout(
            "Oriented::try_from(nalgebra view)",
            rows,
            cols,
            strides(&m),
            false,
        )?;
        // SAFETY: `layout` returned `Ok`; a `ViewStorage<'a>` borrows its
        // data shared for `'a`.
        oriented(unsafe { block_slice(&m) }, rows, cols, block)
    }
}

/// `Ok` when the column vector `m` has row stride 1.
fn vector_layout<T, R: Dim, S: RawStorage<T, R, U1>>(
    op: &'static str,
    m: &nalgebra::Matrix<T, R, U1, S>,
) -> Result<(), Error> {
    unit_stride(op, m.nrows(), strides(m).0)
}

/// Row stride 1 (any stride for a length of 0 or 1): `&DVector`,
/// `&SVector`, a column of a matrix.
impl<'a, T, R: Dim, S: RawStorage<T, R, U1>> VectorView<'a, T>
    for &'a nalgebra::Matrix<T, R, U1, S>
{
    fn try_slice(self) -> Result<&'a [T], Error> {
        vector_layout("interop::slice(&nalgebra::Matrix<_, _, U1, _>)", self)?;
        // SAFETY: a stride-1 (or shorter than 2) vector is one block;
        // `self` is borrowed for `'a`.
        Ok(unsafe { block_slice(self) })
    }
}

/// A vector view by value (`DVectorView<'a, T>`, `x.column(j)`), keeping the
/// lifetime of the data it borrows.
impl<'a, T, R: Dim, RS: Dim, CS: Dim> VectorView<'a, T>
    for nalgebra::Matrix<T, R, U1, ViewStorage<'a, T, R, U1, RS, CS>>
{
    fn try_slice(self) -> Result<&'a [T], Error> {
        vector_layout("interop::slice(nalgebra vector view)", &self)?;
        // SAFETY: a stride-1 (or shorter than 2) vector is one block; a
        // `ViewStorage<'a>` borrows its data shared for `'a`.
        Ok(unsafe { block_slice(&self) })
    }
}
