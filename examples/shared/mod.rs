//! Data sets and training loops shared by the two training examples and by
//! the test that trains their models on every backend (`tests/train.rs`
//! includes this file), so that the test runs exactly what the examples show.
#![allow(dead_code)]
// The small dense solves below read best with indices.
#![allow(clippy::needless_range_loop)]

use dotgrad::{Error, Gradient, Kernels, Matrix};

/// A small deterministic generator (xorshift64*), so every run and every
/// backend sees the same data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// A data set: `m x n` row-major features (standardised), targets, and the
/// per-feature mean and standard deviation used to standardise them.
pub struct Data {
    pub x: Vec<f32>,
    pub y: Vec<f32>,
    pub m: usize,
    pub n: usize,
    pub names: Vec<&'static str>,
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

impl Data {
    pub fn matrix(&self) -> Matrix<'_, f32> {
        Matrix::from_rows(&self.x, self.m, self.n).unwrap()
    }

    /// Standardises the raw columns in place (mean 0, variance 1).
    fn standardise(raw: Vec<Vec<f64>>, y: Vec<f32>, names: Vec<&'static str>) -> Data {
        let (n, m) = (raw.len(), raw[0].len());
        let mut x = vec![0.0f32; m * n];
        let (mut mean, mut std) = (Vec::new(), Vec::new());
        for (j, col) in raw.iter().enumerate() {
            let mu = col.iter().sum::<f64>() / m as f64;
            let sd = (col.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / m as f64).sqrt();
            for (i, v) in col.iter().enumerate() {
                x[i * n + j] = ((v - mu) / sd) as f32;
            }
            mean.push(mu);
            std.push(sd);
        }
        Data {
            x,
            y,
            m,
            n,
            names,
            mean,
            std,
        }
    }
}

/// House prices (in thousands) from four features: living area (m^2),
/// rooms, age (years) and distance to the centre (km), with noise.
pub fn houses(m: usize, seed: u64) -> Data {
    let mut r = Rng::new(seed);
    let mut cols: Vec<Vec<f64>> = (0..4).map(|_| Vec::with_capacity(m)).collect();
    let mut y = Vec::with_capacity(m);
    for _ in 0..m {
        let area = 40.0 + 160.0 * r.uniform();
        let rooms = (1.0 + area / 35.0 + r.normal()).round().max(1.0);
        let age = 80.0 * r.uniform();
        let dist = 1.0 + 25.0 * r.uniform();
        let price = 50.0 + 3.0 * area + 12.0 * rooms - 0.8 * age - 6.0 * dist + 15.0 * r.normal();
        cols[0].push(area);
        cols[1].push(rooms);
        cols[2].push(age);
        cols[3].push(dist);
        y.push(price as f32);
    }
    Data::standardise(cols, y, vec!["area", "rooms", "age", "distance"])
}

/// Two overlapping Gaussian classes in `n` dimensions: class 1 is shifted
/// by `+0.6` in every coordinate, so the classes are separable only in part.
pub fn two_classes(m: usize, n: usize, seed: u64) -> Data {
    let mut r = Rng::new(seed);
    let mut cols: Vec<Vec<f64>> = (0..n).map(|_| Vec::with_capacity(m)).collect();
    let mut y = Vec::with_capacity(m);
    for _ in 0..m {
        let label = r.uniform() < 0.5;
        for col in cols.iter_mut() {
            col.push(r.normal() + if label { 0.6 } else { 0.0 });
        }
        y.push(f32::from(u8::from(label)));
    }
    let names = ["x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"];
    Data::standardise(cols, y, names[..n].to_vec())
}

/// Which model to train.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Model {
    Linear,
    Logistic,
}

/// The model's weights, bias and the loss before the last step.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    pub w: Vec<f32>,
    pub b: f32,
    pub loss: f32,
}

/// One gradient on backend `k`.
pub fn gradient(
    k: Kernels,
    model: Model,
    d: &Data,
    w: &[f32],
    b: f32,
    gw: &mut [f32],
) -> Result<Gradient<f32>, Error> {
    match model {
        Model::Linear => k.linear_gradient(d.matrix(), &d.y, w, b, gw),
        Model::Logistic => k.logistic_gradient(d.matrix(), &d.y, w, b, gw),
    }
}

/// Batch gradient descent from zero: `steps` steps of size `lr`, the update
/// `w = fma(-lr, grad_w, w)` by `axpy`. Calls `report(step, loss)` before
/// each step.
pub fn train(
    k: Kernels,
    model: Model,
    d: &Data,
    lr: f32,
    steps: usize,
    mut report: impl FnMut(usize, f32),
) -> Fit {
    let mut w = vec![0.0f32; d.n];
    let mut b = 0.0f32;
    let mut gw = vec![0.0f32; d.n];
    let mut loss = f32::NAN;
    for step in 0..steps {
        let g = gradient(k, model, d, &w, b, &mut gw).unwrap();
        loss = g.loss;
        report(step, loss);
        k.axpy(-lr, &gw, &mut w).unwrap();
        b = (-lr).mul_add(g.grad_b, b);
    }
    Fit { w, b, loss }
}

/// A naive implementation of the same gradient, the way one writes it
/// without this crate: two passes (predictions, then `X^T e`), plain loops.
pub fn naive_gradient(model: Model, d: &Data, w: &[f32], b: f32, gw: &mut [f32]) -> (f32, f32) {
    let (m, n) = (d.m, d.n);
    let mut e = vec![0.0f32; m];
    let mut loss = 0.0f32;
    for (i, (ei, yi)) in e.iter_mut().zip(&d.y).enumerate() {
        let row = &d.x[i * n..(i + 1) * n];
        let z: f32 = row.iter().zip(w).map(|(a, b)| a * b).sum::<f32>() + b;
        match model {
            Model::Linear => {
                *ei = z - yi;
                loss += *ei * *ei;
            }
            Model::Logistic => {
                let p = 1.0 / (1.0 + (-z).exp());
                *ei = p - yi;
                loss += z.max(0.0) - z * yi + (-z.abs()).exp().ln_1p();
            }
        }
    }
    gw.iter_mut().for_each(|g| *g = 0.0);
    for (row, ei) in d.x.chunks_exact(n).zip(&e) {
        for (g, xij) in gw.iter_mut().zip(row) {
            *g += ei * xij;
        }
    }
    let mf = m as f32;
    gw.iter_mut().for_each(|g| *g /= mf);
    let scale = if model == Model::Linear { 2.0 * mf } else { mf };
    (e.iter().sum::<f32>() / mf, loss / scale)
}

/// FNV-1a over the bits of the weights and the bias: equal on every
/// backend because the bits are.
pub fn checksum(fit: &Fit) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for v in fit.w.iter().chain([&fit.b]) {
        for byte in v.to_bits().to_le_bytes() {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The least-squares optimum of the linear model in f64 (normal equations,
/// Gaussian elimination): the loss it reaches, `1/(2m) sum (w.x + b - y)^2`.
pub fn linear_optimum(d: &Data) -> f64 {
    let k = d.n + 1;
    let mut a = vec![vec![0.0f64; k + 1]; k];
    for i in 0..d.m {
        let mut row: Vec<f64> = d.x[i * d.n..(i + 1) * d.n]
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        row.push(1.0);
        for p in 0..k {
            for q in 0..k {
                a[p][q] += row[p] * row[q];
            }
            a[p][k] += row[p] * f64::from(d.y[i]);
        }
    }
    let beta = solve(a);
    (0..d.m)
        .map(|i| {
            let r: f64 = (0..d.n)
                .map(|j| f64::from(d.x[i * d.n + j]) * beta[j])
                .sum::<f64>()
                + beta[d.n]
                - f64::from(d.y[i]);
            r * r
        })
        .sum::<f64>()
        / (2.0 * d.m as f64)
}

/// The optimum of the logistic model in f64 by Newton's method: the mean
/// log-loss it reaches.
pub fn logistic_optimum(d: &Data) -> f64 {
    let k = d.n + 1;
    let mut beta = vec![0.0f64; k];
    let row = |i: usize| -> Vec<f64> {
        let mut r: Vec<f64> = d.x[i * d.n..(i + 1) * d.n]
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        r.push(1.0);
        r
    };
    let loss = |beta: &[f64]| -> f64 {
        (0..d.m)
            .map(|i| {
                let z: f64 = row(i).iter().zip(beta).map(|(a, b)| a * b).sum();
                z.max(0.0) - z * f64::from(d.y[i]) + (-z.abs()).exp().ln_1p()
            })
            .sum::<f64>()
            / d.m as f64
    };
    for _ in 0..30 {
        let mut a = vec![vec![0.0f64; k + 1]; k];
        for i in 0..d.m {
            let r = row(i);
            let z: f64 = r.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            for p_ in 0..k {
                for q in 0..k {
                    a[p_][q] += p * (1.0 - p) * r[p_] * r[q];
                }
                a[p_][k] -= (p - f64::from(d.y[i])) * r[p_];
            }
        }
        let step = solve(a);
        for (b, s) in beta.iter_mut().zip(step) {
            *b += s;
        }
    }
    loss(&beta)
}

/// Solves the augmented system `a` (`k x (k+1)`) by Gaussian elimination
/// with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>) -> Vec<f64> {
    let k = a.len();
    for c in 0..k {
        let p = (c..k)
            .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
            .unwrap();
        a.swap(c, p);
        for r in c + 1..k {
            let f = a[r][c] / a[c][c];
            for q in c..=k {
                a[r][q] -= f * a[c][q];
            }
        }
    }
    let mut x = vec![0.0f64; k];
    for c in (0..k).rev() {
        let s: f64 = (c + 1..k).map(|q| a[c][q] * x[q]).sum();
        x[c] = (a[c][k] - s) / a[c][c];
    }
    x
}

/// Seconds per call: the best of 5 runs of enough calls to take ~20 ms.
pub fn time(mut f: impl FnMut()) -> f64 {
    let t = std::time::Instant::now();
    f();
    let once = t.elapsed().as_secs_f64().max(1e-7);
    let reps = ((0.02 / once) as usize).clamp(1, 100_000);
    (0..5)
        .map(|_| {
            let t = std::time::Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() / reps as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// The end of both examples: one epoch (one gradient at `fit`) on every
/// backend next to the naive two-pass loop, then `steps` steps of training
/// on every backend with the checksum of the final weights (the same on all).
pub fn report_epochs_and_checksums(model: Model, d: &Data, fit: &Fit, lr: f32, steps: usize) {
    println!("\none epoch ({} x {} f32):", d.m, d.n);
    let mut gw = vec![0.0f32; d.n];
    let naive = time(|| {
        naive_gradient(model, d, &fit.w, fit.b, &mut gw);
    });
    println!("  naive two-pass loop  {:9.1} us", naive * 1e6);
    for isa in dotgrad::Isa::available() {
        let k = Kernels::new(isa).unwrap();
        let t = time(|| {
            gradient(k, model, d, &fit.w, fit.b, &mut gw).unwrap();
        });
        println!(
            "  {:20} {:9.1} us   {:5.1}x the naive loop",
            isa.name(),
            t * 1e6,
            naive / t
        );
    }

    println!("\nchecksum of the final weights after {steps} steps:");
    for isa in dotgrad::Isa::available() {
        let fit = train(Kernels::new(isa).unwrap(), model, d, lr, steps, |_, _| {});
        println!(
            "  {:8} {:016x}   loss {:.6}",
            isa.name(),
            checksum(&fit),
            fit.loss
        );
    }
}
