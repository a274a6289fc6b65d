//! dotgrad on faer data: faer stores matrices column by column, so a `Mat`
//! converts into `Oriented::ColMajor`, whose `gemv` (`X w + b`) runs
//! dotgrad's `gemv_t` kernel on the storage and whose `gemv_t` (`X^T v`)
//! runs `gemv`: a linear-regression gradient step without a copy. Each step
//! is checked against an f64 reference, and bit for bit against the same
//! kernels on a plain `Matrix` over a `Vec` of the storage. Then a `Mat`
//! faer pads, which is refused, and the message says why.
//!
//! ```text
//! cargo run --release --features faer --example interop_faer
//! ```

use dotgrad::interop::{Oriented, slice};
use dotgrad::{Matrix, gemv, gemv_t};
use faer::{Col, Mat};

// A multiple of 16: faer pads each f32 column to 64 bytes, so this Mat has
// no padding between its columns.
const M: usize = 4096;
const N: usize = 6;
const STEPS: usize = 100;
const LR: f32 = 0.5;

fn feature(i: usize, j: usize) -> f32 {
    ((i * 7919 + j * 104_729) % 2001) as f32 / 1000.0 - 1.0
}

fn main() -> Result<(), dotgrad::Error> {
    let x = Mat::from_fn(M, N, feature);
    let w_true: Vec<f32> = (0..N).map(|j| 1.0 - j as f32 * 0.4).collect();
    let y = Col::from_fn(M, |i| {
        (0..N).map(|j| feature(i, j) * w_true[j]).sum::<f32>() + 0.5
    });
    println!(
        "faer: X is {M} x {N}, row stride {}, column stride {}, backend {}",
        x.row_stride(),
        x.col_stride(),
        dotgrad::Kernels::best().isa()
    );

    let xo = Oriented::try_from(&x)?; // no copy
    let Oriented::ColMajor(storage) = xo else {
        unreachable!("a faer Mat is column-major")
    };
    println!(
        "  Oriented::ColMajor over the {} x {} storage",
        storage.rows(),
        storage.cols()
    );
    // The storage in a plain Vec, for the bit-for-bit check.
    let copy: Vec<f32> = (0..N)
        .flat_map(|j| (0..M).map(move |i| (i, j)))
        .map(|(i, j)| x[(i, j)])
        .collect();
    let plain = Matrix::from_rows(&copy, N, M)?;

    let ys = slice(&y)?;
    let (mut w, mut b) = (vec![0.0f32; N], 0.0f32);
    let (mut p, mut grad) = (vec![0.0f32; M], vec![0.0f32; N]);
    let mut worst = 0.0f64;
    for step in 0..STEPS {
        // p = X w + b (gemv_t of the storage), e = p - y, grad = X^T e / m.
        xo.gemv(&w, b, &mut p)?;
        let e: Vec<f32> = p.iter().zip(ys).map(|(p, y)| p - y).collect();
        xo.gemv_t(&e, &mut grad)?;

        let mut p_plain = vec![0.0f32; M];
        gemv_t(plain, &w, &mut p_plain)?;
        let mut g_plain = vec![0.0f32; N];
        gemv(plain, &e, -0.0, &mut g_plain)?;
        let same = p
            .iter()
            .zip(&p_plain)
            .all(|(a, c)| a.to_bits() == (c + b).to_bits())
            && grad
                .iter()
                .zip(&g_plain)
                .all(|(a, c)| a.to_bits() == c.to_bits());
        assert!(
            same,
            "step {step}: the faer Mat gave other bits than the plain Matrix"
        );

        for (j, g) in grad.iter().enumerate() {
            let exact: f64 = (0..M).map(|i| f64::from(x[(i, j)]) * f64::from(e[i])).sum();
            worst = worst.max((f64::from(*g) - exact).abs() / (1.0 + exact.abs()));
        }
        let loss = e.iter().map(|e| e * e).sum::<f32>() / (2 * M) as f32;
        let grad_b = e.iter().sum::<f32>() / M as f32;
        if step % 25 == 0 || step == STEPS - 1 {
            println!("step {step:3}: loss {loss:.6e}");
        }
        for (w, g) in w.iter_mut().zip(&grad) {
            *w -= LR * g / M as f32;
        }
        b -= LR * grad_b;
    }
    println!("every step: the faer Mat's products have the plain Matrix's bits");
    println!("largest relative gap of X^T e to an f64 reference: {worst:.2e}");
    println!("w = {w:.3?}, b = {b:.3} (true: {w_true:.1?}, 0.5)");

    let padded = Mat::<f32>::zeros(1000, N);
    let err = Oriented::try_from(&padded).unwrap_err();
    println!(
        "\na 1000-row Mat<f32> (column stride {}): {err}",
        padded.col_stride()
    );
    Ok(())
}
