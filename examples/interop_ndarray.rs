//! dotgrad on ndarray data: linear regression by gradient descent on an
//! `Array2<f32>`, borrowed as a `Matrix` without a copy. Each step's
//! gradient is checked bit for bit against the same call on a plain
//! `Matrix` over a `Vec`, and against ndarray's own `X^T (X w + b - y) / m`
//! (close, not equal: ndarray adds in another order). Then the layouts that
//! convert and the ones that are refused, with the refusal's message.
//!
//! ```text
//! cargo run --release --features ndarray --example interop_ndarray
//! ```

use dotgrad::interop::{Oriented, columns, slice};
use dotgrad::{Matrix, linear_gradient};
use ndarray::{Array1, Array2, s};

const M: usize = 10_000;
const N: usize = 8;
const STEPS: usize = 200;
const LR: f32 = 0.5;

fn main() -> Result<(), dotgrad::Error> {
    // Features in [-1, 1) from a fixed formula; y = X w_true + 0.5.
    let x = Array2::from_shape_fn((M, N), |(i, j)| {
        ((i * 7919 + j * 104_729) % 2001) as f32 / 1000.0 - 1.0
    });
    let w_true = Array1::from_shape_fn(N, |j| j as f32 - 3.5);
    let y = x.dot(&w_true) + 0.5;
    println!(
        "ndarray: X is {M} x {N} (strides {:?}), backend {}",
        x.strides(),
        dotgrad::Kernels::best().isa()
    );

    let xm = Matrix::try_from(&x)?; // a view of x's memory: no copy
    let ys = slice(&y)?;
    // The same values in a plain Vec, for the bit-for-bit check.
    let copy: Vec<f32> = x.iter().copied().collect();
    let plain = Matrix::from_rows(&copy, M, N)?;

    let (mut w, mut b) = (Array1::<f32>::zeros(N), 0.0f32);
    let mut grad = vec![0.0f32; N];
    let mut grad_plain = vec![0.0f32; N];
    let mut worst = 0.0f32;
    for step in 0..STEPS {
        let ws = slice(&w)?;
        let g = linear_gradient(xm, ys, ws, b, &mut grad)?;
        let gp = linear_gradient(plain, ys, ws, b, &mut grad_plain)?;
        let same = grad
            .iter()
            .zip(&grad_plain)
            .all(|(a, c)| a.to_bits() == c.to_bits())
            && g.grad_b.to_bits() == gp.grad_b.to_bits();
        assert!(
            same,
            "step {step}: the ndarray view gave other bits than the plain Matrix"
        );

        // ndarray's own gradient of J = 1/(2m) |X w + b - y|^2.
        let e = x.dot(&w) + b - &y;
        let nd = x.t().dot(&e) / M as f32;
        for (a, c) in grad.iter().zip(&nd) {
            worst = worst.max((a - c).abs() / (1.0 + c.abs()));
        }
        if step % 50 == 0 || step == STEPS - 1 {
            println!("step {step:3}: loss {:.6e}", g.loss);
        }
        w.scaled_add(-LR, &Array1::from_vec(grad.clone()));
        b -= LR * g.grad_b;
    }
    println!("every step: the ndarray view's gradient has the plain Matrix's bits");
    println!("largest relative gap to ndarray's X^T (X w + b - y) / m: {worst:.2e}");
    println!("w = {:.3}, b = {b:.3} (true: {:.1}, 0.5)", w, w_true);

    println!("\nlayouts:");
    match Oriented::try_from(x.t())? {
        Oriented::ColMajor(s) => println!(
            "  x.t(): column-major, Oriented::ColMajor over the {} x {} storage (gemv runs gemv_t)",
            s.rows(),
            s.cols()
        ),
        Oriented::RowMajor(_) => unreachable!("a transposed row-major array is column-major"),
    }
    let mut xtv = vec![0.0f32; M];
    Oriented::try_from(x.t())?.gemv_t(slice(&w)?, &mut xtv)?;
    let mut xw = vec![0.0f32; M];
    dotgrad::gemv(xm, slice(&w)?, -0.0, &mut xw)?;
    let equal = xtv.iter().zip(&xw).all(|(a, c)| a.to_bits() == c.to_bits());
    println!("  (x.t())^T w through Oriented == gemv(x, w): {equal}");
    assert!(equal);

    let err = Matrix::try_from(x.slice(s![.., 2..6])).unwrap_err();
    println!("  x.slice(s![.., 2..6]) refused: {err}");
    let part = columns(xm, 2..6)?;
    println!(
        "  columns(Matrix::try_from(&x)?, 2..6): {} x {} with row stride {}",
        part.rows(),
        part.cols(),
        part.stride()
    );
    Ok(())
}
