//! The one element-wise driver: every kernel that maps elements to
//! elements (axpy, scale, the block tree's `(+)` on vector partials, the
//! gradients' final division, sigmoid, the optimizer steps) is an
//! [`Update`] run by [`update`], which walks the buffers register by
//! register: unrolled whole registers, then single registers, then one
//! partial register through `load_part` / `store_part` (never touching
//! memory past the end). Each register does exactly the contract's
//! per-element sequence on `LANES` elements, so the bits are the scalar
//! reference's.

use crate::element::Float;
use crate::lanes::Lanes;

/// One element-wise update: `R` read-only inputs, `M` buffers read and
/// written in place, on one register of each.
pub(crate) trait Update<T: Float, S: Lanes<T>, const R: usize, const M: usize>:
    Copy
{
    /// Registers per unrolled step. For heavy updates (a square root and a
    /// division for Adam) 2 already gives the out-of-order core independent
    /// chains to overlap, and more only adds register pressure on AVX2;
    /// light ones (axpy) take 4.
    const UNROLL: usize = 2;
    /// Whether the old contents of in-place buffer `i` are used; when not,
    /// the driver does not load them (the register passed is `+0.0`).
    #[inline(always)]
    fn reads(self, _i: usize) -> bool {
        true
    }
    /// The new values of the in-place buffers.
    fn apply(self, s: S, ro: [S::V; R], rw: [S::V; M]) -> [S::V; M];
}

/// Runs `u` over every element: `ro` are read, `rw` read and written, all
/// of one length (the public wrapper checked it).
#[inline(always)]
pub(crate) fn update<
    'a,
    T: Float,
    S: Lanes<T>,
    U: Update<T, S, R, M>,
    const R: usize,
    const M: usize,
>(
    s: S,
    u: U,
    mut ro: [&'a [T]; R],
    mut rw: [&'a mut [T]; M],
) {
    if M == 0 {
        return;
    }
    let l = S::LANES;
    let step = U::UNROLL * l;
    // Each step splits its registers off the front of every buffer, so the
    // loads and stores inside index slices of a length known to the
    // optimiser: one length check per buffer and step, none per register.
    let n = rw[0].len();
    for _ in 0..n / step {
        let (x, mut y) = heads(&mut ro, &mut rw, step);
        for k in 0..U::UNROLL {
            full(s, u, &x, &mut y, k * l);
        }
    }
    for _ in 0..(n % step) / l {
        let (x, mut y) = heads(&mut ro, &mut rw, l);
        full(s, u, &x, &mut y, 0);
    }
    if !rw[0].is_empty() {
        let mut x = [s.zero(); R];
        for (x, r) in x.iter_mut().zip(&ro) {
            *x = s.load_part(r);
        }
        let mut y = [s.zero(); M];
        for (i, (y, w)) in y.iter_mut().zip(rw.iter()).enumerate() {
            if u.reads(i) {
                *y = s.load_part(w);
            }
        }
        let y = u.apply(s, x, y);
        for (w, y) in rw.iter_mut().zip(y) {
            s.store_part(w, y);
        }
    }
}

/// The first `k` elements of every buffer, which are cut off the front of
/// `ro` and `rw` (every buffer holds at least `k`).
#[inline(always)]
#[allow(clippy::type_complexity)]
fn heads<'a, T, const R: usize, const M: usize>(
    ro: &mut [&'a [T]; R],
    rw: &mut [&'a mut [T]; M],
    k: usize,
) -> ([&'a [T]; R], [&'a mut [T]; M]) {
    let mut x: [&[T]; R] = [&[]; R];
    for (x, r) in x.iter_mut().zip(ro.iter_mut()) {
        let (h, t) = r.split_at(k);
        (*x, *r) = (h, t);
    }
    let mut y: [&mut [T]; M] = core::array::from_fn(|_| Default::default());
    for (y, w) in y.iter_mut().zip(rw.iter_mut()) {
        let (h, t) = core::mem::take(w).split_at_mut(k);
        (*y, *w) = (h, t);
    }
    (x, y)
}

/// One full register at element `o`.
#[inline(always)]
fn full<T: Float, S: Lanes<T>, U: Update<T, S, R, M>, const R: usize, const M: usize>(
    s: S,
    u: U,
    ro: &[&[T]; R],
    rw: &mut [&mut [T]; M],
    o: usize,
) {
    let mut x = [s.zero(); R];
    for (x, r) in x.iter_mut().zip(ro) {
        *x = s.load(&r[o..]);
    }
    let mut y = [s.zero(); M];
    for (i, (y, w)) in y.iter_mut().zip(rw.iter()).enumerate() {
        if u.reads(i) {
            *y = s.load(&w[o..]);
        }
    }
    let y = u.apply(s, x, y);
    for (w, y) in rw.iter_mut().zip(y) {
        s.store(&mut w[o..], y);
    }
}

/// `y = fma(alpha, x, y)`: `ro = [x]`, `rw = [y]`.
#[derive(Clone, Copy)]
struct Axpy<V>(V);

impl<T: Float, S: Lanes<T>> Update<T, S, 1, 1> for Axpy<S::V> {
    const UNROLL: usize = 4;
    #[inline(always)]
    fn apply(self, s: S, [x]: [S::V; 1], [y]: [S::V; 1]) -> [S::V; 1] {
        [s.fma(self.0, x, y)]
    }
}

/// Contract `axpy`: `y[j] = fma(alpha, x[j], y[j])`. `x.len() == y.len()`.
#[inline(always)]
pub(crate) fn axpy<T: Float, S: Lanes<T>>(s: S, alpha: T, x: &[T], y: &mut [T]) {
    update::<T, S, _, 1, 1>(s, Axpy(s.splat(alpha)), [x], [y]);
}

/// `x = alpha * x`: `rw = [x]`.
#[derive(Clone, Copy)]
struct Scale<V>(V);

impl<T: Float, S: Lanes<T>> Update<T, S, 0, 1> for Scale<S::V> {
    const UNROLL: usize = 4;
    #[inline(always)]
    fn apply(self, s: S, []: [S::V; 0], [x]: [S::V; 1]) -> [S::V; 1] {
        [s.mul(self.0, x)]
    }
}

/// Contract `scale`: `x[j] = alpha * x[j]`.
#[inline(always)]
pub(crate) fn scale<T: Float, S: Lanes<T>>(s: S, alpha: T, x: &mut [T]) {
    update::<T, S, _, 0, 1>(s, Scale(s.splat(alpha)), [], [x]);
}

/// `l = l + r`: `ro = [r]`, `rw = [l]`.
#[cfg(feature = "alloc")]
#[derive(Clone, Copy)]
struct Add;

#[cfg(feature = "alloc")]
impl<T: Float, S: Lanes<T>> Update<T, S, 1, 1> for Add {
    const UNROLL: usize = 4;
    #[inline(always)]
    fn apply(self, s: S, [r]: [S::V; 1], [l]: [S::V; 1]) -> [S::V; 1] {
        [s.add(l, r)]
    }
}

/// The block tree's `(+)` on vector partials: `l[j] = l[j] + r[j]`
/// (`r.len() >= l.len()`).
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn add<T: Float, S: Lanes<T>>(s: S, l: &mut [T], r: &[T]) {
    let r = &r[..l.len()];
    update::<T, S, _, 1, 1>(s, Add, [r], [l]);
}

/// `x = x / d`: `rw = [x]`.
#[cfg(feature = "alloc")]
#[derive(Clone, Copy)]
struct Div<V>(V);

#[cfg(feature = "alloc")]
impl<T: Float, S: Lanes<T>> Update<T, S, 0, 1> for Div<S::V> {
    #[inline(always)]
    fn apply(self, s: S, []: [S::V; 0], [x]: [S::V; 1]) -> [S::V; 1] {
        [s.div(x, self.0)]
    }
}

/// `x[j] = x[j] / d` (the gradients' mean).
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn div<T: Float, S: Lanes<T>>(s: S, x: &mut [T], d: T) {
    update::<T, S, _, 0, 1>(s, Div(s.splat(d)), [], [x]);
}
