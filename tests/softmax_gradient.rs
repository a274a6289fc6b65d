//! The one-pass softmax-regression gradient: the contract's steps S1-S5
//! written out here (logit chains, per-block partials, the block tree, the
//! means), every backend bit for bit, 1-16 threads, the gradient against an
//! f64 reference, the documented bound (random inputs and inputs built to
//! reach it), and shape and label errors that write nothing.

mod common;

use common::*;
use dotgrad::{Error, Kernels, Matrix, MatrixMut};
use quickcheck::{Arbitrary, Gen};

/// A problem: `x` `m x d`, `w` `d x c`, `b`, labels below `c`.
#[derive(Clone, Debug)]
struct Case<T> {
    m: usize,
    d: usize,
    c: usize,
    x: Vec<T>,
    w: Vec<T>,
    b: Vec<T>,
    labels: Vec<u32>,
}

impl<T: TestFloat> Arbitrary for Case<T> {
    fn arbitrary(g: &mut Gen) -> Self {
        let dim = |g: &mut Gen, lo: usize, hi: usize| lo + usize::arbitrary(g) % (hi - lo + 1);
        // Up to four row blocks (R = 256), tile edges of both gemms in d
        // and c, and a few wide cases.
        let (m, d, c) = match u8::arbitrary(g) % 5 {
            0 => (dim(g, 1, 6), dim(g, 0, 5), dim(g, 1, 4)),
            1 | 2 => (dim(g, 1, 300), dim(g, 0, 40), dim(g, 1, 14)),
            3 => (dim(g, 250, 1100), dim(g, 1, 20), dim(g, 1, 12)),
            _ => (dim(g, 1, 80), dim(g, 60, 140), dim(g, 20, 40)),
        };
        let mix = if bool::arbitrary(g) {
            Mix::Plain
        } else {
            Mix::Zeros
        };
        // Inputs scaled to keep logits moderate (the softmax's own range
        // is tested in tests/layers.rs); zeros and subnormals still occur.
        let small = |g: &mut Gen| {
            let v: T = value(g, mix);
            let f = v.to_f64();
            if f.abs() > 4.0 {
                T::from_f64(f.signum() * (1.0 + f.abs().log2().min(3.0)))
            } else {
                v
            }
        };
        let x = (0..m * d).map(|_| small(g)).collect();
        let w = (0..d * c)
            .map(|_| T::from_f64(small(g).to_f64() / 4.0))
            .collect();
        let b = (0..c).map(|_| small(g)).collect();
        let labels = (0..m).map(|_| u32::arbitrary(g) % c as u32).collect();
        Case {
            m,
            d,
            c,
            x,
            w,
            b,
            labels,
        }
    }
}

/// `(gw, gb, loss)` on `k`, outputs starting at 7 so unwritten cells show.
fn run<T: TestFloat>(k: Kernels, c: &Case<T>) -> (Vec<T>, Vec<T>, T) {
    let x = Matrix::from_rows(&c.x, c.m, c.d).unwrap();
    let w = Matrix::from_rows(&c.w, c.d, c.c).unwrap();
    let mut gw = vec![T::from_f64(7.0); c.d * c.c];
    let mut gb = vec![T::from_f64(7.0); c.c];
    let loss = k
        .softmax_gradient(
            x,
            &c.labels,
            w,
            &c.b,
            MatrixMut::from_rows(&mut gw, c.d, c.c).unwrap(),
            &mut gb,
        )
        .unwrap();
    (gw, gb, loss)
}

fn same_run<T: TestFloat>(a: &(Vec<T>, Vec<T>, T), b: &(Vec<T>, Vec<T>, T)) -> bool {
    same_all(&a.0, &b.0) && same_all(&a.1, &b.1) && same(a.2, b.2)
}

/// A block's partials `(G, g_b, l)`, `G` `d x c` row-major.
type Part<T> = (Vec<T>, Vec<T>, T);

/// The canonical block tree over blocks `lo..hi` (contract section 3),
/// written out: split at the largest power of two below the length.
fn tree<T: TestFloat>(lo: usize, hi: usize, block: &impl Fn(usize) -> Part<T>) -> Part<T> {
    if hi - lo == 1 {
        return block(lo);
    }
    let mut p = 1;
    while 2 * p < hi - lo {
        p *= 2;
    }
    let (mut l, r) = (tree(lo, lo + p, block), tree(lo + p, hi, block));
    for (a, b) in l.0.iter_mut().zip(&r.0) {
        *a = *a + *b;
    }
    for (a, b) in l.1.iter_mut().zip(&r.1) {
        *a = *a + *b;
    }
    (l.0, l.1, l.2 + r.2)
}

/// Row `i`'s S1 (the logit chains from `b[j]` over `p`) and S2: writes
/// `D[i]` into `dz` and returns `l_i`, from the scalar
/// `softmax_cross_entropy` of that one row (its X1-X5; with `m = 1` the
/// `/ m` and the mean are exact).
fn row_d<T: TestFloat>(c: &Case<T>, i: usize, dz: &mut [T]) -> T {
    let (d, cc) = (c.d, c.c);
    let xi = &c.x[i * d..(i + 1) * d];
    let z: Vec<T> = (0..cc)
        .map(|j| {
            let mut s = c.b[j];
            for (p, &xv) in xi.iter().enumerate() {
                s = T::fma(xv, c.w[p * cc + j], s);
            }
            s
        })
        .collect();
    scalar()
        .softmax_cross_entropy(
            Matrix::from_rows(&z, 1, cc).unwrap(),
            &c.labels[i..i + 1],
            MatrixMut::from_rows(dz, 1, cc).unwrap(),
        )
        .unwrap()
}

/// S1-S5 literally: each row by [`row_d`], the rest written out here.
fn literal<T: TestFloat>(c: &Case<T>) -> (Vec<T>, Vec<T>, T) {
    let (m, d, cc) = (c.m, c.d, c.c);
    const R: usize = 256;
    let block = |q: usize| -> Part<T> {
        let mut g = vec![T::ZERO; d * cc];
        let mut gb = vec![T::ZERO; cc];
        let mut l = T::ZERO;
        for i in q * R..((q + 1) * R).min(m) {
            let xi = &c.x[i * d..(i + 1) * d];
            let mut dz = vec![T::ZERO; cc];
            let li = row_d(c, i, &mut dz);
            for p in 0..d {
                for j in 0..cc {
                    g[p * cc + j] = T::fma(xi[p], dz[j], g[p * cc + j]);
                }
            }
            for j in 0..cc {
                gb[j] = gb[j] + dz[j];
            }
            l = l + li;
        }
        (g, gb, l)
    };
    let (g, gb, l) = tree(0, m.div_ceil(R), &block);
    let mt = T::from_usize(m);
    (
        g.iter().map(|&v| v / mt).collect(),
        gb.iter().map(|&v| v / mt).collect(),
        l / mt,
    )
}

fn contract_and_backends<T: TestFloat>(cases: u64) {
    let backends = backends();
    check_n(cases, |c: Case<T>| {
        let want = literal(&c);
        if !same_run(&run(scalar(), &c), &want) {
            eprintln!("scalar differs from the literal contract");
            return false;
        }
        backends.iter().all(|&k| {
            let ok = same_run(&run(k, &c), &want);
            if !ok {
                eprintln!("{:?} differs from the contract", k.isa());
            }
            ok
        })
    });
}

#[test]
fn every_backend_is_the_contract_f32() {
    contract_and_backends::<f32>((qc_tests() / 20).max(40));
}

#[test]
fn every_backend_is_the_contract_f64() {
    contract_and_backends::<f64>((qc_tests() / 40).max(20));
}

/// The gradient and loss against f64 evaluated directly (exp, ln from
/// libm, sums in row order): `gw`, `gb` within a few ulp of the largest
/// term's scale, the loss relative to its size.
#[test]
fn matches_f64_reference() {
    check_n((qc_tests() / 40).max(20), |c: Case<f32>| {
        let (m, d, cc) = (c.m, c.d, c.c);
        let (gw, gb, loss) = run(Kernels::best(), &c);
        let f = |v: f32| f64::from(v);
        let mut rg = vec![0.0f64; d * cc];
        let mut scale = vec![0.0f64; d * cc];
        let mut rb = vec![0.0f64; cc];
        let mut rl = 0.0f64;
        for i in 0..m {
            let xi = &c.x[i * d..(i + 1) * d];
            let z: Vec<f64> = (0..cc)
                .map(|j| f(c.b[j]) + (0..d).map(|p| f(xi[p]) * f(c.w[p * cc + j])).sum::<f64>())
                .collect();
            let mx = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = z.iter().map(|&v| (v - mx).exp()).sum();
            let label = c.labels[i] as usize;
            rl += s.ln() + mx - z[label];
            for j in 0..cc {
                let dv = (z[j] - mx).exp() / s - if j == label { 1.0 } else { 0.0 };
                rb[j] += dv;
                for p in 0..d {
                    rg[p * cc + j] += f(xi[p]) * dv;
                    scale[p * cc + j] += f(xi[p]).abs();
                }
            }
        }
        let mf = m as f64;
        // D is within ~1e-6 absolute (f32 logits, exp, division), times the
        // sum of |x|; plus f32 roundings of the sums.
        let tol = |s: f64| 4e-6 * s / mf + 1e-30;
        let ok_w = (0..d * cc).all(|q| (f(gw[q]) - rg[q] / mf).abs() <= tol(scale[q]));
        let ok_b = (0..cc).all(|j| (f(gb[j]) - rb[j] / mf).abs() <= tol(mf));
        let ok_l = (f(loss) - rl / mf).abs() <= 1e-5 * (rl / mf).abs().max(1.0);
        if !(ok_w && ok_b && ok_l) {
            eprintln!("w {ok_w} b {ok_b} loss {ok_l}: {loss} vs {}", rl / mf);
        }
        ok_w && ok_b && ok_l
    });
}

/// The documented bound of `gw` against the exact `1/m sum_i X[i][p]
/// D̂[i][j]` for the computed `D̂` (each row by [`row_d`]):
/// `(gamma(k) sum |X D̂| + (1 + gamma(k)) m eta / 2) / m + u |gw| + eta`,
/// `k = 256 + ceil(log2(blocks))`, on every backend.
fn within_bound<T: TestFloat>(cases: u64) {
    let u = T::UNIT_ROUNDOFF;
    check_n(cases, |c: Case<T>| {
        let (m, d, cc) = (c.m, c.d, c.c);
        let blocks = m.div_ceil(256);
        let k =
            256 + (usize::BITS - (blocks - 1).leading_zeros()) as usize * usize::from(blocks > 1);
        let gamma = gamma::<T>(k as f64);
        // D̂, row by row.
        let mut dhat = vec![T::ZERO; m * cc];
        for (i, dz) in dhat.chunks_exact_mut(cc).enumerate() {
            row_d(&c, i, dz);
        }
        let mf = m as f64;
        backends().into_iter().all(|kern| {
            let (gw, _, _) = run(kern, &c);
            (0..d).all(|p| {
                (0..cc).all(|j| {
                    let x: Vec<T> = (0..m).map(|i| c.x[i * d + p]).collect();
                    let y: Vec<T> = (0..m).map(|i| dhat[i * cc + j]).collect();
                    let got = gw[p * cc + j].to_f64();
                    // |got - r/m| = |m got - r| / m, with m got exact as a
                    // TwoProduct and r the unrounded double-double.
                    let (hi, lo) = dot_reference_dd(&x, &y);
                    let mg = got * mf;
                    let mge = got.mul_add(mf, -mg);
                    let err = ((mg - hi) + (mge - lo)).abs() / mf;
                    let sa = sum_abs(&x, &y);
                    let bound = (gamma * sa + (1.0 + gamma) * mf * T::ETA / 2.0) / mf
                        + u * got.abs()
                        + T::ETA;
                    if err > bound {
                        eprintln!(
                            "{:?} gw[{p}][{j}]: error {err:e} > bound {bound:e}",
                            kern.isa()
                        );
                    }
                    err <= bound
                })
            })
        })
    });
}

#[test]
fn gradient_within_bound_f32() {
    within_bound::<f32>((qc_tests() / 50).max(20));
}

#[test]
fn gradient_within_bound_f64() {
    within_bound::<f64>((qc_tests() / 100).max(10));
}

/// Inputs built to reach the `gw` bound. At `W = 0`, `b = 0` and every
/// label `c - 1` (`c` a power of two), `D[i][j] = 1/c` exactly for
/// `j < c - 1`. Row 0 of every 256-row block has `X = c` (product 1), the
/// other 255 rows `X = c x` with `x` just below half an ulp of 1 (product
/// `x`), so every addition of a block's chain rounds down to 1: each block
/// loses `255 x`, the block tree adds the ones exactly, and `m` is a power
/// of two, so `gw = 1/256` exactly where the exact value is `(1 + 255 x) /
/// 256`: the relative term, less `(k - 255) / k` of it. Then every product
/// `eta / 2` rounds (to even) to `+0.0`: `gw = 0` where the exact value is
/// `eta / 2`, a third of the bound (whose last `eta` covers the division).
/// Every backend, class counts on both fused widths and the gemm path.
fn bound_reached<T: TestFloat>() {
    let u = T::UNIT_ROUNDOFF;
    let x = u * (1.0 - 1.0 / 1024.0);
    for c in [2usize, 4, 32, 64] {
        for blocks in [1usize, 2, 4] {
            let (m, d) = (256 * blocks, 3);
            let mf = m as f64;
            let k = 256 + blocks.trailing_zeros() as usize;
            let gamma = gamma::<T>(k as f64);
            let bound = |sa: f64, got: f64| {
                (gamma * sa + (1.0 + gamma) * mf * T::ETA / 2.0) / mf + u * got.abs() + T::ETA
            };
            let cf = c as f64;
            let chain = |i: usize| if i.is_multiple_of(256) { cf } else { cf * x };
            let tiny = |_: usize| cf * T::ETA / 2.0;
            for (what, xv) in [("chain", &chain as &dyn Fn(usize) -> f64), ("tiny", &tiny)] {
                let case = Case {
                    m,
                    d,
                    c,
                    x: (0..m * d).map(|q| T::from_f64(xv(q / d))).collect(),
                    w: vec![T::ZERO; d * c],
                    b: vec![T::ZERO; c],
                    labels: vec![(c - 1) as u32; m],
                };
                // The exact sum of X D over the rows, and of |X D|.
                let exact: f64 = (0..m).map(|i| xv(i) / cf).sum();
                for kern in backends() {
                    let (gw, _, _) = run(kern, &case);
                    for p in 0..d {
                        for j in 0..c - 1 {
                            let got = gw[p * c + j].to_f64();
                            let (want, err) = if what == "chain" {
                                (1.0 / 256.0, 255.0 * blocks as f64 * x / mf)
                            } else {
                                (0.0, T::ETA / 2.0)
                            };
                            assert!(
                                got == want && (want != 0.0 || gw[p * c + j].bits() == 0),
                                "{:?} {what} c={c} m={m}: gw[{p}][{j}] = {got:e}, not {want:e}",
                                kern.isa()
                            );
                            let b = bound(exact, got);
                            let floor = if what == "chain" { 0.97 } else { 0.33 };
                            assert!(
                                err <= b && err >= floor * b,
                                "{:?} {what} c={c} m={m}: error {err:e} vs bound {b:e}",
                                kern.isa()
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn gradient_bound_reached_f32() {
    bound_reached::<f32>();
}

#[test]
fn gradient_bound_reached_f64() {
    bound_reached::<f64>();
}

/// At `W = 0`, `b = 0` every probability is exactly `1/c` for `c` a power
/// of two, so the gradient is known in closed form.
#[test]
fn closed_form_at_zero_weights() {
    for k in backends() {
        let (m, d, c) = (600, 3, 4);
        let x: Vec<f64> = (0..m * d).map(|q| (q % 7) as f64).collect();
        let labels: Vec<u32> = (0..m).map(|i| (i % 4) as u32).collect();
        let w = vec![0.0f64; d * c];
        let case = Case {
            m,
            d,
            c,
            x: x.clone(),
            w,
            b: vec![0.0; c],
            labels: labels.clone(),
        };
        let (gw, gb, loss) = run(k, &case);
        assert!((loss - 4f64.ln()).abs() < 1e-14, "{loss}");
        for p in 0..d {
            for j in 0..c {
                let want: f64 = (0..m)
                    .map(|i| {
                        x[i * d + p] * (0.25 - if labels[i] as usize == j { 1.0 } else { 0.0 })
                    })
                    .sum::<f64>()
                    / m as f64;
                assert!((gw[p * c + j] - want).abs() < 1e-13, "{p} {j}");
            }
        }
        assert!(gb.iter().all(|&v| v == 0.0), "{gb:?}");
    }
}

#[test]
fn errors_write_nothing() {
    let k = Kernels::best();
    let xd = [1.0f32; 6];
    let x = Matrix::from_rows(&xd, 2, 3).unwrap();
    let wd = [0.5f32; 12];
    let w = Matrix::from_rows(&wd, 3, 4).unwrap();
    let b = [0.0f32; 4];
    let (mut gw, mut gb) = ([7.0f32; 12], [7.0f32; 4]);
    let mut call =
        |x: Matrix<'_, f32>, labels: &[u32], w: Matrix<'_, f32>, b: &[f32], gw_rows, gb_len| {
            let (gwm, gbs) = (
                MatrixMut::from_rows(&mut gw, gw_rows, 12 / gw_rows).unwrap(),
                &mut gb[..gb_len],
            );
            k.softmax_gradient(x, labels, w, b, gwm, gbs).unwrap_err()
        };
    let e = call(x, &[0], w, &b, 3, 4);
    assert!(
        matches!(
            e,
            Error::Shape {
                op: "softmax_gradient",
                expected: 2,
                found: 1,
                ..
            }
        ),
        "{e}"
    );
    let e = call(x, &[0, 4], w, &b, 3, 4);
    assert_eq!(
        e.to_string(),
        "softmax_gradient: label 4 of row 1 is not below the number of classes (4)"
    );
    assert!(matches!(
        call(x, &[0, 1], w, &b[..3], 3, 4),
        Error::Shape { .. }
    ));
    assert!(matches!(call(x, &[0, 1], w, &b, 4, 4), Error::Shape { .. }));
    assert!(matches!(call(x, &[0, 1], w, &b, 3, 3), Error::Shape { .. }));
    let w2 = Matrix::from_rows(&wd, 4, 3).unwrap();
    assert!(matches!(
        call(x, &[0, 1], w2, &b[..3], 4, 3),
        Error::Shape { .. }
    ));
    let x0 = Matrix::from_rows(&xd, 0, 3).unwrap();
    assert!(matches!(call(x0, &[], w, &b, 3, 4), Error::Shape { .. }));
    let wc0 = Matrix::from_rows(&wd, 3, 0).unwrap();
    let e = call(x, &[0, 0], wc0, &[], 3, 0);
    assert!(e.to_string().contains("at least one class"), "{e}");
    assert_eq!((gw, gb), ([7.0; 12], [7.0; 4]));
}

/// 1, 2, 3, 4, 7 and 16 threads give the sequential bits (1-byte tasks, so
/// every split of the tree happens).
#[cfg(feature = "rayon")]
#[test]
fn same_bits_for_every_thread_count() {
    use dotgrad::Par;
    check_n((qc_tests() / 200).max(5), |c: Case<f32>| {
        backends().into_iter().all(|k| {
            let want = run(k, &c);
            [1usize, 2, 3, 4, 7, 16].into_iter().all(|n| {
                let kt = k.with_par(Par::Threads(n)).unwrap().with_task_bytes(1);
                same_run(&run(kt, &c), &want)
            })
        })
    });
}
