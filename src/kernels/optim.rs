//! The optimizer steps (`sgd`, `momentum`, `adam` with AdamW and AMSGrad)
//! as [`Update`]s of the element-wise driver: what one register of results
//! is, given the loaded registers, exactly the contract's per-element
//! sequence.

use crate::element::Float;
use crate::kernels::elementwise::{Update, update};
use crate::lanes::Lanes;
use crate::params::optim::{AdamConsts, Decay, MomentumConsts, SgdConsts};

/// `sgd_step`: `ro = [grad]`, `rw = [w]`. `WD`: the weight-decay FMA
/// (`λ != 0`). The per-call switches are const parameters, so each variant
/// is its own loop with no branch per register.
#[derive(Clone, Copy)]
struct Sgd<V, const WD: bool> {
    nlr: V,
    wd: V,
}

impl<T: Float, S: Lanes<T>, const WD: bool> Update<T, S, 1, 1> for Sgd<S::V, WD> {
    #[inline(always)]
    fn apply(self, s: S, [g]: [S::V; 1], [w]: [S::V; 1]) -> [S::V; 1] {
        let g = if WD { s.fma(self.wd, w, g) } else { g };
        [s.fma(self.nlr, g, w)]
    }
}

/// Contract `sgd_step`.
#[inline(always)]
pub(crate) fn sgd<T: Float, S: Lanes<T>>(s: S, k: &SgdConsts<T>, w: &mut [T], grad: &[T]) {
    let nlr = s.splat(k.nlr);
    match k.wd {
        Some(wd) => {
            let u = Sgd::<S::V, true> {
                nlr,
                wd: s.splat(wd),
            };
            update::<T, S, _, 1, 1>(s, u, [grad], [w]);
        }
        None => {
            let u = Sgd::<S::V, false> { nlr, wd: s.zero() };
            update::<T, S, _, 1, 1>(s, u, [grad], [w]);
        }
    }
}

/// `momentum_step`: `ro = [grad]`, `rw = [w, velocity]`. `WD`: the
/// weight-decay FMA; `FIRST`: step 1 (the velocity is set to the gradient,
/// its old value not read); `NESTEROV`: Nesterov's direction.
#[derive(Clone, Copy)]
struct Momentum<V, const WD: bool, const FIRST: bool, const NESTEROV: bool> {
    nlr: V,
    wd: V,
    mu: V,
    c: V,
}

impl<T: Float, S: Lanes<T>, const WD: bool, const FIRST: bool, const NESTEROV: bool>
    Update<T, S, 1, 2> for Momentum<S::V, WD, FIRST, NESTEROV>
{
    #[inline(always)]
    fn reads(self, i: usize) -> bool {
        i != 1 || !FIRST
    }
    #[inline(always)]
    fn apply(self, s: S, [g]: [S::V; 1], [w, b]: [S::V; 2]) -> [S::V; 2] {
        let g = if WD { s.fma(self.wd, w, g) } else { g };
        let b = if FIRST {
            g
        } else {
            s.fma(self.mu, b, s.mul(self.c, g))
        };
        let d = if NESTEROV { s.fma(self.mu, b, g) } else { b };
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
    let (nlr, mu, c) = (s.splat(k.nlr), s.splat(k.mu), s.splat(k.c));
    let wd = match k.wd {
        Some(x) => s.splat(x),
        None => s.zero(),
    };
    macro_rules! go {
        ($wd:literal, $first:literal, $nesterov:literal) => {{
            let u = Momentum::<S::V, $wd, $first, $nesterov> { nlr, wd, mu, c };
            update::<T, S, _, 1, 2>(s, u, [grad], [w, b])
        }};
    }
    match (k.wd.is_some(), k.first, k.nesterov) {
        (false, false, false) => go!(false, false, false),
        (false, false, true) => go!(false, false, true),
        (false, true, false) => go!(false, true, false),
        (false, true, true) => go!(false, true, true),
        (true, false, false) => go!(true, false, false),
        (true, false, true) => go!(true, false, true),
        (true, true, false) => go!(true, true, false),
        (true, true, true) => go!(true, true, true),
    }
}

/// `adam_step`: `ro = [grad]`, `rw = [w, m, v]`, and `v_max` with AMSGrad.
/// `DECAY`: [`NO_DECAY`], [`L2`] (Adam: `g = fma(wd, x, g)`) or
/// [`DECOUPLED`] (AdamW: `x = x * dw`), with its constant in `wd`.
#[derive(Clone, Copy)]
struct Adam<V, const DECAY: u8> {
    b1: V,
    c1: V,
    b2: V,
    c2: V,
    ns: V,
    r: V,
    e: V,
    wd: V,
}

/// The weight decay kinds of [`Adam`].
const NO_DECAY: u8 = 0;
const L2: u8 = 1;
const DECOUPLED: u8 = 2;

impl<V: Copy, const DECAY: u8> Adam<V, DECAY> {
    /// Steps 1-3: the decayed weight `x` and the new moments.
    #[inline(always)]
    fn moments<T: Float, S: Lanes<T, V = V>>(self, s: S, g: V, w: V, m: V, v: V) -> [V; 3] {
        let (mut g, mut x) = (g, w);
        match DECAY {
            L2 => g = s.fma(self.wd, x, g),
            DECOUPLED => x = s.mul(x, self.wd),
            _ => {}
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

impl<T: Float, S: Lanes<T>, const DECAY: u8> Update<T, S, 1, 3> for Adam<S::V, DECAY> {
    #[inline(always)]
    fn apply(self, s: S, [g]: [S::V; 1], [w, m, v]: [S::V; 3]) -> [S::V; 3] {
        let [x, m, v] = self.moments(s, g, w, m, v);
        [self.weight(s, x, m, v), m, v]
    }
}

impl<T: Float, S: Lanes<T>, const DECAY: u8> Update<T, S, 1, 4> for Adam<S::V, DECAY> {
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
    let (b1, c1, b2, c2) = (s.splat(k.b1), s.splat(k.c1), s.splat(k.b2), s.splat(k.c2));
    let (ns, r, e) = (s.splat(k.ns), s.splat(k.r), s.splat(k.e));
    macro_rules! go {
        ($decay:ident, $wd:expr) => {{
            let wd = $wd;
            let u = Adam::<S::V, $decay> {
                b1,
                c1,
                b2,
                c2,
                ns,
                r,
                e,
                wd,
            };
            match v_max {
                Some(vm) => update::<T, S, _, 1, 4>(s, u, [grad], [w, m, v, vm]),
                None => update::<T, S, _, 1, 3>(s, u, [grad], [w, m, v]),
            }
        }};
    }
    match k.decay {
        Decay::None => go!(NO_DECAY, s.zero()),
        Decay::L2(x) => go!(L2, s.splat(x)),
        Decay::Decoupled(x) => go!(DECOUPLED, s.splat(x)),
    }
}
