//! The training kernels against references: the Scalar backend equals an
//! independent reading of the contract (the block tree as its binary
//! counter, the sigmoid and log-loss sequences with the constants it
//! lists), bit for bit; and every backend's results lie within the
//! contract's accuracy bounds of compensated f64 references.
//!
//! Case counts: a tenth of `DOTGRAD_QC_TESTS` (1,000 by default) per
//! property, since each recomputes every result in f64 or by the contract's
//! text.

// The references below index several arrays by row and column.
#![allow(clippy::needless_range_loop)]

mod common;

use common::*;
use dotgrad::{Float, Gradient, Kernels, dot_error_bound};
use quickcheck::Arbitrary;

/// [`check`] with a tenth of [`qc_tests`] cases.
fn check_ref<A: Arbitrary + std::fmt::Debug>(prop: impl Fn(A) -> bool) {
    check_n((qc_tests() / 10).max(1), prop)
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

    fn add_vec<T: Float>(mut l: Vec<T>, r: Vec<T>) -> Vec<T> {
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

    fn t<T: Float>(x: f64) -> T {
        T::from_f64(x)
    }

    /// exp(-a), steps E1-E6 with the contract's constants.
    pub fn exp_neg<T: Float>(a: T) -> T {
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
    pub fn log1p<T: Float>(x: T) -> T {
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

    pub fn logistic<T: Float>(z: T, y: T) -> (T, T) {
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
    for isa in available() {
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
    let (mut g, _seed) = seeded_gen();
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

fn eta<T: Float>() -> f64 {
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

fn all_finite<T: Float>(v: &[T]) -> bool {
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
        available().all(|isa| {
            let out = run_gemv_t(Kernels::new(isa).unwrap(), &c);
            (0..c.cols).all(|j| {
                let (mut r, mut abs) = (Sum::default(), 0.0);
                for i in 0..c.rows {
                    let p = v[i].to_f64() * x.row(i)[j].to_f64();
                    r.add(p);
                    abs += p.abs();
                }
                let r = r.value();
                // Each of the m FMAs into out[j] may lose eta/2 when its
                // result is subnormal (the contract's underflow term).
                let under = (1.0 + gamma::<T>(k)) * c.rows as f64 * eta::<T>() / 2.0;
                let bound = gamma::<T>(k) * abs + under + 2.0 * f64::EPSILON * abs;
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
fn sigmoid_err<T: Float>(p: f64) -> f64 {
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
            let dbound = dot_error_bound::<T>(n, sum_abs(row, w)).unwrap();
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
        available().all(|isa| {
            let (gw, g) = run_gradient(Kernels::new(isa).unwrap(), model, &c);
            if !all_finite(&gw) || !all_finite(&[g.grad_b, g.loss]) {
                return true;
            }
            let mf = m as f64;
            let under = (1.0 + gamma::<T>(k)) * mf * et / 2.0;
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
                let bound = (gamma::<T>(k) * abs + under + de) / mf + u * got.abs() + et;
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
            let bound = (gamma::<T>(k) * terms + under + loss_err) / scale + u * got.abs() + et;
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

// ---- The bounds at their edges: the underflow terms and the final division ----

/// `gemv_t` with m subnormal products: the FMAs' rounding in the subnormal
/// range adds up to `m * eta / 2`, far more than the `k * eta` an earlier
/// version of the bound stated (260 eta here), and the bound holds.
#[test]
fn gemv_t_underflow_term_grows_with_the_rows() {
    let eta = f64::from(f32::from_bits(1));
    let m = 3000;
    // v_i = 2^-74, X_i = 1.5 * 2^-77: each product is 0.375 eta, which
    // rounds to +0.0, so out = +0.0 where the exact value is 1125 eta.
    let v = vec![2f32.powi(-74); m];
    let x = vec![1.5 * 2f32.powi(-77); m];
    let xm = dotgrad::Matrix::from_rows(&x, m, 1).unwrap();
    let k = k_rows(m);
    let bound = gamma::<f32>(k) * (1125.0 * eta) + (1.0 + gamma::<f32>(k)) * m as f64 * eta / 2.0;
    for isa in available() {
        let mut out = [7.0f32];
        Kernels::new(isa).unwrap().gemv_t(xm, &v, &mut out).unwrap();
        assert_eq!(out[0].to_bits(), 0, "{isa}");
        let err = 1125.0 * eta;
        assert!(
            err <= bound,
            "{isa}: error {err:e} above the bound {bound:e}"
        );
        assert!(
            err > k * eta,
            "the old k*eta term ({:e}) is too small",
            k * eta
        );
    }
}

/// Inputs that reach the `gemv_t` underflow term: every product is exactly
/// `eta / 2`, which rounds to even (+0.0) in each FMA, so the whole sum is
/// lost: the error is `m * eta / 2` exactly, at the bound.
#[test]
fn gemv_t_bound_is_reached_by_half_eta_products() {
    let eta = f64::from(f32::from_bits(1));
    for m in [1usize, 255, 256, 257, 1000, 5000] {
        let v = vec![2f32.powi(-74); m];
        let x = vec![2f32.powi(-76); m];
        let xm = dotgrad::Matrix::from_rows(&x, m, 1).unwrap();
        let k = k_rows(m);
        let exact = m as f64 * eta / 2.0;
        let bound = gamma::<f32>(k) * exact + (1.0 + gamma::<f32>(k)) * exact;
        for isa in available() {
            let mut out = [7.0f32];
            Kernels::new(isa).unwrap().gemv_t(xm, &v, &mut out).unwrap();
            let err = (f64::from(out[0]) - exact).abs();
            assert_eq!(err, exact, "{isa} m={m}: every product rounds away");
            assert!(
                err <= bound && err >= 0.99 * bound,
                "{isa} m={m}: {err:e} vs {bound:e}"
            );
        }
    }
}

/// The linear gradient's final division rounds a subnormal quotient by up
/// to `eta / 2` absolute: m = 1024, n = 1, w = 0, b = 0, y = -1, X = eta for
/// 512 rows and 2 eta for the rest gives grad_w = 1536 eta / 1024 = 1.5 eta,
/// which rounds to 2 eta. The bound (with its `+ u |grad_w| + eta`) holds;
/// without the division's term it would not (0.5 eta above 0.252 eta).
#[test]
fn linear_gradient_bound_covers_the_final_division() {
    let eta32 = f32::from_bits(1);
    let eta = f64::from(eta32);
    let m = 1024;
    let x: Vec<f32> = (0..m)
        .map(|i| if i < 512 { eta32 } else { 2.0 * eta32 })
        .collect();
    let y = vec![-1.0f32; m];
    let xm = dotgrad::Matrix::from_rows(&x, m, 1).unwrap();
    let k = k_rows(m);
    let u = f32::UNIT_ROUNDOFF;
    for isa in available() {
        let mut gw = [7.0f32];
        Kernels::new(isa)
            .unwrap()
            .linear_gradient(xm, &y, &[0.0], 0.0, &mut gw)
            .unwrap();
        let got = f64::from(gw[0]);
        assert_eq!(gw[0], 2.0 * eta32, "{isa}");
        let exact = 1.5 * eta;
        let sum_abs = 1536.0 * eta;
        let under = (1.0 + gamma::<f32>(k)) * m as f64 * eta / 2.0;
        let bound = (gamma::<f32>(k) * sum_abs + under) / m as f64 + u * got.abs() + eta;
        let err = (got - exact).abs();
        assert!(err <= bound, "{isa}: {err:e} above {bound:e}");
        let old = gamma::<f32>(k + 1.0) * sum_abs / m as f64 + k * eta / m as f64;
        assert!(err > old, "the old bound ({old:e}) is broken by this case");
    }
}
