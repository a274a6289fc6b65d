//! Logistic regression by batch gradient descent, end to end: a synthetic
//! two-class problem (two overlapping Gaussian clouds in 8 dimensions),
//! `logistic_gradient` (one pass per step; the sigmoid and the log-loss are
//! the crate's fixed FMA sequences, so every backend agrees bit for bit)
//! and `axpy` for the update, the learning curve with the training accuracy,
//! the final parameters, the time of one epoch on every backend next to a
//! naive two-pass loop, and a checksum of the final weights per backend.
//!
//! ```text
//! cargo run --release --example logistic_regression
//! ```

mod shared;

use dotgrad::Kernels;
use shared::{Data, Fit, Model, logistic_optimum, train, two_classes};

const POINTS: usize = 20_000;
const DIMS: usize = 8;
const STEPS: usize = 300;
const LR: f32 = 1.0;

fn main() {
    let d = two_classes(POINTS, DIMS, 7);
    let best = Kernels::best();
    println!(
        "{POINTS} points, {DIMS} features, 2 classes, backend {}",
        best.isa()
    );

    println!("\nstep   log-loss   accuracy");
    let mut last = None;
    let fit = train(best, Model::Logistic, &d, LR, STEPS, |step, loss| {
        if step % 30 == 0 {
            println!("{step:4}   {loss:8.5}");
        }
        last = Some(loss);
    });
    let opt = logistic_optimum(&d);
    println!(
        "final  {:8.5}   {:5.2}%   (optimum {opt:.5})",
        fit.loss,
        100.0 * accuracy(best, &d, &fit)
    );

    println!(
        "\nw = [{}]",
        fit.w
            .iter()
            .map(|v| format!("{v:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("b = {:.4}", fit.b);

    shared::report_epochs_and_checksums(Model::Logistic, &d, &fit, LR, STEPS);
}

/// Fraction of points on the right side: `sigmoid(w.x + b) >= 0.5`, with the
/// crate's `gemv` and `sigmoid`.
fn accuracy(k: Kernels, d: &Data, fit: &Fit) -> f64 {
    let mut p = vec![0.0f32; d.m];
    k.gemv(d.matrix(), &fit.w, fit.b, &mut p).unwrap();
    k.sigmoid(&mut p);
    let right = p
        .iter()
        .zip(&d.y)
        .filter(|(p, y)| (**p >= 0.5) == (**y == 1.0))
        .count();
    right as f64 / d.m as f64
}
