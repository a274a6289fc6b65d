//! dotgrad on nalgebra data: a `DMatrix` is column-major, so it converts
//! into `Oriented::ColMajor` (its `gemv` runs dotgrad's `gemv_t` kernel on
//! the storage, its `gemv_t` runs `gemv`), and a `DVector` into a slice,
//! without a copy. One linear-regression gradient step per iteration,
//! compared with nalgebra's own `X^T (X w + b - y) / m`, and bit for bit
//! with the same kernels on a plain `Matrix` over a `Vec` of the storage.
//!
//! ```text
//! cargo run --release --features nalgebra --example interop_nalgebra
//! ```

use dotgrad::interop::{Oriented, slice};
use dotgrad::{Matrix, gemv, gemv_t};
use nalgebra::{DMatrix, DVector};

const M: usize = 5000;
const N: usize = 5;
const STEPS: usize = 100;
const LR: f64 = 0.5;

fn main() -> Result<(), dotgrad::Error> {
    let x = DMatrix::from_fn(M, N, |i, j| {
        ((i * 7919 + j * 104_729) % 2001) as f64 / 1000.0 - 1.0
    });
    let w_true = DVector::from_fn(N, |j, _| 2.0 - j as f64);
    let y = &x * &w_true + DVector::from_element(M, 0.5);
    println!(
        "nalgebra: X is {M} x {N}, strides {:?}, backend {}",
        x.strides(),
        dotgrad::Kernels::best().isa()
    );

    let xo = Oriented::try_from(&x)?;
    assert!(
        matches!(xo, Oriented::ColMajor(_)),
        "a DMatrix is column-major"
    );
    let copy: Vec<f64> = x.as_slice().to_vec();
    let plain = Matrix::from_rows(&copy, N, M)?;

    let ys = slice(&y)?;
    let (mut w, mut b) = (DVector::<f64>::zeros(N), 0.0f64);
    let (mut p, mut grad) = (vec![0.0; M], vec![0.0; N]);
    let mut worst = 0.0f64;
    for step in 0..STEPS {
        xo.gemv(slice(&w)?, b, &mut p)?;
        let e: Vec<f64> = p.iter().zip(ys).map(|(p, y)| p - y).collect();
        xo.gemv_t(&e, &mut grad)?;
        for g in &mut grad {
            *g /= M as f64;
        }

        let mut p_plain = vec![0.0; M];
        gemv_t(plain, slice(&w)?, &mut p_plain)?;
        let mut g_plain = vec![0.0; N];
        gemv(plain, &e, -0.0, &mut g_plain)?;
        let same = p
            .iter()
            .zip(&p_plain)
            .all(|(a, c)| a.to_bits() == (c + b).to_bits())
            && grad
                .iter()
                .zip(&g_plain)
                .all(|(a, c)| a.to_bits() == (c / M as f64).to_bits());
        assert!(
            same,
            "step {step}: the DMatrix gave other bits than the plain Matrix"
        );

        let na = x.transpose() * (&x * &w + DVector::from_element(M, b) - &y) / M as f64;
        for (a, c) in grad.iter().zip(na.iter()) {
            worst = worst.max((a - c).abs() / (1.0 + c.abs()));
        }
        let loss = e.iter().map(|e| e * e).sum::<f64>() / (2 * M) as f64;
        if step % 25 == 0 || step == STEPS - 1 {
            println!("step {step:3}: loss {loss:.6e}");
        }
        w -= DVector::from_column_slice(&grad) * LR;
        b -= LR * e.iter().sum::<f64>() / M as f64;
    }
    println!("every step: the DMatrix's products have the plain Matrix's bits");
    println!("largest relative gap to nalgebra's X^T (X w + b - y) / m: {worst:.2e}");
    println!(
        "w = {:.3?}, b = {b:.3} (true: {:.1?}, 0.5)",
        w.as_slice(),
        w_true.as_slice()
    );

    let err = Oriented::try_from(x.rows(0, 100)).unwrap_err();
    println!("\nx.rows(0, 100): {err}");
    println!(
        "x.columns(1, 3): {:?}",
        Oriented::try_from(x.columns(1, 3)).map(|o| (o.rows(), o.cols()))
    );
    Ok(())
}
