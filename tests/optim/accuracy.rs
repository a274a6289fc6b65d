//! Accuracy: each step against PyTorch's formulas evaluated in f64 from the
//! same inputs, with the contract's per-step bounds, along random
//! trajectories of many steps.

use super::*;

/// The contract's bounds are written with `γ(k) = k*u / (1 - k*u)`. The
/// reference is itself an `f64` evaluation whose operation counts are no
/// larger than the kernel's, so the tests allow both errors: `u` is the
/// element type's unit roundoff plus `f64`'s (a negligible addition for f32;
/// twice the kernel's own error for f64).
struct Bounds {
    u: f64,
    /// The smallest positive subnormal of the element type: what one
    /// operation may lose to underflow (at most half of it, in fact).
    eta: f64,
}

const U64: f64 = 1.0 / 9_007_199_254_740_992.0;

impl Bounds {
    fn new<T: Float>() -> Self {
        Bounds {
            u: T::UNIT_ROUNDOFF + U64,
            eta: if T::W == 64 {
                f64::from(f32::from_bits(1))
            } else {
                f64::from_bits(1)
            },
        }
    }
    fn gamma(&self, k: f64) -> f64 {
        k * self.u / (1.0 - k * self.u)
    }
    /// Relative error of `1 - pow(beta, t)` as the kernel computes it
    /// (`γ₆₄(t) β^t / (1 - β^t) + u₆₄`), doubled for the reference's own.
    fn rho(&self, beta: f64, t: u64) -> f64 {
        let bt = beta.powf(t as f64);
        let tu = t as f64 * U64;
        let g = if tu < 0.5 {
            tu / (1.0 - tu)
        } else {
            f64::INFINITY
        };
        let r = if bt == 0.0 { 0.0 } else { g * bt / (1.0 - bt) };
        2.0 * (r + U64)
    }
}

/// `|got - want| <= bound`, with the values for a failure message.
fn within(got: f64, want: f64, bound: f64) -> Result<(), String> {
    if (got - want).abs() <= bound {
        Ok(())
    } else {
        Err(format!(
            "got {got:e}, want {want:e}: error {:e} > bound {bound:e}",
            (got - want).abs()
        ))
    }
}

/// PyTorch's SGD step in f64, and the contract's bound on `w'`.
fn sgd_reference(p: &SgdParams, b: &Bounds, w: f64, g: f64) -> (f64, f64) {
    let lam = p.weight_decay;
    let gd = if lam != 0.0 { g + lam * w } else { g };
    let big_g = g.abs() + lam * w.abs();
    let bound = b.gamma(4.0) * (w.abs() + p.lr * big_g) + 4.0 * b.eta * (1.0 + p.lr);
    (w - p.lr * gd, bound)
}

/// PyTorch's momentum step in f64: `(w', b')` and their bounds.
fn momentum_reference(
    p: &MomentumParams,
    bd: &Bounds,
    t: u64,
    w: f64,
    b: f64,
    g: f64,
) -> ([f64; 2], [f64; 2]) {
    let (lam, mu, tau) = (p.weight_decay, p.momentum, p.dampening);
    let gd = if lam != 0.0 { g + lam * w } else { g };
    let big_g = g.abs() + lam * w.abs();
    let (b_new, big_b, eb) = if t == 1 {
        (gd, big_g, bd.gamma(2.0) * big_g + 2.0 * bd.eta)
    } else {
        let big_b = mu * b.abs() + (1.0 - tau) * big_g;
        let eb = bd.gamma(6.0) * big_b + 6.0 * bd.eta;
        (mu * b + (1.0 - tau) * gd, big_b, eb)
    };
    let (d, big_d) = if p.nesterov {
        (gd + mu * b_new, mu * big_b + big_g)
    } else {
        (b_new, big_b)
    };
    let w_new = w - p.lr * d;
    (
        [w_new, b_new],
        [
            bd.gamma(10.0) * (w.abs() + p.lr * big_d) + 10.0 * bd.eta * (1.0 + p.lr),
            eb,
        ],
    )
}

/// PyTorch's Adam/AdamW/AMSGrad step in f64: `(w', m', v', v_max')` and
/// their bounds.
fn adam_reference(
    p: &AdamParams,
    bd: &Bounds,
    t: u64,
    [w, m, v, vmax, g]: [f64; 5],
) -> ([f64; 4], [f64; 4]) {
    let (lam, b1, b2) = (p.weight_decay, p.beta1, p.beta2);
    let (bc1, bc2) = (1.0 - b1.powf(t as f64), 1.0 - b2.powf(t as f64));
    let (mut x, mut gd, mut big_g, mut e_x) = (w, g, g.abs(), 0.0);
    if lam != 0.0 {
        if p.decoupled_weight_decay {
            x = w * (1.0 - p.lr * lam);
            e_x = bd.gamma(4.0) * (1.0 + p.lr * lam) * w.abs() + 4.0 * bd.eta;
        } else {
            gd = g + lam * w;
            big_g = g.abs() + lam * w.abs();
        }
    }
    let m_new = b1 * m + (1.0 - b1) * gd;
    let v_new = b2 * v + (1.0 - b2) * gd * gd;
    let e_m = bd.gamma(7.0) * (b1 * m.abs() + (1.0 - b1) * big_g) + 7.0 * bd.eta;
    let e_v = bd.gamma(10.0) * (b2 * v.abs() + (1.0 - b2) * big_g * big_g) + 10.0 * bd.eta;
    let s = if p.amsgrad { vmax.max(v_new) } else { v_new };
    let m_hat = m_new / bc1;
    let v_hat = s / bc2;
    let den = v_hat.sqrt() + p.eps;
    let w_new = x - p.lr * m_hat / den;
    // The constants' relative errors, and the denominator's: the error
    // E_s = e_v of `s` moves its root by at most min(sqrt(E_s), E_s/sqrt(s)).
    let alpha = p.lr / bc1;
    let rho_a = bd.rho(b1, t) + U64 + bd.u;
    let rho_r = bd.rho(b2, t) / 2.0 + 2.0 * U64 + bd.u;
    let r = 1.0 / bc2.sqrt();
    let e_sqrt = if s > 0.0 {
        e_v.sqrt().min(e_v / s.sqrt())
    } else {
        e_v.sqrt()
    };
    let theta0 = bd.gamma(3.0) + rho_r * (1.0 + bd.gamma(2.0));
    let theta = r * e_sqrt * (1.0 + theta0) / den + theta0;
    let q = m_new / den;
    let e_w = if theta < 1.0 {
        bd.u * w_new.abs()
            + alpha
                * ((e_m + m_new.abs() * theta) / (den * (1.0 - theta)) + rho_a * q.abs() + bd.eta)
                * (1.0 + bd.gamma(2.0))
            + e_x
            + 2.0 * bd.eta
    } else {
        f64::INFINITY
    };
    let vmax_new = if p.amsgrad { s } else { vmax };
    ([w_new, m_new, v_new, vmax_new], [e_w, e_m, e_v, e_v])
}

/// A trajectory: start state, gradients drawn each step as
/// `kappa * w + noise`, and hyper-parameters in ordinary ranges (so that no
/// intermediate overflows or is subnormal, the bounds' assumption).
#[derive(Clone)]
struct Trajectory<T> {
    w: Vec<T>,
    noise: Vec<Vec<T>>,
    kappa: f64,
    sgd: SgdParams,
    mom: MomentumParams,
    adam: AdamParams,
    t0: u64,
}

impl<T: Float> std::fmt::Debug for Trajectory<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let head = |x: &[T]| x.iter().take(4).copied().collect::<Vec<T>>();
        write!(
            f,
            "n={} steps={} t0={} kappa={} w[..4]={:?} noise[0][..4]={:?}\n  {:?}\n  {:?}\n  {:?}",
            self.w.len(),
            self.noise.len(),
            self.t0,
            self.kappa,
            head(&self.w),
            head(&self.noise[0]),
            self.sgd,
            self.mom,
            self.adam
        )
    }
}

impl<T: TestFloat> Arbitrary for Trajectory<T> {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = 1 + usize::arbitrary(g) % (3 * T::W + 2);
        let steps = 1 + usize::arbitrary(g) % 48;
        let w = (0..n).map(|_| value(g, Mix::Plain)).collect();
        let noise = (0..steps)
            .map(|_| (0..n).map(|_| value(g, Mix::Plain)).collect())
            .collect();
        let lr = if u8::arbitrary(g) % 8 == 0 {
            0.0
        } else {
            log_uniform(g, -12.0, 0.0)
        };
        let wd = if bool::arbitrary(g) {
            0.0
        } else {
            log_uniform(g, -10.0, -1.0)
        };
        let r = unit(g) * 0.9999;
        let beta = |g: &mut Gen| pick(g, &[0.0, 0.5, 0.9, 0.99, 0.999, r]);
        let adam = AdamParams {
            lr,
            beta1: beta(g),
            beta2: beta(g),
            eps: log_uniform(g, -30.0, -3.0),
            weight_decay: wd,
            amsgrad: bool::arbitrary(g),
            decoupled_weight_decay: bool::arbitrary(g),
        };
        let small = 1 + u64::arbitrary(g) % 1000;
        let big = 1 + u64::arbitrary(g) % 1_000_000;
        Trajectory {
            w,
            noise,
            kappa: 2.0 * unit(g),
            sgd: SgdParams {
                lr,
                weight_decay: wd,
            },
            mom: momentum_params(g, lr, wd),
            adam,
            t0: pick(g, &[1, 1, small, big]),
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        let mut out = Vec::new();
        if self.noise.len() > 1 {
            let mut s = self.clone();
            s.noise.truncate(self.noise.len() / 2);
            out.push(s);
        }
        if self.w.len() > 1 {
            let mut s = self.clone();
            let keep = self.w.len() / 2;
            s.w.truncate(keep);
            s.noise.iter_mut().for_each(|x| x.truncate(keep));
            out.push(s);
        }
        Box::new(out.into_iter())
    }
}

fn f(x: impl Float) -> f64 {
    x.to_f64()
}

/// Runs the trajectory on the best backend, checking every output of every
/// step; returns the first violation.
fn trajectory_within_bound<T: TestFloat>(kernel: Kernel, tr: &Trajectory<T>) -> Result<(), String> {
    let k = Kernels::best();
    let bd = Bounds::new::<T>();
    let n = tr.w.len();
    let mut w = tr.w.clone();
    let (mut s1, mut s2, mut s3) = (vec![T::ZERO; n], vec![T::ZERO; n], vec![T::ZERO; n]);
    for (i, noise) in tr.noise.iter().enumerate() {
        let t = tr.t0 + i as u64;
        let kappa = T::from_f64(tr.kappa);
        let g: Vec<T> = w.iter().zip(noise).map(|(&x, &e)| kappa * x + e).collect();
        let (w0, a0, b0, c0) = (w.clone(), s1.clone(), s2.clone(), s3.clone());
        match kernel {
            Kernel::Sgd => {
                k.sgd_step(&mut w, &g, tr.sgd).unwrap();
                for j in 0..n {
                    let (want, bound) = sgd_reference(&tr.sgd, &bd, f(w0[j]), f(g[j]));
                    within(f(w[j]), want, bound).map_err(|e| format!("t={t} j={j} w: {e}"))?;
                }
            }
            Kernel::Momentum => {
                // The first step of a trajectory starting at t0 > 1 uses a
                // zero velocity, as a restarted run would.
                k.momentum_step(&mut w, &mut s1, &g, tr.mom, t).unwrap();
                for j in 0..n {
                    let (want, bound) =
                        momentum_reference(&tr.mom, &bd, t, f(w0[j]), f(a0[j]), f(g[j]));
                    for (o, got) in [f(w[j]), f(s1[j])].into_iter().enumerate() {
                        within(got, want[o], bound[o])
                            .map_err(|e| format!("t={t} j={j} output {o}: {e}"))?;
                    }
                }
            }
            Kernel::Adam => {
                let vmax = tr.adam.amsgrad.then_some(&mut s3[..]);
                k.adam_step(&mut w, &mut s1, &mut s2, vmax, &g, tr.adam, t)
                    .unwrap();
                for j in 0..n {
                    let inputs = [f(w0[j]), f(a0[j]), f(b0[j]), f(c0[j]), f(g[j])];
                    let (want, bound) = adam_reference(&tr.adam, &bd, t, inputs);
                    let got = [f(w[j]), f(s1[j]), f(s2[j]), f(s3[j])];
                    for o in 0..4 {
                        within(got[o], want[o], bound[o])
                            .map_err(|e| format!("t={t} j={j} output {o}: {e}"))?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn within_bound<T: TestFloat>(kernel: Kernel) {
    check(
        |tr: Trajectory<T>| match trajectory_within_bound(kernel, &tr) {
            Ok(()) => true,
            Err(e) => {
                eprintln!("{kernel:?} {}: {e}", T::NAME);
                false
            }
        },
    );
}

#[test]
fn sgd_f32_within_bound() {
    within_bound::<f32>(Kernel::Sgd);
}

#[test]
fn sgd_f64_within_bound() {
    within_bound::<f64>(Kernel::Sgd);
}

#[test]
fn momentum_f32_within_bound() {
    within_bound::<f32>(Kernel::Momentum);
}

#[test]
fn momentum_f64_within_bound() {
    within_bound::<f64>(Kernel::Momentum);
}

#[test]
fn adam_f32_within_bound() {
    within_bound::<f32>(Kernel::Adam);
}

#[test]
fn adam_f64_within_bound() {
    within_bound::<f64>(Kernel::Adam);
}
