//! Conversions from the matrix and vector views of
//! [ndarray](https://docs.rs/ndarray), [faer](https://docs.rs/faer) and
//! [nalgebra](https://docs.rs/nalgebra) into [`Matrix`], [`Oriented`] and
//! slices, without copying and without `unsafe` in the caller's code.
//!
//! Each crate's conversions live behind the feature of the same name
//! (`ndarray`, `faer`, `nalgebra`; each implies `alloc`):
//!
//! | from | into [`Matrix`] (`TryFrom`) | into [`Oriented`] (`TryFrom`) | into `&[T]` ([`slice()`]) |
//! |---|---|---|---|
//! | ndarray | `ArrayView2`, `&ArrayBase<_, Ix2>` | the same | `ArrayView1`, `&ArrayBase<_, Ix1>` |
//! | faer | `MatRef`, `&Mat` | the same | `ColRef`, `RowRef`, `&Col`, `&Row` |
//! | nalgebra | `&Matrix<T, R, C, S>` (any storage), a view by value | the same | `&Matrix<T, R, U1, S>`, a vector view by value |
//!
//! ## Which layouts are accepted
//! A [`Matrix`] is one slice: row `i` starts at `data[i * stride]`. A view
//! converts when its elements fill one block of memory with nothing else in
//! it:
//! - **row-major and contiguous** (column stride 1, row stride = columns):
//!   into a [`Matrix`], or [`Oriented::RowMajor`];
//! - **column-major and contiguous** (row stride 1, column stride = rows),
//!   which is what faer and nalgebra make by default, and what a transposed
//!   ndarray view is: into [`Oriented::ColMajor`], whose `gemv` runs the
//!   `gemv_t` kernel on the storage and whose `gemv_t` runs `gemv` (no copy);
//!   a plain [`Matrix`] refuses it;
//! - the stride of an axis of length 0 or 1 never matters (one row of a
//!   row-major matrix is contiguous whatever its row stride; one row of a
//!   column-major one is not), and an empty view always converts.
//!
//! Everything else is refused with [`Error::Layout`], which names the view's
//! shape and strides and says what to do:
//! - **gaps between rows or columns** (a view of some columns of a wider
//!   row-major array, or of some rows of a column-major one; faer's `Mat`
//!   when its row count is not a multiple of 64 bytes' worth of elements,
//!   because faer pads each column). The elements in the gaps are not part
//!   of the view: another view may be writing them at the same time
//!   (`split_at` on a mutable view gives two such interleaved views), and
//!   faer's padding is uninitialised, so no slice may cover them. Convert the
//!   whole, contiguous parent array instead and take the columns with
//!   [`columns`], which gives a [`Matrix`] with a row stride;
//! - elements within a row (and within a column, for column-major) that are
//!   not adjacent, and negative strides (reversed axes): copy first, e.g.
//!   ndarray's `as_standard_layout()`.
//!
//! ## Bits
//! A converted [`Matrix`] is the same view a [`Matrix::new`] over the same
//! memory would be, so every kernel returns the same bits for it, on every
//! backend. [`Oriented::ColMajor`] runs the *other* kernel on the storage:
//! its results are exactly that kernel's results (bit-identical on every
//! backend), which are not, in general, the bits the requested kernel gives
//! on a row-major copy of the same matrix (the two kernels add in different
//! orders; both stay within their documented error bounds).

#[cfg(feature = "faer")]
pub mod faer;
#[cfg(feature = "nalgebra")]
pub mod nalgebra;
#[cfg(feature = "ndarray")]
pub mod ndarray;

use crate::error::Error;
use crate::matrix::Matrix;
#[cfg(feature = "alloc")]
use crate::{Float, Kernels, error::shape};

/// A matrix in either orientation, borrowed without a copy: the type that
/// the `TryFrom` conversions of column-major views (faer's and nalgebra's
/// default, a transposed ndarray view) give.
///
/// Its [`gemv`](Oriented::gemv) and [`gemv_t`](Oriented::gemv_t) compute
/// the logical matrix's products with the kernel that reads its storage row
/// by row (see the [module docs](self#bits) for what that means for the
/// bits).
///
/// ```
/// use dotgrad::Matrix;
/// use dotgrad::interop::Oriented;
///
/// // The 2 x 3 matrix [[1, 2, 3], [4, 5, 6]] stored column by column.
/// let storage = [1.0f64, 4.0, 2.0, 5.0, 3.0, 6.0];
/// let x = Oriented::col_major(&storage, 2, 3, 2).unwrap();
/// assert_eq!((x.rows(), x.cols()), (2, 3));
///
/// // The products need the `alloc` feature (a column-major gemv is a gemv_t).
/// # #[cfg(feature = "alloc")]
/// # {
/// let mut out = [0.0; 2];
/// x.gemv(&[1.0, 0.0, -1.0], 0.5, &mut out).unwrap();
/// assert_eq!(out, [-1.5, -1.5]);
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Oriented<'a, T> {
    /// The matrix itself, row-major.
    RowMajor(Matrix<'a, T>),
    /// The matrix's transpose, row-major: row `j` of this [`Matrix`] is
    /// column `j` of the logical matrix (the storage of a column-major
    /// matrix, read as row-major).
    ColMajor(Matrix<'a, T>),
}

impl<'a, T> Oriented<'a, T> {
    /// The column-major `rows x cols` matrix whose column `j` starts at
    /// `data[j * col_stride]` ([`Oriented::ColMajor`] of the `cols x rows`
    /// storage).
    ///
    /// # Errors
    /// As [`Matrix::new`] of the storage: [`Error::Shape`] when
    /// `col_stride < rows` or `data` is too short.
    pub fn col_major(
        data: &'a [T],
        rows: usize,
        cols: usize,
        col_stride: usize,
    ) -> Result<Self, Error> {
        Matrix::new(data, cols, rows, col_stride).map(Oriented::ColMajor)
    }

    /// Number of rows of the logical matrix.
    pub fn rows(&self) -> usize {
        match self {
            Oriented::RowMajor(x) => x.rows(),
            Oriented::ColMajor(s) => s.cols(),
        }
    }

    /// Number of columns of the logical matrix.
    pub fn cols(&self) -> usize {
        match self {
            Oriented::RowMajor(x) => x.cols(),
            Oriented::ColMajor(s) => s.rows(),
        }
    }

    /// The row-major [`Matrix`], or `None` for [`Oriented::ColMajor`].
    pub fn row_major(self) -> Option<Matrix<'a, T>> {
        match self {
            Oriented::RowMajor(x) => Some(x),
            Oriented::ColMajor(_) => None,
        }
    }
}

#[cfg(feature = "alloc")]
impl<T: Float> Oriented<'_, T> {
    /// `out = X w + b` on the automatically chosen backend: as
    /// [`Oriented::gemv_with`] with [`Kernels::best`].
    ///
    /// # Errors
    /// As [`Oriented::gemv_with`].
    pub fn gemv(&self, w: &[T], b: T, out: &mut [T]) -> Result<(), Error> {
        self.gemv_with(Kernels::best(), w, b, out)
    }

    /// `out = X w + b` for the logical matrix `X`, on backend `k`.
    ///
    /// - [`Oriented::RowMajor`]: exactly [`Kernels::gemv`].
    /// - [`Oriented::ColMajor`] (storage `S = X^T`): [`Kernels::gemv_t`] of
    ///   `S` with `v = w`, then one rounded `+ b` per element, so
    ///   `out[i] = fl(gemv_t(S, w)[i] + b)`, with `gemv_t`'s order and error
    ///   bound. Bit-identical on every backend.
    ///
    /// # Errors
    /// [`Error::Shape`] (op `"Oriented::gemv"`) when `w.len() != cols` or
    /// `out.len() != rows`; `out` is untouched.
    pub fn gemv_with(&self, k: Kernels, w: &[T], b: T, out: &mut [T]) -> Result<(), Error> {
        match self {
            Oriented::RowMajor(x) => k.gemv(*x, w, b, out),
            Oriented::ColMajor(s) => {
                let op = "Oriented::gemv";
                shape(op, "length of `w` vs columns of `x`", self.cols(), w.len())?;
                shape(op, "length of `out` vs rows of `x`", self.rows(), out.len())?;
                k.gemv_t(*s, w, out)?;
                for o in out.iter_mut() {
                    *o = *o + b;
                }
                Ok(())
            }
        }
    }

    /// `out = X^T v` on the automatically chosen backend: as
    /// [`Oriented::gemv_t_with`] with [`Kernels::best`].
    ///
    /// # Errors
    /// As [`Oriented::gemv_t_with`].
    pub fn gemv_t(&self, v: &[T], out: &mut [T]) -> Result<(), Error> {
        self.gemv_t_with(Kernels::best(), v, out)
    }

    /// `out = X^T v` for the logical matrix `X`, on backend `k`.
    ///
    /// - [`Oriented::RowMajor`]: exactly [`Kernels::gemv_t`].
    /// - [`Oriented::ColMajor`] (storage `S = X^T`): [`Kernels::gemv`] of
    ///   `S` with `w = v` and `b = -0.0` (adding `-0.0` changes no value, not
    ///   even the sign of a zero), so `out[j]` is the canonical `dot` of
    ///   column `j` of `X` with `v`. Bit-identical on every backend.
    ///
    /// # Errors
    /// [`Error::Shape`] (op `"Oriented::gemv_t"`) when `v.len() != rows` or
    /// `out.len() != cols`; `out` is untouched.
    pub fn gemv_t_with(&self, k: Kernels, v: &[T], out: &mut [T]) -> Result<(), Error> {
        match self {
            Oriented::RowMajor(x) => k.gemv_t(*x, v, out),
            Oriented::ColMajor(s) => {
                let op = "Oriented::gemv_t";
                shape(op, "length of `v` vs rows of `x`", self.rows(), v.len())?;
                shape(
                    op,
                    "length of `out` vs columns of `x`",
                    self.cols(),
                    out.len(),
                )?;
                k.gemv(*s, v, -T::ZERO, out)
            }
        }
    }
}

/// Columns `lo..hi` of `x`, with `x`'s row stride: the way to a sub-matrix
/// of some columns of a wider array, whose view the `TryFrom` conversions
/// refuse (its rows have gaps; see the [module docs](self)). Convert the
/// whole, contiguous array, then take its columns.
///
/// ```
/// use dotgrad::Matrix;
/// use dotgrad::interop::columns;
///
/// let data = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
/// let x = Matrix::from_rows(&data, 2, 4).unwrap();
/// let right = columns(x, 1..3).unwrap();
/// assert_eq!((right.rows(), right.cols(), right.stride()), (2, 2, 4));
/// assert_eq!(right.row(1), &[6.0, 7.0]);
/// assert!(columns(x, 3..5).is_err());
/// ```
///
/// # Errors
/// [`Error::Shape`] (op `"interop::columns"`) when `hi > x.cols()` ("end of
/// the column range vs columns": expected at most `x.cols()`, found `hi`)
/// or `lo > hi` ("start of the column range vs its end": expected at most
/// `hi`, found `lo`).
pub fn columns<T>(
    x: Matrix<'_, T>,
    range: core::ops::Range<usize>,
) -> Result<Matrix<'_, T>, Error> {
    let (lo, hi) = (range.start, range.end);
    let op = "interop::columns";
    if hi > x.cols() {
        return Err(Error::Shape {
            op,
            what: "end of the column range vs columns",
            expected: x.cols(),
            found: hi,
        });
    }
    if lo > hi {
        return Err(Error::Shape {
            op,
            what: "start of the column range vs its end",
            expected: hi,
            found: lo,
        });
    }
    let data = if x.rows() == 0 {
        &x.data()[..0]
    } else {
        &x.data()[lo..]
    };
    Matrix::new(data, x.rows(), hi - lo, x.stride())
}

/// A vector view of another crate that may be borrowed as a slice: the
/// input of [`slice()`].
///
/// Implemented (behind each crate's feature) for ndarray's `ArrayView1` and
/// `&ArrayBase<_, Ix1>`, faer's `ColRef`, `RowRef`, `&Col` and `&Row`, and
/// nalgebra's column vectors (`&Matrix<T, R, U1, S>`, a vector view by
/// value).
pub trait VectorView<'a, T> {
    /// The elements as one slice.
    ///
    /// # Errors
    /// [`Error::Layout`] unless the elements are adjacent in memory, in
    /// order (stride 1; any stride for a length of 0 or 1).
    fn try_slice(self) -> Result<&'a [T], Error>;
}

/// The elements of a vector view of ndarray, faer or nalgebra as a slice,
/// for the kernels' vector arguments.
///
/// # Errors
/// [`Error::Layout`] when the view's stride is not 1 (a strided or
/// reversed view; copy it first), naming the stride.
pub fn slice<'a, T, V: VectorView<'a, T>>(v: V) -> Result<&'a [T], Error> {
    v.try_slice()
}

/// What a conversion into [`Matrix`] says it needs.
#[cfg(any(feature = "ndarray", feature = "faer", feature = "nalgebra"))]
const NEED_ROW_MAJOR: &str = "a Matrix needs row-major elements in one block \
    (column stride 1, row stride = columns); a column-major view converts into \
    `interop::Oriented`; for some columns of a wider array convert the whole array \
    and use `interop::columns`; otherwise copy into a contiguous array";

/// What a conversion into [`Oriented`] says it needs.
#[cfg(any(feature = "ndarray", feature = "faer", feature = "nalgebra"))]
const NEED_ONE_BLOCK: &str = "needs the elements in one block, row-major (column \
    stride 1, row stride = columns) or column-major (row stride 1, column stride = \
    rows), with no gaps (another view may own the elements in a gap) and no \
    negative strides; for some columns of a wider row-major array convert the \
    whole array and use `interop::columns`; otherwise copy into a contiguous array";

/// What a conversion of a vector says it needs.
#[cfg(any(feature = "ndarray", feature = "faer", feature = "nalgebra"))]
const NEED_STRIDE_1: &str = "a slice needs adjacent elements in order (stride 1); \
    copy a strided or reversed vector first";

/// How a view with the given shape and strides (in elements) lies in
/// memory, when it is one block of `rows * cols` elements with no gaps.
#[cfg(any(feature = "ndarray", feature = "faer", feature = "nalgebra"))]
#[derive(Clone, Copy, Debug, PartialEq)]
enum Block {
    /// Row-major (or a shape for which both orders are the same block).
    Rows,
    /// Column-major, and not row-major.
    Cols,
}

/// The block a view fills, or `None` when it has gaps, non-adjacent
/// elements or negative strides. Strides of axes of length 0 or 1 do not
/// matter; an empty view is row-major.
#[cfg(any(feature = "ndarray", feature = "faer", feature = "nalgebra"))]
fn block(rows: usize, cols: usize, rs: isize, cs: isize) -> Option<Block> {
    let fits = |stride: isize, len: usize, want: usize| len <= 1 || stride as usize == want;
    if rows == 0 || cols == 0 {
        return Some(Block::Rows);
    }
    // A negative stride (of an axis longer than 1) never fits: `as usize`
    // makes it huge, and `want` is at most the element count.
    if fits(cs, cols, 1) && fits(rs, rows, cols) {
        Some(Block::Rows)
    } else if fits(rs, rows, 1) && fits(cs, cols, rows) {
        Some(Block::Cols)
    } else {
        None
    }
}

/// `Ok(block)`, or the [`Error::Layout`] naming the view.
#[cfg(any(feature = "ndarray", feature = "faer", feature = "nalgebra"))]
fn layout(
    op: &'static str,
    rows: usize,
    cols: usize,
    (rs, cs): (isize, isize),
    row_major_only: bool,
) -> Result<Block, Error> {
    match block(rows, cols, rs, cs) {
        Some(Block::Rows) => Ok(Block::Rows),
        Some(Block::Cols) if !row_major_only => Ok(Block::Cols),
        _ => Err(Error::Layout {
            op,
            shape: (rows, cols),
            strides: (rs, cs),
            expected: if row_major_only {
                NEED_ROW_MAJOR
            } else {
                NEED_ONE_BLOCK
            },
        }),
    }
}

/// The [`Oriented`] view of the block `data` (`rows * cols` elements,
/// laid out as `block` says).
#[cfg(any(feature = "ndarray", feature = "faer", feature = "nalgebra"))]
fn oriented<T>(
    data: &[T],
    rows: usize,
    cols: usize,
    block: Block,
) -> Result<Oriented<'_, T>, Error> {
    match block {
        Block::Rows => Matrix::from_rows(data, rows, cols).map(Oriented::RowMajor),
        Block::Cols => Matrix::from_rows(data, cols, rows).map(Oriented::ColMajor),
    }
}

/// `Ok(())` when a vector of `len` elements with `stride` is adjacent
/// elements in order, or the [`Error::Layout`] naming it.
#[cfg(any(feature = "ndarray", feature = "faer", feature = "nalgebra"))]
fn unit_stride(op: &'static str, len: usize, stride: isize) -> Result<(), Error> {
    if len <= 1 || stride == 1 {
        Ok(())
    } else {
        Err(Error::Layout {
            op,
            shape: (len, 1),
            strides: (stride, 0),
            expected: NEED_STRIDE_1,
        })
    }
}

#[cfg(all(test, any(feature = "ndarray", feature = "faer", feature = "nalgebra")))]
mod tests {
    use super::{Block, block};

    #[test]
    fn block_of_each_layout() {
        assert_eq!(block(2, 3, 3, 1), Some(Block::Rows));
        assert_eq!(block(2, 3, 1, 2), Some(Block::Cols));
        assert_eq!(block(2, 3, 4, 1), None, "gap between rows");
        assert_eq!(block(2, 3, 1, 3), None, "gap between columns");
        assert_eq!(block(2, 3, 6, 2), None, "elements of a row apart");
        assert_eq!(block(2, 3, -3, 1), None, "reversed rows");
        assert_eq!(block(2, 3, 3, -1), None, "reversed columns");
        assert_eq!(
            block(1, 3, 99, 1),
            Some(Block::Rows),
            "one row: its stride is unused"
        );
        assert_eq!(
            block(3, 1, 1, -7),
            Some(Block::Rows),
            "one column is both orders"
        );
        assert_eq!(block(1, 1, -5, 9), Some(Block::Rows));
        assert_eq!(block(0, 3, -1, 0), Some(Block::Rows));
        assert_eq!(block(3, 1, 2, 1), None, "one strided column");
    }
}
