//! The optimizer steps (`sgd`, `momentum`, `adam` with AdamW and AMSGrad)
//! as [`Update`]s of the element-wise driver: what one register of results
//! is, given the loaded registers, exactly the contract's per-element
//! sequence.

use crate::element::Float;
use crate::kernels::elementwise::{Update, update};
use crate::lanes::Lanes;
use crate::params::optim::{AdamConsts, Decay, MomentumConsts, SgdConsts};

/// `Some(splat(x))`. Written without `Option::map`: a closure's body is a
/// function of its own, compiled without the backend's target features.
#[inline(always)]
#[allow(clippy::manual_map)]
fn splat_opt<T: Float, S: Lanes<T>>(s: S, x: Option<T>) -> Option<S::V> {
    match x {
        Some(x) => Some(s.splat(x)),
        None => None,
    }
}

/// `sgd_step`: `ro = [grad]`, `rw = [w]`.
#[derive(Clone, Copy)]
struct Sgd<V> {
    nlr: V,
    wd: Option<V>,
}

impl<T: Float, S: Lanes<T>> Update<T, S, 1, 1> for Sgd<S::V> {
    #[inline(always)]
    fn apply(self, s: S, [g]: [S::V; 1], [w]: [S::V; 1]) -> [S::V; 1] {
        let g = match self.wd {
            Some(wd) => s.fma(wd, w, g),
            None => g,
        };
        [s.fma(self.nlr, g, w)]
    }
}

/// Contract `sgd_step`.
#[inline(always)]
pub(crate) fn sgd<T: Float, S: Lanes<T>>(s: S, k: &SgdConsts<T>, w: &mut [T], grad: &[T]) {
    let u = Sgd::<S::V> {
        nlr: s.splat(k.nlr),
        wd: splat_opt(s, k.wd),
    };
    update::<T, S, _, 1, 1>(s, u, [grad], [w]);
}

/// `momentum_step`: `ro = [grad]`, `rw = [w, velocity]`.
#[derive(Clone, Copy)]
struct Momentum<V> {
    nlr: V,
    wd: Option<V>,
    mu: V,
    c: V,
    first: bool,
    nesterov: bool,
}

impl<T: Float, S: Lanes<T>> Update<T, S, 1, 2> for Momentum<S::V> {
    #[inline(always)]
    fn reads(self, i: usize) -> bool {
        i != 1 || !self.first
    }
    #[inline(always)]
    fn apply(self, s: S, [g]: [S::V; 1], [w, b]: [S::V; 2]) -> [S::V; 2] {
        let g = match self.wd {
            Some(wd) => s.fma(wd, w, g),
            None => g,
        };
        let b = if self.first {
            g
        } else {
            s.fma(self.mu, b, s.mul(self.c, g))
        };
        let d = if self.nesterov {
            s.fma(self.mu, b, g)
        } else {
            b
        };
        [s.fma(self.nlr, d, w), b]
    }
}

/// Contract `momentum_step`.
#[inline(always)]
pub(crate) fn momentum<T: Float, S: Lanes<T>>(
    s: S,
    k: &MomentumConsts<T>,
    w: &mut [T],
    b: &mut [T],
    grad: &[T],
) {
    let u = Momentum::<S::V> {
        nlr: s.splat(k.nlr),
        wd: splat_opt(s, k.wd),
        mu: s.splat(k.mu),
        c: s.splat(k.c),
        first: k.first,
        nesterov: k.nesterov,
    };
    update::<T, S, _, 1, 2>(s, u, [grad], [w, b]);
}

/// `adam_step`: `ro = [grad]`, `rw = [w, m, v]`, and `v_max` with AMSGrad.
#[derive(Clone, Copy)]
struct Adam<V> {
    b1: V,
    c1: V,
    b2: V,
    c2: V,
    ns: V,
    r: V,
    e: V,
    decay: Decay<V>,
}

impl<V: Copy> Adam<V> {
    /// Steps 1-3: the decayed weight `x` and the new moments.
    #[inline(always)]
    fn moments<T: Float, S: Lanes<T, V = V>>(self, s: S, g: V, w: V, m: V, v: V) -> [V; 3] {
        let (mut g, mut x) = (g, w);
        match self.decay {
            Decay::None => {}
            Decay::L2(wd) => g = s.fma(wd, x, g),
            Decay::Decoupled(dw) => x = s.mul(x, dw),
        }
        let m = s.fma(self.b1, m, s.mul(self.c1, g));
        let v = s.fma(self.b2, v, s.mul(self.c2, s.mul(g, g)));
        [x, m, v]
    }

    /// Steps 5-6 from the second moment `q` that divides (`v` or `v_max`).
    #[inline(always)]
    fn weight<T: Float, S: Lanes<T, V = V>>(self, s: S, x: V, m: V, q: V) -> V {
        let den = s.fma(s.sqrt(q), self.r, self.e);
        s.fma(self.ns, s.div(m, den), x)
    }
}

impl<T: Float, S: Lanes<T>> Update<T, S, 1, 3> for Adam<S::V> {
    #[inline(always)]
    fn apply(self, s: S, [g]: [S::V; 1], [w, m, v]: [S::V; 3]) -> [S::V; 3] {
        let [x, m, v] = self.moments(s, g, w, m, v);
        [self.weight(s, x, m, v), m, v]
    }
}

impl<T: Float, S: Lanes<T>> Update<T, S, 1, 4> for Adam<S::V> {
    #[inline(always)]
    fn apply(self, s: S, [g]: [S::V; 1], [w, m, v, vm]: [S::V; 4]) -> [S::V; 4] {
        let [x, m, v] = self.moments(s, g, w, m, v);
        let vm = s.max(vm, v);
        [self.weight(s, x, m, vm), m, v, vm]
    }
}

/// Contract `adam_step` (Adam, AdamW, AMSGrad).
#[inline(always)]
pub(crate) fn adam<T: Float, S: Lanes<T>>(
    s: S,
    k: &AdamConsts<T>,
    w: &mut [T],
    m: &mut [T],
    v: &mut [T],
    v_max: Option<&mut [T]>,
    grad: &[T],
) {
    let u = Adam::<S::V> {
        b1: s.splat(k.b1),
        c1: s.splat(k.c1),
        b2: s.splat(k.b2),
        c2: s.splat(k.c2),
        ns: s.splat(k.ns),
        r: s.splat(k.r),
        e: s.splat(k.e),
        decay: match k.decay {
            Decay::None => Decay::None,
            Decay::L2(x) => Decay::L2(s.splat(x)),
            Decay::Decoupled(x) => Decay::Decoupled(s.splat(x)),
        },
    };
    match v_max {
        Some(vm) => update::<T, S, _, 1, 4>(s, u, [grad], [w, m, v, vm]),
        None => update::<T, S, _, 1, 3>(s, u, [grad], [w, m, v]),
    }
}
