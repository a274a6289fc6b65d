//! The training kernels (`gemv`, `gemv_t`, `linear_gradient`,
//! `logistic_gradient`, `sigmoid`): every backend bit-identical to Scalar,
//! Scalar equal to an independent literal reading of the contract, the
//! accuracy bounds against double-double references, shape errors, and
//! training runs that end at the same weights on every backend.
//!
//! Case counts: the `gemv`/`gemv_t`/`sigmoid` bit-exact properties run
//! `DOTGRAD_QC_TESTS` cases (10,000 by default); the gradient properties,
//! whose cases are larger (up to ~1900 rows), a fifth of that (2,000); the
//! checks against references (the contract re-read, the f64 accuracy
//! bounds) a tenth (1,000). The whole file takes about a minute of CPU on
//! two cores of this project's x86 machine.

// The references below index several arrays by row and column.
#![allow(clippy::needless_range_loop)]

mod common;

use common::*;
use dotgrad::{Element, Error, Gradient, Isa, Kernels, Matrix, dot_error_bound};
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
    check_n(heavy_tests(), prop)
}

/// [`check`] with a tenth of [`qc_tests`] cases (the reference checks,
/// which recompute every result in f64 or by the contract's text).
fn check_ref<A: Arbitrary + std::fmt::Debug>(prop: impl Fn(A) -> bool) {
    check_n((qc_tests() / 10).max(1), prop)
}

fn check_n<A: Arbitrary + std::fmt::Debug>(cases: u64, prop: impl Fn(A) -> bool) {
    let mut g = Gen::new(64);
    for case in 0..cases {
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

// ---- Scalar equals the contract, read independently ----
//
// The contract's definitions written out again here, from its text (the
// block tree as the binary counter it describes; the sigmoid and log-loss
// sequences with the constants it lists), and compared with the Scalar
// backend bit for bit.

mod contract {
    use super::*;

    pub const R: usize = 256;

    /// The block tree as the contract's binary counter.
    pub fn tree<P>(parts: Vec<P>, add: impl Fn(P, P) -> P) -> P {
        let mut stack: Vec<(P, usize)> = Vec::new();
        for p in parts {
            stack.push((p, 1));
            while stack.len() >= 2 && stack[stack.len() - 1].1 == stack[stack.len() - 2].1 {
                let (r, n) = stack.pop().unwrap();
                let (l, _) = stack.pop().unwrap();
                stack.push((add(l, r), 2 * n));
            }
        }
        while stack.len() >= 2 {
            let (r, n) = stack.pop().unwrap();
            let (l, k) = stack.pop().unwrap();
            stack.push((add(l, r), n + k));
        }
        stack.pop().unwrap().0
    }

    fn add_vec<T: Element>(mut l: Vec<T>, r: Vec<T>) -> Vec<T> {
        for (a, b) in l.iter_mut().zip(r) {
            *a = *a + b;
        }
        l
    }

    fn blocks(m: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
        (0..m.div_ceil(R).max(1)).map(move |b| b * R..((b + 1) * R).min(m))
    }

    pub fn gemv_t<T: TestFloat>(c: &MatCase<T>) -> Vec<T> {
        let (x, v) = (c.x(), c.v.slice());
        let parts = blocks(c.rows)
            .map(|rows| {
                let mut g = vec![T::ZERO; c.cols];
                for i in rows {
                    for (gj, &xij) in g.iter_mut().zip(x.row(i)) {
                        *gj = T::fma(v[i], xij, *gj);
                    }
                }
                g
            })
            .collect();
        tree(parts, add_vec)
    }

    fn t<T: Element>(x: f64) -> T {
        T::from_f64(x)
    }

    /// exp(-a), steps E1-E6 with the contract's constants.
    pub fn exp_neg<T: Element>(a: T) -> T {
        let f32_ = T::W == 64;
        let (lo, log2e, hi, lo2) = if f32_ {
            (
                -104.0,
                f64::from(std::f32::consts::LOG2_E),
                f64::from(f32::from_bits(0x3f31_7218)),
                f64::from(f32::from_bits(0xb102_e308)),
            )
        } else {
            (
                -746.0,
                std::f64::consts::LOG2_E,
                std::f64::consts::LN_2,
                f64::from_bits(0x3c7a_bc9e_3b39_803f),
            )
        };
        let p: Vec<f64> = if f32_ {
            [
                0x3950_6967u32,
                0x3ab7_43ce,
                0x3c08_8908,
                0x3d2a_a9c1,
                0x3e2a_aaaa,
                0x3f00_0000,
            ]
            .iter()
            .map(|&b| f64::from(f32::from_bits(b)))
            .collect()
        } else {
            (2..=13u32)
                .rev()
                .map(|k| 1.0 / (1..=k).map(f64::from).product::<f64>())
                .collect()
        };
        let x = T::max_x86(t(lo), -a);
        let k = (x * t(log2e)).round_even();
        let r = T::fma(k, -t::<T>(hi), x);
        let r = T::fma(k, -t::<T>(lo2), r);
        let mut y = t::<T>(p[0]);
        for &c in &p[1..] {
            y = T::fma(y, r, t(c));
        }
        let y = T::fma(y, r * r, r) + t(1.0);
        let k1 = (k * t(0.5)).round_even();
        let k2 = k - k1;
        y * T::pow2i(k1) * T::pow2i(k2)
    }

    /// log1p(t) for t in [0, 1], steps L1-L4.
    pub fn log1p<T: Element>(x: T) -> T {
        let kmax = if T::W == 64 { 6 } else { 15 };
        let c = |k: u32| -> T {
            if T::W == 64 {
                t(f64::from(2.0 / (2 * k + 1) as f32))
            } else {
                t(2.0 / f64::from(2 * k + 1))
            }
        };
        let s = x / (t::<T>(2.0) + x);
        let s2 = s * s;
        let mut q = c(kmax);
        for k in (1..kmax).rev() {
            q = T::fma(q, s2, c(k));
        }
        let q = q * s2;
        T::fma(s, q, s + s)
    }

    pub fn logistic<T: Element>(z: T, y: T) -> (T, T) {
        let tt = exp_neg(z.abs_bits());
        let num = if z < T::ZERO { tt } else { t(1.0) };
        let p = num / (t::<T>(1.0) + tt);
        let li = T::fma(-z, y, T::max_x86(z, T::ZERO)) + log1p(tt);
        (p - y, li)
    }

    pub fn gradient<T: TestFloat>(model: Model, c: &MatCase<T>) -> (Vec<T>, Gradient<T>) {
        let (x, y, w) = (c.x(), c.v.slice(), c.w.slice());
        let parts = blocks(c.rows)
            .map(|rows| {
                let (mut g, mut gb, mut l) = (vec![T::ZERO; c.cols], T::ZERO, T::ZERO);
                for i in rows {
                    let z = scalar().dot(x.row(i), w).unwrap() + c.b;
                    let e = match model {
                        Model::Linear => {
                            let e = z - y[i];
                            l = T::fma(e, e, l);
                            e
                        }
                        Model::Logistic => {
                            let (e, li) = logistic(z, y[i]);
                            l = l + li;
                            e
                        }
                    };
                    gb = gb + e;
                    for (gj, &xij) in g.iter_mut().zip(x.row(i)) {
                        *gj = T::fma(e, xij, *gj);
                    }
                }
                (g, gb, l)
            })
            .collect();
        let (g, gb, l) = tree(parts, |(a, b, c), (d, e, f)| (add_vec(a, d), b + e, c + f));
        let m = T::from_f64(c.rows as f64);
        let lm = match model {
            Model::Linear => T::from_f64(2.0 * c.rows as f64),
            Model::Logistic => m,
        };
        (
            g.into_iter().map(|v| v / m).collect(),
            Gradient {
                grad_b: gb / m,
                loss: l / lm,
            },
        )
    }
}

fn contract_matches<T: TestFloat>() {
    check_ref(|Mat(c): Mat<T>| same_all(&contract::gemv_t(&c), &run_gemv_t(scalar(), &c)));
    for model in [Model::Linear, Model::Logistic] {
        check_ref(|Labeled(c): Labeled<T>| {
            same_gradient(
                &contract::gradient(model, &c),
                &run_gradient(scalar(), model, &c),
            )
        });
    }
    // gemv: each row is the canonical dot plus b, on every backend.
    for isa in Isa::available() {
        let k = Kernels::new(isa).unwrap();
        check_ref(|Mat(c): Mat<T>| {
            let out = run_gemv(k, &c);
            (0..c.rows).all(|i| {
                same(
                    out[i],
                    scalar().dot(c.x().row(i), c.w.slice()).unwrap() + c.b,
                )
            })
        });
    }
}

#[test]
fn contract_f32_scalar_is_the_contract() {
    contract_matches::<f32>();
}

#[test]
fn contract_f64_scalar_is_the_contract() {
    contract_matches::<f64>();
}

#[test]
fn sigmoid_scalar_is_the_contract() {
    let mut g = Gen::new(64);
    for _ in 0..qc_tests() {
        let Logits(z) = Logits::<f32>::arbitrary(&mut g);
        let mut p = z.slice().to_vec();
        scalar().sigmoid(&mut p);
        for (&zi, &pi) in z.slice().iter().zip(&p) {
            let (e, _) = contract::logistic(zi, 0.0);
            assert!(same(pi, e), "z = {zi:e}: {pi:e} vs {e:e}");
        }
        let Logits(z) = Logits::<f64>::arbitrary(&mut g);
        let mut p = z.slice().to_vec();
        scalar().sigmoid(&mut p);
        for (&zi, &pi) in z.slice().iter().zip(&p) {
            let (e, _) = contract::logistic(zi, 0.0);
            assert!(same(pi, e), "z = {zi:e}: {pi:e} vs {e:e}");
        }
    }
}

// ---- Accuracy against f64 / compensated references ----

/// A sum in f64 with Neumaier compensation.
#[derive(Default, Clone, Copy)]
struct Sum {
    s: f64,
    c: f64,
}

impl Sum {
    fn add(&mut self, x: f64) {
        let t = self.s + x;
        self.c += if self.s.abs() >= x.abs() {
            (self.s - t) + x
        } else {
            (x - t) + self.s
        };
        self.s = t;
    }
    fn value(self) -> f64 {
        self.s + self.c
    }
}

fn gamma<T: Element>(k: f64) -> f64 {
    let ku = k * T::UNIT_ROUNDOFF;
    ku / (1.0 - ku)
}

fn eta<T: Element>() -> f64 {
    if T::W == 64 {
        f64::from(f32::from_bits(1))
    } else {
        f64::from_bits(1)
    }
}

/// `k` of the row-block kernels: 256 FMAs per block, then the tree.
fn k_rows(m: usize) -> f64 {
    let blocks = m.div_ceil(256).max(1);
    256.0 + f64::from(usize::BITS - (blocks - 1).leading_zeros())
}

fn all_finite<T: Element>(v: &[T]) -> bool {
    v.iter().all(|x| x.to_f64().is_finite())
}

/// Cases whose inputs and results are finite and of moderate size (the
/// bit-exact properties cover the rest).
fn ordinary<T: TestFloat>(c: &MatCase<T>) -> bool {
    let big = if T::W == 64 { 1e15 } else { 1e150 };
    let ok = |v: &[T]| {
        v.iter()
            .all(|x| x.to_f64().is_finite() && x.to_f64().abs() < big)
    };
    ok(&c.data) && ok(c.w.slice()) && ok(c.v.slice()) && ok(&[c.b])
}

fn gemv_t_within_bound<T: TestFloat>() {
    check_ref(|Mat(c): Mat<T>| {
        if !ordinary(&c) {
            return true;
        }
        let (x, v) = (c.x(), c.v.slice());
        let k = k_rows(c.rows);
        Isa::available().all(|isa| {
            let out = run_gemv_t(Kernels::new(isa).unwrap(), &c);
            (0..c.cols).all(|j| {
                let (mut r, mut abs) = (Sum::default(), 0.0);
                for i in 0..c.rows {
                    let p = v[i].to_f64() * x.row(i)[j].to_f64();
                    r.add(p);
                    abs += p.abs();
                }
                let r = r.value();
                let bound = gamma::<T>(k) * abs + k * eta::<T>() + 2.0 * f64::EPSILON * abs;
                let ok = !out[j].to_f64().is_finite() || (out[j].to_f64() - r).abs() <= bound;
                if !ok {
                    eprintln!(
                        "{isa} j={j}: {:e} vs {r:e}, bound {bound:e}",
                        out[j].to_f64()
                    );
                }
                ok
            })
        })
    });
}

#[test]
fn gemv_t_f32_within_bound() {
    gemv_t_within_bound::<f32>();
}

#[test]
fn gemv_t_f64_within_bound() {
    gemv_t_within_bound::<f64>();
}

/// The sigmoid's bound (contract): 2.5 ulp, as a relative term plus the
/// subnormal floor.
fn sigmoid_err<T: Element>(p: f64) -> f64 {
    2.5 * (2.0 * T::UNIT_ROUNDOFF * p.abs() + eta::<T>())
}

fn gradient_within_bound<T: TestFloat>(model: Model) {
    check_ref(move |Labeled(c): Labeled<T>| {
        if !ordinary(&c) {
            return true;
        }
        let (x, y, w, b) = (c.x(), c.v.slice(), c.w.slice(), c.b);
        let (m, n) = (c.rows, c.cols);
        let (u, et, k) = (T::UNIT_ROUNDOFF, eta::<T>(), k_rows(m));
        // The residuals as computed (the canonical dot is reproducible with
        // the public API), the exact ones (f64 reference), and a bound
        // delta_i on their difference.
        let mut z_hat = vec![T::ZERO; m];
        scalar().gemv(x, w, b, &mut z_hat).unwrap();
        let mut p_hat = z_hat.clone();
        if model == Model::Logistic {
            scalar().sigmoid(&mut p_hat);
        }
        let mut e_hat = vec![0.0f64; m];
        let mut e = vec![0.0f64; m];
        let mut delta = vec![0.0f64; m];
        let mut dz = vec![0.0f64; m];
        let mut loss_ref = Sum::default();
        let mut loss_err = 0.0;
        for i in 0..m {
            let row = x.row(i);
            let d = dot_reference(row, w);
            let dbound = dot_error_bound::<T>(n, sum_abs(row, w));
            let z = d + b.to_f64();
            // |z_hat - z| <= dot bound + rounding of `+ b`; the reference z
            // itself is off by up to 2^-52 |z|.
            dz[i] = dbound + u * z_hat[i].to_f64().abs() + et + 2.0 * f64::EPSILON * z.abs();
            let yi = y[i].to_f64();
            e_hat[i] = (p_hat[i] - y[i]).to_f64();
            match model {
                Model::Linear => {
                    e[i] = z - yi;
                    delta[i] = dz[i] + u * e_hat[i].abs() + et;
                    loss_ref.add(e[i] * e[i]);
                    loss_err += 2.0 * e_hat[i].abs() * delta[i] + delta[i] * delta[i];
                }
                Model::Logistic => {
                    let p = 1.0 / (1.0 + (-z).exp());
                    e[i] = p - yi;
                    // sigmoid error, its Lipschitz constant 1/4, the
                    // subtraction, and libm's own error in the reference.
                    delta[i] = sigmoid_err::<T>(p_hat[i].to_f64())
                        + 0.25 * dz[i]
                        + u * e_hat[i].abs()
                        + et
                        + 4.0 * f64::EPSILON;
                    let li = z.max(0.0) - z * yi + (-z.abs()).exp().ln_1p();
                    loss_ref.add(li);
                    // dli/dz = p - y; roundings of the loss sequence (fma,
                    // exp and log1p within 4u relative, the final add).
                    let zh = z_hat[i].to_f64().abs();
                    loss_err += (1.0 + yi.abs()) * dz[i]
                        + u * (2.0 * zh * (1.0 + yi.abs()) + 9.0)
                        + 3.0 * et
                        + 8.0 * f64::EPSILON * (zh * (1.0 + yi.abs()) + 1.0);
                }
            }
        }
        Isa::available().all(|isa| {
            let (gw, g) = run_gradient(Kernels::new(isa).unwrap(), model, &c);
            if !all_finite(&gw) || !all_finite(&[g.grad_b, g.loss]) {
                return true;
            }
            let mf = m as f64;
            let mut ok = true;
            for j in 0..n {
                let (mut r, mut abs, mut de) = (Sum::default(), 0.0, 0.0);
                for i in 0..m {
                    let xij = x.row(i)[j].to_f64();
                    r.add(e[i] * xij);
                    abs += (e_hat[i] * xij).abs();
                    de += delta[i] * xij.abs();
                }
                let got = gw[j].to_f64();
                let bound = (gamma::<T>(k) * abs + k * et + de) / mf + u * got.abs() + et;
                if (got - r.value() / mf).abs() > bound {
                    eprintln!(
                        "{isa} grad_w[{j}] = {got:e}, ref {:e}, bound {bound:e}",
                        r.value() / mf
                    );
                    ok = false;
                }
            }
            let (mut r, mut abs, mut de) = (Sum::default(), 0.0, 0.0);
            for i in 0..m {
                r.add(e[i]);
                abs += e_hat[i].abs();
                de += delta[i];
            }
            let got = g.grad_b.to_f64();
            let bound = (gamma::<T>(k) * abs + de) / mf + u * got.abs() + et;
            if (got - r.value() / mf).abs() > bound {
                eprintln!(
                    "{isa} grad_b = {got:e}, ref {:e}, bound {bound:e}",
                    r.value() / mf
                );
                ok = false;
            }
            let (scale, terms) = match model {
                Model::Linear => (2.0 * mf, e_hat.iter().map(|e| e * e).sum::<f64>()),
                Model::Logistic => (
                    mf,
                    (0..m)
                        .map(|i| {
                            let zh = z_hat[i].to_f64();
                            (zh.max(0.0) - zh * y[i].to_f64()).abs() + 1.0
                        })
                        .sum::<f64>(),
                ),
            };
            let got = g.loss.to_f64();
            let bound = (gamma::<T>(k) * terms + k * et + loss_err) / scale + u * got.abs() + et;
            if (got - loss_ref.value() / scale).abs() > bound {
                eprintln!(
                    "{isa} loss = {got:e}, ref {:e}, bound {bound:e}",
                    loss_ref.value() / scale
                );
                ok = false;
            }
            ok
        })
    });
}

#[test]
fn linear_gradient_f32_within_bound() {
    gradient_within_bound::<f32>(Model::Linear);
}

#[test]
fn linear_gradient_f64_within_bound() {
    gradient_within_bound::<f64>(Model::Linear);
}

#[test]
fn logistic_gradient_f32_within_bound() {
    gradient_within_bound::<f32>(Model::Logistic);
}

#[test]
fn logistic_gradient_f64_within_bound() {
    gradient_within_bound::<f64>(Model::Logistic);
}

// ---- Shapes: typed errors, nothing written ----

fn for_every_isa(f: impl Fn(Kernels)) {
    for isa in Isa::available() {
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

#[test]
fn narrow_and_wide_row_boundaries() {
    // Every row length around the short-row path's limit (32 f32 on AVX2,
    // 64 on AVX-512, 16 on NEON) and around W and 2W, with -0.0 products in
    // every lane (tiny values of opposite signs), on every backend.
    for n in (0..=3 * f32::W + 1).chain([f32::E - 1, f32::E, f32::E + 1]) {
        for m in [1usize, 3, 4, 5, 17, 257] {
            let xs: Vec<f32> = (0..m * n)
                .map(|i| if i % 3 == 0 { -1e-30 } else { 1e-25 })
                .collect();
            let x = Matrix::from_rows(&xs, m, n).unwrap();
            let w = vec![1e-30f32; n];
            let y: Vec<f32> = (0..m).map(|i| (i % 2) as f32).collect();
            let c = MatCase {
                data: xs.clone(),
                offset: 0,
                rows: m,
                cols: n,
                stride: n,
                w: Shifted { data: w, offset: 0 },
                v: Shifted { data: y, offset: 0 },
                b: -0.0,
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
            if n > 3 * f32::W + 1 && m > 5 {
                break; // wide rows: a few row counts are enough
            }
        }
    }
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
    let fits: Vec<(Isa, shared::Fit)> = Isa::available()
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
