//! The optimizer steps, literally: the per-call constants (computed once in
//! `f64`, rounded once to `T`; shared with every SIMD backend) and the
//! element-by-element sequences of the contract.

use crate::element::Element;
use crate::optim::{AdamParams, MomentumParams, SgdParams};

/// `b^t` by square-and-multiply from the lowest bit of `t`, every product
/// rounded in `f64` (contract: `pow`).
pub(crate) fn pow(b: f64, t: u64) -> f64 {
    let (mut r, mut p, mut t) = (1.0f64, b, t);
    while t != 0 {
        if t & 1 == 1 {
            r *= p;
        }
        p *= p;
        t >>= 1;
    }
    r
}

/// Rounds an `f64` constant once to `T`.
#[inline(always)]
fn c<T: Element>(x: f64) -> T {
    T::from_f64(x)
}

/// The constants of one `sgd_step` call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SgdConsts<T> {
    /// `T(-lr)`.
    pub(crate) nlr: T,
    /// `T(λ)`, `None` when `λ == 0` (the decay FMA is skipped).
    pub(crate) wd: Option<T>,
}

impl<T: Element> SgdConsts<T> {
    pub(crate) fn new(p: &SgdParams) -> Self {
        SgdConsts {
            nlr: c(-p.lr),
            wd: (p.weight_decay != 0.0).then(|| c(p.weight_decay)),
        }
    }
}

/// The constants of one `momentum_step` call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MomentumConsts<T> {
    /// `T(-lr)`.
    pub(crate) nlr: T,
    /// `T(λ)`, `None` when `λ == 0`.
    pub(crate) wd: Option<T>,
    /// `T(μ)`.
    pub(crate) mu: T,
    /// `T(1 - τ)`.
    pub(crate) c: T,
    /// `t == 1`: the velocity is set to the gradient, its old value unread.
    pub(crate) first: bool,
    /// Nesterov's update direction.
    pub(crate) nesterov: bool,
}

impl<T: Element> MomentumConsts<T> {
    pub(crate) fn new(p: &MomentumParams, step: u64) -> Self {
        MomentumConsts {
            nlr: c(-p.lr),
            wd: (p.weight_decay != 0.0).then(|| c(p.weight_decay)),
            mu: c(p.momentum),
            c: c(1.0 - p.dampening),
            first: step == 1,
            nesterov: p.nesterov,
        }
    }
}

/// How Adam applies its weight decay.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Decay<T> {
    /// `λ == 0`: nothing.
    None,
    /// Adam: `g = fma(wd, w, g)` with `wd = T(λ)`.
    L2(T),
    /// AdamW: `x = w * dw` with `dw = T(1 - lr * λ)`.
    Decoupled(T),
}

/// The constants of one `adam_step` call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AdamConsts<T> {
    /// `T(β1)`, `T(1 - β1)`.
    pub(crate) b1: T,
    pub(crate) c1: T,
    /// `T(β2)`, `T(1 - β2)`.
    pub(crate) b2: T,
    pub(crate) c2: T,
    /// `T(-(lr / (1 - pow(β1, t))))`: the negated, bias-corrected step size.
    pub(crate) ns: T,
    /// `T(1 / sqrt(1 - pow(β2, t)))`: the second moment's bias correction.
    pub(crate) r: T,
    /// `T(ε)`.
    pub(crate) e: T,
    pub(crate) decay: Decay<T>,
}

impl<T: Element> AdamConsts<T> {
    pub(crate) fn new(p: &AdamParams, step: u64) -> Self {
        let bc1 = 1.0 - pow(p.beta1, step);
        let bc2 = 1.0 - pow(p.beta2, step);
        let decay = if p.weight_decay == 0.0 {
            Decay::None
        } else if p.decoupled_weight_decay {
            Decay::Decoupled(c(1.0 - p.lr * p.weight_decay))
        } else {
            Decay::L2(c(p.weight_decay))
        };
        AdamConsts {
            b1: c(p.beta1),
            c1: c(1.0 - p.beta1),
            b2: c(p.beta2),
            c2: c(1.0 - p.beta2),
            ns: c(-(p.lr / bc1)),
            r: c(1.0 / <f64 as Element>::sqrt(bc2)),
            e: c(p.eps),
            decay,
        }
    }
}

/// Contract `sgd_step`, element by element.
pub(crate) fn sgd<T: Element>(k: &SgdConsts<T>, w: &mut [T], grad: &[T]) {
    for (w, &g) in w.iter_mut().zip(grad) {
        let mut g = g;
        if let Some(wd) = k.wd {
            g = T::fma(wd, *w, g);
        }
        *w = T::fma(k.nlr, g, *w);
    }
}

/// Contract `momentum_step`, element by element.
pub(crate) fn momentum<T: Element>(k: &MomentumConsts<T>, w: &mut [T], b: &mut [T], grad: &[T]) {
    for ((w, b), &g) in w.iter_mut().zip(b.iter_mut()).zip(grad) {
        let mut g = g;
        if let Some(wd) = k.wd {
            g = T::fma(wd, *w, g);
        }
        *b = if k.first {
            g
        } else {
            T::fma(k.mu, *b, k.c * g)
        };
        let d = if k.nesterov { T::fma(k.mu, *b, g) } else { *b };
        *w = T::fma(k.nlr, d, *w);
    }
}

/// Contract `adam_step`, element by element.
pub(crate) fn adam<T: Element>(
    k: &AdamConsts<T>,
    w: &mut [T],
    m: &mut [T],
    v: &mut [T],
    mut v_max: Option<&mut [T]>,
    grad: &[T],
) {
    for j in 0..w.len() {
        let (mut g, mut x) = (grad[j], w[j]);
        match k.decay {
            Decay::None => {}
            Decay::L2(wd) => g = T::fma(wd, x, g),
            Decay::Decoupled(dw) => x = x * dw,
        }
        m[j] = T::fma(k.b1, m[j], k.c1 * g);
        v[j] = T::fma(k.b2, v[j], k.c2 * (g * g));
        let s = match v_max.as_deref_mut() {
            Some(vm) => {
                vm[j] = T::max_x86(vm[j], v[j]);
                vm[j]
            }
            None => v[j],
        };
        let den = T::fma(s.sqrt(), k.r, k.e);
        w[j] = T::fma(k.ns, m[j] / den, x);
    }
}
