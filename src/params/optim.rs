//! The optimizers' hyper-parameters (public, with PyTorch's defaults and
//! their checks) and the per-call constants derived from them, which the
//! scalar reference and every SIMD backend read: computed once per call in
//! `f64`, by the contract's operations, and rounded once to the element
//! type, so every backend multiplies by the same bits.

use crate::element::Float;
use crate::error::Error;

/// Hyper-parameters of plain stochastic gradient descent
/// (`torch.optim.SGD` with `momentum = 0`): `w -= lr * (grad + weight_decay * w)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdParams {
    /// Learning rate: finite (also after rounding to `T`) and `>= 0`.
    pub lr: f64,
    /// L2 penalty added to the gradient: finite (also in `T`) and `>= 0`.
    pub weight_decay: f64,
}

impl Default for SgdParams {
    /// PyTorch's defaults: `lr = 1e-3`, `weight_decay = 0`.
    fn default() -> Self {
        SgdParams {
            lr: 1e-3,
            weight_decay: 0.0,
        }
    }
}

/// Hyper-parameters of SGD with momentum (`torch.optim.SGD` with a
/// `momentum` buffer, optionally Nesterov's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MomentumParams {
    /// Learning rate: finite (also in `T`) and `>= 0`.
    pub lr: f64,
    /// Momentum factor `μ`, in `[0, 1]`; `> 0` with `nesterov`.
    pub momentum: f64,
    /// Dampening `τ`, in `[0, 1]`; `0` with `nesterov`.
    pub dampening: f64,
    /// L2 penalty added to the gradient: finite (also in `T`) and `>= 0`.
    pub weight_decay: f64,
    /// Nesterov momentum: step along `grad + μ * velocity` instead of `velocity`.
    pub nesterov: bool,
}

impl Default for MomentumParams {
    /// PyTorch's defaults: `lr = 1e-3`, `momentum = 0`, `dampening = 0`,
    /// `weight_decay = 0`, `nesterov = false`. (With `momentum = 0` the step
    /// is plain SGD that also writes `velocity = grad`.)
    fn default() -> Self {
        MomentumParams {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
        }
    }
}

/// Hyper-parameters of Adam, AdamW and AMSGrad (`torch.optim.Adam`,
/// whose `decoupled_weight_decay = True` is `torch.optim.AdamW`).
///
/// `Default` is Adam's defaults; [`AdamParams::adamw`] is AdamW's (it
/// differs in `weight_decay = 1e-2` and `decoupled_weight_decay = true`).
///
/// ```
/// use dotgrad::AdamParams;
/// let adamw = AdamParams { lr: 3e-4, ..AdamParams::adamw() };
/// assert_eq!(adamw.weight_decay, 1e-2);
/// assert_eq!(AdamParams::default(), AdamParams::adam());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamParams {
    /// Learning rate: finite (also in `T`) and `>= 0`.
    pub lr: f64,
    /// Decay of the first moment, in `[0, 1)`.
    pub beta1: f64,
    /// Decay of the second moment, in `[0, 1)`.
    pub beta2: f64,
    /// Added to the denominator outside the square root: finite and `> 0`,
    /// also after rounding to `T`.
    pub eps: f64,
    /// Weight decay: finite (also in `T`) and `>= 0`. Added to the gradient
    /// (L2, Adam) or applied to the weights (`decoupled_weight_decay`, AdamW).
    pub weight_decay: f64,
    /// AMSGrad: divide by the running maximum of the second moment, kept in
    /// the `v_max` buffer, which must then be given.
    pub amsgrad: bool,
    /// AdamW: `w *= 1 - lr * weight_decay` instead of adding
    /// `weight_decay * w` to the gradient.
    pub decoupled_weight_decay: bool,
}

impl AdamParams {
    /// `torch.optim.Adam`'s defaults: `lr = 1e-3`, `betas = (0.9, 0.999)`,
    /// `eps = 1e-8`, `weight_decay = 0`, no AMSGrad, L2 weight decay.
    pub const fn adam() -> Self {
        AdamParams {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            decoupled_weight_decay: false,
        }
    }

    /// `torch.optim.AdamW`'s defaults: as [`AdamParams::adam`] but
    /// `weight_decay = 1e-2` and `decoupled_weight_decay = true`.
    pub const fn adamw() -> Self {
        AdamParams {
            weight_decay: 1e-2,
            decoupled_weight_decay: true,
            ..AdamParams::adam()
        }
    }
}

impl Default for AdamParams {
    /// [`AdamParams::adam`].
    fn default() -> Self {
        AdamParams::adam()
    }
}

pub(crate) fn invalid(
    op: &'static str,
    name: &'static str,
    value: f64,
    expected: &'static str,
) -> Error {
    Error::InvalidParameter {
        op,
        name,
        value,
        expected,
    }
}

/// `x` finite, `>= 0`, and finite after rounding to `T`.
fn check_nonneg<T: Float>(op: &'static str, name: &'static str, x: f64) -> Result<(), Error> {
    if x.is_finite() && x >= 0.0 && T::from_f64(x).to_f64().is_finite() {
        Ok(())
    } else {
        Err(invalid(
            op,
            name,
            x,
            "finite (also in the element type) and >= 0",
        ))
    }
}

/// `x` in `[0, 1]` (or `[0, 1)` when `open`).
fn check_unit(op: &'static str, name: &'static str, x: f64, open: bool) -> Result<(), Error> {
    let ok = x >= 0.0 && if open { x < 1.0 } else { x <= 1.0 };
    match (ok, open) {
        (true, _) => Ok(()),
        (false, true) => Err(invalid(op, name, x, "in [0, 1)")),
        (false, false) => Err(invalid(op, name, x, "in [0, 1]")),
    }
}

pub(crate) fn check_step(op: &'static str, step: u64) -> Result<(), Error> {
    if step == 0 {
        // Exact for every step that is refused.
        Err(invalid(op, "step", 0.0, ">= 1 (the first step is 1)"))
    } else {
        Ok(())
    }
}

impl SgdParams {
    pub(crate) fn validate<T: Float>(&self) -> Result<(), Error> {
        check_nonneg::<T>("sgd_step", "lr", self.lr)?;
        check_nonneg::<T>("sgd_step", "weight_decay", self.weight_decay)
    }
}

impl MomentumParams {
    pub(crate) fn validate<T: Float>(&self) -> Result<(), Error> {
        const OP: &str = "momentum_step";
        check_nonneg::<T>(OP, "lr", self.lr)?;
        check_nonneg::<T>(OP, "weight_decay", self.weight_decay)?;
        check_unit(OP, "momentum", self.momentum, false)?;
        check_unit(OP, "dampening", self.dampening, false)?;
        if self.nesterov && self.momentum <= 0.0 {
            return Err(invalid(OP, "momentum", self.momentum, "> 0 with nesterov"));
        }
        if self.nesterov && self.dampening != 0.0 {
            return Err(invalid(OP, "dampening", self.dampening, "0 with nesterov"));
        }
        Ok(())
    }
}

impl AdamParams {
    pub(crate) fn validate<T: Float>(&self) -> Result<(), Error> {
        const OP: &str = "adam_step";
        check_nonneg::<T>(OP, "lr", self.lr)?;
        check_unit(OP, "beta1", self.beta1, true)?;
        check_unit(OP, "beta2", self.beta2, true)?;
        let e = T::from_f64(self.eps).to_f64();
        if !(self.eps.is_finite() && e > 0.0 && e.is_finite()) {
            return Err(invalid(
                OP,
                "eps",
                self.eps,
                "finite and > 0 (also in the element type)",
            ));
        }
        check_nonneg::<T>(OP, "weight_decay", self.weight_decay)
    }
}

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
fn c<T: Float>(x: f64) -> T {
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

impl<T: Float> SgdConsts<T> {
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

impl<T: Float> MomentumConsts<T> {
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

impl<T: Float> AdamConsts<T> {
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
            r: c(1.0 / <f64 as Float>::sqrt(bc2)),
            e: c(p.eps),
            decay,
        }
    }
}
