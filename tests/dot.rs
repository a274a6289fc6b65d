//! `dot`: every backend bit-identical to Scalar, the accuracy bound, edge cases.

mod common;

use common::*;
use dotgrad::{Element, Error, Isa, Kernels, dot_error_bound};

fn scalar() -> Kernels {
    Kernels::new(Isa::Scalar).unwrap()
}

fn matches_scalar<T: TestFloat>(isa: Isa) {
    let Some(k) = kernels(isa) else { return };
    check(move |p: Pair<T>| {
        let (a, b) = (p.a.slice(), p.b.slice());
        same(k.dot(a, b).unwrap(), scalar().dot(a, b).unwrap())
    });
}

/// One test per (type, backend); a backend this CPU lacks is skipped.
macro_rules! per_isa {
    ($($name32:ident, $name64:ident => $isa:expr;)*) => {$(
        #[test]
        fn $name32() {
            matches_scalar::<f32>($isa);
        }
        #[test]
        fn $name64() {
            matches_scalar::<f64>($isa);
        }
    )*};
}

per_isa! {
    dot_f32_avx2_matches_scalar, dot_f64_avx2_matches_scalar => Isa::Avx2;
    dot_f32_avx512_matches_scalar, dot_f64_avx512_matches_scalar => Isa::Avx512;
    dot_f32_neon_matches_scalar, dot_f64_neon_matches_scalar => Isa::Neon;
}

/// The bound of contract section 5, on ordinary inputs.
fn within_bound<T: TestFloat>() {
    check(|p: Pair<T>| {
        let (a, b) = (p.a.slice(), p.b.slice());
        let (r, sa) = (dot_reference(a, b), sum_abs(a, b));
        if !r.is_finite() || !sa.is_finite() {
            return true; // special values: covered by the bit-exact tests
        }
        let bound = dot_error_bound::<T>(a.len(), sa).unwrap();
        available().all(|isa| {
            let d = Kernels::new(isa).unwrap().dot(a, b).unwrap().to_f64();
            (d - r).abs() <= bound
        })
    });
}

#[test]
fn dot_f32_within_bound() {
    within_bound::<f32>();
}

#[test]
fn dot_f64_within_bound() {
    within_bound::<f64>();
}

/// Ill-conditioned sums: large terms that cancel, leaving a small exact
/// result, so the relative error of the result is huge while the absolute
/// error must still respect the bound.
fn ill_conditioned<T: TestFloat>() {
    let (mut g, _seed) = seeded_gen();
    for case in 0..200 {
        let n = [7usize, 64, 65, 1000, 4097, 20_000][case % 6];
        let mut a: Vec<T> = Vec::with_capacity(2 * n + 1);
        let mut b: Vec<T> = Vec::with_capacity(2 * n + 1);
        for _ in 0..n {
            let x: T = value(&mut g, Mix::Plain);
            let y: T = value(&mut g, Mix::Plain);
            let big = T::from_f64(1e6);
            a.push(x * big);
            b.push(y);
            a.push(x * big);
            b.push(-y);
        }
        a.push(T::from_f64(1.0));
        b.push(T::from_f64(3.0));
        // Interleave so cancelling pairs fall in different lanes.
        let k = (case * 7) % a.len();
        a.rotate_left(k);
        let r = dot_reference(&a, &b);
        let bound = dot_error_bound::<T>(a.len(), sum_abs(&a, &b)).unwrap();
        for isa in available() {
            let d = Kernels::new(isa).unwrap().dot(&a, &b).unwrap().to_f64();
            assert!(
                (d - r).abs() <= bound,
                "{isa} n={} d={d} r={r} bound={bound}",
                a.len()
            );
        }
    }
}

#[test]
fn dot_f32_ill_conditioned_within_bound() {
    ill_conditioned::<f32>();
}

#[test]
fn dot_f64_ill_conditioned_within_bound() {
    ill_conditioned::<f64>();
}

fn for_every_isa(f: impl Fn(Kernels)) {
    for isa in available() {
        f(Kernels::new(isa).unwrap());
    }
}

#[test]
fn dot_empty_is_positive_zero() {
    for_every_isa(|k| {
        assert_eq!(k.dot::<f32>(&[], &[]).unwrap().to_bits(), 0);
        assert_eq!(k.dot::<f64>(&[], &[]).unwrap().to_bits(), 0);
    });
}

#[test]
fn dot_single_element() {
    for_every_isa(|k| {
        assert_eq!(k.dot(&[3.0f32], &[-2.0]).unwrap(), -6.0);
        assert_eq!(k.dot(&[3.0f64], &[-2.0]).unwrap(), -6.0);
    });
}

#[test]
fn dot_negative_zero_lane_folds_to_positive_zero() {
    // One tiny negative product rounds to -0.0 in lane 0; the fold adds the
    // other (+0.0) lanes, so the canonical result is +0.0 on every backend.
    for_every_isa(|k| {
        let r = k.dot(&[-1e-30f32], &[1e-30]).unwrap();
        assert_eq!(r.to_bits(), 0.0f32.to_bits(), "{:?}", k.isa());
        let r = k.dot(&[-1e-200f64, 0.0], &[1e-200, 5.0]).unwrap();
        assert_eq!(r.to_bits(), 0.0f64.to_bits(), "{:?}", k.isa());
    });
}

/// Signed zeros in every lane of every length up to two stripes: products
/// that round to `-0.0` (`tiny * -tiny`), exact `-0.0` products and ones,
/// in three patterns. Which registers of the stripe hold `+0.0` decides
/// the sign of the result, so a short call's fold (which leaves out the
/// `+0.0` registers) must give the scalar fold's bits at every length.
fn signed_zero_lanes<T: TestFloat>(tiny: f64) {
    let s = scalar();
    let (tiny, one, neg_zero) = (T::from_f64(tiny), T::from_f64(1.0), T::from_f64(-0.0));
    let mut signs = [false; 2];
    for n in 0..=2 * T::W {
        for pattern in 0..3usize {
            let (mut a, mut b) = (vec![T::ZERO; n], vec![T::ZERO; n]);
            for j in 0..n {
                let (x, y) = match (pattern, j % 3) {
                    (0, _) => (tiny, -tiny),
                    (1, 0) | (2, 1) => (neg_zero, one),
                    (1, _) => (tiny, -tiny),
                    _ => (T::ZERO, one),
                };
                a[j] = x;
                b[j] = y;
            }
            let want = s.dot(&a, &b).unwrap();
            if pattern == 0 && n > 0 {
                signs[usize::from(want.bits() == neg_zero.bits())] = true;
            }
            for_every_isa(|k| {
                let got = k.dot(&a, &b).unwrap();
                assert_eq!(
                    got.bits(),
                    want.bits(),
                    "n={n} pattern {pattern} {:?}",
                    k.isa()
                );
            });
        }
    }
    // Both signs occur: -0.0 where every lane is -0.0 (a whole stripe),
    // +0.0 where the fold adds a +0.0 lane.
    assert_eq!(signs, [true, true]);
}

#[test]
fn dot_signed_zero_lanes_every_short_length() {
    signed_zero_lanes::<f32>(1e-30);
    signed_zero_lanes::<f64>(1e-200);
}

#[test]
fn dot_f32_tail_lengths() {
    // Every tail 0..=3W+1, exact integers so the value is known too.
    for n in 0..=3 * f32::W + 1 {
        let a: Vec<f32> = (0..n).map(|i| (i % 7) as f32 - 3.0).collect();
        let b: Vec<f32> = (0..n).map(|i| (i % 5) as f32 + 1.0).collect();
        let exact: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        for_every_isa(|k| assert_eq!(k.dot(&a, &b).unwrap(), exact, "n={n} {:?}", k.isa()));
    }
}

#[test]
fn dot_f64_tail_lengths() {
    for n in 0..=3 * f64::W + 1 {
        let a: Vec<f64> = (0..n).map(|i| (i % 7) as f64 - 3.0).collect();
        let b: Vec<f64> = (0..n).map(|i| (i % 5) as f64 + 1.0).collect();
        let exact: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        for_every_isa(|k| assert_eq!(k.dot(&a, &b).unwrap(), exact, "n={n} {:?}", k.isa()));
    }
}

#[test]
fn dot_exact_block_boundaries() {
    let s = scalar();
    for blocks in [1usize, 2, 3, 4, 5, 8, 9] {
        for d in [-1isize, 0, 1] {
            let n = (blocks * f32::E) as isize + d;
            let n = n as usize;
            let a: Vec<f32> = (0..n)
                .map(|i| ((i * 2654435761) % 1000) as f32 * 1e-3 - 0.5)
                .collect();
            let b: Vec<f32> = (0..n).map(|i| ((i * 40503) % 777) as f32 * 1e-2).collect();
            let want = s.dot(&a, &b).unwrap();
            for_every_isa(|k| assert!(same(k.dot(&a, &b).unwrap(), want), "n={n} {:?}", k.isa()));
            let a: Vec<f64> = a.iter().map(|&x| f64::from(x) * 1.1).collect();
            let b: Vec<f64> = b.iter().map(|&x| f64::from(x)).collect();
            let want = s.dot(&a, &b).unwrap();
            for_every_isa(|k| assert!(same(k.dot(&a, &b).unwrap(), want), "n={n} {:?}", k.isa()));
        }
    }
}

#[test]
fn dot_overflow_to_infinity() {
    for_every_isa(|k| {
        let a = vec![3e38f32; 100];
        assert_eq!(k.dot(&a, &a).unwrap(), f32::INFINITY);
        let a = vec![1e300f64; 3];
        let b = vec![-1e300f64; 3];
        assert_eq!(k.dot(&a, &b).unwrap(), f64::NEG_INFINITY);
    });
}

#[test]
fn dot_nan_propagates() {
    for_every_isa(|k| {
        for pos in [0usize, 1, 63, 64, 100, 5000] {
            let mut a = vec![1.0f32; 5001];
            let b = vec![2.0f32; 5001];
            a[pos] = f32::NAN;
            assert!(k.dot(&a, &b).unwrap().is_nan(), "pos={pos}");
        }
        // inf * 0 is NaN too.
        assert!(k.dot(&[f64::INFINITY, 1.0], &[0.0, 1.0]).unwrap().is_nan());
        // inf - inf across lanes.
        assert!(
            k.dot(&[f64::INFINITY, f64::INFINITY], &[1.0, -1.0])
                .unwrap()
                .is_nan()
        );
    });
}

#[test]
fn dot_mismatched_lengths_is_error() {
    for_every_isa(|k| {
        let err = k.dot(&[1.0f32, 2.0], &[1.0]).unwrap_err();
        assert_eq!(
            err,
            Error::LengthMismatch {
                op: "dot",
                left: ("a", 2),
                right: ("b", 1)
            }
        );
        let msg = err.to_string();
        assert!(
            msg.contains('2') && msg.contains('1') && msg.contains("dot"),
            "{msg}"
        );
    });
}

#[test]
fn dot_error_bound_grows_with_blocks() {
    let one = dot_error_bound::<f32>(4096, 1.0).unwrap();
    let two = dot_error_bound::<f32>(4097, 1.0).unwrap();
    assert!(two > one);
    // k = 64 + 0 + 6 = 70 for one f32 block.
    let u = 2f64.powi(-24);
    assert!((one - 70.0 * u / (1.0 - 70.0 * u)).abs() < 1e-12);
}

#[test]
fn dot_concurrent_first_use_agrees() {
    // Many threads make their first call together; all see one backend and
    // one result.
    let a: Vec<f32> = (0..10_000).map(|i| (i as f32 * 0.37).sin()).collect();
    let b: Vec<f32> = (0..10_000).map(|i| (i as f32 * 0.11).cos()).collect();
    let barrier = std::sync::Barrier::new(16);
    let results: Vec<(Isa, u32)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..16)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let d = dotgrad::dot(&a, &b).unwrap();
                    (Isa::best(), d.to_bits())
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(results.windows(2).all(|w| w[0] == w[1]), "{results:?}");
    assert_eq!(results[0].1, scalar().dot(&a, &b).unwrap().to_bits());
}

/// A buffer whose element `0` sits on a 64-byte boundary.
fn aligned<T: TestFloat>(data: &[T], pad: usize) -> (Vec<T>, usize) {
    let mut v = vec![T::ZERO; data.len() + pad + 64];
    let start = v.as_ptr().align_offset(64);
    v[start + pad..start + pad + data.len()].copy_from_slice(data);
    (v, start + pad)
}

/// Every pair of start offsets within a cache line, at lengths that cover
/// the head, whole stripes, block ends and a partial last chunk: the
/// address-aware AVX-512 schedule (equal misalignment) and the plain one
/// (different misalignment) must both equal Scalar.
fn misalignment_pairs<T: TestFloat>() {
    let (mut g, _seed) = seeded_gen();
    let per_line = 64 / std::mem::size_of::<T>();
    let s = scalar();
    for n in [
        T::W - 1,
        T::W,
        T::W + 1,
        3 * T::W + 5,
        6 * T::W - 1, // around the rotated schedule's thresholds
        6 * T::W,
        12 * T::W - 1,
        12 * T::W + 3,
        T::E - 3,
        T::E + 17,
        3 * T::E + 77,
    ] {
        for mix in [
            (Mix::Plain, Mix::Plain),
            (Mix::NegTiny, Mix::PosTiny),
            (Mix::Zeros, Mix::Zeros),
        ] {
            let a: Vec<T> = (0..n).map(|_| value(&mut g, mix.0)).collect();
            let b: Vec<T> = (0..n).map(|_| value(&mut g, mix.1)).collect();
            let want = s.dot(&a, &b).unwrap();
            for oa in 0..per_line {
                for ob in 0..per_line {
                    let (va, sa) = aligned(&a, oa);
                    let (vb, sb) = aligned(&b, ob);
                    let (x, y) = (&va[sa..sa + n], &vb[sb..sb + n]);
                    for_every_isa(|k| {
                        let got = k.dot(x, y).unwrap();
                        assert!(
                            same(got, want),
                            "{:?} n={n} offsets {oa},{ob}: {got:?} vs {want:?}",
                            k.isa()
                        );
                    });
                }
            }
        }
    }
}

#[test]
fn dot_f32_misaligned_offset_pairs() {
    misalignment_pairs::<f32>();
}

#[test]
fn dot_f64_misaligned_offset_pairs() {
    misalignment_pairs::<f64>();
}

#[test]
fn dot_f32_underflowing_products_within_bound() {
    // 500 products of 0.375 * eta each round to zero: the result is 0 while
    // the exact value is 187.5 * eta. The bound's underflow term (one eta/2
    // per FMA) covers it; a `k * eta` term (70 * eta) would not.
    let a = vec![2f32.powi(-75); 500];
    let b = vec![0.75 * 2f32.powi(-75); 500];
    let exact = 500.0 * 0.75 * 2f64.powi(-150);
    let bound = dot_error_bound::<f32>(500, exact).unwrap();
    assert!(bound >= exact);
    for_every_isa(|k| {
        let d = k.dot(&a, &b).unwrap();
        assert!(
            (f64::from(d) - exact).abs() <= bound,
            "{:?}: {d:e}",
            k.isa()
        );
    });
}
