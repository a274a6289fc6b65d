//! Optimizer steps (`sgd_step`, `momentum_step`, `adam_step` with AdamW and
//! AMSGrad): every backend bit-identical to Scalar, the contract's per-step
//! accuracy bounds against an independent `f64` evaluation of PyTorch's
//! formulas along many steps, 1000-step training runs identical on every
//! backend, tails and misalignment, and errors that leave buffers untouched.

mod common;

use common::*;
use dotgrad::{AdamParams, Element, Error, Float, Isa, Kernels, MomentumParams, SgdParams};
use quickcheck::{Arbitrary, Gen};

fn scalar() -> Kernels {
    Kernels::new(Isa::Scalar).unwrap()
}

fn pick<X: Copy>(g: &mut Gen, xs: &[X]) -> X {
    xs[usize::arbitrary(g) % xs.len()]
}

/// Uniform in `[0, 1)`.
fn unit(g: &mut Gen) -> f64 {
    (u64::arbitrary(g) >> 11) as f64 / (1u64 << 53) as f64
}

/// `2^x` for `x` uniform in `[lo, hi)`.
fn log_uniform(g: &mut Gen, lo: f64, hi: f64) -> f64 {
    (lo + unit(g) * (hi - lo)).exp2()
}

// ---------------------------------------------------------------------------
// Hyper-parameters anywhere in their domain, edges included (bit-exact tests).

fn any_lr(g: &mut Gen) -> f64 {
    let r = log_uniform(g, -20.0, 3.0);
    pick(g, &[0.0, 1e-3, 0.1, 1.0, r, r])
}

fn any_beta(g: &mut Gen) -> f64 {
    let r = unit(g);
    pick(
        g,
        &[
            0.0,
            0.5,
            0.9,
            0.999,
            0.9999999,
            1.0 - f64::EPSILON / 2.0,
            r,
            r,
        ],
    )
}

fn any_unit_closed(g: &mut Gen) -> f64 {
    let r = unit(g);
    pick(g, &[0.0, 0.0, 0.5, 0.9, 1.0, r, r])
}

fn any_eps(g: &mut Gen) -> f64 {
    let r = log_uniform(g, -40.0, 0.0);
    pick(g, &[1e-8, 1e-30, 1e-3, 1.0, r])
}

fn any_wd(g: &mut Gen) -> f64 {
    let r = log_uniform(g, -20.0, 0.0);
    pick(g, &[0.0, 0.0, 0.0, 1e-2, 0.5, r])
}

fn any_step(g: &mut Gen) -> u64 {
    let small = 1 + u64::arbitrary(g) % 100;
    let big = 1 + u64::arbitrary(g) % 1_000_000;
    pick(g, &[1, 1, 2, 3, small, big, 1 << 40, u64::MAX])
}

fn momentum_params(g: &mut Gen, lr: f64, wd: f64) -> MomentumParams {
    let momentum = any_unit_closed(g);
    let dampening = any_unit_closed(g);
    let nesterov = momentum > 0.0 && dampening == 0.0 && bool::arbitrary(g);
    MomentumParams {
        lr,
        momentum,
        dampening,
        weight_decay: wd,
        nesterov,
    }
}

/// One generated input for all three kernels: the weights, the gradient,
/// three state buffers (velocity / m, v, v_max), each at its own
/// misalignment, and parameters for each kernel.
#[derive(Clone, Debug)]
struct Case<T> {
    w: Shifted<T>,
    g: Shifted<T>,
    s1: Shifted<T>,
    s2: Shifted<T>,
    s3: Shifted<T>,
    sgd: SgdParams,
    mom: MomentumParams,
    adam: AdamParams,
    step: u64,
}

impl<T: TestFloat> Arbitrary for Case<T> {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = length::<T>(g);
        let (mw, mg) = match u32::arbitrary(g) % 8 {
            0..=2 => (Mix::Plain, Mix::Plain),
            3 | 4 => (Mix::Zeros, Mix::Zeros),
            5 | 6 => (Mix::Special, Mix::Special),
            _ => (Mix::PosTiny, Mix::NegTiny),
        };
        let w = shifted(g, n, mw);
        let grad = shifted(g, n, mg);
        let mut s1: Shifted<T> = shifted(g, n, mw);
        let mut s2: Shifted<T> = shifted(g, n, mw);
        let mut s3: Shifted<T> = shifted(g, n, mw);
        // Second moments are >= 0 in real use; keep them so most of the time.
        if bool::arbitrary(g) {
            for x in s2.data.iter_mut().chain(s3.data.iter_mut()) {
                *x = x.abs_()
            }
        }
        if bool::arbitrary(g) {
            s1.data.iter_mut().for_each(|x| *x = T::ZERO);
        }
        let (lr, wd) = (any_lr(g), any_wd(g));
        let adam = AdamParams {
            lr,
            beta1: any_beta(g),
            beta2: any_beta(g),
            eps: any_eps(g),
            weight_decay: wd,
            amsgrad: bool::arbitrary(g),
            decoupled_weight_decay: bool::arbitrary(g),
        };
        Case {
            w,
            g: grad,
            s1,
            s2,
            s3,
            sgd: SgdParams {
                lr,
                weight_decay: wd,
            },
            mom: momentum_params(g, lr, wd),
            adam,
            step: any_step(g),
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        let n = self.w.slice().len();
        if n == 0 {
            return Box::new(std::iter::empty());
        }
        let keep = n / 2;
        let mut s = self.clone();
        for b in [&mut s.w, &mut s.g, &mut s.s1, &mut s.s2, &mut s.s3] {
            b.data.truncate(b.offset + keep);
        }
        Box::new(std::iter::once(s))
    }
}

trait Abs {
    fn abs_(self) -> Self;
}
impl<T: TestFloat> Abs for T {
    fn abs_(self) -> Self {
        if self < T::ZERO { -self } else { self }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kernel {
    Sgd,
    Momentum,
    Adam,
}

/// Runs one kernel on copies of the case's buffers; returns every buffer
/// the kernel may write (w first).
fn run<T: TestFloat>(k: Kernels, kernel: Kernel, c: &Case<T>) -> Vec<Vec<T>> {
    let mut c = c.clone();
    let g = c.g.slice().to_vec();
    match kernel {
        Kernel::Sgd => {
            k.sgd_step(c.w.slice_mut(), &g, c.sgd).unwrap();
            vec![c.w.slice().to_vec()]
        }
        Kernel::Momentum => {
            k.momentum_step(c.w.slice_mut(), c.s1.slice_mut(), &g, c.mom, c.step)
                .unwrap();
            vec![c.w.slice().to_vec(), c.s1.slice().to_vec()]
        }
        Kernel::Adam => {
            let vmax = c.adam.amsgrad.then_some(c.s3.slice_mut());
            k.adam_step(
                c.w.slice_mut(),
                c.s1.slice_mut(),
                c.s2.slice_mut(),
                vmax,
                &g,
                c.adam,
                c.step,
            )
            .unwrap();
            vec![
                c.w.slice().to_vec(),
                c.s1.slice().to_vec(),
                c.s2.slice().to_vec(),
                c.s3.slice().to_vec(),
            ]
        }
    }
}

fn matches_scalar<T: TestFloat>(kernel: Kernel, isa: Isa) {
    let Some(k) = kernels(isa) else { return };
    check(move |c: Case<T>| {
        let got = run(k, kernel, &c);
        let want = run(scalar(), kernel, &c);
        got.iter().zip(&want).all(|(a, b)| same_all(a, b))
    });
}

/// One test per (kernel, type, backend); a backend this CPU lacks is skipped.
macro_rules! per_isa {
    ($($name:ident => $kernel:expr, $t:ty, $isa:expr;)*) => {$(
        #[test]
        fn $name() {
            matches_scalar::<$t>($kernel, $isa);
        }
    )*};
}

per_isa! {
    sgd_f32_avx2_matches_scalar => Kernel::Sgd, f32, Isa::Avx2;
    sgd_f64_avx2_matches_scalar => Kernel::Sgd, f64, Isa::Avx2;
    sgd_f32_avx512_matches_scalar => Kernel::Sgd, f32, Isa::Avx512;
    sgd_f64_avx512_matches_scalar => Kernel::Sgd, f64, Isa::Avx512;
    sgd_f32_neon_matches_scalar => Kernel::Sgd, f32, Isa::Neon;
    sgd_f64_neon_matches_scalar => Kernel::Sgd, f64, Isa::Neon;
    momentum_f32_avx2_matches_scalar => Kernel::Momentum, f32, Isa::Avx2;
    momentum_f64_avx2_matches_scalar => Kernel::Momentum, f64, Isa::Avx2;
    momentum_f32_avx512_matches_scalar => Kernel::Momentum, f32, Isa::Avx512;
    momentum_f64_avx512_matches_scalar => Kernel::Momentum, f64, Isa::Avx512;
    momentum_f32_neon_matches_scalar => Kernel::Momentum, f32, Isa::Neon;
    momentum_f64_neon_matches_scalar => Kernel::Momentum, f64, Isa::Neon;
    adam_f32_avx2_matches_scalar => Kernel::Adam, f32, Isa::Avx2;
    adam_f64_avx2_matches_scalar => Kernel::Adam, f64, Isa::Avx2;
    adam_f32_avx512_matches_scalar => Kernel::Adam, f32, Isa::Avx512;
    adam_f64_avx512_matches_scalar => Kernel::Adam, f64, Isa::Avx512;
    adam_f32_neon_matches_scalar => Kernel::Adam, f32, Isa::Neon;
    adam_f64_neon_matches_scalar => Kernel::Adam, f64, Isa::Neon;
}

// ---------------------------------------------------------------------------
// Deterministic tails, misalignment and guards past the end.

/// A deterministic value stream with special values sprinkled in.
fn det<T: TestFloat>(i: usize, salt: usize) -> T {
    let h = (i.wrapping_mul(2654435761) ^ salt.wrapping_mul(40503)) % 1009;
    let specials = [
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1e-30,
        -1e-30,
        1e30,
    ];
    if h < specials.len() * 3 && h.is_multiple_of(3) {
        T::from_f64(specials[h / 3])
    } else {
        T::from_f64((h as f64 - 500.0) * 0.013)
    }
}

fn tails<T: TestFloat>() {
    let w = T::W;
    let mut lengths: Vec<usize> = (0..=3 * w + 1).collect();
    lengths.extend([4 * w + 3, 8 * w + 2, T::E - 1, T::E, T::E + 1, 2 * T::E + 5]);
    let adams = [
        AdamParams::adam(),
        AdamParams::adamw(),
        AdamParams {
            amsgrad: true,
            weight_decay: 0.1,
            ..AdamParams::adam()
        },
        AdamParams {
            amsgrad: true,
            lr: 0.5,
            ..AdamParams::adamw()
        },
    ];
    let moms = [
        MomentumParams {
            momentum: 0.9,
            ..Default::default()
        },
        MomentumParams {
            lr: 0.1,
            momentum: 0.5,
            nesterov: true,
            weight_decay: 0.01,
            ..Default::default()
        },
        MomentumParams {
            momentum: 0.9,
            dampening: 0.3,
            ..Default::default()
        },
    ];
    let guard = T::from_f64(-7.25);
    for &n in &lengths {
        for off in 0..4 {
            let buf = |salt: usize| -> Vec<T> {
                let mut v = vec![guard; off];
                v.extend((0..n).map(|i| det::<T>(i, salt)));
                v.extend([guard; 5]);
                v
            };
            let (w0, g0, a0, b0, c0) = (buf(1), buf(2), buf(3), buf(4), buf(5));
            let r = off..off + n;
            let mut b0 = b0;
            b0[r.clone()].iter_mut().for_each(|x| *x = x.abs_());
            for isa in available() {
                let k = Kernels::new(isa).unwrap();
                let mut outs: Vec<Vec<Vec<T>>> = Vec::new();
                for kk in [k, scalar()] {
                    let mut o = Vec::new();
                    for wd in [0.0, 0.01] {
                        let mut ww = w0.clone();
                        let p = SgdParams {
                            lr: 0.1,
                            weight_decay: wd,
                        };
                        kk.sgd_step(&mut ww[r.clone()], &g0[r.clone()], p).unwrap();
                        o.push(ww);
                    }
                    for p in moms {
                        for step in [1, 2] {
                            let (mut ww, mut aa) = (w0.clone(), a0.clone());
                            kk.momentum_step(
                                &mut ww[r.clone()],
                                &mut aa[r.clone()],
                                &g0[r.clone()],
                                p,
                                step,
                            )
                            .unwrap();
                            o.extend([ww, aa]);
                        }
                    }
                    for p in adams {
                        let (mut ww, mut aa, mut bb, mut cc) =
                            (w0.clone(), a0.clone(), b0.clone(), c0.clone());
                        let vmax = p.amsgrad.then_some(&mut cc[r.clone()]);
                        kk.adam_step(
                            &mut ww[r.clone()],
                            &mut aa[r.clone()],
                            &mut bb[r.clone()],
                            vmax,
                            &g0[r.clone()],
                            p,
                            7,
                        )
                        .unwrap();
                        o.extend([ww, aa, bb, cc]);
                    }
                    outs.push(o);
                }
                for (i, (a, b)) in outs[0].iter().zip(&outs[1]).enumerate() {
                    assert!(same_all(a, b), "{isa} n={n} off={off} output {i}");
                    // Nothing outside the slices is touched.
                    assert!(a[..off].iter().all(|&x| same(x, guard)), "{isa} n={n}");
                    assert!(a[off + n..].iter().all(|&x| same(x, guard)), "{isa} n={n}");
                }
            }
        }
    }
}

#[test]
fn optim_f32_tail_lengths_and_offsets() {
    tails::<f32>();
}

#[test]
fn optim_f64_tail_lengths_and_offsets() {
    tails::<f64>();
}

#[path = "optim/accuracy.rs"]
mod accuracy;
#[path = "optim/errors.rs"]
mod errors;
#[path = "optim/runs.rs"]
mod runs;
