//! The training kernels (`gemv`, `gemv_t`, `linear_gradient`,
//! `logistic_gradient`, `sigmoid`): every backend bit-identical to Scalar,
//! Scalar equal to an independent literal reading of the contract, the
//! accuracy bounds against double-double references, shape errors, and
//! training runs that end at the same weights on every backend.
//!
//! Case counts: the `gemv`/`gemv_t`/`sigmoid` properties run
//! `DOTGRAD_QC_TESTS` cases (10,000 by default); the gradient properties,
//! whose cases are larger (up to ~1900 rows), run a fifth of that
//! (`heavy_tests`, 2,000 by default).

mod common;

use common::*;
use dotgrad::{Gradient, Isa, Kernels};
use quickcheck::{Arbitrary, Gen};

fn scalar() -> Kernels {
    Kernels::new(Isa::Scalar).unwrap()
}

/// Cases for the gradient properties: a fifth of [`qc_tests`], at least 1.
fn heavy_tests() -> u64 {
    (qc_tests() / 5).max(1)
}

/// [`check`] with [`heavy_tests`] cases.
fn check_heavy<A: Arbitrary + std::fmt::Debug>(prop: impl Fn(A) -> bool) {
    let mut g = Gen::new(64);
    for case in 0..heavy_tests() {
        let input = A::arbitrary(&mut g);
        if prop(input.clone()) {
            continue;
        }
        let mut smallest = input;
        'shrink: loop {
            for s in smallest.shrink() {
                if !prop(s.clone()) {
                    smallest = s;
                    continue 'shrink;
                }
            }
            break;
        }
        panic!("property failed at case {case}; shrunk input: {smallest:?}");
    }
}

// ---- Runners: one call of each kernel, results as plain vectors ----

fn run_gemv<T: TestFloat>(k: Kernels, c: &MatCase<T>) -> Vec<T> {
    let mut out = vec![T::from_f64(7.0); c.rows];
    k.gemv(c.x(), c.w.slice(), c.b, &mut out).unwrap();
    out
}

fn run_gemv_t<T: TestFloat>(k: Kernels, c: &MatCase<T>) -> Vec<T> {
    let mut out = vec![T::from_f64(7.0); c.cols];
    k.gemv_t(c.x(), c.v.slice(), &mut out).unwrap();
    out
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Model {
    Linear,
    Logistic,
}

fn run_gradient<T: TestFloat>(k: Kernels, model: Model, c: &MatCase<T>) -> (Vec<T>, Gradient<T>) {
    let mut gw = vec![T::from_f64(7.0); c.cols];
    let (x, y, w) = (c.x(), c.v.slice(), c.w.slice());
    let g = match model {
        Model::Linear => k.linear_gradient(x, y, w, c.b, &mut gw),
        Model::Logistic => k.logistic_gradient(x, y, w, c.b, &mut gw),
    }
    .unwrap();
    (gw, g)
}

fn same_gradient<T: TestFloat>(a: &(Vec<T>, Gradient<T>), b: &(Vec<T>, Gradient<T>)) -> bool {
    same_all(&a.0, &b.0) && same(a.1.grad_b, b.1.grad_b) && same(a.1.loss, b.1.loss)
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
#[derive(Clone, Debug)]
struct Logits<T>(Shifted<T>);

impl<T: TestFloat> Arbitrary for Logits<T> {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = usize::arbitrary(g) % (3 * T::W + 2);
        let offset = usize::arbitrary(g) % 17;
        let lim = if T::W == 64 { 110.0 } else { 760.0 };
        let data = (0..n + offset)
            .map(|_| match u32::arbitrary(g) % 4 {
                0 => value(g, Mix::Special),
                1 => T::from_bits_(u64::arbitrary(g)),
                _ => {
                    let u = f64::from(u32::arbitrary(g)) / f64::from(u32::MAX);
                    T::from_f64((2.0 * u - 1.0) * lim)
                }
            })
            .collect();
        Logits(Shifted { data, offset })
    }
}

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
