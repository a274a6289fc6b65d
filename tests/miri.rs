//! Small fixed cases of every kernel, for Miri (`cargo +nightly miri test
//! --test miri`): under Miri no SIMD backend is detected, so this runs the
//! scalar reference, the dispatch, the block tree, the partial/combine
//! code and every shape check, and Miri reports any undefined behaviour
//! (out-of-bounds access, invalid slices). Also an ordinary test, on every
//! backend this CPU has, against the same expected values.

use dotgrad::{AdamParams, Isa, Kernels, Matrix, MomentumParams, Partial, SgdParams};

fn data(n: usize, seed: u32) -> Vec<f32> {
    (0..n as u32)
        .map(|i| ((i.wrapping_mul(2_654_435_761) ^ seed) % 1000) as f32 / 250.0 - 2.0)
        .collect()
}

fn backends() -> Vec<Kernels> {
    Isa::available().map(|i| Kernels::new(i).unwrap()).collect()
}

#[test]
fn miri_dot_every_tail_and_two_blocks() {
    let s = Kernels::new(Isa::Scalar).unwrap();
    for n in (0..=70).chain([4095, 4096, 4097]) {
        let (a, b) = (data(n, 1), data(n, 2));
        let want = s.dot(&a, &b).unwrap();
        for k in backends() {
            assert_eq!(k.dot(&a, &b).unwrap().to_bits(), want.to_bits(), "n={n}");
        }
        if n > 0 {
            assert!(s.dot(&a, &b[1..]).is_err());
        }
    }
    // Partials over two blocks, combined.
    let (a, b) = (data(5000, 3), data(5000, 4));
    let p1 = s.dot_partial(&a[..4096], &b[..4096], 0, 5000).unwrap();
    let p2 = s.dot_partial(&a[4096..], &b[4096..], 4096, 5000).unwrap();
    let p2 = Partial::from_bytes(&p2.to_bytes()).unwrap();
    let d = Partial::combine_dot(&[p1, p2]).unwrap();
    assert_eq!(d.to_bits(), s.dot(&a, &b).unwrap().to_bits());
}

#[test]
fn miri_elementwise_and_optimizers() {
    for k in backends() {
        for n in [0usize, 1, 7, 17, 65] {
            let x = data(n, 5);
            let mut y = data(n, 6);
            k.axpy(0.5, &x, &mut y).unwrap();
            k.scale(-2.0, &mut y);
            k.sigmoid(&mut y);
            let mut w = data(n, 7);
            k.sgd_step(&mut w, &x, SgdParams::default()).unwrap();
            let mut v = vec![0.0; n];
            let p = MomentumParams {
                momentum: 0.9,
                nesterov: true,
                ..Default::default()
            };
            k.momentum_step(&mut w, &mut v, &x, p, 1).unwrap();
            let (mut m, mut v2, mut vm) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            let p = AdamParams {
                amsgrad: true,
                ..AdamParams::adamw()
            };
            k.adam_step(&mut w, &mut m, &mut v2, Some(&mut vm), &x, p, 1)
                .unwrap();
            assert!(w.iter().all(|x| x.is_finite()));
            if n > 0 {
                assert!(k.axpy(0.5, &x[1..], &mut y).is_err());
            }
        }
    }
}

#[test]
fn miri_matrix_kernels_two_row_blocks() {
    let s = Kernels::new(Isa::Scalar).unwrap();
    let (m, n, stride) = (300, 5, 7);
    let buf = data((m - 1) * stride + n, 8);
    let x = Matrix::new(&buf, m, n, stride).unwrap();
    let (w, y) = (data(n, 9), data(m, 10));
    let labels: Vec<f32> = y.iter().map(|&v| f32::from(u8::from(v > 0.0))).collect();
    let mut want = vec![0.0; m];
    s.gemv(x, &w, 0.25, &mut want).unwrap();
    let mut want_t = vec![0.0; n];
    s.gemv_t(x, &y, &mut want_t).unwrap();
    let mut gw = vec![0.0; n];
    let lg = s.linear_gradient(x, &y, &w, 0.25, &mut gw).unwrap();
    let mut gw2 = vec![0.0; n];
    let og = s.logistic_gradient(x, &labels, &w, 0.25, &mut gw2).unwrap();
    for k in backends() {
        let mut o = vec![0.0; m];
        k.gemv(x, &w, 0.25, &mut o).unwrap();
        assert_eq!(o, want);
        let mut o = vec![0.0; n];
        k.gemv_t(x, &y, &mut o).unwrap();
        assert_eq!(o, want_t);
        let mut g = vec![0.0; n];
        assert_eq!(k.linear_gradient(x, &y, &w, 0.25, &mut g).unwrap(), lg);
        assert_eq!(g, gw);
        assert_eq!(
            k.logistic_gradient(x, &labels, &w, 0.25, &mut g).unwrap(),
            og
        );
        assert_eq!(g, gw2);
    }
    // Partials over the two row blocks.
    let rows = |lo: usize, hi: usize| Matrix::new(&buf[lo * stride..], hi - lo, n, stride).unwrap();
    let p = [
        s.linear_gradient_partial(rows(0, 256), &y[..256], &w, 0.25, 0, m)
            .unwrap(),
        s.linear_gradient_partial(rows(256, m), &y[256..], &w, 0.25, 256, m)
            .unwrap(),
    ];
    let mut g = vec![0.0; n];
    assert_eq!(Partial::combine_gradient(&p, &mut g).unwrap(), lg);
    assert_eq!(g, gw);
    // Shape errors write nothing.
    let mut o = vec![7.0; m + 1];
    assert!(s.gemv(x, &w, 0.0, &mut o).is_err());
    assert!(o.iter().all(|&v| v == 7.0));
    assert!(Matrix::new(&buf, m + 1, n, stride).is_err());
    assert!(Matrix::new(&buf, m, n, n - 1).is_err());
}
