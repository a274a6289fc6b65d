//! The dense layer (forward and backward) and the softmax cross-entropy:
//! the contract literally (each element's FMA chain written out here), every
//! backend bit for bit, 1-16 threads, values against f64 references, and
//! shape and label errors that write nothing.

mod common;

use common::*;
use dotgrad::{Error, Kernels, Matrix, MatrixMut};
use quickcheck::{Arbitrary, Gen};

/// A layer problem: `x` `m x d`, `w` `d x h`, `b`, `dy` `m x h`, logits
/// `z` `m x h` and labels below `h`.
#[derive(Clone, Debug)]
struct Layer {
    m: usize,
    d: usize,
    h: usize,
    x: Vec<f32>,
    w: Vec<f32>,
    b: Vec<f32>,
    dy: Vec<f32>,
    z: Vec<f32>,
    labels: Vec<u32>,
}

impl Arbitrary for Layer {
    fn arbitrary(g: &mut Gen) -> Self {
        let dim = |g: &mut Gen, max: usize| usize::arbitrary(g) % (max + 1);
        let (m, d, h) = match u8::arbitrary(g) % 4 {
            0 => (dim(g, 5), dim(g, 5), 1 + dim(g, 4)),
            1 | 2 => (dim(g, 40), dim(g, 70), 1 + dim(g, 30)),
            _ => (dim(g, 130), dim(g, 200), 1 + dim(g, 20)),
        };
        let mix = if bool::arbitrary(g) {
            Mix::Plain
        } else {
            Mix::Zeros
        };
        let mut v = |n: usize| -> Vec<f32> { (0..n).map(|_| value(g, mix)).collect() };
        let (x, w, b, dy) = (v(m * d), v(d * h), v(h), v(m * h));
        // Logits of moderate size (the softmax's own range tests are below).
        let z = (0..m * h)
            .map(|_| (i32::arbitrary(g) % 2000) as f32 / 100.0)
            .collect();
        let labels = (0..m).map(|_| u32::arbitrary(g) % h as u32).collect();
        Layer {
            m,
            d,
            h,
            x,
            w,
            b,
            dy,
            z,
            labels,
        }
    }
}

/// Everything a layer computes on `k`: `y`, `dw`, `db`, `dx`, `dz`, loss.
type Outs = (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>, f32);

fn run(k: Kernels, c: &Layer) -> Outs {
    let x = Matrix::from_rows(&c.x, c.m, c.d).unwrap();
    let w = Matrix::from_rows(&c.w, c.d, c.h).unwrap();
    let dy = Matrix::from_rows(&c.dy, c.m, c.h).unwrap();
    let mut y = vec![7.0f32; c.m * c.h];
    k.dense_forward(x, w, &c.b, MatrixMut::from_rows(&mut y, c.m, c.h).unwrap())
        .unwrap();
    let mut dw = vec![7.0f32; c.d * c.h];
    let mut db = vec![7.0f32; c.h];
    let mut dx = vec![7.0f32; c.m * c.d];
    k.dense_backward(
        x,
        w,
        dy,
        MatrixMut::from_rows(&mut dw, c.d, c.h).unwrap(),
        &mut db,
        Some(MatrixMut::from_rows(&mut dx, c.m, c.d).unwrap()),
    )
    .unwrap();
    let z = Matrix::from_rows(&c.z, c.m, c.h).unwrap();
    let mut dz = vec![7.0f32; c.m * c.h];
    let loss = k
        .softmax_cross_entropy(
            z,
            &c.labels,
            MatrixMut::from_rows(&mut dz, c.m, c.h).unwrap(),
        )
        .unwrap();
    (y, dw, db, dx, dz, loss)
}

fn same_outs(a: &Outs, b: &Outs) -> bool {
    same_all(&a.0, &b.0)
        && same_all(&a.1, &b.1)
        && same_all(&a.2, &b.2)
        && same_all(&a.3, &b.3)
        && same_all(&a.4, &b.4)
        && same(a.5, b.5)
}

/// The contract's chains written out: `y` from `b[j]`, `dw` over rows,
/// `dx` over the layer's outputs, each one `mul_add` (FMA) per step.
fn literal(c: &Layer) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (m, d, h) = (c.m, c.d, c.h);
    let mut y = vec![0.0f32; m * h];
    for i in 0..m {
        for j in 0..h {
            let mut s = c.b[j];
            for p in 0..d {
                s = c.x[i * d + p].mul_add(c.w[p * h + j], s);
            }
            y[i * h + j] = s;
        }
    }
    let mut dw = vec![0.0f32; d * h];
    for p in 0..d {
        for j in 0..h {
            let mut s = 0.0f32;
            for i in 0..m {
                s = c.x[i * d + p].mul_add(c.dy[i * h + j], s);
            }
            dw[p * h + j] = s;
        }
    }
    let mut dx = vec![0.0f32; m * d];
    for i in 0..m {
        for p in 0..d {
            let mut s = 0.0f32;
            for j in 0..h {
                s = c.dy[i * h + j].mul_add(c.w[p * h + j], s);
            }
            dx[i * d + p] = s;
        }
    }
    (y, dw, dx)
}

#[test]
fn every_backend_is_the_contract() {
    let backends = backends();
    check_n((qc_tests() / 10).max(50), |c: Layer| {
        let want = run(scalar(), &c);
        let (y, dw, dx) = literal(&c);
        // db is gemv_t of dY with a vector of ones.
        let mut db = vec![0.0f32; c.h];
        let dy = Matrix::from_rows(&c.dy, c.m, c.h).unwrap();
        scalar().gemv_t(dy, &vec![1.0; c.m], &mut db).unwrap();
        let literal_ok = same_all(&want.0, &y)
            && same_all(&want.1, &dw)
            && same_all(&want.3, &dx)
            && same_all(&want.2, &db);
        literal_ok
            && backends.iter().all(|&k| {
                let ok = same_outs(&run(k, &c), &want);
                if !ok {
                    eprintln!("{:?} differs from scalar", k.isa());
                }
                ok
            })
    });
}

/// The softmax against an f64 reference: probabilities and the loss.
#[test]
fn softmax_matches_f64() {
    check_n((qc_tests() / 10).max(50), |c: Layer| {
        let mut dz = vec![0.0f32; c.m * c.h];
        let z = Matrix::from_rows(&c.z, c.m, c.h).unwrap();
        let loss = scalar()
            .softmax_cross_entropy(
                z,
                &c.labels,
                MatrixMut::from_rows(&mut dz, c.m, c.h).unwrap(),
            )
            .unwrap();
        let mut total = 0.0f64;
        for i in 0..c.m {
            let row = &c.z[i * c.h..(i + 1) * c.h];
            let mx = row
                .iter()
                .fold(f64::NEG_INFINITY, |a, &v| a.max(f64::from(v)));
            let s: f64 = row.iter().map(|&v| (f64::from(v) - mx).exp()).sum();
            for (j, &v) in row.iter().enumerate() {
                let p = (f64::from(v) - mx).exp() / s;
                let t = if j == c.labels[i] as usize { 1.0 } else { 0.0 };
                let want = (p - t) / c.m as f64;
                let got = f64::from(dz[i * c.h + j]);
                // A few ulp of the larger of p and t, over m.
                if (got - want).abs() > 1e-6 / c.m as f64 {
                    eprintln!("row {i} col {j}: {got} vs {want}");
                    return false;
                }
            }
            total += s.ln() + mx - f64::from(row[c.labels[i] as usize]);
        }
        let want = if c.m == 0 { 0.0 } else { total / c.m as f64 };
        (f64::from(loss) - want).abs() <= 1e-5 * want.abs().max(1.0)
    });
}

#[test]
fn softmax_edges() {
    for k in backends() {
        // Equal logits: exactly 1/c each (e = 1, s = c), loss ln c.
        let z = [5.0f32; 4];
        let mut dz = [0.0f32; 4];
        let l = k
            .softmax_cross_entropy(
                Matrix::from_rows(&z, 1, 4).unwrap(),
                &[2],
                MatrixMut::from_rows(&mut dz, 1, 4).unwrap(),
            )
            .unwrap();
        assert_eq!(dz, [0.25, 0.25, -0.75, 0.25]);
        assert!((f64::from(l) - 4f64.ln()).abs() < 1e-6, "{l}");
        // Huge logits do not overflow (the maximum is subtracted first).
        let z = [1e30f32, -1e30, 0.0, 1e30];
        let mut dz = [0.0f32; 4];
        let l = k
            .softmax_cross_entropy(
                Matrix::from_rows(&z, 1, 4).unwrap(),
                &[1],
                MatrixMut::from_rows(&mut dz, 1, 4).unwrap(),
            )
            .unwrap();
        assert_eq!(dz, [0.5, -1.0, 0.0, 0.5]);
        assert_eq!(l, 2e30, "ln 2 + 2e30 rounds to 2e30");
        // One class: probability 1, loss 0, gradient 0.
        let z = [3.0f64, -2.0];
        let mut dz = [9.0f64; 2];
        let l = k
            .softmax_cross_entropy(
                Matrix::from_rows(&z, 2, 1).unwrap(),
                &[0, 0],
                MatrixMut::from_rows(&mut dz, 2, 1).unwrap(),
            )
            .unwrap();
        assert_eq!((l, dz), (0.0, [0.0, 0.0]));
        // No rows: loss +0.
        let l = k
            .softmax_cross_entropy(
                Matrix::from_rows(&[0.0f32; 0], 0, 3).unwrap(),
                &[],
                MatrixMut::from_rows(&mut [], 0, 3).unwrap(),
            )
            .unwrap();
        assert_eq!(l.to_bits(), 0);
    }
}

#[test]
fn errors_write_nothing() {
    let k = Kernels::best();
    let x = Matrix::from_rows(&[1.0f32; 6], 2, 3).unwrap();
    let w = Matrix::from_rows(&[1.0f32; 12], 3, 4).unwrap();
    let mut y = [7.0f32; 8];
    // b too short.
    let e = k
        .dense_forward(x, w, &[0.0; 3], MatrixMut::from_rows(&mut y, 2, 4).unwrap())
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Shape {
                op: "dense_forward",
                expected: 4,
                found: 3,
                ..
            }
        ),
        "{e}"
    );
    // y of the wrong shape.
    assert!(
        k.dense_forward(x, w, &[0.0; 4], MatrixMut::from_rows(&mut y, 4, 2).unwrap())
            .is_err()
    );
    assert_eq!(y, [7.0; 8]);
    // Backward: dx of the wrong shape, after valid dw and db: nothing written.
    let dy = Matrix::from_rows(&[1.0f32; 8], 2, 4).unwrap();
    let (mut dw, mut db, mut dx) = ([7.0f32; 12], [7.0f32; 4], [7.0f32; 6]);
    let e = k
        .dense_backward(
            x,
            w,
            dy,
            MatrixMut::from_rows(&mut dw, 3, 4).unwrap(),
            &mut db,
            Some(MatrixMut::from_rows(&mut dx, 3, 2).unwrap()),
        )
        .unwrap_err();
    assert!(e.to_string().contains("dense_backward"), "{e}");
    assert_eq!((dw, db, dx), ([7.0; 12], [7.0; 4], [7.0; 6]));
    // A label out of range names the row.
    let mut dz = [7.0f32; 8];
    let e = k
        .softmax_cross_entropy(dy, &[3, 4], MatrixMut::from_rows(&mut dz, 2, 4).unwrap())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "softmax_cross_entropy: label 4 of row 1 is not below the number of classes (4)"
    );
    assert!(
        k.softmax_cross_entropy(dy, &[0], MatrixMut::from_rows(&mut dz, 2, 4).unwrap())
            .is_err()
    );
    assert_eq!(dz, [7.0; 8]);
}

/// 1, 2, 3, 4, 7 and 16 threads give the sequential bits (1-byte tasks, so
/// every split happens).
#[cfg(feature = "rayon")]
#[test]
fn same_bits_for_every_thread_count() {
    use dotgrad::Par;
    check_n((qc_tests() / 100).max(5), |c: Layer| {
        backends().into_iter().all(|k| {
            let want = run(k, &c);
            [1usize, 2, 3, 4, 7, 16].into_iter().all(|n| {
                let kt = k.with_par(Par::Threads(n)).unwrap().with_task_bytes(1);
                same_outs(&run(kt, &c), &want)
            })
        })
    });
}
