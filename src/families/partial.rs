//! Partial results of the reductions over a contiguous range of the input,
//! and their combination: how `dot`, `gemv_t` and the gradients are spread
//! over several workers (processes, machines) with the bits one machine
//! computes.
//!
//! The contract's block tree over `B` blocks (of elements for `dot`, of
//! `R = 256` rows for the matrix kernels) depends only on `B`. A worker
//! that holds blocks `lo..hi` computes the maximal subtrees of that tree
//! inside its range (at most `2 ceil(log2 B)` of them), each by the
//! sequential kernel on its blocks alone; [`Partial::combine_dot`] and its
//! siblings take the workers' partials in order and finish the same tree,
//! then apply the mean (for the gradients) once. Any split into contiguous
//! ranges that start and end on block boundaries works, with any number of
//! workers, empty ranges included.

use alloc::vec::Vec;

use crate::dispatch::Kernels;
use crate::element::Float;
use crate::error::{Error, at_least_one, same_len, shape};
use crate::families::gradient::Gradient;
use crate::matrix::Matrix;
use crate::params::{Loss, Params, R};

/// Which reduction a [`Partial`] belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PartialKind {
    /// `dot`: blocks of `E` elements, lane partials of `W` elements.
    Dot,
    /// `gemv_t`: row blocks of 256 rows, partials of `cols` elements.
    GemvT,
    /// `linear_gradient`: as `GemvT`, with the sums `gb` and `l`.
    LinearGradient,
    /// `logistic_gradient`: as `LinearGradient`.
    LogisticGradient,
}

impl PartialKind {
    fn code(self) -> u8 {
        match self {
            PartialKind::Dot => 1,
            PartialKind::GemvT => 2,
            PartialKind::LinearGradient => 3,
            PartialKind::LogisticGradient => 4,
        }
    }
    fn from_code(c: u8) -> Option<PartialKind> {
        Some(match c {
            1 => PartialKind::Dot,
            2 => PartialKind::GemvT,
            3 => PartialKind::LinearGradient,
            4 => PartialKind::LogisticGradient,
            _ => return None,
        })
    }
    /// Elements (dot) or rows (matrix kernels) per block.
    fn block<T: Float>(self) -> usize {
        match self {
            PartialKind::Dot => T::E,
            _ => R,
        }
    }
    fn op(self) -> &'static str {
        match self {
            PartialKind::Dot => "dot_partial",
            PartialKind::GemvT => "gemv_t_partial",
            PartialKind::LinearGradient => "linear_gradient_partial",
            PartialKind::LogisticGradient => "logistic_gradient_partial",
        }
    }
}

/// One maximal subtree `T(lo..hi)` of the block tree: its vector partial
/// and (gradients) its two sums.
#[derive(Clone, Debug)]
struct Node<T> {
    lo: usize,
    hi: usize,
    gb: T,
    l: T,
    data: Vec<T>,
}

/// The partial result of a reduction over one worker's contiguous range
/// of the input: the maximal subtrees of the contract's block tree inside
/// that range (see the [contract](crate::contract#threads-and-machines)).
/// [`Partial::combine_dot`] and its siblings finish the tree from every
/// worker's partial, in order, with the bits of one call on the whole
/// input.
///
/// Payload: at most `2 ceil(log2 B)` subtrees of `width + 2` elements each
/// (`width` is `W` for `dot`, the matrix's columns otherwise), plus 16
/// bytes per subtree and a 48-byte header in [`Partial::to_bytes`]. For a
/// gradient of 1024 columns over 10^6 rows (3907 row blocks) that is at
/// most 24 subtrees: under 100 KiB of f32, whatever the number of workers.
#[derive(Clone, Debug)]
pub struct Partial<T> {
    kind: PartialKind,
    total: usize,
    lo: usize,
    hi: usize,
    width: usize,
    nodes: Vec<Node<T>>,
}

/// Blocks of the whole input (at least 1, as in the contract).
fn blocks(total: usize, block: usize) -> usize {
    total.div_ceil(block).max(1)
}

/// The maximal subtrees of the tree over `a..b` inside `lo..hi`, in order.
fn cover(a: usize, b: usize, lo: usize, hi: usize, out: &mut Vec<(usize, usize)>) {
    if hi <= a || b <= lo {
        return;
    }
    if lo <= a && b <= hi {
        out.push((a, b));
        return;
    }
    let p = crate::tree::split_point(b - a);
    cover(a, a + p, lo, hi, out);
    cover(a + p, b, lo, hi, out);
}

/// Checks a worker's range `offset .. offset + len` of `total` and returns
/// its blocks.
fn range(
    op: &'static str,
    block: usize,
    offset: usize,
    len: usize,
    total: usize,
) -> Result<(usize, usize), Error> {
    let end = offset.saturating_add(len);
    if end > total {
        return Err(Error::Shape {
            op,
            what: "the range ends past the whole input (`offset + len` vs `total`)",
            expected: total,
            found: end,
        });
    }
    if !offset.is_multiple_of(block) {
        return Err(Error::Shape {
            op,
            what: "the range must start on a block boundary (the boundary at or before `offset`)",
            expected: offset / block * block,
            found: offset,
        });
    }
    if end != total && !end.is_multiple_of(block) {
        return Err(Error::Shape {
            op,
            what: "the range must end on a block boundary or at `total` (the boundary at or before its end)",
            expected: end / block * block,
            found: end,
        });
    }
    if len == 0 {
        let b = offset / block;
        return Ok((b, b));
    }
    Ok((offset / block, end.div_ceil(block)))
}

impl Kernels {
    /// The partial `dot` of this worker's elements: `a` and `b` are the
    /// elements `offset .. offset + a.len()` of two vectors of `total`
    /// elements. [`Partial::combine_dot`] of every worker's partial, in
    /// order, is [`Kernels::dot`] of the whole vectors, bit for bit.
    ///
    /// ```
    /// use dotgrad::{Kernels, Partial};
    /// let k = Kernels::best();
    /// let a: Vec<f32> = (0..10_000).map(|i| (i as f32).sin()).collect();
    /// // Three workers: elements 0..4096, 4096..8192, 8192..10000.
    /// let parts: Vec<_> = [0, 4096, 8192, 10_000]
    ///     .windows(2)
    ///     .map(|r| k.dot_partial(&a[r[0]..r[1]], &a[r[0]..r[1]], r[0], a.len()).unwrap())
    ///     .collect();
    /// let d = Partial::combine_dot(&parts).unwrap();
    /// assert_eq!(d.to_bits(), k.dot(&a, &a).unwrap().to_bits());
    /// ```
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `a.len() != b.len()`; [`Error::Shape`]
    /// when the range ends past `total`, or does not start on a block
    /// boundary (a multiple of `E`: 4096 f32, 2048 f64 elements; the error
    /// names the boundary before `offset`), or ends neither on one nor at
    /// `total`.
    pub fn dot_partial<T: Float>(
        self,
        a: &[T],
        b: &[T],
        offset: usize,
        total: usize,
    ) -> Result<Partial<T>, Error> {
        let kind = PartialKind::Dot;
        same_len(kind.op(), ("a", a.len()), ("b", b.len()))?;
        let (lo, hi) = range(kind.op(), T::E, offset, a.len(), total)?;
        let mut nodes = Vec::new();
        let mut spans = Vec::new();
        cover(0, blocks(total, T::E), lo, hi, &mut spans);
        for (na, nb) in spans {
            let lanes = crate::families::dot::lanes(self, a, b, na - lo, nb - lo);
            nodes.push(Node {
                lo: na,
                hi: nb,
                gb: T::ZERO,
                l: T::ZERO,
                data: lanes[..T::W].to_vec(),
            });
        }
        Ok(Partial {
            kind,
            total,
            lo: offset,
            hi: offset + a.len(),
            width: T::W,
            nodes,
        })
    }

    /// The partial `gemv_t` of this worker's rows: `x` and `v` are rows
    /// `row_offset .. row_offset + x.rows()` of a matrix of `total_rows`
    /// rows. [`Partial::combine_gemv_t`] of every worker's partial, in
    /// order, is [`Kernels::gemv_t`] of the whole matrix, bit for bit.
    ///
    /// # Errors
    /// [`Error::Shape`] when `v.len() != x.rows()`, or the range is not
    /// made of whole row blocks of 256 rows (it must start on a multiple
    /// of 256 and end on one or at `total_rows`; the error names the
    /// boundary), or ends past `total_rows`.
    pub fn gemv_t_partial<T: Float>(
        self,
        x: Matrix<'_, T>,
        v: &[T],
        row_offset: usize,
        total_rows: usize,
    ) -> Result<Partial<T>, Error> {
        let kind = PartialKind::GemvT;
        shape(kind.op(), "length of `v` vs rows of `x`", x.rows(), v.len())?;
        let (lo, hi) = range(kind.op(), R, row_offset, x.rows(), total_rows)?;
        let mut spans = Vec::new();
        cover(0, blocks(total_rows, R), lo, hi, &mut spans);
        let mut nodes = Vec::new();
        for (na, nb) in spans {
            let (r0, r1) = ((na - lo) * R, ((nb - lo) * R).min(x.rows()));
            let mut g = alloc::vec![T::ZERO; x.cols()];
            self.gemv_t(x.row_range(r0, r1), &v[r0..r1], &mut g)?;
            nodes.push(Node {
                lo: na,
                hi: nb,
                gb: T::ZERO,
                l: T::ZERO,
                data: g,
            });
        }
        Ok(Partial {
            kind,
            total: total_rows,
            lo: row_offset,
            hi: row_offset + x.rows(),
            width: x.cols(),
            nodes,
        })
    }

    /// The partial [`Kernels::linear_gradient`] of this worker's rows (`x`,
    /// `y` are rows `row_offset ..` of `total_rows`): the sums, not the
    /// means, which [`Partial::combine_gradient`] applies once after
    /// combining every worker's partial, giving the whole gradient bit for
    /// bit.
    ///
    /// # Errors
    /// As [`Kernels::gemv_t_partial`], and [`Error::Shape`] when
    /// `y.len() != x.rows()`, `w.len() != x.cols()` or `total_rows == 0`.
    pub fn linear_gradient_partial<T: Float>(
        self,
        x: Matrix<'_, T>,
        y: &[T],
        w: &[T],
        b: T,
        row_offset: usize,
        total_rows: usize,
    ) -> Result<Partial<T>, Error> {
        T::run_float::<GradPartialF>(GradPartial {
            k: self,
            kind: PartialKind::LinearGradient,
            x,
            y,
            w,
            b,
            row_offset,
            total_rows,
        })
    }

    /// The partial [`Kernels::logistic_gradient`] of this worker's rows; as
    /// [`Kernels::linear_gradient_partial`].
    ///
    /// # Errors
    /// As [`Kernels::linear_gradient_partial`].
    pub fn logistic_gradient_partial<T: Float>(
        self,
        x: Matrix<'_, T>,
        y: &[T],
        w: &[T],
        b: T,
        row_offset: usize,
        total_rows: usize,
    ) -> Result<Partial<T>, Error> {
        T::run_float::<GradPartialF>(GradPartial {
            k: self,
            kind: PartialKind::LogisticGradient,
            x,
            y,
            w,
            b,
            row_offset,
            total_rows,
        })
    }
}

/// A gradient partial's arguments; its "kernel" is the per-type entry that
/// lets the sums run with `T: Params` (the sigmoid's constants).
pub(crate) struct GradPartial<'a, T> {
    k: Kernels,
    kind: PartialKind,
    x: Matrix<'a, T>,
    y: &'a [T],
    w: &'a [T],
    b: T,
    row_offset: usize,
    total_rows: usize,
}

impl<T: Params> GradPartial<'_, T> {
    fn run(self) -> Result<Partial<T>, Error> {
        let (op, x) = (self.kind.op(), self.x);
        shape(op, "length of `y` vs rows of `x`", x.rows(), self.y.len())?;
        shape(
            op,
            "length of `w` vs columns of `x`",
            x.cols(),
            self.w.len(),
        )?;
        at_least_one(
            op,
            "total rows (the mean needs at least one)",
            self.total_rows,
        )?;
        let (lo, hi) = range(op, R, self.row_offset, x.rows(), self.total_rows)?;
        let loss = match self.kind {
            PartialKind::LogisticGradient => Loss::Log,
            _ => Loss::Squared,
        };
        let mut spans = Vec::new();
        cover(0, blocks(self.total_rows, R), lo, hi, &mut spans);
        let mut nodes = Vec::new();
        for (na, nb) in spans {
            let (y, w, b) = (self.y, self.w, self.b);
            let (g, gb, l) =
                crate::families::gradient::sums(self.k, loss, x, y, w, b, na - lo, nb - lo);
            nodes.push(Node {
                lo: na,
                hi: nb,
                gb,
                l,
                data: g,
            });
        }
        Ok(Partial {
            kind: self.kind,
            total: self.total_rows,
            lo: self.row_offset,
            hi: self.row_offset + x.rows(),
            width: x.cols(),
            nodes,
        })
    }
}

/// The per-type entry points of the gradient partials.
pub(crate) enum GradPartialF {}
impl crate::element::sealed::SealedFamily for GradPartialF {}
impl crate::element::FloatFamily for GradPartialF {
    type Op<'a, T: Float> = GradPartial<'a, T>;
    type Out<T: Float> = Result<Partial<T>, Error>;
    fn f32(op: GradPartial<'_, f32>) -> Result<Partial<f32>, Error> {
        op.run()
    }
    fn f64(op: GradPartial<'_, f64>) -> Result<Partial<f64>, Error> {
        op.run()
    }
}

/// Why a set of partials cannot be combined.
fn bad(what: &'static str, expected: usize, found: usize) -> Error {
    Error::Shape {
        op: "Partial::combine",
        what,
        expected,
        found,
    }
}

impl<T: Float> Partial<T> {
    /// Which reduction this partial belongs to.
    pub fn kind(&self) -> PartialKind {
        self.kind
    }

    /// The range of the input (elements for `dot`, rows otherwise) this
    /// partial covers, and the whole input's length.
    pub fn range(&self) -> (core::ops::Range<usize>, usize) {
        (self.lo..self.hi, self.total)
    }

    /// Elements of `T` the partial carries (its subtrees' vectors and sums).
    pub fn payload_len(&self) -> usize {
        self.nodes.len() * (self.width + 2)
    }

    /// The subtrees of `parts` (one kind, contiguous, in order, covering
    /// the whole input), combined by the block tree: the root's vector and
    /// sums.
    fn root(parts: &[Partial<T>], kind: PartialKind) -> Result<(Vec<T>, T, T, usize), Error> {
        let first = parts.first().ok_or(bad("number of partials", 1, 0))?;
        let (total, width) = (first.total, first.width);
        let mut at = 0;
        for (i, p) in parts.iter().enumerate() {
            if p.kind != kind {
                return Err(bad("partial of another reduction (index)", 0, i));
            }
            if p.total != total || p.width != width {
                return Err(bad(
                    "partial of another input (total length)",
                    total,
                    p.total,
                ));
            }
            if p.lo != at {
                return Err(bad(
                    "partials not contiguous: start of the next range",
                    at,
                    p.lo,
                ));
            }
            at = p.hi;
        }
        if at != total {
            return Err(bad(
                "partials do not cover the input: end of the last range",
                total,
                at,
            ));
        }
        let mut nodes = parts.iter().flat_map(|p| p.nodes.iter()).peekable();
        if total == 0 {
            // An empty input: one empty block, which no worker holds.
            if nodes.next().is_some() {
                return Err(bad("subtrees of an empty input", 0, 1));
            }
            return Ok((alloc::vec![T::ZERO; width], T::ZERO, T::ZERO, 0));
        }
        let nblocks = blocks(total, kind.block::<T>());
        let root = build(0, nblocks, &mut nodes, width)?;
        if nodes.next().is_some() {
            return Err(bad("subtrees left over after the root", 0, 1));
        }
        Ok((root.data, root.gb, root.l, total))
    }

    /// The `dot` of the whole vectors from every worker's
    /// [`Kernels::dot_partial`], in order: the same bits as one call.
    ///
    /// # Errors
    /// [`Error::Shape`] (op `"Partial::combine"`) when `parts` is empty,
    /// mixes reductions or inputs, or its ranges are not contiguous from 0
    /// to the whole length, or a partial is malformed.
    pub fn combine_dot(parts: &[Partial<T>]) -> Result<T, Error> {
        let (lanes, _, _, _) = Self::root(parts, PartialKind::Dot)?;
        let mut s = [T::ZERO; 64];
        s[..T::W].copy_from_slice(&lanes);
        Ok(crate::scalar::dot::fold(s))
    }

    /// `out = X^T v` of the whole matrix from every worker's
    /// [`Kernels::gemv_t_partial`], in order: the same bits as one call.
    ///
    /// # Errors
    /// As [`Partial::combine_dot`], and [`Error::Shape`] when
    /// `out.len()` is not the matrix's columns; `out` is untouched on error.
    pub fn combine_gemv_t(parts: &[Partial<T>], out: &mut [T]) -> Result<(), Error> {
        if let Some(p) = parts.first() {
            shape(
                "Partial::combine",
                "length of `out` vs columns",
                p.width,
                out.len(),
            )?;
        }
        let (g, _, _, _) = Self::root(parts, PartialKind::GemvT)?;
        out.copy_from_slice(&g);
        Ok(())
    }

    /// The gradient of the whole batch from every worker's
    /// [`Kernels::linear_gradient_partial`] or
    /// [`Kernels::logistic_gradient_partial`], in order: the sums combined
    /// by the block tree, then the means once (contract step 4), the same
    /// bits as one call. Writes `grad_w`, returns `grad_b` and the loss.
    ///
    /// # Errors
    /// As [`Partial::combine_gemv_t`] (`grad_w` untouched on error).
    pub fn combine_gradient(parts: &[Partial<T>], grad_w: &mut [T]) -> Result<Gradient<T>, Error> {
        let first = parts.first().ok_or(bad("number of partials", 1, 0))?;
        let (kind, loss) = match first.kind {
            PartialKind::LogisticGradient => (PartialKind::LogisticGradient, Loss::Log),
            _ => (PartialKind::LinearGradient, Loss::Squared),
        };
        shape(
            "Partial::combine",
            "length of `grad_w` vs columns",
            first.width,
            grad_w.len(),
        )?;
        let (g, gb, l, m) = Self::root(parts, kind)?;
        Ok(crate::families::gradient::finish(
            loss, m, &g, gb, l, grad_w,
        ))
    }

    /// The partial as bytes, to send to another process: a 48-byte header
    /// (`DGP1`, kind, element size, total, start, end, width, subtree
    /// count; integers little-endian `u64`) and, per subtree, its block
    /// range, its two sums and its vector (element bits little-endian).
    pub fn to_bytes(&self) -> Vec<u8> {
        let size = core::mem::size_of::<T>();
        let mut out = Vec::with_capacity(48 + self.nodes.len() * (16 + (self.width + 2) * size));
        out.extend_from_slice(b"DGP1");
        out.extend_from_slice(&[self.kind.code(), size as u8, 0, 0]);
        for v in [self.total, self.lo, self.hi, self.width, self.nodes.len()] {
            out.extend_from_slice(&(v as u64).to_le_bytes());
        }
        for n in &self.nodes {
            out.extend_from_slice(&(n.lo as u64).to_le_bytes());
            out.extend_from_slice(&(n.hi as u64).to_le_bytes());
            for &x in [n.gb, n.l].iter().chain(&n.data) {
                out.extend_from_slice(&x.to_bits64().to_le_bytes()[..size]);
            }
        }
        out
    }

    /// Reads a partial written by [`Partial::to_bytes`] for this `T`.
    ///
    /// # Errors
    /// [`Error::Shape`] (op `"Partial::from_bytes"`) when the bytes are not
    /// such a partial (wrong magic, element size, kind, or length).
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial<T>, Error> {
        let size = core::mem::size_of::<T>();
        let err = |what, expected, found| Error::Shape {
            op: "Partial::from_bytes",
            what,
            expected,
            found,
        };
        if bytes.len() < 48 || &bytes[..4] != b"DGP1" {
            return Err(err("header (`DGP1` and 44 bytes)", 48, bytes.len()));
        }
        let kind =
            PartialKind::from_code(bytes[4]).ok_or(err("kind code", 1, bytes[4] as usize))?;
        if bytes[5] as usize != size {
            return Err(err("element size in bytes", size, bytes[5] as usize));
        }
        let word = |i: usize| -> Result<usize, Error> {
            let b = bytes
                .get(i..i + 8)
                .ok_or(err("length", i + 8, bytes.len()))?;
            usize::try_from(u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                .map_err(|_| err("a count that fits in usize", usize::MAX, 0))
        };
        let (total, lo, hi, width, count) = (word(8)?, word(16)?, word(24)?, word(32)?, word(40)?);
        let node_bytes = width
            .checked_add(2)
            .and_then(|w| w.checked_mul(size))
            .and_then(|w| w.checked_add(16))
            .ok_or(err("subtree width", 0, width))?;
        let need = count
            .checked_mul(node_bytes)
            .and_then(|n| n.checked_add(48))
            .ok_or(err("length", usize::MAX, bytes.len()))?;
        if bytes.len() != need || lo > hi || hi > total {
            return Err(err("length", need, bytes.len()));
        }
        let elem = |i: usize| {
            let mut b = [0u8; 8];
            b[..size].copy_from_slice(&bytes[i..i + size]);
            T::from_bits64(u64::from_le_bytes(b))
        };
        let mut nodes = Vec::with_capacity(count);
        for c in 0..count {
            let at = 48 + c * node_bytes;
            let (nlo, nhi) = (word(at)?, word(at + 8)?);
            let d = at + 16;
            let data = (0..width).map(|j| elem(d + (2 + j) * size)).collect();
            nodes.push(Node {
                lo: nlo,
                hi: nhi,
                gb: elem(d),
                l: elem(d + size),
                data,
            });
        }
        Ok(Partial {
            kind,
            total,
            lo,
            hi,
            width,
            nodes,
        })
    }
}

/// `T(a..b)` from the workers' subtrees, in order: the next subtree if it
/// is exactly `a..b`, else the two halves combined.
fn build<'p, T: Float>(
    a: usize,
    b: usize,
    nodes: &mut core::iter::Peekable<impl Iterator<Item = &'p Node<T>>>,
    width: usize,
) -> Result<Node<T>, Error> {
    match nodes.peek() {
        Some(n) if n.lo == a && n.hi == b => {
            if n.data.len() != width {
                return Err(bad("subtree width", width, n.data.len()));
            }
            let n = (*n).clone();
            nodes.next();
            return Ok(n);
        }
        Some(n) if n.lo < a || n.hi > b || b - a < 2 => {
            return Err(bad(
                "a subtree of the canonical tree (start block)",
                a,
                n.lo,
            ));
        }
        None => return Err(bad("subtrees missing from block", a, b)),
        _ => {}
    }
    let p = crate::tree::split_point(b - a);
    let mut l = build(a, a + p, nodes, width)?;
    let r = build(a + p, b, nodes, width)?;
    for (x, &y) in l.data.iter_mut().zip(&r.data) {
        *x = *x + y;
    }
    l.gb = l.gb + r.gb;
    l.l = l.l + r.l;
    l.lo = a;
    l.hi = b;
    Ok(l)
}
