//! Parallelism: the degree of parallelism a [`crate::Kernels`] handle may
//! use ([`Par`]), and the two ways work is split: reductions along the
//! contract's block tree (only at the tree's own split points, so every
//! thread count builds the same tree), element-wise kernels anywhere.
//!
//! Threads come from rayon (the `rayon` feature): the pool the call runs
//! in, which is rayon's global pool unless the caller `install`s another.
//! Without the feature every call is sequential, and asking for threads is
//! an error ([`crate::Error::ParUnavailable`]) rather than a silent no-op.

/// How many threads a kernel call may use. The result is the same for
/// every choice: the work is split along the contract's block tree, whose
/// shape depends only on the input's length.
///
/// ```
/// use dotgrad::{Kernels, Par};
/// let k = Kernels::best();
/// assert_eq!(k.par(), Par::Seq);
/// # #[cfg(feature = "rayon")]
/// let k = k.with_par(Par::All).unwrap();
/// let a = vec![1.0f32; 1 << 20];
/// assert_eq!(k.dot(&a, &a).unwrap(), (1 << 20) as f32);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Par {
    /// One thread: the calling one. The default, so a program that runs
    /// dotgrad inside its own thread pool keeps control of its threads.
    #[default]
    Seq,
    /// Up to this many threads of the current rayon pool (`Threads(1)` is
    /// `Seq`). Needs the `rayon` feature.
    Threads(usize),
    /// Every thread of the current rayon pool (`rayon::current_num_threads`).
    /// Needs the `rayon` feature.
    All,
}

impl Par {
    /// How many parallel tasks a call aims for (1 for `Seq`).
    #[inline]
    pub(crate) fn budget(self) -> usize {
        match self {
            Par::Seq => 1,
            Par::Threads(n) => n.max(1),
            Par::All => pool_threads(),
        }
    }
}

#[cfg(feature = "rayon")]
#[inline]
fn pool_threads() -> usize {
    rayon::current_num_threads()
}

#[cfg(not(feature = "rayon"))]
#[inline]
fn pool_threads() -> usize {
    1
}

/// Runs `a` and `b`, in parallel when the `rayon` feature is on.
#[inline]
pub(crate) fn join<RA: Send, RB: Send>(
    a: impl FnOnce() -> RA + Send,
    b: impl FnOnce() -> RB + Send,
) -> (RA, RB) {
    #[cfg(feature = "rayon")]
    {
        rayon::join(a, b)
    }
    #[cfg(not(feature = "rayon"))]
    {
        (a(), b())
    }
}

/// The canonical block tree `T(lo..hi)` (contract section 3) with up to
/// `budget` parallel tasks. It splits only where the tree itself splits
/// (`lo + P`, `P` the largest power of two below `hi - lo`), gives each
/// half a share of the budget in proportion to its blocks, and hands a
/// whole subtree to `leaf(lo, hi)` (which must return `T(lo..hi)`, e.g. by
/// the sequential kernel on those blocks alone) once the budget is one or
/// the subtree has fewer than `2 * grain` blocks. `combine(left, right)` is
/// the tree's `(+)`. The result is the tree's root: the same for every
/// budget.
pub(crate) fn tree<P: Send>(
    lo: usize,
    hi: usize,
    budget: usize,
    grain: usize,
    leaf: &(impl Fn(usize, usize) -> P + Sync),
    combine: &(impl Fn(P, P) -> P + Sync),
) -> P {
    let len = hi - lo;
    if budget <= 1 || len < 2 * grain.max(1) {
        return leaf(lo, hi);
    }
    let p = crate::tree::split_point(len);
    let left = ((budget * p + len / 2) / len).clamp(1, budget - 1);
    let (l, r) = join(
        || tree(lo, lo + p, left, grain, leaf, combine),
        || tree(lo + p, hi, budget - left, grain, leaf, combine),
    );
    combine(l, r)
}

/// An element-wise call that can be cut in two at any element.
pub(crate) trait Split: Sized + Send {
    /// Elements in the call.
    fn len(&self) -> usize;
    /// The call on elements `..mid` and the call on `mid..`.
    fn split_at(self, mid: usize) -> (Self, Self);
}

/// Runs element-wise call `op` as up to `budget` parallel pieces of at
/// least `grain` elements each (cut at multiples of 64 elements, so that
/// pieces keep the alignment of the whole), each by `leaf`. Element-wise
/// results do not depend on where the cuts are.
pub(crate) fn pieces<O: Split>(op: O, budget: usize, grain: usize, leaf: &(impl Fn(O) + Sync)) {
    let n = op.len();
    if budget <= 1 || n < 2 * grain.max(1) {
        return leaf(op);
    }
    let left = budget / 2;
    let mid = (n * left / budget) / 64 * 64;
    if mid == 0 || mid >= n {
        return leaf(op);
    }
    let (a, b) = op.split_at(mid);
    join(
        || pieces(a, left, grain, leaf),
        || pieces(b, budget - left, grain, leaf),
    );
}
