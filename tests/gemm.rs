//! `gemm` and `gemm_acc`: every backend this CPU has against the scalar
//! reference, bit for bit (shapes across every tile edge and cache block,
//! both transposes, padded strides, signed zeros, subnormals, NaN and
//! infinities); the values of hand-made cases; shape errors that leave `C`
//! alone; thread counts (with the `rayon` feature); and the accuracy bound
//! on inputs built to approach it.

mod common;

use common::*;
use dotgrad::{Error, Isa, Kernels, Matrix, MatrixMut, Trans};
use quickcheck::{Arbitrary, Gen};

/// One product: `op(A)` is `m x k`, `op(B)` is `k x n`, `C` is `m x n`,
/// each stored row-major with `pad` extra elements per row (filled with a
/// marker that must survive).
#[derive(Clone, Debug)]
struct Case<T> {
    m: usize,
    n: usize,
    k: usize,
    ta: Trans,
    tb: Trans,
    pad: [usize; 3],
    acc: bool,
    a: Vec<T>,
    b: Vec<T>,
    c: Vec<T>,
}

const MARK: f64 = 12345.0;

impl<T: TestFloat> Case<T> {
    /// Stored (rows, cols) of `A` and `B`.
    fn dims(&self) -> ((usize, usize), (usize, usize)) {
        let a = match self.ta {
            Trans::No => (self.m, self.k),
            Trans::Yes => (self.k, self.m),
        };
        let b = match self.tb {
            Trans::No => (self.k, self.n),
            Trans::Yes => (self.n, self.k),
        };
        (a, b)
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        g: &mut Gen,
        (m, n, k): (usize, usize, usize),
        ta: Trans,
        tb: Trans,
        pad: [usize; 3],
        acc: bool,
        mix: Mix,
    ) -> Self {
        let mut case = Case {
            m,
            n,
            k,
            ta,
            tb,
            pad,
            acc,
            a: Vec::new(),
            b: Vec::new(),
            c: Vec::new(),
        };
        let ((ar, ac), (br, bc)) = case.dims();
        let fill = |g: &mut Gen, rows: usize, cols: usize, pad: usize| -> Vec<T> {
            let mut v = Vec::with_capacity(rows * (cols + pad));
            for _ in 0..rows {
                for _ in 0..cols {
                    v.push(value(g, mix));
                }
                v.extend(std::iter::repeat_n(T::from_f64(MARK), pad));
            }
            v
        };
        case.a = fill(g, ar, ac, pad[0]);
        case.b = fill(g, br, bc, pad[1]);
        case.c = fill(g, m, n, pad[2]);
        case
    }

    /// `C` after the call on `kern` (the whole buffer, padding included).
    fn run(&self, kern: Kernels) -> Vec<T> {
        let ((ar, ac), (br, bc)) = self.dims();
        let a = Matrix::new(&self.a, ar, ac, ac + self.pad[0]).unwrap();
        let b = Matrix::new(&self.b, br, bc, bc + self.pad[1]).unwrap();
        let mut c = self.c.clone();
        let cm = MatrixMut::new(&mut c, self.m, self.n, self.n + self.pad[2]).unwrap();
        if self.acc {
            kern.gemm_acc(a, self.ta, b, self.tb, cm).unwrap();
        } else {
            kern.gemm(a, self.ta, b, self.tb, cm).unwrap();
        }
        c
    }

    fn op_a(&self, i: usize, p: usize) -> T {
        let s = self.dims().0.1 + self.pad[0];
        match self.ta {
            Trans::No => self.a[i * s + p],
            Trans::Yes => self.a[p * s + i],
        }
    }

    fn op_b(&self, p: usize, j: usize) -> T {
        let s = self.dims().1.1 + self.pad[1];
        match self.tb {
            Trans::No => self.b[p * s + j],
            Trans::Yes => self.b[j * s + p],
        }
    }
}

/// A dimension: mostly across the tile edges (1..=70), sometimes 0, and
/// sometimes past a cache block.
fn dim(g: &mut Gen) -> usize {
    match u32::arbitrary(g) % 20 {
        0 => 0,
        1..=15 => 1 + usize::arbitrary(g) % 70,
        _ => 70 + usize::arbitrary(g) % 200,
    }
}

fn trans(g: &mut Gen) -> Trans {
    if bool::arbitrary(g) {
        Trans::Yes
    } else {
        Trans::No
    }
}

impl<T: TestFloat> Arbitrary for Case<T> {
    fn arbitrary(g: &mut Gen) -> Self {
        let (mut m, mut n, mut k) = (dim(g), dim(g), dim(g));
        // At most one dimension past a block, so that a case stays small.
        if m > 70 && n > 70 {
            n %= 70;
        }
        if k > 70 && (m > 70 || n > 70) {
            m %= 71;
            n %= 71;
        }
        if u32::arbitrary(g) % 10 == 0 {
            k = 250 + usize::arbitrary(g) % 300; // past the k blocks (128, 256)
        }
        let pad = [0, 1, 2].map(|_| {
            if bool::arbitrary(g) {
                0
            } else {
                1 + usize::arbitrary(g) % 17
            }
        });
        let mix = match u32::arbitrary(g) % 6 {
            0 | 1 => Mix::Plain,
            2 | 3 => Mix::Zeros,
            4 => Mix::Special,
            _ => Mix::NegTiny,
        };
        let (ta, tb, acc) = (trans(g), trans(g), bool::arbitrary(g));
        Case::build(g, (m, n, k), ta, tb, pad, acc, mix)
    }
}

/// Cases per bit-exactness property: a twentieth of `qc_tests` (each case
/// runs the scalar reference, a software FMA per term), at least 50.
fn cases() -> u64 {
    (qc_tests() / 20).max(50)
}

fn matches_scalar<T: TestFloat>(isa: Isa) {
    let Some(kern) = kernels(isa) else {
        return;
    };
    check_n(cases(), |case: Case<T>| {
        let want = case.run(scalar());
        let got = case.run(kern);
        same_all(&got, &want)
    });
}

macro_rules! bitexact {
    ($($name:ident: $t:ty, $isa:expr;)*) => {$(
        #[test]
        fn $name() {
            matches_scalar::<$t>($isa);
        }
    )*};
}

bitexact! {
    gemm_f32_avx2_matches_scalar: f32, Isa::Avx2;
    gemm_f32_avx512_matches_scalar: f32, Isa::Avx512;
    gemm_f32_neon_matches_scalar: f32, Isa::Neon;
    gemm_f64_avx2_matches_scalar: f64, Isa::Avx2;
    gemm_f64_avx512_matches_scalar: f64, Isa::Avx512;
    gemm_f64_neon_matches_scalar: f64, Isa::Neon;
}

/// Every backend on one case, against the scalar reference.
fn all_match<T: TestFloat>(case: &Case<T>) {
    let want = case.run(scalar());
    for kern in backends() {
        let got = case.run(kern);
        assert!(
            same_all(&got, &want),
            "{:?}: m={} n={} k={} {:?} {:?} acc={}",
            kern.isa(),
            case.m,
            case.n,
            case.k,
            case.ta,
            case.tb,
            case.acc
        );
    }
}

/// Every `m x n` tile edge in 1..=40 at three depths, every depth in
/// 1..=70 at three shapes, both transposes of both operands.
fn edges<T: TestFloat>() {
    let mut g = Gen::from_size_and_seed(64, 7);
    for m in 1..=40 {
        for n in 1..=40 {
            for k in [1, 5, 33] {
                let t = [Trans::No, Trans::Yes][(m + n) % 2];
                let u = [Trans::No, Trans::Yes][(m + n + k) / 2 % 2];
                let case = Case::<T>::build(&mut g, (m, n, k), t, u, [0, 0, 0], k == 5, Mix::Zeros);
                all_match(&case);
            }
        }
    }
    for k in 1..=70 {
        for (m, n) in [(1, 1), (13, 30), (70, 17)] {
            for (ta, tb) in [
                (Trans::No, Trans::No),
                (Trans::Yes, Trans::No),
                (Trans::No, Trans::Yes),
                (Trans::Yes, Trans::Yes),
            ] {
                let case =
                    Case::<T>::build(&mut g, (m, n, k), ta, tb, [3, 0, 1], k % 2 == 0, Mix::Plain);
                all_match(&case);
            }
        }
    }
}

#[test]
fn gemm_f32_tile_edges() {
    edges::<f32>();
}

#[test]
fn gemm_f64_tile_edges() {
    edges::<f64>();
}

/// Shapes past every cache block of every backend: `m` past the `A`
/// block, `k` past several `k` blocks, `n` past the `B` block (4096 f32
/// columns on AVX-512), narrow `C` past the narrow path's `k` blocks, and
/// both sides of the size up to which a row-major `A` is read in place.
fn big<T: TestFloat>() {
    let mut g = Gen::from_size_and_seed(64, 11);
    for (shape, ta, tb, acc) in [
        ((400, 37, 300), Trans::No, Trans::No, false),
        ((390, 40, 530), Trans::Yes, Trans::No, true),
        ((25, 33, 1100), Trans::No, Trans::Yes, false),
        ((7, 4200, 3), Trans::No, Trans::No, true),
        ((5, 4150, 2), Trans::Yes, Trans::Yes, false),
        // The narrow (unpacked `A`) path past its `k` blocks (2048-8192).
        ((30, 9, 9000), Trans::No, Trans::No, true),
        ((21, 20, 5000), Trans::No, Trans::Yes, false),
        ((13, 3, 8500), Trans::No, Trans::No, false),
        // Transposed A and C of at most 14 columns (vectorised across the
        // rows of C): B read in place (an even row-major width), packed
        // (odd, or transposed), many row tiles and a last partial one.
        ((300, 10, 600), Trans::Yes, Trans::No, true),
        ((257, 7, 1000), Trans::Yes, Trans::Yes, false),
        ((129, 14, 700), Trans::Yes, Trans::No, false),
        // A row-major A of at most 1 MiB, read in place at any width on
        // the 32-register ISAs: many column panels and a partial last
        // one, k past a block (256), B stored both ways.
        ((40, 700, 300), Trans::No, Trans::No, true),
        ((75, 130, 200), Trans::No, Trans::Yes, false),
        // Just past 1 MiB (f32; 2.4 MiB f64): packed again.
        ((600, 40, 450), Trans::No, Trans::No, false),
    ] {
        let case = Case::<T>::build(&mut g, shape, ta, tb, [1, 2, 3], acc, Mix::Zeros);
        all_match(&case);
    }
}

#[test]
fn gemm_f32_cache_blocks() {
    big::<f32>();
}

#[test]
fn gemm_f64_cache_blocks() {
    big::<f64>();
}

/// The values themselves, on every backend: the literal chain for a few
/// elements, `K = 0`, signed zeros, subnormals, NaN and infinities.
fn values<T: TestFloat>() {
    let f = T::from_f64;
    for kern in backends() {
        let isa = kern.isa();
        // 2 x 3 times 3 x 2, and the chain order: fma(a2, b2, fma(a1, b1, fma(a0, b0, 0))).
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0].map(f);
        let b = [7.0, 8.0, 9.0, 10.0, 11.0, 12.0].map(f);
        let mut c = [f(0.5); 4];
        let am = Matrix::from_rows(&a, 2, 3).unwrap();
        let bm = Matrix::from_rows(&b, 3, 2).unwrap();
        kern.gemm(
            am,
            Trans::No,
            bm,
            Trans::No,
            MatrixMut::from_rows(&mut c, 2, 2).unwrap(),
        )
        .unwrap();
        assert_eq!(c, [58.0, 64.0, 139.0, 154.0].map(f), "{isa:?}");
        kern.gemm_acc(
            am,
            Trans::No,
            bm,
            Trans::No,
            MatrixMut::from_rows(&mut c, 2, 2).unwrap(),
        )
        .unwrap();
        assert_eq!(c, [116.0, 128.0, 278.0, 308.0].map(f), "{isa:?}");
        // A^T A (3 x 3) and A A^T (2 x 2).
        let mut c9 = [f(0.0); 9];
        kern.gemm(
            am,
            Trans::Yes,
            am,
            Trans::No,
            MatrixMut::from_rows(&mut c9, 3, 3).unwrap(),
        )
        .unwrap();
        assert_eq!(
            c9,
            [17.0, 22.0, 27.0, 22.0, 29.0, 36.0, 27.0, 36.0, 45.0].map(f),
            "{isa:?}"
        );
        kern.gemm(
            am,
            Trans::No,
            am,
            Trans::Yes,
            MatrixMut::from_rows(&mut c, 2, 2).unwrap(),
        )
        .unwrap();
        assert_eq!(c, [14.0, 32.0, 32.0, 77.0].map(f), "{isa:?}");

        // The order is the chain, not a tree: 1 + 2^-p1 ... with K = 3,
        // fma(1, x, fma(1, x, fma(1, 1, 0))) rounds twice to 1, while
        // 1 + (x + x) = 1 + 2x would not.
        let x = f(T::UNIT_ROUNDOFF); // half an ulp of 1: 1 + x ties to 1
        let a = [f(1.0); 3];
        let b = [f(1.0), x, x];
        let mut c1 = [f(7.0)];
        kern.gemm(
            Matrix::from_rows(&a, 1, 3).unwrap(),
            Trans::No,
            Matrix::from_rows(&b, 3, 1).unwrap(),
            Trans::No,
            MatrixMut::from_rows(&mut c1, 1, 1).unwrap(),
        )
        .unwrap();
        assert_eq!(c1[0], f(1.0), "{isa:?}");

        // K = 0: `gemm` writes +0.0 (also over -0.0 and NaN), `gemm_acc` leaves C.
        let empty: [T; 0] = [];
        let a0 = Matrix::new(&empty, 3, 0, 0).unwrap();
        let b0 = Matrix::new(&empty, 0, 2, 2).unwrap();
        let mut c6 = [-0.0, f64::NAN, 1.0, 2.0, 3.0, 4.0].map(f);
        kern.gemm_acc(
            a0,
            Trans::No,
            b0,
            Trans::No,
            MatrixMut::from_rows(&mut c6, 3, 2).unwrap(),
        )
        .unwrap();
        assert_eq!(c6[0].bits(), f(-0.0).bits(), "{isa:?}");
        assert!(c6[1].is_nan_() && c6[5] == f(4.0), "{isa:?}");
        kern.gemm(
            a0,
            Trans::No,
            b0,
            Trans::No,
            MatrixMut::from_rows(&mut c6, 3, 2).unwrap(),
        )
        .unwrap();
        assert!(c6.iter().all(|v| v.bits() == 0), "{isa:?}: {c6:?}");

        // Signed zeros. Products that are exactly -0.0 (a = -0.0): `gemm`
        // starts from +0.0 and -0.0 + +0.0 = +0.0, so C is +0.0;
        // `gemm_acc` from -0.0 keeps -0.0. Tiny negative products that
        // round to zero give -0.0 in both (the exact sum is negative).
        let (m, n, k) = (13, 37, 9);
        let negz = vec![f(-0.0); m * k];
        let ones = vec![f(1.0); k * n];
        let zm = Matrix::from_rows(&negz, m, k).unwrap();
        let om = Matrix::from_rows(&ones, k, n).unwrap();
        let mut c = vec![f(-0.0); m * n];
        kern.gemm_acc(
            zm,
            Trans::No,
            om,
            Trans::No,
            MatrixMut::from_rows(&mut c, m, n).unwrap(),
        )
        .unwrap();
        assert!(c.iter().all(|v| v.bits() == f(-0.0).bits()), "{isa:?}");
        kern.gemm(
            zm,
            Trans::No,
            om,
            Trans::No,
            MatrixMut::from_rows(&mut c, m, n).unwrap(),
        )
        .unwrap();
        assert!(c.iter().all(|v| v.bits() == 0), "{isa:?}");
        let tiny = if T::W == 64 { 1e-30 } else { 1e-170 };
        let a = vec![f(-tiny); m * k];
        let b = vec![f(tiny); k * n];
        let am = Matrix::from_rows(&a, m, k).unwrap();
        let bm = Matrix::from_rows(&b, k, n).unwrap();
        kern.gemm(
            am,
            Trans::No,
            bm,
            Trans::No,
            MatrixMut::from_rows(&mut c, m, n).unwrap(),
        )
        .unwrap();
        assert!(c.iter().all(|v| v.bits() == f(-0.0).bits()), "{isa:?}");
        let mut c = vec![f(0.0); m * n];
        kern.gemm_acc(
            am,
            Trans::No,
            bm,
            Trans::No,
            MatrixMut::from_rows(&mut c, m, n).unwrap(),
        )
        .unwrap();
        assert!(c.iter().all(|v| v.bits() == f(-0.0).bits()), "{isa:?}");

        // Subnormals: products and sums of subnormals are exact here.
        let eta = T::from_bits_(1);
        let a = vec![eta; m * k];
        let b = vec![f(3.0); k * n];
        kern.gemm(
            Matrix::from_rows(&a, m, k).unwrap(),
            Trans::No,
            Matrix::from_rows(&b, k, n).unwrap(),
            Trans::No,
            MatrixMut::from_rows(&mut c, m, n).unwrap(),
        )
        .unwrap();
        assert!(c.iter().all(|v| v.bits() == 27), "{isa:?}: {:?}", c[0]);

        // NaN and infinity stay in their row and column: A[4][2] = inf
        // meets B[2][j] = 0 for even j (NaN) and 1 for odd j (inf);
        // B[5][20] = NaN poisons column 20.
        let mut a = vec![f(1.0); m * k];
        a[4 * k + 2] = f(f64::INFINITY);
        let mut b: Vec<T> = (0..k * n).map(|i| f((i % n % 2) as f64)).collect();
        b[5 * n + 20] = f(f64::NAN);
        kern.gemm(
            Matrix::from_rows(&a, m, k).unwrap(),
            Trans::No,
            Matrix::from_rows(&b, k, n).unwrap(),
            Trans::No,
            MatrixMut::from_rows(&mut c, m, n).unwrap(),
        )
        .unwrap();
        for i in 0..m {
            for j in 0..n {
                let v = c[i * n + j];
                let want_nan = j == 20 || (i == 4 && j % 2 == 0);
                let want_inf = i == 4 && j % 2 == 1 && j != 20;
                assert_eq!(v.is_nan_(), want_nan, "{isa:?} ({i}, {j}): {v:?}");
                if want_inf {
                    assert_eq!(v.to_f64(), f64::INFINITY, "{isa:?} ({i}, {j})");
                } else if !want_nan {
                    assert_eq!(v, f(((j % 2) * k) as f64), "{isa:?} ({i}, {j})");
                }
            }
        }
    }
}

#[test]
fn gemm_f32_values() {
    values::<f32>();
}

#[test]
fn gemm_f64_values() {
    values::<f64>();
}

/// Shape errors name the dimensions and leave `C` untouched.
#[test]
fn gemm_shape_errors_leave_c() {
    let a = [1.0f32; 6];
    let am = Matrix::from_rows(&a, 2, 3).unwrap();
    for kern in backends() {
        let mut c = [7.0f32; 12];
        let cases: [(Trans, Trans, (usize, usize), Error); 4] = [
            // A (2x3) times A (2x3): 3 != 2.
            (
                Trans::No,
                Trans::No,
                (2, 3),
                Error::Shape {
                    op: "gemm",
                    what: "rows of op(b) vs columns of op(a)",
                    expected: 3,
                    found: 2,
                },
            ),
            // A^T A is 3 x 3; C 2 x 3.
            (
                Trans::Yes,
                Trans::No,
                (2, 3),
                Error::Shape {
                    op: "gemm",
                    what: "rows of `c` vs rows of op(a)",
                    expected: 3,
                    found: 2,
                },
            ),
            // A A^T is 2 x 2; C 2 x 3.
            (
                Trans::No,
                Trans::Yes,
                (2, 3),
                Error::Shape {
                    op: "gemm",
                    what: "columns of `c` vs columns of op(b)",
                    expected: 2,
                    found: 3,
                },
            ),
            // A^T A^T: 2 != 3.
            (
                Trans::Yes,
                Trans::Yes,
                (3, 2),
                Error::Shape {
                    op: "gemm",
                    what: "rows of op(b) vs columns of op(a)",
                    expected: 2,
                    found: 3,
                },
            ),
        ];
        for (ta, tb, (r, cc), want) in cases {
            let cm = MatrixMut::new(&mut c, r, cc, 4).unwrap();
            assert_eq!(kern.gemm(am, ta, am, tb, cm), Err(want));
            let cm = MatrixMut::new(&mut c, r, cc, 4).unwrap();
            let got = kern.gemm_acc(am, ta, am, tb, cm);
            let Error::Shape {
                what,
                expected,
                found,
                ..
            } = want
            else {
                unreachable!()
            };
            assert_eq!(
                got,
                Err(Error::Shape {
                    op: "gemm_acc",
                    what,
                    expected,
                    found
                })
            );
            assert_eq!(c, [7.0; 12], "{:?}", kern.isa());
        }
    }
    // The view itself is checked when it is made.
    let mut buf = [0.0f64; 5];
    assert!(MatrixMut::new(&mut buf, 2, 3, 2).is_err());
    assert!(MatrixMut::new(&mut buf, 2, 3, 3).is_err());
    assert_eq!(
        MatrixMut::from_rows(&mut buf, 3, 2).map(|_| ()),
        Err(Error::Shape {
            op: "MatrixMut::new",
            what: "data shorter than the matrix",
            expected: 6,
            found: 5
        })
    );
}

/// The bound `gamma(K) (|C0| + sum |a b|) + (1 + gamma(K)) K eta / 2`,
/// on random cases and on two built to come close to it: a chain where
/// every addition rounds down by almost `u` (the relative term), and one
/// where every product underflows to `+0.0` (the underflow term).
fn within_bound<T: TestFloat>() {
    let u = T::UNIT_ROUNDOFF;
    let gamma = |k: usize| k as f64 * u / (1.0 - k as f64 * u);
    let bound =
        |k: usize, sum_abs: f64| gamma(k) * sum_abs + (1.0 + gamma(k)) * k as f64 * T::ETA / 2.0;
    let kern = Kernels::best();
    // Random cases: every element against the high-precision reference.
    check_n(cases(), |case: Case<T>| {
        let mut g = Gen::from_size_and_seed(64, case.m as u64 * 1000 + case.k as u64);
        let case = Case::build(
            &mut g,
            (case.m, case.n, case.k),
            case.ta,
            case.tb,
            [0, 0, 0],
            case.acc,
            Mix::Plain,
        );
        let got = case.run(kern);
        for i in 0..case.m {
            for j in 0..case.n {
                let mut x: Vec<T> = (0..case.k).map(|p| case.op_a(i, p)).collect();
                let mut y: Vec<T> = (0..case.k).map(|p| case.op_b(p, j)).collect();
                if case.acc {
                    x.push(case.c[i * case.n + j]);
                    y.push(T::ONE);
                }
                let err = error_vs_reference(got[i * case.n + j].to_f64(), &x, &y);
                let b = bound(case.k, sum_abs(&x, &y));
                if err > b {
                    eprintln!("({i}, {j}) of {case:?}: error {err:e} > bound {b:e}");
                    return false;
                }
            }
        }
        true
    });

    // Every addition after the first rounds down by almost u: the chain is
    // 1, then K - 1 times + x with x just below half an ulp of 1.
    for k in [2usize, 10, 100, 1000] {
        let x = T::from_f64(u * (1.0 - 1.0 / 1024.0));
        let mut a = vec![T::ONE; k];
        a[0] = T::ONE;
        let mut b = vec![x; k];
        b[0] = T::ONE;
        let mut c = [T::ZERO];
        kern.gemm(
            Matrix::from_rows(&a, 1, k).unwrap(),
            Trans::No,
            Matrix::from_rows(&b, k, 1).unwrap(),
            Trans::No,
            MatrixMut::from_rows(&mut c, 1, 1).unwrap(),
        )
        .unwrap();
        // Every addition rounded down to 1: the error is (K - 1) x exactly
        // (an f64 reference could not hold 1 + (K - 1) x for f64).
        assert_eq!(c[0], T::ONE, "K={k}");
        let err = (k - 1) as f64 * x.to_f64();
        let bnd = bound(k, sum_abs(&a, &b));
        assert!(err <= bnd, "K={k}: {err:e} > {bnd:e}");
        // The relative term is nearly reached: (K - 1) / K of it, less a little.
        assert!(
            err >= 0.99 * (k - 1) as f64 / k as f64 * bnd,
            "K={k}: {err:e} far below {bnd:e}"
        );
    }

    // Every product is 0.375 eta, which rounds to +0.0: C = 0 where the
    // exact value is 0.375 K eta, three quarters of the underflow term.
    for k in [1usize, 7, 500] {
        let a = vec![T::from_f64(2f64.powi(-40)); k];
        let b = vec![T::from_f64(0.375 * T::ETA * 2f64.powi(40)); k];
        let mut c = [T::ONE];
        kern.gemm(
            Matrix::from_rows(&a, 1, k).unwrap(),
            Trans::No,
            Matrix::from_rows(&b, k, 1).unwrap(),
            Trans::No,
            MatrixMut::from_rows(&mut c, 1, 1).unwrap(),
        )
        .unwrap();
        assert_eq!(c[0].bits(), 0, "K={k}");
        let exact = 0.375 * k as f64 * T::ETA;
        let bnd = bound(k, exact);
        assert!(
            exact <= bnd && exact >= 0.7 * bnd,
            "K={k}: {exact:e} vs {bnd:e}"
        );
    }
}

#[test]
fn gemm_f32_within_bound() {
    within_bound::<f32>();
}

#[test]
fn gemm_f64_within_bound() {
    within_bound::<f64>();
}

/// 1, 2, 3, 4, 7 and 16 threads (an explicit pool each, and `Par::Threads`
/// in the global pool), with the least task size so that every row split
/// happens, give the sequential bits on every backend.
#[cfg(feature = "rayon")]
mod threads {
    use super::*;
    use dotgrad::Par;

    fn same_for_all_threads<T: TestFloat>() {
        let pools: Vec<rayon::ThreadPool> = [1, 2, 3, 4, 7, 16]
            .iter()
            .map(|&n| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .unwrap()
            })
            .collect();
        for kern in backends() {
            check_n((cases() / 10).max(10), |case: Case<T>| {
                let want = case.run(kern);
                for (n, pool) in [1, 2, 3, 4, 7, 16].iter().zip(&pools) {
                    for tb in [1, kern.task_bytes()] {
                        let kp = kern.with_par(Par::All).unwrap().with_task_bytes(tb);
                        let got = pool.install(|| case.run(kp));
                        let kt = kern.with_par(Par::Threads(*n)).unwrap().with_task_bytes(tb);
                        let got_t = case.run(kt);
                        if !same_all(&got, &want) || !same_all(&got_t, &want) {
                            eprintln!("{:?}, {n} threads, task bytes {tb}", kern.isa());
                            return false;
                        }
                    }
                }
                true
            });
            // One case with many row pieces on every pool.
            let mut g = Gen::from_size_and_seed(64, 3);
            let case = Case::<T>::build(
                &mut g,
                (301, 45, 70),
                Trans::Yes,
                Trans::No,
                [2, 0, 1],
                true,
                Mix::Zeros,
            );
            let want = case.run(kern);
            for pool in &pools {
                let kp = kern.with_par(Par::All).unwrap().with_task_bytes(1);
                assert!(same_all(&pool.install(|| case.run(kp)), &want));
            }
        }
    }

    #[test]
    fn gemm_f32_threads_match_sequential() {
        same_for_all_threads::<f32>();
    }

    #[test]
    fn gemm_f64_threads_match_sequential() {
        same_for_all_threads::<f64>();
    }
}
