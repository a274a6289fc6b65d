//! [`MatrixMut`], the mutable row-major view a matrix product writes, and
//! [`Trans`], how an operand enters it; plus the crate's internal operand
//! view with two strides, through which a transposed operand is read.

use crate::error::Error;
use crate::matrix::Matrix;

/// Whether a matrix operand of [`Kernels::gemm`](crate::Kernels::gemm)
/// enters the product as it is ([`Trans::No`]) or transposed
/// ([`Trans::Yes`]). Transposing only chooses which stored element is read;
/// it adds no arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Trans {
    /// `op(X) = X`.
    No,
    /// `op(X) = X^T`: `op(X)[i][j] = X[j][i]`.
    Yes,
}

/// A mutably borrowed, row-major `rows x cols` matrix whose row `i` starts
/// at `data[i * stride]`: the output of a matrix product.
///
/// As for [`Matrix`], the elements between the end of one row and the
/// start of the next are never read or written, and the view is checked
/// once, when it is made.
///
/// ```
/// use dotgrad::MatrixMut;
/// // The left 2 x 2 of a 2 x 3 buffer.
/// let mut buf = [0.0f32; 6];
/// let mut c = MatrixMut::new(&mut buf, 2, 2, 3).unwrap();
/// c.row_mut(1)[0] = 5.0;
/// assert_eq!(c.row(1), &[5.0, 0.0]);
/// assert_eq!(buf, [0.0, 0.0, 0.0, 5.0, 0.0, 0.0]);
/// ```
pub struct MatrixMut<'a, T> {
    data: &'a mut [T],
    rows: usize,
    cols: usize,
    stride: usize,
}

impl<'a, T> MatrixMut<'a, T> {
    /// A view of `rows` rows of `cols` elements, row `i` at `data[i * stride..]`.
    ///
    /// # Errors
    /// As [`Matrix::new`] (op `"MatrixMut::new"`): [`Error::Shape`] when
    /// `stride < cols` or `data` is shorter than `(rows - 1) * stride + cols`.
    pub fn new(data: &'a mut [T], rows: usize, cols: usize, stride: usize) -> Result<Self, Error> {
        match Matrix::new(&*data, rows, cols, stride) {
            Ok(_) => Ok(MatrixMut {
                data,
                rows,
                cols,
                stride,
            }),
            Err(Error::Shape {
                what,
                expected,
                found,
                ..
            }) => Err(Error::Shape {
                op: "MatrixMut::new",
                what,
                expected,
                found,
            }),
            Err(e) => Err(e),
        }
    }

    /// A view of `rows` contiguous rows of `cols` elements (`stride = cols`).
    ///
    /// # Errors
    /// As [`MatrixMut::new`]: [`Error::Shape`] when `data.len() < rows * cols`.
    pub fn from_rows(data: &'a mut [T], rows: usize, cols: usize) -> Result<Self, Error> {
        MatrixMut::new(data, rows, cols, cols)
    }

    /// Number of rows.
    #[inline]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (elements per row).
    #[inline]
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Distance in elements from the start of one row to the next.
    #[inline]
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Row `i` (`cols` elements).
    ///
    /// # Panics
    /// When `i >= rows`, like slice indexing.
    #[inline]
    pub fn row(&self, i: usize) -> &[T] {
        assert!(i < self.rows, "row {i} of a matrix with {} rows", self.rows);
        &self.data[i * self.stride..][..self.cols]
    }

    /// Row `i` (`cols` elements), mutably.
    ///
    /// # Panics
    /// When `i >= rows`, like slice indexing.
    #[inline]
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        assert!(i < self.rows, "row {i} of a matrix with {} rows", self.rows);
        self.at_mut(i)
    }

    /// The same view for a shorter borrow, so that one `MatrixMut` can be
    /// passed to several calls.
    #[inline]
    pub fn reborrow(&mut self) -> MatrixMut<'_, T> {
        MatrixMut {
            data: self.data,
            rows: self.rows,
            cols: self.cols,
            stride: self.stride,
        }
    }

    /// A read-only view of the same elements.
    #[inline]
    pub fn as_matrix(&self) -> Matrix<'_, T> {
        match Matrix::new(&*self.data, self.rows, self.cols, self.stride) {
            Ok(m) => m,
            Err(_) => unreachable!("the shape was checked when the view was made"),
        }
    }

    /// Row `i` for the kernels (`i < rows`).
    #[inline(always)]
    pub(crate) fn at_mut(&mut self, i: usize) -> &mut [T] {
        debug_assert!(i < self.rows);
        &mut self.data[i * self.stride..][..self.cols]
    }

    /// Rows `..mid` and rows `mid..` as two views (`mid <= rows`).
    #[cfg(feature = "alloc")]
    pub(crate) fn split_rows(self, mid: usize) -> (MatrixMut<'a, T>, MatrixMut<'a, T>) {
        debug_assert!(mid <= self.rows);
        let (rows, cols, stride) = (self.rows, self.cols, self.stride);
        // Row `mid < rows` starts at `mid * stride <= (rows - 1) * stride`,
        // inside `data`; with `mid == rows` the second view is empty.
        let cut = if mid < rows {
            mid * stride
        } else {
            self.data.len()
        };
        let (lo, hi) = self.data.split_at_mut(cut);
        (
            MatrixMut {
                data: lo,
                rows: mid,
                cols,
                stride,
            },
            MatrixMut {
                data: hi,
                rows: rows - mid,
                cols,
                stride,
            },
        )
    }
}

impl<T: core::fmt::Debug> core::fmt::Debug for MatrixMut<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MatrixMut")
            .field("rows", &self.rows)
            .field("cols", &self.cols)
            .field("stride", &self.stride)
            .finish_non_exhaustive()
    }
}

/// `op(X)` of a product, read through two strides: element `(i, p)` is
/// `data[i * rs + p * cs]` for `i < rows`, `p < cols` (always inside
/// `data`: it is made from a checked [`Matrix`]).
#[cfg(feature = "alloc")]
#[derive(Clone, Copy)]
pub(crate) struct Operand<'a, T> {
    data: &'a [T],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) rs: usize,
    pub(crate) cs: usize,
}

#[cfg(feature = "alloc")]
impl<'a, T: Copy> Operand<'a, T> {
    /// `op(x)` for `t`.
    #[inline]
    pub(crate) fn new(x: Matrix<'a, T>, t: Trans) -> Self {
        match t {
            Trans::No => Operand {
                data: x.data(),
                rows: x.rows(),
                cols: x.cols(),
                rs: x.stride(),
                cs: 1,
            },
            Trans::Yes => Operand {
                data: x.data(),
                rows: x.cols(),
                cols: x.rows(),
                rs: 1,
                cs: x.stride(),
            },
        }
    }

    /// Element `(i, p)`.
    #[inline(always)]
    pub(crate) fn get(&self, i: usize, p: usize) -> T {
        self.data[i * self.rs + p * self.cs]
    }

    /// The elements from `(i, p)` on: element `(i + di, p + dp)` is at
    /// `di * rs + dp * cs` (`i < rows`, `p < cols`).
    #[inline(always)]
    pub(crate) fn from(&self, i: usize, p: usize) -> &'a [T] {
        &self.data[i * self.rs + p * self.cs..]
    }

    /// Rows `lo..hi` (`lo <= hi <= rows`).
    #[inline]
    pub(crate) fn row_range(&self, lo: usize, hi: usize) -> Self {
        debug_assert!(lo <= hi && hi <= self.rows);
        // With no columns the data may be empty whatever the rows.
        let data = if hi > lo && self.cols > 0 {
            &self.data[lo * self.rs..]
        } else {
            &self.data[..0]
        };
        Operand {
            data,
            rows: hi - lo,
            ..*self
        }
    }
}
