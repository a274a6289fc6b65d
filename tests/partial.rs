//! Partials and their combination: for any split of the input into
//! contiguous ranges on block boundaries (any number of them, empty ones
//! included), combining every range's partial, in order and through the
//! byte format, gives the bits of one call on the whole input, on every
//! backend; and every malformed split is an error that names the boundary.

mod common;

use common::*;
use dotgrad::{Error, Kernels, Partial, PartialKind};
use quickcheck::{Arbitrary, Gen};

/// Cut points on multiples of `block` within `0..=total` (sorted, with
/// repeats, so some ranges are empty), then `total`.
fn cuts(g: &mut Gen, total: usize, block: usize) -> Vec<usize> {
    let blocks = total / block;
    let parts = 1 + usize::arbitrary(g) % 6;
    let mut c: Vec<usize> = (0..parts - 1)
        .map(|_| (usize::arbitrary(g) % (blocks + 1)) * block)
        .collect();
    c.push(0);
    c.push(total);
    c.sort_unstable();
    c
}

/// Through the byte format and back (what a worker sends).
fn wire<T: TestFloat>(p: Partial<T>) -> Partial<T> {
    let bytes = p.to_bytes();
    let q = Partial::from_bytes(&bytes).unwrap();
    assert_eq!(q.to_bytes(), bytes);
    q
}

fn dot_split<T: TestFloat>() {
    for k in backends() {
        check_n((qc_tests() / 20).max(5), |p: Pair<T>| {
            let (a, b) = (p.a.slice(), p.b.slice());
            let n = a.len();
            let mut g = Gen::from_size_and_seed(8, n as u64 ^ 0xD07);
            let c = cuts(&mut g, n, T::E);
            let parts: Vec<Partial<T>> = c
                .windows(2)
                .map(|r| {
                    wire(
                        k.dot_partial(&a[r[0]..r[1]], &b[r[0]..r[1]], r[0], n)
                            .unwrap(),
                    )
                })
                .collect();
            same(Partial::combine_dot(&parts).unwrap(), k.dot(a, b).unwrap())
        });
    }
}

#[test]
fn dot_f32_partials_combine_to_the_whole() {
    dot_split::<f32>();
}

#[test]
fn dot_f64_partials_combine_to_the_whole() {
    dot_split::<f64>();
}

fn matrix_split<T: TestFloat>() {
    for k in backends() {
        check_n((qc_tests() / 50).max(5), |Labeled(c): Labeled<T>| {
            let m = c.rows;
            let mut g = Gen::from_size_and_seed(8, m as u64 ^ 0x6E);
            let cut = cuts(&mut g, m, 256);
            let x = c.x();
            let rows = |r: &[usize]| {
                let data = if r[0] == r[1] {
                    &c.data[..0]
                } else {
                    &c.data[c.offset + r[0] * c.stride..]
                };
                dotgrad::Matrix::new(data, r[1] - r[0], c.cols, c.stride).unwrap()
            };
            let (v, w) = (c.v.slice(), c.w.slice());
            // gemv_t
            let parts: Vec<_> = cut
                .windows(2)
                .map(|r| wire(k.gemv_t_partial(rows(r), &v[r[0]..r[1]], r[0], m).unwrap()))
                .collect();
            let mut got = vec![T::from_f64(7.0); c.cols];
            Partial::combine_gemv_t(&parts, &mut got).unwrap();
            if !same_all(&got, &run_gemv_t(k, &c)) {
                return false;
            }
            // The gradients: sums per worker, means once.
            for model in [Model::Linear, Model::Logistic] {
                let parts: Vec<_> = cut
                    .windows(2)
                    .map(|r| {
                        let (xr, yr) = (rows(r), &v[r[0]..r[1]]);
                        wire(
                            match model {
                                Model::Linear => k.linear_gradient_partial(xr, yr, w, c.b, r[0], m),
                                Model::Logistic => {
                                    k.logistic_gradient_partial(xr, yr, w, c.b, r[0], m)
                                }
                            }
                            .unwrap(),
                        )
                    })
                    .collect();
                let mut gw = vec![T::from_f64(7.0); c.cols];
                let gr = Partial::combine_gradient(&parts, &mut gw).unwrap();
                let want = run_gradient(k, model, &c);
                if !same_gradient(&(gw, gr), &want) {
                    return false;
                }
            }
            let _ = x;
            true
        });
    }
}

#[test]
fn matrix_f32_partials_combine_to_the_whole() {
    matrix_split::<f32>();
}

#[test]
fn matrix_f64_partials_combine_to_the_whole() {
    matrix_split::<f64>();
}

#[test]
fn partial_ranges_must_start_and_end_on_block_boundaries() {
    let k = Kernels::best();
    let a = vec![1.0f32; 10_000];
    let err = k
        .dot_partial(&a[4100..8192], &a[4100..8192], 4100, 10_000)
        .unwrap_err();
    assert_eq!(
        err,
        Error::Shape {
            op: "dot_partial",
            what: "the range must start on a block boundary (the boundary at or before `offset`)",
            expected: 4096,
            found: 4100,
        }
    );
    assert!(
        err.to_string().contains("expected 4096, found 4100"),
        "{err}"
    );
    let err = k
        .dot_partial(&a[..5000], &a[..5000], 0, 10_000)
        .unwrap_err();
    assert!(
        err.to_string().contains("must end on a block boundary"),
        "{err}"
    );
    assert!(k.dot_partial(&a[8192..], &a[8192..], 8192, 9_000).is_err());
    assert!(k.dot_partial(&a[..3], &a[..4], 0, 10_000).is_err());
    // The last range may end anywhere: at the end of the input.
    assert!(k.dot_partial(&a[8192..], &a[8192..], 8192, 10_000).is_ok());
    let x = dotgrad::Matrix::from_rows(&a[..300 * 10], 300, 10).unwrap();
    let y = vec![0.0f32; 300];
    let err = k.gemv_t_partial(x, &y, 100, 1000).unwrap_err();
    assert!(err.to_string().contains("expected 0, found 100"), "{err}");
    let err = k
        .linear_gradient_partial(x, &y, &[0.0; 10], 0.0, 0, 0)
        .unwrap_err();
    assert!(err.to_string().contains("mean needs at least one"), "{err}");
}

#[test]
fn combine_rejects_gaps_overlaps_mixtures_and_garbage() {
    let k = Kernels::best();
    let a = vec![0.5f32; 3 * 4096];
    let p = |lo: usize, hi: usize| k.dot_partial(&a[lo..hi], &a[lo..hi], lo, a.len()).unwrap();
    let whole = k.dot(&a, &a).unwrap();
    assert_eq!(
        Partial::combine_dot(&[p(0, 4096), p(4096, 12288)]).unwrap(),
        whole
    );
    // Out of order, a gap, an overlap, a part missing, nothing at all.
    for bad in [
        vec![p(4096, 12288), p(0, 4096)],
        vec![p(0, 4096), p(8192, 12288)],
        vec![p(0, 8192), p(4096, 12288)],
        vec![p(0, 8192)],
        vec![],
    ] {
        assert!(Partial::combine_dot(&bad).is_err());
    }
    // Another reduction's partial.
    let x = dotgrad::Matrix::from_rows(&a[..256 * 4], 256, 4).unwrap();
    let g = k.gemv_t_partial(x, &a[..256], 0, 256).unwrap();
    assert_eq!(g.kind(), PartialKind::GemvT);
    assert!(Partial::combine_dot(std::slice::from_ref(&g)).is_err());
    let mut out = [0.0f32; 3];
    assert!(Partial::combine_gemv_t(&[g], &mut out).is_err());
    assert_eq!(out, [0.0; 3]);
    // Bytes that are not a partial, or of the other element type.
    let bytes = p(0, 4096).to_bytes();
    assert!(Partial::<f64>::from_bytes(&bytes).is_err());
    assert!(Partial::<f32>::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    assert!(Partial::<f32>::from_bytes(b"not a partial at all, not at all").is_err());
    let mut tampered = bytes.clone();
    tampered[48] ^= 1; // the first subtree's start block
    let parts = [
        Partial::<f32>::from_bytes(&tampered).unwrap(),
        p(4096, 12288),
    ];
    assert!(Partial::combine_dot(&parts).is_err());
}

#[test]
fn empty_inputs_combine_to_zero() {
    let k = Kernels::best();
    let parts = [
        k.dot_partial::<f32>(&[], &[], 0, 0).unwrap(),
        k.dot_partial::<f32>(&[], &[], 0, 0).unwrap(),
    ];
    assert_eq!(Partial::combine_dot(&parts).unwrap().to_bits(), 0);
    let p = k.dot_partial::<f64>(&[], &[], 0, 0).unwrap();
    assert_eq!(p.payload_len(), 0);
}

#[test]
fn payload_is_at_most_two_log2_blocks_subtrees() {
    let k = Kernels::best();
    let n = 1000 * 4096 + 17;
    let a = vec![1.0f32; n];
    let blocks = n.div_ceil(4096);
    let log2 = (usize::BITS - (blocks - 1).leading_zeros()) as usize;
    for (lo, hi) in [(4096 * 3, 4096 * 997), (4096, n), (0, 4096 * 513)] {
        let p = k.dot_partial(&a[lo..hi], &a[lo..hi], lo, n).unwrap();
        assert!(
            p.payload_len() <= 2 * log2 * (64 + 2),
            "{}",
            p.payload_len()
        );
        assert_eq!(p.range(), (lo..hi, n));
    }
}
