//! The canonical block tree of the contract (section 3), shared by every
//! backend and every kernel that combines blocks, and the row-block plan
//! of the matrix kernels (blocks of `R` rows, vector partials combined by
//! the tree).

//!
//! `T(lo..hi)` is one block's partial when `hi - lo == 1`, else
//! `T(lo..lo+P) (+) T(lo+P..hi)` with `P` the largest power of two strictly
//! less than `hi - lo`. The contract describes a single thread evaluating it
//! as a binary counter; the recursion below builds the identical tree (and is
//! how threads would split it), so both give the same bits. The recursion
//! keeps at most `log2(blocks) + 1` partials alive and needs no scratch array.

#[cfg(feature = "alloc")]
use crate::element::Float;
#[cfg(feature = "alloc")]
use crate::matrix::Matrix;

/// Evaluates the block tree over blocks `0..blocks` (`blocks >= 1`):
/// `block(i)` computes block `i`'s partial and `combine(left, right)` is the
/// lane-wise `(+)`. Blocks are computed in increasing order.
pub(crate) fn reduce<P>(
    blocks: usize,
    block: &mut impl FnMut(usize) -> P,
    combine: &mut impl FnMut(P, P) -> P,
) -> P {
    debug_assert!(blocks >= 1);
    reduce_range(0, blocks.max(1), block, combine)
}

fn reduce_range<P>(
    lo: usize,
    hi: usize,
    block: &mut impl FnMut(usize) -> P,
    combine: &mut impl FnMut(P, P) -> P,
) -> P {
    let len = hi - lo;
    if len == 1 {
        return block(lo);
    }
    let p = split_point(len);
    let left = reduce_range(lo, lo + p, block, combine);
    let right = reduce_range(lo + p, hi, block, combine);
    combine(left, right)
}

/// The most blocks [`reduce_grouped`] hands to one `subtree` call.
pub(crate) const GROUP: usize = 4;

/// As [`reduce`], but whole subtrees of at most [`GROUP`] blocks go to one
/// `subtree(lo, hi)` call, which must return `T(lo..hi)` (for instance by
/// [`small_tree`]). Kernels use it to enter their target-feature context
/// once per four blocks instead of once per block.
pub(crate) fn reduce_grouped<P>(
    blocks: usize,
    subtree: &mut impl FnMut(usize, usize) -> P,
    combine: &mut impl FnMut(P, P) -> P,
) -> P {
    grouped_range(0, blocks.max(1), subtree, combine)
}

fn grouped_range<P>(
    lo: usize,
    hi: usize,
    subtree: &mut impl FnMut(usize, usize) -> P,
    combine: &mut impl FnMut(P, P) -> P,
) -> P {
    if hi - lo <= GROUP {
        return subtree(lo, hi);
    }
    let p = split_point(hi - lo);
    let left = grouped_range(lo, lo + p, subtree, combine);
    let right = grouped_range(lo + p, hi, subtree, combine);
    combine(left, right)
}

/// `T(lo..hi)` for `1 <= hi - lo <= GROUP` blocks, written out without
/// recursion so that it inlines: `b0`, `b0+b1`, `(b0+b1)+b2`,
/// `(b0+b1)+(b2+b3)` — the shapes [`reduce`] builds for those counts.
#[inline(always)]
pub(crate) fn small_tree<P>(
    lo: usize,
    hi: usize,
    mut block: impl FnMut(usize) -> P,
    mut combine: impl FnMut(P, P) -> P,
) -> P {
    let first = block(lo);
    if hi - lo == 1 {
        return first;
    }
    let pair = {
        let second = block(lo + 1);
        combine(first, second)
    };
    match hi - lo {
        2 => pair,
        3 => {
            let third = block(lo + 2);
            combine(pair, third)
        }
        _ => {
            let third = block(lo + 2);
            let fourth = block(lo + 3);
            let tail = combine(third, fourth);
            combine(pair, tail)
        }
    }
}

/// The largest power of two strictly less than `len` (`len >= 2`).
#[inline]
pub(crate) fn split_point(len: usize) -> usize {
    debug_assert!(len >= 2);
    1usize << (usize::BITS - 1 - (len - 1).leading_zeros())
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
impl<'o, T: Float> Partials<'o, T> {
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
pub(crate) fn row_block_tree<'x, T: Float, A>(
    x: Matrix<'x, T>,
    out: &mut [T],
    block: &mut impl FnMut(usize, Matrix<'x, T>, &mut [T]) -> A,
    add: &mut impl FnMut(&mut [T], &[T]),
    join: &mut impl FnMut(A, A) -> A,
) -> A {
    let blocks = x.row_blocks();
    let stack = core::cell::RefCell::new(Partials::new(out, blocks));
    let (_, a) = reduce(
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the tree as a string to compare shapes.
    fn shape(blocks: usize) -> String {
        reduce(blocks, &mut |i| format!("{i}"), &mut |l, r| {
            format!("({l}+{r})")
        })
    }

    /// The binary counter of the contract, written out literally.
    fn counter_shape(blocks: usize) -> String {
        let mut stack: Vec<(String, usize)> = Vec::new();
        for i in 0..blocks {
            stack.push((format!("{i}"), 1));
            while stack.len() >= 2 && stack[stack.len() - 1].1 == stack[stack.len() - 2].1 {
                let (r, n) = stack.pop().unwrap();
                let (l, _) = stack.pop().unwrap();
                stack.push((format!("({l}+{r})"), 2 * n));
            }
        }
        while stack.len() >= 2 {
            let (r, n) = stack.pop().unwrap();
            let (l, m) = stack.pop().unwrap();
            stack.push((format!("({l}+{r})"), n + m));
        }
        stack.pop().unwrap().0
    }

    #[test]
    fn grouped_tree_equals_tree() {
        for blocks in 1..=200 {
            let grouped = reduce_grouped(
                blocks,
                &mut |lo, hi| small_tree(lo, hi, |i| format!("{i}"), |l, r| format!("({l}+{r})")),
                &mut |l, r| format!("({l}+{r})"),
            );
            assert_eq!(grouped, shape(blocks), "blocks = {blocks}");
        }
    }

    #[test]
    fn split_points() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(8), 4);
        assert_eq!(split_point(9), 8);
    }

    #[test]
    fn recursion_equals_binary_counter() {
        for blocks in 1..=200 {
            assert_eq!(shape(blocks), counter_shape(blocks), "blocks = {blocks}");
        }
        assert_eq!(shape(6), "(((0+1)+(2+3))+(4+5))");
        assert_eq!(shape(7), "(((0+1)+(2+3))+((4+5)+6))");
    }
}
