//! Errors: typed, and nothing is written.

use super::*;

/// The name an error points at: the parameter, or the right-hand buffer of
/// a length mismatch.
fn error_name(e: &Error) -> &'static str {
    match *e {
        Error::InvalidParameter { name, .. } => name,
        Error::LengthMismatch { right, .. } => right.0,
        _ => "?",
    }
}

/// Buffers of distinct, recognisable contents, so that any write shows.
fn sentinel<T: Float>(n: usize, salt: usize) -> Vec<T> {
    (0..n)
        .map(|j| T::from_f64(salt as f64 * 1000.0 + j as f64 + 0.5))
        .collect()
}

fn errors_leave_buffers_untouched<T: TestFloat>() {
    let n = 2 * T::W + 3;
    let f32_only = T::W == 64;
    for isa in available() {
        let k = Kernels::new(isa).unwrap();
        // (sgd params, expected name)
        let mut sgd: Vec<(SgdParams, &str)> = Vec::new();
        for bad in [-1.0, f64::NAN, f64::INFINITY, (-0.0f64).next_down()] {
            let d = SgdParams::default();
            sgd.push((SgdParams { lr: bad, ..d }, "lr"));
            sgd.push((
                SgdParams {
                    weight_decay: bad,
                    ..d
                },
                "weight_decay",
            ));
        }
        if f32_only {
            sgd.push((
                SgdParams {
                    lr: 1e39,
                    ..SgdParams::default()
                },
                "lr",
            ));
        }
        for (p, name) in sgd {
            let (mut w, g) = (sentinel::<T>(n, 1), sentinel::<T>(n, 2));
            let e = k.sgd_step(&mut w, &g, p).unwrap_err();
            assert_eq!(error_name(&e), name, "{isa} {p:?}");
            assert!(same_all(&w, &sentinel::<T>(n, 1)), "{isa} {p:?}");
        }

        // (momentum params, step, velocity length, grad length, expected name)
        let d = MomentumParams {
            momentum: 0.9,
            ..Default::default()
        };
        let mut mom: Vec<(MomentumParams, u64, usize, usize, &str)> = vec![
            (d, 1, n - 1, n, "velocity"),
            (d, 1, n, n + 1, "grad"),
            (d, 0, n, n, "step"),
            (MomentumParams { lr: -1e-3, ..d }, 1, n, n, "lr"),
            (MomentumParams { lr: f64::NAN, ..d }, 1, n, n, "lr"),
            (
                MomentumParams {
                    weight_decay: f64::INFINITY,
                    ..d
                },
                1,
                n,
                n,
                "weight_decay",
            ),
            (
                MomentumParams {
                    momentum: -0.1,
                    ..d
                },
                1,
                n,
                n,
                "momentum",
            ),
            (MomentumParams { momentum: 1.1, ..d }, 1, n, n, "momentum"),
            (
                MomentumParams {
                    momentum: f64::NAN,
                    ..d
                },
                1,
                n,
                n,
                "momentum",
            ),
            (
                MomentumParams {
                    dampening: -0.1,
                    ..d
                },
                1,
                n,
                n,
                "dampening",
            ),
            (
                MomentumParams {
                    dampening: 1.5,
                    ..d
                },
                1,
                n,
                n,
                "dampening",
            ),
            (
                MomentumParams {
                    dampening: f64::NAN,
                    ..d
                },
                1,
                n,
                n,
                "dampening",
            ),
        ];
        let nest = MomentumParams {
            nesterov: true,
            ..d
        };
        mom.push((
            MomentumParams {
                momentum: 0.0,
                ..nest
            },
            2,
            n,
            n,
            "momentum",
        ));
        mom.push((
            MomentumParams {
                dampening: 0.1,
                ..nest
            },
            2,
            n,
            n,
            "dampening",
        ));
        for (p, step, nb, ng, name) in mom {
            let mut w = sentinel::<T>(n, 1);
            let mut b = sentinel::<T>(nb, 3);
            let g = sentinel::<T>(ng, 2);
            let e = k.momentum_step(&mut w, &mut b, &g, p, step).unwrap_err();
            assert_eq!(error_name(&e), name, "{isa} {p:?} step {step}");
            assert!(same_all(&w, &sentinel::<T>(n, 1)), "{isa} {p:?}");
            assert!(same_all(&b, &sentinel::<T>(nb, 3)), "{isa} {p:?}");
        }

        // (adam params, step, [m, v, grad] lengths, v_max length or None, name)
        let a = AdamParams::adam();
        let ams = AdamParams {
            amsgrad: true,
            ..AdamParams::adamw()
        };
        type AdamCase = (AdamParams, u64, [usize; 3], Option<usize>, &'static str);
        let mut adam: Vec<AdamCase> = vec![
            (a, 1, [n - 1, n, n], None, "m"),
            (a, 1, [n, n + 1, n], None, "v"),
            (a, 1, [n, n, 0], None, "grad"),
            (ams, 1, [n, n, n], Some(n - 2), "v_max"),
            (ams, 1, [n, n, n], None, "v_max"),
            (a, 1, [n, n, n], Some(n), "amsgrad"),
            (a, 0, [n, n, n], None, "step"),
            (ams, 0, [n, n, n], Some(n), "step"),
        ];
        for bad in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            adam.push((AdamParams { lr: bad, ..a }, 1, [n; 3], None, "lr"));
            adam.push((
                AdamParams {
                    weight_decay: bad,
                    ..ams
                },
                1,
                [n; 3],
                Some(n),
                "weight_decay",
            ));
        }
        for bad in [
            -0.1,
            1.0,
            1.5,
            f64::NAN,
            f64::INFINITY,
            (-0.0f64).next_down(),
        ] {
            adam.push((AdamParams { beta1: bad, ..a }, 1, [n; 3], None, "beta1"));
            adam.push((AdamParams { beta2: bad, ..a }, 1, [n; 3], None, "beta2"));
        }
        for bad in [0.0, -0.0, -1e-8, f64::NAN, f64::INFINITY] {
            adam.push((AdamParams { eps: bad, ..a }, 1, [n; 3], None, "eps"));
        }
        if f32_only {
            adam.push((AdamParams { eps: 1e-50, ..a }, 1, [n; 3], None, "eps"));
            adam.push((AdamParams { eps: 1e39, ..a }, 1, [n; 3], None, "eps"));
            adam.push((AdamParams { lr: 1e39, ..a }, 1, [n; 3], None, "lr"));
        }
        for (p, step, [nm, nv, ng], nvm, name) in adam {
            let mut w = sentinel::<T>(n, 1);
            let mut m = sentinel::<T>(nm, 3);
            let mut v = sentinel::<T>(nv, 4);
            let mut vm = sentinel::<T>(nvm.unwrap_or(0), 5);
            let g = sentinel::<T>(ng, 2);
            let vmax = nvm.map(|_| &mut vm[..]);
            let e = k
                .adam_step(&mut w, &mut m, &mut v, vmax, &g, p, step)
                .unwrap_err();
            assert_eq!(error_name(&e), name, "{isa} {p:?} step {step}");
            assert!(!e.to_string().is_empty());
            assert!(same_all(&w, &sentinel::<T>(n, 1)), "{isa} {p:?}");
            assert!(same_all(&m, &sentinel::<T>(nm, 3)), "{isa} {p:?}");
            assert!(same_all(&v, &sentinel::<T>(nv, 4)), "{isa} {p:?}");
            assert!(
                same_all(&vm, &sentinel::<T>(nvm.unwrap_or(0), 5)),
                "{isa} {p:?}"
            );
        }
    }
}

#[test]
fn optim_f32_errors_leave_buffers_untouched() {
    errors_leave_buffers_untouched::<f32>();
}

#[test]
fn optim_f64_errors_leave_buffers_untouched() {
    errors_leave_buffers_untouched::<f64>();
}

#[test]
fn optim_error_values_are_reported() {
    let mut w = [1.0f32; 3];
    let e = dotgrad::sgd_step(&mut w, &[1.0; 2], SgdParams::default()).unwrap_err();
    assert_eq!(
        e,
        Error::LengthMismatch {
            op: "sgd_step",
            left: ("w", 3),
            right: ("grad", 2)
        }
    );
    let (mut m, mut v) = ([0.0f32; 3], [0.0f32; 3]);
    let p = AdamParams {
        beta2: 1.0,
        ..AdamParams::adam()
    };
    let e = dotgrad::adam_step(&mut w, &mut m, &mut v, None, &[1.0; 3], p, 1).unwrap_err();
    match e {
        Error::InvalidParameter {
            op, name, value, ..
        } => assert_eq!((op, name, value), ("adam_step", "beta2", 1.0)),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("beta2"), "{e}");
}
