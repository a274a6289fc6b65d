//! The training kernels (`gemv`, `gemv_t`, `linear_gradient`,
//! `logistic_gradient`, `sigmoid`): every backend bit-identical to Scalar,
//! shape errors, edge cases, and training runs that end at the same weights
//! on every backend. `tests/train_reference.rs` holds the checks against
//! references (the contract re-read, the f64 accuracy bounds).
//!
//! Case counts: the `gemv`/`gemv_t`/`sigmoid` bit-exact properties run
//! `DOTGRAD_QC_TESTS` cases (10,000 by default); the gradient properties,
//! whose cases are larger (up to ~1900 rows), a fifth of that (2,000).

mod common;

use common::*;
use dotgrad::{Error, Isa, Kernels, Matrix};
use quickcheck::Arbitrary;

/// Cases for the gradient properties: a fifth of [`qc_tests`], at least 1.
fn heavy_tests() -> u64 {
    (qc_tests() / 5).max(1)
}

/// [`check`] with [`heavy_tests`] cases.
fn check_heavy<A: Arbitrary + std::fmt::Debug>(prop: impl Fn(A) -> bool) {
    check_n(heavy_tests(), prop)
}

// ---- Every backend bit-identical to Scalar ----

fn gemv_matches<T: TestFloat>(isa: Isa) {
    let Some(k) = kernels(isa) else { return };
    check(move |Mat(c): Mat<T>| same_all(&run_gemv(k, &c), &run_gemv(scalar(), &c)));
}

fn gemv_t_matches<T: TestFloat>(isa: Isa) {
    let Some(k) = kernels(isa) else { return };
    check(move |Mat(c): Mat<T>| same_all(&run_gemv_t(k, &c), &run_gemv_t(scalar(), &c)));
}

fn gradient_matches<T: TestFloat>(isa: Isa, model: Model) {
    let Some(k) = kernels(isa) else { return };
    check_heavy(move |Labeled(c): Labeled<T>| {
        same_gradient(
            &run_gradient(k, model, &c),
            &run_gradient(scalar(), model, &c),
        )
    });
}

/// Inputs for the sigmoid: every kind of value, with logits in the range
/// where the polynomial decides the bits and where the result is subnormal.
fn sigmoid_matches<T: TestFloat>(isa: Isa) {
    let Some(k) = kernels(isa) else { return };
    check(move |Logits(z): Logits<T>| {
        let mut a = z.slice().to_vec();
        let mut b = a.clone();
        k.sigmoid(&mut a);
        scalar().sigmoid(&mut b);
        same_all(&a, &b)
    });
}

/// One test per (kernel, type, backend); a backend this CPU lacks is skipped.
macro_rules! per_isa {
    ($($name:ident => $body:expr;)*) => {$(
        #[test]
        fn $name() {
            $body;
        }
    )*};
}

per_isa! {
    gemv_f32_avx2_matches_scalar => gemv_matches::<f32>(Isa::Avx2);
    gemv_f64_avx2_matches_scalar => gemv_matches::<f64>(Isa::Avx2);
    gemv_f32_avx512_matches_scalar => gemv_matches::<f32>(Isa::Avx512);
    gemv_f64_avx512_matches_scalar => gemv_matches::<f64>(Isa::Avx512);
    gemv_f32_neon_matches_scalar => gemv_matches::<f32>(Isa::Neon);
    gemv_f64_neon_matches_scalar => gemv_matches::<f64>(Isa::Neon);

    gemv_t_f32_avx2_matches_scalar => gemv_t_matches::<f32>(Isa::Avx2);
    gemv_t_f64_avx2_matches_scalar => gemv_t_matches::<f64>(Isa::Avx2);
    gemv_t_f32_avx512_matches_scalar => gemv_t_matches::<f32>(Isa::Avx512);
    gemv_t_f64_avx512_matches_scalar => gemv_t_matches::<f64>(Isa::Avx512);
    gemv_t_f32_neon_matches_scalar => gemv_t_matches::<f32>(Isa::Neon);
    gemv_t_f64_neon_matches_scalar => gemv_t_matches::<f64>(Isa::Neon);

    linear_gradient_f32_avx2_matches_scalar => gradient_matches::<f32>(Isa::Avx2, Model::Linear);
    linear_gradient_f64_avx2_matches_scalar => gradient_matches::<f64>(Isa::Avx2, Model::Linear);
    linear_gradient_f32_avx512_matches_scalar => gradient_matches::<f32>(Isa::Avx512, Model::Linear);
    linear_gradient_f64_avx512_matches_scalar => gradient_matches::<f64>(Isa::Avx512, Model::Linear);
    linear_gradient_f32_neon_matches_scalar => gradient_matches::<f32>(Isa::Neon, Model::Linear);
    linear_gradient_f64_neon_matches_scalar => gradient_matches::<f64>(Isa::Neon, Model::Linear);

    logistic_gradient_f32_avx2_matches_scalar => gradient_matches::<f32>(Isa::Avx2, Model::Logistic);
    logistic_gradient_f64_avx2_matches_scalar => gradient_matches::<f64>(Isa::Avx2, Model::Logistic);
    logistic_gradient_f32_avx512_matches_scalar => gradient_matches::<f32>(Isa::Avx512, Model::Logistic);
    logistic_gradient_f64_avx512_matches_scalar => gradient_matches::<f64>(Isa::Avx512, Model::Logistic);
    logistic_gradient_f32_neon_matches_scalar => gradient_matches::<f32>(Isa::Neon, Model::Logistic);
    logistic_gradient_f64_neon_matches_scalar => gradient_matches::<f64>(Isa::Neon, Model::Logistic);

    sigmoid_f32_avx2_matches_scalar => sigmoid_matches::<f32>(Isa::Avx2);
    sigmoid_f64_avx2_matches_scalar => sigmoid_matches::<f64>(Isa::Avx2);
    sigmoid_f32_avx512_matches_scalar => sigmoid_matches::<f32>(Isa::Avx512);
    sigmoid_f64_avx512_matches_scalar => sigmoid_matches::<f64>(Isa::Avx512);
    sigmoid_f32_neon_matches_scalar => sigmoid_matches::<f32>(Isa::Neon);
    sigmoid_f64_neon_matches_scalar => sigmoid_matches::<f64>(Isa::Neon);
}

// ---- Shapes: typed errors, nothing written ----

fn for_every_isa(f: impl Fn(Kernels)) {
    for isa in available() {
        f(Kernels::new(isa).unwrap());
    }
}

fn shape_err(op: &'static str, what: &'static str, expected: usize, found: usize) -> Error {
    Error::Shape {
        op,
        what,
        expected,
        found,
    }
}

#[test]
fn matrix_new_checks_stride_and_length() {
    let d = [0.0f32; 10];
    assert!(Matrix::new(&d, 2, 3, 5).is_ok()); // needs 5 + 3 = 8
    assert!(Matrix::new(&d, 3, 0, 0).is_ok());
    assert!(Matrix::new(&d, 0, 7, 7).is_ok());
    assert_eq!(
        Matrix::new(&d, 2, 4, 3).unwrap_err(),
        shape_err("Matrix::new", "row stride shorter than a row", 4, 3)
    );
    assert_eq!(
        Matrix::new(&d, 3, 3, 4).unwrap_err(),
        shape_err("Matrix::new", "data shorter than the matrix", 11, 10)
    );
    assert_eq!(
        Matrix::new(&d, usize::MAX, 2, usize::MAX).unwrap_err(),
        shape_err(
            "Matrix::new",
            "data shorter than the matrix",
            usize::MAX,
            10
        )
    );
    assert_eq!(
        Matrix::from_rows(&d, 4, 3).unwrap_err(),
        shape_err("Matrix::new", "data shorter than the matrix", 12, 10)
    );
    let x = Matrix::new(&d, 2, 3, 5).unwrap();
    assert_eq!((x.rows(), x.cols(), x.stride()), (2, 3, 5));
    assert_eq!(x.row(1).len(), 3);
    let msg = Matrix::new(&d, 2, 4, 3).unwrap_err().to_string();
    assert!(
        msg.contains("stride") && msg.contains('4') && msg.contains('3'),
        "{msg}"
    );
}

#[test]
#[should_panic(expected = "row 2 of a matrix with 2 rows")]
fn matrix_row_out_of_range_panics() {
    let d = [0.0f64; 6];
    Matrix::from_rows(&d, 2, 3).unwrap().row(2);
}

#[test]
fn shape_errors_write_nothing() {
    let d: Vec<f32> = (0..12).map(|i| i as f32).collect();
    let x = Matrix::from_rows(&d, 4, 3).unwrap();
    let sentinel = -7.5f32;
    for_every_isa(|k| {
        let mut out = vec![sentinel; 4];
        assert_eq!(
            k.gemv(x, &[1.0; 2], 0.0, &mut out).unwrap_err(),
            shape_err("gemv", "length of `w` vs columns of `x`", 3, 2)
        );
        let mut out5 = vec![sentinel; 5];
        assert_eq!(
            k.gemv(x, &[1.0; 3], 0.0, &mut out5).unwrap_err(),
            shape_err("gemv", "length of `out` vs rows of `x`", 4, 5)
        );
        assert_eq!(
            k.gemv_t(x, &[1.0; 3], &mut out).unwrap_err(),
            shape_err("gemv_t", "length of `v` vs rows of `x`", 4, 3)
        );
        assert_eq!(
            k.gemv_t(x, &[1.0; 4], &mut out).unwrap_err(),
            shape_err("gemv_t", "length of `out` vs columns of `x`", 3, 4)
        );
        assert!(out.iter().chain(&out5).all(|&v| v == sentinel));

        for op in ["linear_gradient", "logistic_gradient"] {
            let run = |x: Matrix<'_, f32>, y: &[f32], w: &[f32], gw: &mut [f32]| {
                if op == "linear_gradient" {
                    k.linear_gradient(x, y, w, 0.0, gw)
                } else {
                    k.logistic_gradient(x, y, w, 0.0, gw)
                }
            };
            let mut gw = vec![sentinel; 3];
            assert_eq!(
                run(x, &[0.0; 5], &[0.0; 3], &mut gw).unwrap_err(),
                shape_err(op, "length of `y` vs rows of `x`", 4, 5)
            );
            assert_eq!(
                run(x, &[0.0; 4], &[0.0; 4], &mut gw).unwrap_err(),
                shape_err(op, "length of `w` vs columns of `x`", 3, 4)
            );
            let mut gw2 = vec![sentinel; 2];
            assert_eq!(
                run(x, &[0.0; 4], &[0.0; 3], &mut gw2).unwrap_err(),
                shape_err(op, "length of `grad_w` vs columns of `x`", 3, 2)
            );
            let empty = Matrix::from_rows(&d, 0, 3).unwrap();
            assert_eq!(
                run(empty, &[], &[0.0; 3], &mut gw).unwrap_err(),
                shape_err(op, "rows of `x` (the mean needs at least one)", 1, 0)
            );
            assert!(gw.iter().chain(&gw2).all(|&v| v == sentinel));
        }
    });
    // The message names the operation and both sizes.
    let msg = dotgrad::gemv(x, &[1.0f32; 2], 0.0, &mut [0.0; 4])
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("gemv") && msg.contains('3') && msg.contains('2'),
        "{msg}"
    );
}

// ---- Edge cases ----

#[test]
fn empty_shapes() {
    for_every_isa(|k| {
        // No rows: gemv writes nothing, gemv_t gives +0.0.
        let x = Matrix::<f32>::from_rows(&[], 0, 3).unwrap();
        k.gemv(x, &[1.0; 3], 1.0, &mut []).unwrap();
        let mut out = [5.0f32; 3];
        k.gemv_t(x, &[], &mut out).unwrap();
        assert!(out.iter().all(|v| v.to_bits() == 0));
        // No columns: gemv gives b (the empty dot is +0.0), the gradients an
        // empty grad_w and the residuals' mean.
        let x = Matrix::<f64>::new(&[], 3, 0, 0).unwrap();
        let mut out = [0.0f64; 3];
        k.gemv(x, &[], -2.5, &mut out).unwrap();
        assert_eq!(out, [-2.5; 3]);
        let g = k
            .linear_gradient(x, &[1.0, 2.0, 3.0], &[], 0.5, &mut [])
            .unwrap();
        assert_eq!(g.grad_b, -1.5);
        assert_eq!(g.loss, (0.25 + 2.25 + 6.25) / 6.0);
    });
}

/// Every row length around the short-row path's limit (32 f32 on AVX2,
/// 64 on AVX-512, 16 on NEON; half that in f64), the one-stripe path's,
/// and around W and 2W, with -0.0 products in every lane (`neg * tiny`
/// underflows to -0.0, `pos * tiny` to +0.0), on every backend.
fn row_boundaries<T: TestFloat>(neg: f64, pos: f64, tiny: f64) {
    let (neg, pos, tiny) = (T::from_f64(neg), T::from_f64(pos), T::from_f64(tiny));
    for n in (0..=3 * T::W + 1).chain([T::E - 1, T::E, T::E + 1]) {
        for m in [1usize, 3, 4, 5, 17, 257] {
            let xs: Vec<T> = (0..m * n)
                .map(|i| if i % 3 == 0 { neg } else { pos })
                .collect();
            let x = Matrix::from_rows(&xs, m, n).unwrap();
            let w = vec![tiny; n];
            let y: Vec<T> = (0..m).map(|i| T::from_f64((i % 2) as f64)).collect();
            let c = MatCase {
                data: xs.clone(),
                offset: 0,
                rows: m,
                cols: n,
                stride: n,
                w: Shifted { data: w, offset: 0 },
                v: Shifted { data: y, offset: 0 },
                b: T::from_f64(-0.0),
            };
            let _ = x;
            let want = (run_gemv(scalar(), &c), run_gemv_t(scalar(), &c));
            let wl = run_gradient(scalar(), Model::Linear, &c);
            let wg = run_gradient(scalar(), Model::Logistic, &c);
            for_every_isa(|k| {
                assert!(
                    same_all(&run_gemv(k, &c), &want.0),
                    "gemv {:?} m={m} n={n}",
                    k.isa()
                );
                assert!(
                    same_all(&run_gemv_t(k, &c), &want.1),
                    "gemv_t {:?} m={m} n={n}",
                    k.isa()
                );
                assert!(
                    same_gradient(&run_gradient(k, Model::Linear, &c), &wl),
                    "lin {:?} m={m} n={n}",
                    k.isa()
                );
                assert!(
                    same_gradient(&run_gradient(k, Model::Logistic, &c), &wg),
                    "log {:?} m={m} n={n}",
                    k.isa()
                );
            });
            if n > 3 * T::W + 1 && m > 5 {
                break; // wide rows: a few row counts are enough
            }
        }
    }
}

#[test]
fn narrow_and_wide_row_boundaries() {
    row_boundaries::<f32>(-1e-30, 1e-25, 1e-30);
    row_boundaries::<f64>(-1e-200, 1e-150, 1e-200);
}

#[test]
fn logistic_extreme_logits() {
    // Logits far past where exp over- or underflows: p is exactly 0 or 1,
    // the gradient finite, the loss finite and right.
    for_every_isa(|k| {
        let xs = [1.0f32, 1.0, -1.0, 1.0, 0.0, 0.0];
        let x = Matrix::from_rows(&xs, 3, 2).unwrap();
        let mut gw = [0.0f32; 2];
        // z = 1e30 * (2, 0, 0) + 0: labels 0, 1, 1.
        let g = k
            .logistic_gradient(x, &[0.0, 1.0, 1.0], &[1e30, 1e30], 0.0, &mut gw)
            .unwrap();
        // p = (1, 1/2, 1/2): e = (1, -1/2, -1/2); grad = (1.5, 0.5) / 3.
        assert_eq!(gw, [(1.0 + 0.5) / 3.0, 0.5 / 3.0]);
        assert_eq!(g.grad_b, 0.0);
        assert_eq!(g.loss, (2e30 + 2.0 * 2f32.ln()) / 3.0);
        // Logits of -200 with label 0 and +200 with label 1: loss ~ 0.
        let xs = [1.0f64, -1.0];
        let x = Matrix::from_rows(&xs, 2, 1).unwrap();
        let mut gw = [0.0f64];
        let g = k
            .logistic_gradient(x, &[1.0, 0.0], &[800.0], 0.0, &mut gw)
            .unwrap();
        assert_eq!(gw[0], 0.0);
        assert_eq!(g.loss, 0.0);
        // NaN logits make NaN results; infinities give p in {0, 1}.
        let g = k
            .logistic_gradient(x, &[1.0, 0.0], &[f64::NAN], 0.0, &mut gw)
            .unwrap();
        assert!(gw[0].is_nan() && g.grad_b.is_nan() && g.loss.is_nan());
        let g = k
            .logistic_gradient(x, &[1.0, 0.0], &[f64::INFINITY], 0.0, &mut gw)
            .unwrap();
        assert_eq!((gw[0], g.grad_b), (0.0, 0.0));
        assert!(g.loss.is_nan());
    });
}

#[test]
fn soft_labels_are_cross_entropy() {
    // y = 0.3 at z = 0: loss ln 2 (the cross-entropy of p = 1/2 against any
    // y), residual 0.5 - 0.3.
    for_every_isa(|k| {
        let xs = [2.0f64];
        let x = Matrix::from_rows(&xs, 1, 1).unwrap();
        let mut gw = [0.0f64];
        let g = k
            .logistic_gradient(x, &[0.3], &[0.0], 0.0, &mut gw)
            .unwrap();
        assert_eq!(g.grad_b, 0.5 - 0.3);
        assert_eq!(gw[0], 2.0 * (0.5 - 0.3));
        assert!((g.loss - 2f64.ln()).abs() < 1e-15);
    });
}

#[test]
fn free_functions_use_the_best_backend() {
    let xs: Vec<f32> = (0..700 * 37)
        .map(|i| ((i * 37) % 101) as f32 / 50.0 - 1.0)
        .collect();
    let x = Matrix::from_rows(&xs, 700, 37).unwrap();
    let w: Vec<f32> = (0..37).map(|i| i as f32 / 37.0).collect();
    let y: Vec<f32> = (0..700).map(|i| (i % 2) as f32).collect();
    let k = Kernels::best();
    let (mut a, mut b) = (vec![0.0f32; 700], vec![0.0f32; 700]);
    dotgrad::gemv(x, &w, 0.1, &mut a).unwrap();
    k.gemv(x, &w, 0.1, &mut b).unwrap();
    assert_eq!(a, b);
    let (mut a, mut b) = (vec![0.0f32; 37], vec![0.0f32; 37]);
    dotgrad::gemv_t(x, &y, &mut a).unwrap();
    k.gemv_t(x, &y, &mut b).unwrap();
    assert_eq!(a, b);
    let g1 = dotgrad::linear_gradient(x, &y, &w, 0.1, &mut a).unwrap();
    let g2 = k.linear_gradient(x, &y, &w, 0.1, &mut b).unwrap();
    assert_eq!((a.clone(), g1), (b.clone(), g2));
    let g1 = dotgrad::logistic_gradient(x, &y, &w, 0.1, &mut a).unwrap();
    let g2 = k.logistic_gradient(x, &y, &w, 0.1, &mut b).unwrap();
    assert_eq!((a, g1), (b, g2));
}

// ---- Training: the examples' models, on every backend ----

#[path = "../examples/shared/mod.rs"]
mod shared;

fn trains_to_optimum(model: shared::Model) {
    let (d, lr, opt) = match model {
        shared::Model::Linear => {
            let d = shared::houses(3000, 42);
            let opt = shared::linear_optimum(&d);
            (d, 0.3, opt)
        }
        shared::Model::Logistic => {
            let d = shared::two_classes(3000, 8, 7);
            let opt = shared::logistic_optimum(&d);
            (d, 1.0, opt)
        }
    };
    let fits: Vec<(Isa, shared::Fit)> = available()
        .map(|isa| {
            (
                isa,
                shared::train(Kernels::new(isa).unwrap(), model, &d, lr, 300, |_, _| {}),
            )
        })
        .collect();
    let (_, first) = &fits[0];
    for (isa, fit) in &fits {
        assert_eq!(fit, first, "{isa}: weights differ from {}", fits[0].0);
        assert_eq!(shared::checksum(fit), shared::checksum(first));
    }
    // The loss before the last step is within 1e-5 (relative) of the optimum.
    let loss = f64::from(first.loss);
    assert!(
        loss >= opt * (1.0 - 1e-6) && loss <= opt * (1.0 + 1e-5),
        "{model:?}: loss {loss} vs optimum {opt}"
    );
}

#[test]
fn linear_regression_trains_identically_on_every_backend() {
    trains_to_optimum(shared::Model::Linear);
}

#[test]
fn logistic_regression_trains_identically_on_every_backend() {
    trains_to_optimum(shared::Model::Logistic);
}
