//! The public optimizer family: in-place `sgd_step`, `momentum_step` and
//! `adam_step` (Adam, AdamW, AMSGrad), one pass over the buffers each.
//!
//! Hyper-parameters live in small `Copy` structs whose `Default` is
//! PyTorch's (`torch.optim.SGD`, `torch.optim.Adam`; [`AdamParams::adamw`]
//! gives `torch.optim.AdamW`'s). They are `f64`, as PyTorch's Python floats
//! are; each call derives its constants from them once, in `f64`, and rounds
//! them to the element type (see the
//! [contract](crate::contract#optimizer-steps-sgd-momentum-adam)).
//!
//! The step counter `step` is the caller's, 1-based, as PyTorch's
//! `state["step"]` after its increment: pass `1` on the first call for a
//! fresh state and add one per call. `momentum_step` uses `step == 1` to
//! initialise the velocity from the gradient (its old contents are ignored);
//! `adam_step` uses `step` for the bias corrections. `step == 0` is an error.

use crate::dispatch::{Backends, Kernel, Kernels, float_family};
use crate::element::Float;
use crate::error::{Error, same_len};
use crate::lanes::Lanes;
use crate::par::{self, Split};
use crate::params::optim::{AdamConsts, MomentumConsts, SgdConsts, check_step, invalid};
use crate::params::{AdamParams, MomentumParams, SgdParams};

/// One `sgd_step` call (checked; constants computed).
pub(crate) struct Sgd<'a, T> {
    k: Kernels,
    c: SgdConsts<T>,
    w: &'a mut [T],
    grad: &'a [T],
}

impl<T: Float> Split for Sgd<'_, T> {
    fn len(&self) -> usize {
        self.w.len()
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (k, c) = (self.k, self.c);
        let (w1, w2) = self.w.split_at_mut(mid);
        let (g1, g2) = self.grad.split_at(mid);
        let a = Sgd {
            k,
            c,
            w: w1,
            grad: g1,
        };
        (
            a,
            Sgd {
                k,
                c,
                w: w2,
                grad: g2,
            },
        )
    }
}

impl<T: Float> Kernel for Sgd<'_, T> {
    type T = T;
    type Output = ();
    /// Pieces of the buffers on the threads (element-wise).
    fn parallel(self) -> Result<(), Self> {
        let budget = self.k.budget();
        let grain = self.k.task_bytes / (2 * core::mem::size_of::<T>());
        if budget <= 1 || self.w.len() < 2 * grain {
            return Err(self);
        }
        let op = Sgd {
            k: self.k.seq(),
            ..self
        };
        par::pieces(op, budget, grain, &|op| T::run_float::<SgdF>(op));
        Ok(())
    }
    #[inline(always)]
    fn scalar(self) {
        crate::scalar::optim::sgd(&self.c, self.w, self.grad)
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) {
        crate::kernels::optim::sgd(s, &self.c, self.w, self.grad)
    }
}

float_family!(
    /// `sgd_step`.
    SgdF<T>: Sgd => ()
);

/// One `momentum_step` call (checked; constants computed).
pub(crate) struct Momentum<'a, T> {
    k: Kernels,
    c: MomentumConsts<T>,
    w: &'a mut [T],
    velocity: &'a mut [T],
    grad: &'a [T],
}

impl<T: Float> Split for Momentum<'_, T> {
    fn len(&self) -> usize {
        self.w.len()
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (k, c) = (self.k, self.c);
        let (w1, w2) = self.w.split_at_mut(mid);
        let (v1, v2) = self.velocity.split_at_mut(mid);
        let (g1, g2) = self.grad.split_at(mid);
        let a = Momentum {
            k,
            c,
            w: w1,
            velocity: v1,
            grad: g1,
        };
        let b = Momentum {
            k,
            c,
            w: w2,
            velocity: v2,
            grad: g2,
        };
        (a, b)
    }
}

impl<T: Float> Kernel for Momentum<'_, T> {
    type T = T;
    type Output = ();
    /// Pieces of the buffers on the threads (element-wise).
    fn parallel(self) -> Result<(), Self> {
        let budget = self.k.budget();
        let grain = self.k.task_bytes / (3 * core::mem::size_of::<T>());
        if budget <= 1 || self.w.len() < 2 * grain {
            return Err(self);
        }
        let op = Momentum {
            k: self.k.seq(),
            ..self
        };
        par::pieces(op, budget, grain, &|op| T::run_float::<MomentumF>(op));
        Ok(())
    }
    #[inline(always)]
    fn scalar(self) {
        crate::scalar::optim::momentum(&self.c, self.w, self.velocity, self.grad)
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) {
        crate::kernels::optim::momentum(s, &self.c, self.w, self.velocity, self.grad)
    }
}

float_family!(
    /// `momentum_step`.
    MomentumF<T>: Momentum => ()
);

/// One `adam_step` call (checked; constants computed).
pub(crate) struct Adam<'a, T> {
    k: Kernels,
    c: AdamConsts<T>,
    w: &'a mut [T],
    m: &'a mut [T],
    v: &'a mut [T],
    v_max: Option<&'a mut [T]>,
    grad: &'a [T],
}

impl<T: Float> Split for Adam<'_, T> {
    fn len(&self) -> usize {
        self.w.len()
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (k, c) = (self.k, self.c);
        let (w1, w2) = self.w.split_at_mut(mid);
        let (m1, m2) = self.m.split_at_mut(mid);
        let (v1, v2) = self.v.split_at_mut(mid);
        let (g1, g2) = self.grad.split_at(mid);
        let (x1, x2) = match self.v_max {
            Some(x) => {
                let (a, b) = x.split_at_mut(mid);
                (Some(a), Some(b))
            }
            None => (None, None),
        };
        let a = Adam {
            k,
            c,
            w: w1,
            m: m1,
            v: v1,
            v_max: x1,
            grad: g1,
        };
        let b = Adam {
            k,
            c,
            w: w2,
            m: m2,
            v: v2,
            v_max: x2,
            grad: g2,
        };
        (a, b)
    }
}

impl<T: Float> Kernel for Adam<'_, T> {
    type T = T;
    type Output = ();
    /// Pieces of the buffers on the threads (element-wise).
    fn parallel(self) -> Result<(), Self> {
        let budget = self.k.budget();
        // A square root and a division per element: a quarter of the
        // streaming grain pays for a thread.
        let grain = self.k.task_bytes / (16 * core::mem::size_of::<T>());
        if budget <= 1 || self.w.len() < 2 * grain {
            return Err(self);
        }
        let op = Adam {
            k: self.k.seq(),
            ..self
        };
        par::pieces(op, budget, grain, &|op| T::run_float::<AdamF>(op));
        Ok(())
    }
    #[inline(always)]
    fn scalar(self) {
        let c = &self.c;
        crate::scalar::optim::adam(c, self.w, self.m, self.v, self.v_max, self.grad)
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) {
        let c = &self.c;
        crate::kernels::optim::adam(s, c, self.w, self.m, self.v, self.v_max, self.grad)
    }
}

float_family!(
    /// `adam_step`.
    AdamF<T>: Adam => ()
);

impl Kernels {
    /// One step of plain SGD, in place:
    /// `w[j] -= lr * (grad[j] + weight_decay * w[j])`, in the
    /// [contract's order](crate::contract#optimizer-steps-sgd-momentum-adam)
    /// (two FMAs per element; the weight-decay FMA only when it is non-zero).
    /// Bit-identical on every backend.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `grad.len() != w.len()`;
    /// [`Error::InvalidParameter`] for a negative or non-finite `lr` or
    /// `weight_decay`. Nothing is written on error.
    ///
    /// # Accuracy
    /// Per step, against the exact formula,
    /// `|w' - w*| <= γ(4) * (|w| + lr * (|grad| + weight_decay * |w|)) + 4η(1 + lr)`,
    /// `γ(k) = k*u / (1 - k*u)`, `η` the smallest subnormal (no overflow).
    #[inline]
    pub fn sgd_step<T: Float>(self, w: &mut [T], grad: &[T], p: SgdParams) -> Result<(), Error> {
        same_len("sgd_step", ("w", w.len()), ("grad", grad.len()))?;
        p.validate::<T>()?;
        let c = SgdConsts::<T>::new(&p);
        T::run_float::<SgdF>(Sgd {
            k: self,
            c,
            w,
            grad,
        });
        Ok(())
    }

    /// One step of SGD with momentum (PyTorch's conventions), in place:
    /// `g = grad + weight_decay * w`; at `step == 1` `velocity = g` (its old
    /// contents are not read); later `velocity = momentum * velocity +
    /// (1 - dampening) * g`; then `w -= lr * (g + momentum * velocity)` with
    /// `nesterov`, else `w -= lr * velocity`. Order and FMAs: see the
    /// [contract](crate::contract#optimizer-steps-sgd-momentum-adam).
    /// Bit-identical on every backend.
    ///
    /// ```
    /// use dotgrad::MomentumParams;
    /// let p = MomentumParams { lr: 0.5, momentum: 0.5, ..Default::default() };
    /// let (mut w, mut vel) = ([1.0f32, 2.0], [0.0f32; 2]);
    /// dotgrad::momentum_step(&mut w, &mut vel, &[1.0, -1.0], p, 1).unwrap();
    /// assert_eq!((w, vel), ([0.5, 2.5], [1.0, -1.0]));
    /// dotgrad::momentum_step(&mut w, &mut vel, &[1.0, -1.0], p, 2).unwrap();
    /// assert_eq!((w, vel), ([-0.25, 3.25], [1.5, -1.5]));
    /// ```
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `velocity` or `grad` is not as long as
    /// `w`; [`Error::InvalidParameter`] for a negative or non-finite `lr` or
    /// `weight_decay`, `momentum` or `dampening` outside `[0, 1]`, `nesterov`
    /// with `momentum == 0` or `dampening != 0`, and `step == 0`. Nothing is
    /// written on error.
    ///
    /// # Accuracy
    /// Per step (contract notation): `|velocity' - exact| <= γ(6) * B + 6η`
    /// and `|w' - exact| <= γ(10) * (|w| + lr * D) + 10η(1 + lr)`.
    #[inline]
    pub fn momentum_step<T: Float>(
        self,
        w: &mut [T],
        velocity: &mut [T],
        grad: &[T],
        p: MomentumParams,
        step: u64,
    ) -> Result<(), Error> {
        const OP: &str = "momentum_step";
        same_len(OP, ("w", w.len()), ("velocity", velocity.len()))?;
        same_len(OP, ("w", w.len()), ("grad", grad.len()))?;
        p.validate::<T>()?;
        check_step(OP, step)?;
        let c = MomentumConsts::<T>::new(&p, step);
        T::run_float::<MomentumF>(Momentum {
            k: self,
            c,
            w,
            velocity,
            grad,
        });
        Ok(())
    }

    /// One step of Adam, AdamW (`p.decoupled_weight_decay`) or AMSGrad
    /// (`p.amsgrad`, with the `v_max` buffer), in place, following PyTorch's
    /// documented algorithm: `m = β1 m + (1-β1) g`, `v = β2 v + (1-β2) g²`,
    /// `w -= lr * m̂ / (sqrt(v̂) + eps)` with the bias corrections
    /// `m̂ = m / (1 - β1^step)`, `v̂ = v / (1 - β2^step)`. One pass: each
    /// element of `w`, `m`, `v`, `v_max` and `grad` is read once and each
    /// output written once; one correctly rounded square root and one
    /// division per element. The exact order (FMAs, where the bias
    /// corrections enter) is in the
    /// [contract](crate::contract#optimizer-steps-sgd-momentum-adam).
    /// Bit-identical on every backend.
    ///
    /// `m`, `v` (and `v_max`) start at zero, and `step` is 1 on the first
    /// call and grows by one per call.
    ///
    /// ```
    /// use dotgrad::{AdamParams, Kernels};
    /// let k = Kernels::best();
    /// let p = AdamParams { lr: 0.1, ..AdamParams::adamw() };
    /// let mut w = vec![1.0f32; 5];
    /// let (mut m, mut v) = (vec![0.0; 5], vec![0.0; 5]);
    /// for step in 1..=3 {
    ///     let grad: Vec<f32> = w.iter().map(|x| 2.0 * x).collect(); // d/dw of w²
    ///     k.adam_step(&mut w, &mut m, &mut v, None, &grad, p, step).unwrap();
    /// }
    /// assert!(w.iter().all(|&x| x < 0.71 && x > 0.69));
    ///
    /// // AMSGrad keeps a running maximum of `v`.
    /// let p = AdamParams { amsgrad: true, ..AdamParams::adam() };
    /// let mut v_max = vec![0.0f32; 5];
    /// k.adam_step(&mut w, &mut m, &mut v, Some(&mut v_max[..]), &[1.0; 5], p, 4).unwrap();
    /// ```
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `m`, `v`, `grad` or (with `amsgrad`)
    /// `v_max` is not as long as `w`, or `v_max` is `None` with `amsgrad`
    /// (reported as length 0); [`Error::InvalidParameter`] for a negative
    /// or non-finite `lr` or `weight_decay`, `beta1` or `beta2` outside
    /// `[0, 1)`, `eps` not finite and `> 0` (also after rounding to `T`),
    /// `step == 0`, and a `v_max` buffer without `amsgrad` (name
    /// `"amsgrad"`). Nothing is written on error.
    ///
    /// # Accuracy
    /// Per step, against the exact formula: see the contract's bound
    /// (`γ(7)` on `m`, `γ(10)` on `v`, and the stated bound on `w`).
    #[inline]
    #[allow(clippy::too_many_arguments)] // PyTorch's functional `adam` takes the same buffers.
    pub fn adam_step<T: Float>(
        self,
        w: &mut [T],
        m: &mut [T],
        v: &mut [T],
        v_max: Option<&mut [T]>,
        grad: &[T],
        p: AdamParams,
        step: u64,
    ) -> Result<(), Error> {
        const OP: &str = "adam_step";
        let n = w.len();
        same_len(OP, ("w", n), ("m", m.len()))?;
        same_len(OP, ("w", n), ("v", v.len()))?;
        same_len(OP, ("w", n), ("grad", grad.len()))?;
        match (&v_max, p.amsgrad) {
            (Some(x), true) => same_len(OP, ("w", n), ("v_max", x.len()))?,
            (None, true) => same_len(OP, ("w", n), ("v_max", 0))?,
            (Some(_), false) => {
                return Err(invalid(OP, "amsgrad", 0.0, "true when v_max is given"));
            }
            (None, false) => {}
        }
        p.validate::<T>()?;
        check_step(OP, step)?;
        let c = AdamConsts::<T>::new(&p, step);
        T::run_float::<AdamF>(Adam {
            k: self,
            c,
            w,
            m,
            v,
            v_max,
            grad,
        });
        Ok(())
    }
}

/// [`Kernels::sgd_step`] on the automatically chosen backend.
///
/// ```
/// use dotgrad::SgdParams;
/// let mut w = [1.0f64, -2.0];
/// let p = SgdParams { lr: 0.5, weight_decay: 0.0 };
/// dotgrad::sgd_step(&mut w, &[2.0, 2.0], p).unwrap();
/// assert_eq!(w, [0.0, -3.0]);
/// assert!(dotgrad::sgd_step(&mut w, &[1.0], p).is_err());
/// ```
///
/// # Errors
/// As [`Kernels::sgd_step`].
#[inline]
pub fn sgd_step<T: Float>(w: &mut [T], grad: &[T], p: SgdParams) -> Result<(), Error> {
    Kernels::best().sgd_step(w, grad, p)
}

/// [`Kernels::momentum_step`] on the automatically chosen backend.
///
/// ```
/// use dotgrad::MomentumParams;
/// let p = MomentumParams { lr: 0.1, momentum: 0.9, nesterov: true, ..Default::default() };
/// let (mut w, mut vel) = (vec![1.0f32; 3], vec![0.0f32; 3]);
/// for step in 1..=10 {
///     let grad = w.clone(); // d/dw of w²/2
///     dotgrad::momentum_step(&mut w, &mut vel, &grad, p, step).unwrap();
/// }
/// assert!(w[0].abs() < 0.5);
/// ```
///
/// # Errors
/// As [`Kernels::momentum_step`].
#[inline]
pub fn momentum_step<T: Float>(
    w: &mut [T],
    velocity: &mut [T],
    grad: &[T],
    p: MomentumParams,
    step: u64,
) -> Result<(), Error> {
    Kernels::best().momentum_step(w, velocity, grad, p, step)
}

/// [`Kernels::adam_step`] on the automatically chosen backend.
///
/// ```
/// use dotgrad::AdamParams;
/// let mut w = vec![0.5f32; 100];
/// let (mut m, mut v) = (vec![0.0f32; 100], vec![0.0f32; 100]);
/// let grad = vec![1.0f32; 100];
/// dotgrad::adam_step(&mut w, &mut m, &mut v, None, &grad, AdamParams::default(), 1).unwrap();
/// // The first step moves every weight by lr against the gradient's sign.
/// assert!((w[0] - (0.5 - 1e-3)).abs() < 1e-7);
/// ```
///
/// # Errors
/// As [`Kernels::adam_step`].
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn adam_step<T: Float>(
    w: &mut [T],
    m: &mut [T],
    v: &mut [T],
    v_max: Option<&mut [T]>,
    grad: &[T],
    p: AdamParams,
    step: u64,
) -> Result<(), Error> {
    Kernels::best().adam_step(w, m, v, v_max, grad, p, step)
}
