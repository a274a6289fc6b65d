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

use std::time::Instant;

use dotgrad::{Isa, Kernels};
use shared::{Model, checksum, houses, linear_optimum, naive_gradient, train};

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

    // One epoch (one gradient over all rows) per backend, and a naive loop.
    println!("\none epoch ({HOUSES} x {} f32):", d.n);
    let mut gw = vec![0.0f32; d.n];
    let naive = time(|| {
        naive_gradient(Model::Linear, &d, &fit.w, fit.b, &mut gw);
    });
    println!("  naive two-pass loop  {:9.1} us", naive * 1e6);
    for isa in Isa::available() {
        let k = Kernels::new(isa).unwrap();
        let t = time(|| {
            k.linear_gradient(d.matrix(), &d.y, &fit.w, fit.b, &mut gw)
                .unwrap();
        });
        println!(
            "  {:20} {:9.1} us   {:5.1}x the naive loop",
            isa.name(),
            t * 1e6,
            naive / t
        );
    }

    // The same training on every backend ends at the same bits.
    println!("\nchecksum of the final weights after {STEPS} steps:");
    for isa in Isa::available() {
        let fit = train(
            Kernels::new(isa).unwrap(),
            Model::Linear,
            &d,
            LR,
            STEPS,
            |_, _| {},
        );
        println!(
            "  {:8} {:016x}   loss {:.6}",
            isa.name(),
            checksum(&fit),
            fit.loss
        );
    }
}

/// `b' = b - sum_j w_j * mean_j / std_j`.
fn unstandardised_bias(d: &shared::Data, w: &[f32], b: f32) -> f64 {
    f64::from(b)
        - (0..d.n)
            .map(|j| f64::from(w[j]) * d.mean[j] / d.std[j])
            .sum::<f64>()
}

/// Seconds per call: the best of 5 runs of enough calls to take ~20 ms.
fn time(mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    f();
    let once = t.elapsed().as_secs_f64().max(1e-7);
    let reps = ((0.02 / once) as usize).clamp(1, 100_000);
    (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() / reps as f64
        })
        .fold(f64::INFINITY, f64::min)
}
