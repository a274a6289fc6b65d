//! `axpy` and `scale`: every backend bit-identical to Scalar (including the
//! elements around the slice, which must never be written), one rounding per
//! element, and the edge cases.

mod common;

use common::*;
use dotgrad::{Error, Isa, Kernels};

fn scalar() -> Kernels {
    Kernels::new(Isa::Scalar).unwrap()
}

/// Elements on each side of the slice under test; any write to them is a bug.
const GUARD: usize = 17;

/// A sentinel no kernel would produce from the generated inputs by accident.
fn sentinel<T: TestFloat>() -> T {
    T::from_f64(-1.2345678e-3)
}

/// `data` surrounded by sentinels: `GUARD + offset` before (so the slice
/// keeps the generated misalignment), `GUARD` after.
struct Guarded<T> {
    buf: Vec<T>,
    start: usize,
    len: usize,
}

impl<T: TestFloat> Guarded<T> {
    fn new(s: &Shifted<T>) -> Self {
        let data = s.slice();
        let start = GUARD + s.offset;
        let mut buf = vec![sentinel::<T>(); start + data.len() + GUARD];
        buf[start..start + data.len()].copy_from_slice(data);
        Guarded {
            buf,
            start,
            len: data.len(),
        }
    }
    fn slice(&self) -> &[T] {
        &self.buf[self.start..self.start + self.len]
    }
    fn slice_mut(&mut self) -> &mut [T] {
        &mut self.buf[self.start..self.start + self.len]
    }
    fn guards_intact(&self) -> bool {
        let s = sentinel::<T>();
        self.buf[..self.start]
            .iter()
            .chain(&self.buf[self.start + self.len..])
            .all(|&x| same(x, s))
    }
}

fn axpy_matches_scalar<T: TestFloat>(isa: Isa) {
    let Some(k) = kernels(isa) else { return };
    check(move |p: Pair<T>| {
        let x = p.a.slice();
        let mut want = Guarded::new(&p.b);
        scalar().axpy(p.alpha, x, want.slice_mut()).unwrap();
        let mut got = Guarded::new(&p.b);
        k.axpy(p.alpha, x, got.slice_mut()).unwrap();
        got.guards_intact() && same_all(got.slice(), want.slice())
    });
}

fn scale_matches_scalar<T: TestFloat>(isa: Isa) {
    let Some(k) = kernels(isa) else { return };
    check(move |p: Pair<T>| {
        let mut want = Guarded::new(&p.a);
        scalar().scale(p.alpha, want.slice_mut());
        let mut got = Guarded::new(&p.a);
        k.scale(p.alpha, got.slice_mut());
        got.guards_intact() && same_all(got.slice(), want.slice())
    });
}

/// One test per (op, type, backend); a backend this CPU lacks is skipped.
macro_rules! per_isa {
    ($($isa:expr => $axpy32:ident, $axpy64:ident, $scale32:ident, $scale64:ident;)*) => {$(
        #[test]
        fn $axpy32() {
            axpy_matches_scalar::<f32>($isa);
        }
        #[test]
        fn $axpy64() {
            axpy_matches_scalar::<f64>($isa);
        }
        #[test]
        fn $scale32() {
            scale_matches_scalar::<f32>($isa);
        }
        #[test]
        fn $scale64() {
            scale_matches_scalar::<f64>($isa);
        }
    )*};
}

per_isa! {
    Isa::Avx2 => axpy_f32_avx2_matches_scalar, axpy_f64_avx2_matches_scalar,
        scale_f32_avx2_matches_scalar, scale_f64_avx2_matches_scalar;
    Isa::Avx512 => axpy_f32_avx512_matches_scalar, axpy_f64_avx512_matches_scalar,
        scale_f32_avx512_matches_scalar, scale_f64_avx512_matches_scalar;
    Isa::Neon => axpy_f32_neon_matches_scalar, axpy_f64_neon_matches_scalar,
        scale_f32_neon_matches_scalar, scale_f64_neon_matches_scalar;
}

/// The correctly rounded f32 of the exact `p + y`, where `p` and `y` are f64
/// values (for f32 inputs `p = alpha * x` is exact in f64).
///
/// Rounding `p + y` to f64 and then to f32 would round twice, and that is
/// wrong when the f64 sum lands exactly on an f32 midpoint while the exact
/// sum is not on it. TwoSum gives the exact sum as `s + e`; every f32
/// midpoint is an f64, so only that tie needs `e` to break it.
fn round_sum_to_f32(p: f64, y: f64) -> f32 {
    let s = p + y;
    let r = s as f32;
    if !s.is_finite() {
        return r;
    }
    // TwoSum: p + y == s + e exactly.
    let bb = s - p;
    let e = (p - (s - bb)) + (y - bb);
    if e == 0.0 || f64::from(r) == s {
        return r;
    }
    // Neighbours of s in f32, and whether s is their midpoint.
    let (lo, hi) = if f64::from(r) < s {
        (r, r.next_up())
    } else {
        (r.next_down(), r)
    };
    if lo.is_infinite() || hi.is_infinite() {
        return r; // s beyond the finite range: overflow decided by s alone
    }
    let mid = (f64::from(lo) + f64::from(hi)) / 2.0;
    if s != mid {
        return r;
    }
    if e > 0.0 { hi } else { lo }
}

#[test]
fn round_sum_to_f32_breaks_ties_by_the_lost_bits() {
    // 1 + 2^-11 + 2^-24 is an f32 midpoint; 2^-60 more must round up.
    let p = 1.0 + 2f64.powi(-11) + 2f64.powi(-24);
    let up = (1.0 + 2f64.powi(-11) + 2f64.powi(-23)) as f32;
    let down = (1.0 + 2f64.powi(-11)) as f32;
    assert_eq!(round_sum_to_f32(p, 2f64.powi(-60)), up);
    assert_eq!(round_sum_to_f32(p, -(2f64.powi(-60))), down);
    assert_eq!(round_sum_to_f32(p, 0.0), down); // a true tie: to even
    // The naive double rounding gets the first case wrong.
    assert_eq!((p + 2f64.powi(-60)) as f32, down);
}

/// Every element of `axpy` is the correctly rounded `alpha * x + y`: the
/// product of two f32 is exact in f64, and the sum is rounded once.
#[test]
fn axpy_f32_correctly_rounded() {
    let ks: Vec<Kernels> = available().map(|i| Kernels::new(i).unwrap()).collect();
    check(move |p: Pair<f32>| {
        let (x, y0) = (p.a.slice(), p.b.slice());
        let want: Vec<f32> = x
            .iter()
            .zip(y0)
            .map(|(&x, &y)| round_sum_to_f32(f64::from(p.alpha) * f64::from(x), f64::from(y)))
            .collect();
        ks.iter().all(|k| {
            let mut y = y0.to_vec();
            k.axpy(p.alpha, x, &mut y).unwrap();
            same_all(&y, &want)
        })
    });
}

/// Every element of `scale` is the correctly rounded `alpha * x`.
#[test]
fn scale_f32_correctly_rounded() {
    let ks: Vec<Kernels> = available().map(|i| Kernels::new(i).unwrap()).collect();
    check(move |p: Pair<f32>| {
        let x0 = p.a.slice();
        let want: Vec<f32> = x0
            .iter()
            .map(|&x| (f64::from(p.alpha) * f64::from(x)) as f32)
            .collect();
        ks.iter().all(|k| {
            let mut x = x0.to_vec();
            k.scale(p.alpha, &mut x);
            same_all(&x, &want)
        })
    });
}

fn for_every_isa(f: impl Fn(Kernels)) {
    for isa in available() {
        f(Kernels::new(isa).unwrap());
    }
}

#[test]
fn axpy_f32_fma_single_rounding() {
    // alpha * x = 1 + 2^-11 + 2^-24 exactly (an f32 midpoint), y = 2^-60:
    // the fused result rounds up; a separate multiply and add would round
    // the product to even first and lose the 2^-60.
    let a = 1.0 + 2f32.powi(-12);
    let y0 = 2f32.powi(-60);
    let want = (1.0 + 2f64.powi(-11) + 2f64.powi(-23)) as f32;
    for_every_isa(|k| {
        for n in [1usize, 7, 8, 16, 17, 64, 65, 200] {
            let x = vec![a; n];
            let mut y = vec![y0; n];
            k.axpy(a, &x, &mut y).unwrap();
            assert!(y.iter().all(|&v| v == want), "{:?} n={n}", k.isa());
        }
    });
}

#[test]
fn axpy_f32_misaligned() {
    // Every pair of start offsets 0..16 (in elements), lengths around the
    // register widths, values that are exact so the result is known.
    let s = scalar();
    for n in [
        0usize, 1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 129, 1000,
    ] {
        for ox in 0..16 {
            for oy in 0..16 {
                let xs: Vec<f32> = (0..n + ox).map(|i| (i % 13) as f32 - 6.0).collect();
                let ys: Vec<f32> = (0..n + oy + 3).map(|i| (i % 11) as f32 * 0.5).collect();
                let x = &xs[ox..];
                let want: Vec<f32> = x
                    .iter()
                    .zip(&ys[oy..oy + n])
                    .map(|(&x, &y)| 0.25 * x + y)
                    .collect();
                let mut ref_y = ys.clone();
                s.axpy(0.25, x, &mut ref_y[oy..oy + n]).unwrap();
                assert_eq!(&ref_y[oy..oy + n], &want[..]);
                for_every_isa(|k| {
                    let mut y = ys.clone();
                    k.axpy(0.25, x, &mut y[oy..oy + n]).unwrap();
                    assert_eq!(y, ref_y, "{:?} n={n} ox={ox} oy={oy}", k.isa());
                    let mut z = ys.clone();
                    k.scale(-3.0, &mut z[oy..oy + n]);
                    let mut ref_z = ys.clone();
                    s.scale(-3.0, &mut ref_z[oy..oy + n]);
                    assert_eq!(z, ref_z, "scale {:?} n={n} oy={oy}", k.isa());
                });
            }
        }
    }
}

fn tail_lengths<T: TestFloat>() {
    // Every tail 0..=3W+1, exact values so the result is known; the element
    // after the slice must stay untouched.
    for n in 0..=3 * T::W + 1 {
        let x: Vec<T> = (0..n).map(|i| T::from_f64((i % 7) as f64 - 3.0)).collect();
        let y0: Vec<T> = (0..=n).map(|i| T::from_f64((i % 5) as f64 + 1.0)).collect();
        let alpha = T::from_f64(2.0);
        let want: Vec<T> = (0..=n)
            .map(|i| {
                if i < n {
                    T::from_f64(2.0 * ((i % 7) as f64 - 3.0) + ((i % 5) as f64 + 1.0))
                } else {
                    y0[n]
                }
            })
            .collect();
        let scaled: Vec<T> = (0..=n)
            .map(|i| if i < n { alpha * y0[i] } else { y0[n] })
            .collect();
        for_every_isa(|k| {
            let mut y = y0.clone();
            k.axpy(alpha, &x, &mut y[..n]).unwrap();
            assert!(same_all(&y, &want), "axpy {:?} n={n}", k.isa());
            let mut z = y0.clone();
            k.scale(alpha, &mut z[..n]);
            assert!(same_all(&z, &scaled), "scale {:?} n={n}", k.isa());
        });
    }
}

#[test]
fn axpy_f32_tail_lengths() {
    tail_lengths::<f32>();
}

#[test]
fn axpy_f64_tail_lengths() {
    tail_lengths::<f64>();
}

#[test]
fn axpy_special_values() {
    for_every_isa(|k| {
        let x = [
            f32::INFINITY,
            f32::NAN,
            1.0,
            0.0,
            -0.0,
            f32::MAX,
            f32::from_bits(1),
        ];
        let mut y = [1.0f32, 1.0, f32::NEG_INFINITY, -0.0, -0.0, f32::MAX, 0.0];
        k.axpy(2.0, &x, &mut y).unwrap();
        assert_eq!(y[0], f32::INFINITY);
        assert!(y[1].is_nan());
        assert_eq!(y[2], f32::NEG_INFINITY);
        assert_eq!(y[3].to_bits(), 0.0f32.to_bits()); // 2*0 + -0 = +0
        assert_eq!(y[4].to_bits(), (-0.0f32).to_bits()); // 2*-0 + -0 = -0
        assert_eq!(y[5], f32::INFINITY); // overflow
        assert_eq!(y[6], f32::from_bits(2)); // subnormals kept
        let mut z = [f64::INFINITY, -0.0, 1e-320];
        k.axpy(0.0, &[1.0f64, 1.0, 1.0], &mut z).unwrap();
        assert_eq!(z[0], f64::INFINITY);
        assert_eq!(z[1].to_bits(), 0.0f64.to_bits());
        assert_eq!(z[2], 1e-320);
        let mut w = [f64::INFINITY, 3.0, -0.0];
        k.scale(0.0, &mut w);
        assert!(w[0].is_nan());
        assert_eq!(w[1].to_bits(), 0.0f64.to_bits());
        assert_eq!(w[2].to_bits(), (-0.0f64).to_bits());
    });
}

#[test]
fn axpy_mismatched_lengths_is_error_and_y_untouched() {
    for_every_isa(|k| {
        let x = [1.0f32, 2.0, 3.0];
        let mut y = [7.0f32, 8.0];
        let err = k.axpy(1.0, &x, &mut y).unwrap_err();
        assert_eq!(
            err,
            Error::LengthMismatch {
                op: "axpy",
                left: ("x", 3),
                right: ("y", 2)
            }
        );
        let msg = err.to_string();
        assert!(
            msg.contains("axpy") && msg.contains('3') && msg.contains('2'),
            "{msg}"
        );
        assert_eq!(y, [7.0, 8.0]);

        // Longer y, and a large case so a kernel could not "finish the
        // common prefix" unnoticed.
        let x = vec![1.0f64; 1000];
        let mut y = vec![5.0f64; 1001];
        assert!(k.axpy(3.0, &x, &mut y).is_err());
        assert!(y.iter().all(|&v| v == 5.0));
        assert!(dotgrad::axpy(3.0, &x[..1], &mut y).is_err());
        assert!(y.iter().all(|&v| v == 5.0));
    });
}

#[test]
fn axpy_free_functions_use_best() {
    let x: Vec<f32> = (0..1000).map(|i| i as f32 * 0.1).collect();
    let mut y: Vec<f32> = (0..1000).map(|i| 1.0 - i as f32).collect();
    let mut want = y.clone();
    scalar().axpy(1.5, &x, &mut want).unwrap();
    dotgrad::axpy(1.5, &x, &mut y).unwrap();
    assert_eq!(y, want);
    scalar().scale(0.3, &mut want);
    dotgrad::scale(0.3, &mut y);
    assert_eq!(y, want);
    assert_eq!(Kernels::best().isa(), Isa::best());
}
