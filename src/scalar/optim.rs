//! The optimizer steps, literally: the element-by-element sequences of the
//! contract, on the per-call constants of [`crate::params::optim`].

use crate::element::Float;
use crate::params::optim::{AdamConsts, Decay, MomentumConsts, SgdConsts};

/// Contract `sgd_step`, element by element.
pub(crate) fn sgd<T: Float>(k: &SgdConsts<T>, w: &mut [T], grad: &[T]) {
    for (w, &g) in w.iter_mut().zip(grad) {
        let mut g = g;
        if let Some(wd) = k.wd {
            g = T::fma(wd, *w, g);
        }
        *w = T::fma(k.nlr, g, *w);
    }
}

/// Contract `momentum_step`, element by element.
pub(crate) fn momentum<T: Float>(k: &MomentumConsts<T>, w: &mut [T], b: &mut [T], grad: &[T]) {
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
pub(crate) fn adam<T: Float>(
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
