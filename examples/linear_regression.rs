//! Linear regression by batch gradient descent, end to end: synthetic house
//! prices from four features, `linear_gradient` (one pass over the data per
//! step) and `axpy` for the update, the learning curve, the fitted model in
//! the original units, the time of one epoch on every backend next to a
//! naive two-pass loop, and a checksum of the final weights per backend
//! (identical: every backend computes the same bits).
//!
//! ```text
//! cargo run --release --example linear_regression
//! ```

mod shared;

use dotgrad::Kernels;
use shared::{Model, houses, linear_optimum, train};

const HOUSES: usize = 20_000;
const STEPS: usize = 300;
const LR: f32 = 0.3;

fn main() {
    let d = houses(HOUSES, 42);
    let best = Kernels::best();
    println!(
        "{HOUSES} houses, {} features ({}), backend {}",
        d.n,
        d.names.join(", "),
        best.isa()
    );

    // Learning curve.
    println!("\nstep   loss (1/2 mean squared error, k$^2)");
    let fit = train(best, Model::Linear, &d, LR, STEPS, |step, loss| {
        if step % 30 == 0 {
            println!("{step:4}   {loss:12.4}");
        }
    });
    let opt = linear_optimum(&d);
    println!(
        "final  {:12.4}   (least-squares optimum {opt:.4})",
        fit.loss
    );

    // The model in the original units: price = b' + sum_j w'_j * raw_j.
    println!(
        "\nprice (k$) = {:.2}",
        unstandardised_bias(&d, &fit.w, fit.b)
    );
    for (j, name) in d.names.iter().enumerate() {
        println!(
            "           {:+8.3} * {name}",
            f64::from(fit.w[j]) / d.std[j]
        );
    }
    println!("(generated with 50 + 3 area + 12 rooms - 0.8 age - 6 distance + noise)");

    shared::report_epochs_and_checksums(Model::Linear, &d, &fit, LR, STEPS);
}

/// `b' = b - sum_j w_j * mean_j / std_j`.
fn unstandardised_bias(d: &shared::Data, w: &[f32], b: f32) -> f64 {
    f64::from(b)
        - (0..d.n)
            .map(|j| f64::from(w[j]) * d.mean[j] / d.std[j])
            .sum::<f64>()
}
