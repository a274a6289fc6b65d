//! The softmax cross-entropy's documented error bounds (contract: softmax
//! cross-entropy, "Accuracy"): random logits stay within them, and inputs
//! built for each term reach them (the rounding of the sum `s`, the
//! sequential mean of the rows' losses, the rounding of `mx - z`), f32
//! and f64, on every backend. References are f64 with the differences
//! `mx - z` kept exact (two-sum) and `ln s` taken as `ln_1p(s - 1)` of
//! the small terms, so their own error is far below the bounds tested.

mod common;

use common::*;
use dotgrad::{Matrix, MatrixMut};
use quickcheck::{Arbitrary, Gen};

/// The contract's relative error of `exp` (E1-E6) in units of `u`.
const EXP_U: f64 = 1.5;
/// The contract's relative error of `ln s` (X5) in units of `u`.
const LN_U: f64 = 3.0;

/// `x + y` as an unevaluated pair `(hi, lo)` (two-sum, exact).
fn two_sum(x: f64, y: f64) -> (f64, f64) {
    let s = x + y;
    let bb = s - x;
    (s, (x - (s - bb)) + (y - bb))
}

/// One row's exact quantities and bounds.
struct Row {
    /// `(p_j - t_j)` for each class.
    pt: Vec<f64>,
    /// The bound on `|m dZ_j - (p_j - t_j)|` before the division by `m`
    /// (the `2 eta` is added by the caller).
    dz_bound: Vec<f64>,
    /// The row's loss `l_i` and the bound `beta_i` on its error.
    l: f64,
    beta: f64,
}

fn row<T: TestFloat>(z: &[T], label: usize) -> Row {
    let u = T::UNIT_ROUNDOFF;
    let c = z.len();
    let z: Vec<f64> = z.iter().map(|v| v.to_f64()).collect();
    let mut top = 0;
    for j in 1..c {
        if z[j] > z[top] {
            top = j;
        }
    }
    // a_j = mx - z_j exactly, as (hi, lo); e_j = exp(-a_j).
    let a: Vec<(f64, f64)> = z.iter().map(|&v| two_sum(z[top], -v)).collect();
    let e: Vec<f64> = a.iter().map(|&(h, l)| (-h).exp() * (-l).exp()).collect();
    let rest: f64 = (0..c).filter(|&j| j != top).map(|j| e[j]).sum();
    let s = 1.0 + rest;
    let p: Vec<f64> = e.iter().map(|&x| x / s).collect();
    let ah: Vec<f64> = a.iter().map(|&(h, _)| h).collect();
    // sigma: the relative error of the computed s.
    let mut sigma = gamma::<T>((c - 1) as f64);
    for j in (0..c).filter(|&j| j != top) {
        if p[j] > 0.0 {
            sigma += p[j] * (EXP_U + ah[j]) * u;
        }
    }
    let pt: Vec<f64> = (0..c)
        .map(|j| p[j] - if j == label { 1.0 } else { 0.0 })
        .collect();
    let dz_bound = (0..c)
        .map(|j| {
            let rel = if p[j] > 0.0 {
                p[j] * ((EXP_U + ah[j] + 1.0) * u + sigma)
            } else {
                0.0
            };
            rel + 2.0 * u * pt[j].abs()
        })
        .collect();
    let ln_s = rest.ln_1p();
    let l = ln_s + ah[label];
    let beta = sigma + LN_U * u * ln_s + u * ah[label] + u * l;
    Row {
        pt,
        dz_bound,
        l,
        beta,
    }
}

/// The worst ratio of error to bound over `dZ` and the loss, after
/// checking that every backend gives the same bits.
fn ratios<T: TestFloat>(z: &[T], c: usize, labels: &[u32]) -> (f64, f64) {
    let m = labels.len();
    let u = T::UNIT_ROUNDOFF;
    let mut out: Option<(T, Vec<T>)> = None;
    for k in backends() {
        let mut dz = vec![T::ZERO; m * c];
        let loss = k
            .softmax_cross_entropy(
                Matrix::from_rows(z, m, c).unwrap(),
                labels,
                MatrixMut::from_rows(&mut dz, m, c).unwrap(),
            )
            .unwrap();
        match &out {
            None => out = Some((loss, dz)),
            Some((l0, d0)) => assert!(same(loss, *l0) && same_all(&dz, d0), "{k:?}"),
        }
    }
    let (loss, dz) = out.unwrap();
    let mf = m as f64;
    // The rows' losses summed exactly enough (two-sum), since the mean
    // of f64 losses would round as the kernel's does.
    let (mut worst_dz, mut sum_l, mut sum_lo, mut sum_beta) = (0.0f64, 0.0, 0.0, 0.0);
    for i in 0..m {
        let r = row(&z[i * c..][..c], labels[i] as usize);
        for j in 0..c {
            let err = (dz[i * c + j].to_f64() - r.pt[j] / mf).abs();
            let bound = r.dz_bound[j] / mf + 2.0 * T::ETA;
            worst_dz = worst_dz.max(fraction(err, bound));
        }
        let (hi, lo) = two_sum(sum_l, r.l);
        (sum_l, sum_lo) = (hi, sum_lo + lo);
        sum_beta += r.beta;
    }
    let want = (sum_l + sum_lo) / mf;
    let bound = gamma::<T>((m - 1) as f64) * want + u * want + sum_beta / mf;
    (fraction((loss.to_f64() - want).abs(), bound), worst_dz)
}

/// `err / bound`, 0 for no error under a bound of 0.
fn fraction(err: f64, bound: f64) -> f64 {
    if err == 0.0 { 0.0 } else { err / bound }
}

/// Random logits of every size class, on every backend: within the bounds.
fn random<T: TestFloat>() {
    let mut g = Gen::from_size_and_seed(64, 5);
    let (mut wl, mut wd) = (0.0f64, 0.0f64);
    for _ in 0..(qc_tests() / 10).max(100) {
        let m = 1 + usize::arbitrary(&mut g) % 40;
        let c = 1 + usize::arbitrary(&mut g) % 70;
        let scale = [0.01, 1.0, 10.0, 80.0][usize::arbitrary(&mut g) % 4];
        let z: Vec<T> = (0..m * c)
            .map(|_| T::from_f64((f64::from(i32::arbitrary(&mut g)) / f64::from(i32::MAX)) * scale))
            .collect();
        let labels: Vec<u32> = (0..m).map(|_| u32::arbitrary(&mut g) % c as u32).collect();
        let (l, d) = ratios(&z, c, &labels);
        assert!(
            l <= 1.0 && d <= 1.0,
            "m {m} c {c} scale {scale}: loss {l}, dz {d}"
        );
        (wl, wd) = (wl.max(l), wd.max(d));
    }
    eprintln!(
        "{}: worst fraction of the bound, loss {wl:.3}, dZ {wd:.3}",
        T::NAME
    );
}

#[test]
fn f32_random_within_bounds() {
    random::<f32>();
}

#[test]
fn f64_random_within_bounds() {
    random::<f64>();
}

/// The rounding of `s`: the maximum first (`s` is summed in increasing
/// `j`), then `c - 1` terms just under
/// half an ulp of 1, so every addition rounds down to 1 and the loss is 0
/// while the exact loss is `ln(1 + (c - 1) e)`: the `gamma(c - 1)` of the
/// bound, reached to within `u` per row.
fn sum_reached<T: TestFloat>() {
    let u = T::UNIT_ROUNDOFF;
    for c in [2usize, 8, 64] {
        let a = T::from_f64(-(u * (1.0 - 1.0 / 256.0)).ln());
        let m = 3;
        let mut z = vec![T::ZERO; m * c];
        for zi in z.chunks_exact_mut(c) {
            for v in &mut zi[1..] {
                *v = T::ZERO - a;
            }
        }
        let labels = vec![0; m];
        let (l, d) = ratios(&z, c, &labels);
        assert!(l <= 1.0 && d <= 1.0, "c {c}: loss {l}, dz {d}");
        assert!(l >= 0.95, "c {c}: the loss reaches only {l} of its bound");
        eprintln!("{} c {c}: the loss reaches {l:.3} of its bound", T::NAME);
    }
}

#[test]
fn f32_sum_reaches_its_bound() {
    sum_reached::<f32>();
}

#[test]
fn f64_sum_reaches_its_bound() {
    sum_reached::<f64>();
}

/// The sequential mean: a first row of loss about 8, then rows of loss
/// just under half an ulp of 8, each added to the running sum and lost:
/// the `gamma(m - 1)` of the bound (the rows' own `beta` holds the rest).
fn mean_reached<T: TestFloat>() {
    let u = T::UNIT_ROUNDOFF;
    let m = 1000;
    let a = T::from_f64(-(8.0 * u * (1.0 - 1.0 / 64.0)).ln());
    let mut z = vec![T::from_f64(8.0), T::ZERO];
    let mut labels = vec![0; m];
    labels[0] = 1;
    for _ in 1..m {
        z.extend([T::ZERO, T::ZERO - a]);
    }
    let (l, d) = ratios(&z, 2, &labels);
    assert!(l <= 1.0 && d <= 1.0, "loss {l}, dz {d}");
    assert!(l >= 0.8, "the mean reaches only {l} of its bound");
    eprintln!("{}: the mean reaches {l:.3} of its bound", T::NAME);
}

#[test]
fn f32_mean_reaches_its_bound() {
    mean_reached::<f32>();
}

#[test]
fn f64_mean_reaches_its_bound() {
    mean_reached::<f64>();
}

/// The rounding of `a = mx - z` near 32, which `exp` turns into a relative
/// error of up to `a u` in `e` and so in `dZ`: `mx` just under half an ulp
/// of 32 and `z` a few ulp below -32, so that the difference rounds down
/// by almost half an ulp.
fn difference_reached<T: TestFloat>() {
    let u = T::UNIT_ROUNDOFF;
    let mx = T::from_f64(32.0 * u * (1.0 - 1.0 / 64.0));
    let (mut z, mut labels) = (Vec::new(), Vec::new());
    for q in 1..=16 {
        z.extend([mx, T::from_f64(-(32.0 + 64.0 * u * f64::from(q)))]);
        labels.push(0);
    }
    let (l, d) = ratios(&z, 2, &labels);
    assert!(l <= 1.0 && d <= 1.0, "loss {l}, dz {d}");
    assert!(d >= 0.75, "dZ reaches only {d} of its bound");
    eprintln!("{}: dZ reaches {d:.3} of its bound", T::NAME);
}

#[test]
fn f32_difference_reaches_its_bound() {
    difference_reached::<f32>();
}

#[test]
fn f64_difference_reaches_its_bound() {
    difference_reached::<f64>();
}
