//! [`Matrix`], the row-major matrix view the matrix kernels read.

use core::fmt;

use crate::error::Error;
#[cfg(feature = "alloc")]
use crate::params::R;

/// A borrowed, row-major `rows x cols` matrix whose row `i` starts at
/// `data[i * stride]`.
///
/// A stride larger than `cols` views a sub-matrix (the left columns of a
/// wider matrix) or rows padded for alignment; the elements between the end
/// of one row and the start of the next are never read. The view is checked
/// once, when it is made, so a `Matrix` always lies inside its slice.
///
/// ```
/// use dotgrad::Matrix;
///
/// // A 2 x 3 matrix inside a 2 x 4 buffer (the last column is ignored).
/// let data = [1.0f32, 2.0, 3.0, 99.0, 4.0, 5.0, 6.0, 99.0];
/// let x = Matrix::new(&data, 2, 3, 4).unwrap();
/// assert_eq!(x.row(1), &[4.0, 5.0, 6.0]);
///
/// // A stride shorter than a row is an error, and so is too little data.
/// assert!(Matrix::new(&data, 2, 5, 4).is_err());
/// assert!(Matrix::new(&data, 3, 3, 4).is_err());
/// ```
#[derive(Clone, Copy)]
pub struct Matrix<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    stride: usize,
}

impl<'a, T> Matrix<'a, T> {
    /// A view of `rows` rows of `cols` elements, row `i` at `data[i * stride..]`.
    ///
    /// # Errors
    /// [`Error::Shape`] (op `"Matrix::new"`) when `stride < cols` ("row
    /// stride shorter than a row": expected `cols`, found `stride`) or when
    /// `data` is shorter than `(rows - 1) * stride + cols` for `rows > 0`
    /// ("data shorter than the matrix": expected that length, found
    /// `data.len()`; `usize::MAX` when the length overflows).
    pub fn new(data: &'a [T], rows: usize, cols: usize, stride: usize) -> Result<Self, Error> {
        if stride < cols {
            return Err(Error::Shape {
                op: "Matrix::new",
                what: "row stride shorter than a row",
                expected: cols,
                found: stride,
            });
        }
        let needed = match rows {
            0 => Some(0),
            _ => (rows - 1)
                .checked_mul(stride)
                .and_then(|x| x.checked_add(cols)),
        };
        match needed {
            Some(needed) if needed <= data.len() => Ok(Matrix {
                data,
                rows,
                cols,
                stride,
            }),
            _ => Err(Error::Shape {
                op: "Matrix::new",
                what: "data shorter than the matrix",
                expected: needed.unwrap_or(usize::MAX),
                found: data.len(),
            }),
        }
    }

    /// A view of `rows` contiguous rows of `cols` elements (`stride = cols`).
    /// Elements of `data` past `rows * cols` are ignored.
    ///
    /// ```
    /// let x = dotgrad::Matrix::from_rows(&[1.0f64, 2.0, 3.0, 4.0], 2, 2).unwrap();
    /// assert_eq!(x.row(0), &[1.0, 2.0]);
    /// ```
    ///
    /// # Errors
    /// As [`Matrix::new`]: [`Error::Shape`] when `data.len() < rows * cols`.
    pub fn from_rows(data: &'a [T], rows: usize, cols: usize) -> Result<Self, Error> {
        Matrix::new(data, rows, cols, cols)
    }

    /// Number of rows `m`.
    #[inline]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns `n` (elements per row).
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
    pub fn row(&self, i: usize) -> &'a [T] {
        assert!(i < self.rows, "row {i} of a matrix with {} rows", self.rows);
        self.at(i)
    }

    /// Row `i` for the kernels, which only ask for rows `< rows`: no
    /// assertion with a message, just the slice's own bounds check (one
    /// compare per row instead of three). [`Matrix::row`] is this after its
    /// assertion.
    #[inline(always)]
    pub(crate) fn at(&self, i: usize) -> &'a [T] {
        debug_assert!(i < self.rows);
        &self.data[i * self.stride..][..self.cols]
    }

    /// The elements from the first row's start: row `i` is
    /// `data()[i * stride..][..cols]` for `i < rows`.
    #[inline(always)]
    pub(crate) fn data(&self) -> &'a [T] {
        self.data
    }

    /// Rows `lo..hi` as a sub-matrix (`lo <= hi <= rows`, checked by the caller).
    #[inline]
    pub(crate) fn row_range(&self, lo: usize, hi: usize) -> Matrix<'a, T> {
        debug_assert!(lo <= hi && hi <= self.rows);
        let data = if hi > lo {
            &self.data[lo * self.stride..(hi - 1) * self.stride + self.cols]
        } else {
            &self.data[..0]
        };
        Matrix {
            data,
            rows: hi - lo,
            cols: self.cols,
            stride: self.stride,
        }
    }

    #[cfg(feature = "alloc")]
    /// Number of row blocks of [`R`] rows (at least 1).
    #[inline]
    pub(crate) fn row_blocks(&self) -> usize {
        self.rows.div_ceil(R).max(1)
    }

    #[cfg(feature = "alloc")]
    /// Row block `b`: rows `b*R .. min((b+1)*R, rows)`.
    #[inline]
    pub(crate) fn row_block(&self, b: usize) -> Matrix<'a, T> {
        let lo = (b * R).min(self.rows);
        self.row_range(lo, (lo + R).min(self.rows))
    }
}

/// Shows the view's shape and its rows (never the elements between rows).
impl<T: fmt::Debug> fmt::Debug for Matrix<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Rows<'m, 'a, T>(&'m Matrix<'a, T>);
        impl<T: fmt::Debug> fmt::Debug for Rows<'_, '_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries((0..self.0.rows).map(|i| self.0.at(i)))
                    .finish()
            }
        }
        f.debug_struct("Matrix")
            .field("rows", &self.rows)
            .field("cols", &self.cols)
            .field("stride", &self.stride)
            .field("data", &Rows(self))
            .finish()
    }
}

/// Two views are equal when they have the same shape and equal elements
/// row by row; the stride and the elements between rows (padding, other
/// columns of a wider matrix) do not count.
impl<T: PartialEq> PartialEq for Matrix<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows
            && self.cols == other.cols
            && (0..self.rows).all(|i| self.at(i) == other.at(i))
    }
}
