//! The canonical block tree of the contract (section 3), shared by every
//! backend and every kernel that combines blocks.
//!
//! `T(lo..hi)` is one block's partial when `hi - lo == 1`, else
//! `T(lo..lo+P) (+) T(lo+P..hi)` with `P` the largest power of two strictly
//! less than `hi - lo`. The contract describes a single thread evaluating it
//! as a binary counter; the recursion below builds the identical tree (and is
//! how threads would split it), so both give the same bits. The recursion
//! keeps at most `log2(blocks) + 1` partials alive and needs no scratch array.

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
