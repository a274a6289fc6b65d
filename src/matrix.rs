//! [`Matrix`], the row-major matrix view the training kernels read, and the
//! row-block plan they share (blocks of [`R`] rows, partials combined by the
//! block tree).

use crate::error::Error;

/// Rows per row block of the row-block kernels (`gemv_t` and the batch
/// gradients): the contract's `R = 256`.
#[cfg(feature = "alloc")]
pub(crate) const R: usize = 256;

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
#[derive(Clone, Copy, Debug, PartialEq)]
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

    #[cfg(feature = "alloc")]
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

/// The vector partials of the row-block kernels, kept as a stack while the
/// block tree ([`crate::tree::reduce`]) runs: its recursion keeps at most
/// `ceil(log2(blocks)) + 1` partials alive, and always combines the two
/// newest, so slot `k` is the `k`-th oldest live partial. Slot 0, the first
/// block's partial and at the end the result, is the caller's output buffer;
/// the others live in one scratch vector (none for a single row block).
#[cfg(feature = "alloc")]
pub(crate) struct Partials<'o, T> {
    first: &'o mut [T],
    rest: alloc::vec::Vec<T>,
    n: usize,
    top: usize,
}

#[cfg(feature = "alloc")]
impl<'o, T: crate::Element> Partials<'o, T> {
    /// Room for the partials of `blocks` row blocks of `out.len()` elements.
    pub(crate) fn new(out: &'o mut [T], blocks: usize) -> Self {
        let n = out.len();
        // ceil(log2(blocks)) slots besides `out`.
        let depth = (usize::BITS - blocks.max(1).saturating_sub(1).leading_zeros()) as usize;
        Partials {
            first: out,
            rest: alloc::vec![T::ZERO; depth * n],
            n,
            top: 0,
        }
    }

    /// Opens the next slot (filled with `+0.0`) and returns its index and contents.
    pub(crate) fn push(&mut self) -> (usize, &mut [T]) {
        let k = self.top;
        self.top += 1;
        let slot = self.slot(k);
        slot.fill(T::ZERO);
        (k, slot)
    }

    fn slot(&mut self, k: usize) -> &mut [T] {
        match k {
            0 => self.first,
            _ => &mut self.rest[(k - 1) * self.n..k * self.n],
        }
    }

    /// The block tree's `(+)`: `add(slot l, slot r)` with `r` the newest
    /// slot and `l` the one before it; closes slot `r` and returns `l`.
    pub(crate) fn combine(
        &mut self,
        l: usize,
        r: usize,
        add: impl FnOnce(&mut [T], &[T]),
    ) -> usize {
        debug_assert!(r + 1 == self.top && l + 1 == r);
        let n = self.n;
        if l == 0 {
            add(self.first, &self.rest[..n]);
        } else {
            let (lo, hi) = self.rest.split_at_mut((r - 1) * n);
            add(&mut lo[(l - 1) * n..], &hi[..n]);
        }
        self.top = r;
        l
    }
}

/// The contract's row-block plan, shared by `gemv_t` and the gradients on
/// every backend: row block `bi` (rows `bi*R ..`) gets a fresh partial of
/// `out.len()` elements (`+0.0`), which `block(bi, rows, partial)` fills
/// and for which it returns its scalars (`A`: the gradients' `gb` and `l`);
/// the block tree ([`crate::tree::reduce`]) combines partials with
/// `add(left, right)` (left updated in place) and scalars with `join`. The
/// root's partial is left in `out`; returns the root's scalars.
#[cfg(feature = "alloc")]
pub(crate) fn row_block_tree<'x, T: crate::Element, A>(
    x: Matrix<'x, T>,
    out: &mut [T],
    block: &mut impl FnMut(usize, Matrix<'x, T>, &mut [T]) -> A,
    add: &mut impl FnMut(&mut [T], &[T]),
    join: &mut impl FnMut(A, A) -> A,
) -> A {
    let blocks = x.row_blocks();
    let stack = core::cell::RefCell::new(Partials::new(out, blocks));
    let (_, a) = crate::tree::reduce(
        blocks,
        &mut |bi| {
            let mut st = stack.borrow_mut();
            let (k, g) = st.push();
            (k, block(bi, x.row_block(bi), g))
        },
        &mut |(kl, al), (kr, ar)| {
            let k = stack.borrow_mut().combine(kl, kr, &mut *add);
            (k, join(al, ar))
        },
    );
    a
}
