//! Training runs: the same parameters, bit for bit, on every backend;
//! and semantics worth pinning down (first steps, decay, AMSGrad's maximum).

use super::*;

/// A small least-squares-like problem: `grad_j = a_j (w_j - c_j) + noise_j(t)`
/// with deterministic noise, computed in `T` by the same scalar code for
/// every backend (so equal weights give equal gradients).
fn problem_grad<T: Float>(w: &[T], t: u64, grad: &mut [T]) {
    for (j, (g, &x)) in grad.iter_mut().zip(w).enumerate() {
        let a = T::from_f64(0.5 + (j % 7) as f64 * 0.25);
        let c = T::from_f64((j % 11) as f64 - 5.0);
        let h = (j as u64 * 2654435761 + t * 40503) % 1000;
        let noise = T::from_f64((h as f64 - 500.0) * 1e-4);
        *g = a * (x - c) + noise;
    }
}

fn loss<T: Float>(w: &[T]) -> f64 {
    w.iter()
        .enumerate()
        .map(|(j, &x)| {
            let a = 0.5 + (j % 7) as f64 * 0.25;
            let c = (j % 11) as f64 - 5.0;
            0.5 * a * (x.to_f64() - c).powi(2)
        })
        .sum()
}

/// 1000 steps of `p`; returns `(w, m, v, v_max)`.
fn adam_run<T: Float>(k: Kernels, p: AdamParams, n: usize) -> [Vec<T>; 4] {
    let mut w: Vec<T> = (0..n).map(|j| T::from_f64((j % 5) as f64 * 0.3)).collect();
    let (mut m, mut v, mut vm) = (vec![T::ZERO; n], vec![T::ZERO; n], vec![T::ZERO; n]);
    let mut g = vec![T::ZERO; n];
    for t in 1..=1000 {
        problem_grad(&w, t, &mut g);
        let vmax = p.amsgrad.then_some(&mut vm[..]);
        k.adam_step(&mut w, &mut m, &mut v, vmax, &g, p, t).unwrap();
    }
    [w, m, v, vm]
}

fn adam_runs_identical<T: TestFloat>() {
    let configs = [
        AdamParams {
            lr: 0.05,
            ..AdamParams::adam()
        },
        AdamParams {
            lr: 0.05,
            weight_decay: 0.01,
            ..AdamParams::adam()
        },
        AdamParams {
            lr: 0.05,
            ..AdamParams::adamw()
        },
        AdamParams {
            lr: 0.05,
            amsgrad: true,
            ..AdamParams::adamw()
        },
    ];
    // 3W + 5 elements: full registers, unrolled steps and a partial tail on
    // every backend.
    let n = 3 * T::W + 5;
    let w0: Vec<T> = (0..n).map(|j| T::from_f64((j % 5) as f64 * 0.3)).collect();
    for p in configs {
        let want = adam_run::<T>(scalar(), p, n);
        assert!(
            loss(&want[0]) < 0.1 * loss(&w0),
            "{p:?}: the run did not train"
        );
        for isa in available() {
            let got = adam_run::<T>(Kernels::new(isa).unwrap(), p, n);
            for (o, (a, b)) in got.iter().zip(&want).enumerate() {
                assert!(same_all(a, b), "{isa} {p:?}: buffer {o} differs");
            }
        }
    }
}

#[test]
fn adam_f32_1000_steps_identical_on_every_backend() {
    adam_runs_identical::<f32>();
}

#[test]
fn adam_f64_1000_steps_identical_on_every_backend() {
    adam_runs_identical::<f64>();
}

#[test]
fn momentum_f32_1000_steps_identical_on_every_backend() {
    let n = 3 * f32::W + 5;
    let p = MomentumParams {
        lr: 0.05,
        momentum: 0.9,
        nesterov: true,
        weight_decay: 1e-3,
        ..Default::default()
    };
    let run = |k: Kernels| {
        let mut w: Vec<f32> = (0..n).map(|j| (j % 5) as f32 * 0.3).collect();
        let (mut b, mut g) = (vec![0.0f32; n], vec![0.0f32; n]);
        for t in 1..=1000 {
            problem_grad(&w, t, &mut g);
            k.momentum_step(&mut w, &mut b, &g, p, t).unwrap();
            k.sgd_step(
                &mut w,
                &g,
                SgdParams {
                    lr: 1e-3,
                    weight_decay: 0.0,
                },
            )
            .unwrap();
        }
        (w, b)
    };
    let want = run(scalar());
    for isa in available() {
        let got = run(Kernels::new(isa).unwrap());
        assert!(
            same_all(&got.0, &want.0) && same_all(&got.1, &want.1),
            "{isa}"
        );
    }
}

#[test]
fn momentum_first_step_ignores_old_velocity() {
    for isa in available() {
        let k = Kernels::new(isa).unwrap();
        let p = MomentumParams {
            lr: 0.5,
            momentum: 0.9,
            dampening: 0.5,
            ..Default::default()
        };
        let mut w = vec![1.0f32; 37];
        let mut b = vec![f32::NAN; 37];
        let g = vec![2.0f32; 37];
        k.momentum_step(&mut w, &mut b, &g, p, 1).unwrap();
        // PyTorch: buf = grad (no dampening on the first step); w -= lr * buf.
        assert!(b.iter().all(|&x| x == 2.0), "{isa} {b:?}");
        assert!(w.iter().all(|&x| x == 0.0), "{isa} {w:?}");
        k.momentum_step(&mut w, &mut b, &g, p, 2).unwrap();
        // buf = 0.9 * 2 + 0.5 * 2 = 2.8; w = 0 - 0.5 * 2.8.
        assert!(b.iter().all(|&x| x == 2.8), "{isa} {b:?}");
        assert!(w.iter().all(|&x| x == -1.4), "{isa} {w:?}");
    }
}

#[test]
fn adam_first_step_moves_by_lr() {
    // With m = v = 0, the first step is lr * g / (|g| + eps'), about lr * sign(g).
    for isa in available() {
        let k = Kernels::new(isa).unwrap();
        let g: Vec<f64> = (0..50).map(|j| (j as f64 - 25.0) * 0.37 + 0.01).collect();
        let mut w = vec![0.0f64; 50];
        let (mut m, mut v) = (vec![0.0; 50], vec![0.0; 50]);
        k.adam_step(&mut w, &mut m, &mut v, None, &g, AdamParams::adam(), 1)
            .unwrap();
        for (x, g) in w.iter().zip(&g) {
            assert!((x + 1e-3 * g.signum()).abs() < 1e-9, "{isa} {x} {g}");
        }
    }
}

#[test]
fn adamw_decays_weights_by_lr_times_weight_decay() {
    // Zero gradient and state: m = 0, so only the decoupled decay acts, and
    // exactly as one multiplication by T(1 - lr * λ).
    for isa in available() {
        let k = Kernels::new(isa).unwrap();
        let p = AdamParams {
            lr: 0.1,
            weight_decay: 0.5,
            ..AdamParams::adamw()
        };
        let mut w: Vec<f32> = (0..70).map(|j| j as f32 - 35.0).collect();
        let w0 = w.clone();
        let (mut m, mut v) = (vec![0.0f32; 70], vec![0.0f32; 70]);
        k.adam_step(&mut w, &mut m, &mut v, None, &[0.0; 70], p, 3)
            .unwrap();
        for (x, x0) in w.iter().zip(&w0) {
            assert_eq!(*x, x0 * 0.95f32, "{isa}");
        }
    }
}

#[test]
fn adam_zero_weight_decay_does_not_touch_gradient() {
    // λ = 0 skips the decay FMA: an infinite weight does not turn the
    // moments into NaN through 0 * inf.
    for isa in available() {
        let k = Kernels::new(isa).unwrap();
        let mut w = vec![f32::INFINITY; 9];
        let (mut m, mut v) = (vec![0.0f32; 9], vec![0.0f32; 9]);
        k.adam_step(
            &mut w,
            &mut m,
            &mut v,
            None,
            &[1.0; 9],
            AdamParams::adam(),
            1,
        )
        .unwrap();
        assert!(m.iter().chain(&v).all(|x| x.is_finite()), "{isa}");
        let mut w = vec![f64::INFINITY; 9];
        let mut b = vec![0.0f64; 9];
        k.momentum_step(&mut w, &mut b, &[-0.0; 9], MomentumParams::default(), 1)
            .unwrap();
        assert!(
            b.iter().all(|x| x.to_bits() == (-0.0f64).to_bits()),
            "{isa}"
        );
    }
}

#[test]
fn amsgrad_keeps_the_running_maximum() {
    for isa in available() {
        let k = Kernels::new(isa).unwrap();
        let p = AdamParams {
            amsgrad: true,
            ..AdamParams::adam()
        };
        let n = 21;
        let mut w = vec![0.0f32; n];
        let (mut m, mut v, mut vm) = (vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]);
        k.adam_step(&mut w, &mut m, &mut v, Some(&mut vm), &vec![10.0; n], p, 1)
            .unwrap();
        let peak = vm.clone();
        assert_eq!(peak, v);
        for t in 2..20 {
            k.adam_step(&mut w, &mut m, &mut v, Some(&mut vm), &vec![0.1; n], p, t)
                .unwrap();
            assert!(v.iter().zip(&peak).all(|(a, b)| a < b), "{isa}: v decays");
            assert!(
                vm.iter().zip(&v).all(|(a, b)| a >= b) && vm.iter().zip(&peak).all(|(a, b)| a >= b),
                "{isa}: v_max is the running maximum"
            );
        }
    }
}

#[test]
fn optim_empty_buffers_are_fine() {
    for isa in available() {
        let k = Kernels::new(isa).unwrap();
        let e: &mut [f32] = &mut [];
        k.sgd_step(e, &[], SgdParams::default()).unwrap();
        k.momentum_step::<f64>(&mut [], &mut [], &[], MomentumParams::default(), 1)
            .unwrap();
        let p = AdamParams {
            amsgrad: true,
            ..AdamParams::default()
        };
        k.adam_step::<f32>(&mut [], &mut [], &mut [], Some(&mut []), &[], p, 1)
            .unwrap();
    }
}
