//! A 784-128-10 multilayer perceptron (ReLU, softmax cross-entropy, SGD) on
//! synthetic data, trained with dotgrad's dense layers: `dense_forward`,
//! `dense_backward` (gemm and gemv_t underneath), `softmax_cross_entropy`
//! and `sgd_step`. It trains once per backend (and, with `--features
//! rayon`, on all threads too), prints the learning curve, the accuracy
//! and the time per epoch, and a checksum of the final weights, which must
//! be the same everywhere: the program fails if any run differs.
//!
//! ```text
//! cargo run --release --features rayon --example mlp
//! ```

use std::time::Instant;

use dotgrad::{Isa, Kernels, Matrix, MatrixMut, Par, SgdParams};

const INPUTS: usize = 784;
const HIDDEN: usize = 128;
const CLASSES: usize = 10;
const SAMPLES: usize = 2048;
const BATCH: usize = 256;
const EPOCHS: usize = 4;
const LR: f64 = 0.1;

/// splitmix64 in `[0, 1)`.
struct Rng(u64);
impl Rng {
    fn unit(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Inputs in `[0, 1)` and labels: the class is the largest of ten fixed
/// random projections of the input (a problem the network can learn).
fn data() -> (Vec<f32>, Vec<u32>) {
    let mut r = Rng(7);
    let x: Vec<f32> = (0..SAMPLES * INPUTS).map(|_| r.unit()).collect();
    let proj: Vec<f32> = (0..INPUTS * CLASSES).map(|_| r.unit() - 0.5).collect();
    let labels = x
        .chunks_exact(INPUTS)
        .map(|row| {
            let score = |c: usize| -> f32 {
                row.iter()
                    .enumerate()
                    .map(|(p, v)| v * proj[p * CLASSES + c])
                    .sum()
            };
            (0..CLASSES)
                .max_by(|&a, &b| score(a).total_cmp(&score(b)))
                .unwrap() as u32
        })
        .collect();
    (x, labels)
}

struct Net {
    w1: Vec<f32>,
    b1: Vec<f32>,
    w2: Vec<f32>,
    b2: Vec<f32>,
}

impl Net {
    /// Uniform (Glorot) weights, zero biases, from a fixed seed.
    fn new() -> Self {
        let mut r = Rng(11);
        let mut uni = |n: usize, fan: usize| -> Vec<f32> {
            let a = (6.0 / fan as f32).sqrt();
            (0..n).map(|_| (2.0 * r.unit() - 1.0) * a).collect()
        };
        Net {
            w1: uni(INPUTS * HIDDEN, INPUTS + HIDDEN),
            b1: vec![0.0; HIDDEN],
            w2: uni(HIDDEN * CLASSES, HIDDEN + CLASSES),
            b2: vec![0.0; CLASSES],
        }
    }

    /// FNV-1a over the bits of every weight and bias.
    fn checksum(&self) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for v in [&self.w1, &self.b1, &self.w2, &self.b2] {
            for x in v.iter() {
                for byte in x.to_bits().to_le_bytes() {
                    h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                }
            }
        }
        h
    }
}

/// Scratch of one batch.
struct Work {
    h: Vec<f32>,
    a: Vec<f32>,
    z: Vec<f32>,
    dz: Vec<f32>,
    da: Vec<f32>,
    dw1: Vec<f32>,
    db1: Vec<f32>,
    dw2: Vec<f32>,
    db2: Vec<f32>,
}

fn mat(v: &[f32], rows: usize, cols: usize) -> Matrix<'_, f32> {
    Matrix::from_rows(v, rows, cols).expect("sizes match")
}
fn mat_mut(v: &mut [f32], rows: usize, cols: usize) -> MatrixMut<'_, f32> {
    MatrixMut::from_rows(v, rows, cols).expect("sizes match")
}

/// One SGD step on a batch of `m` rows; returns the batch's mean loss and
/// its number of correct predictions.
fn step(k: Kernels, net: &mut Net, x: &[f32], y: &[u32], w: &mut Work) -> (f32, usize) {
    let m = y.len();
    let (h, a, z) = (
        &mut w.h[..m * HIDDEN],
        &mut w.a[..m * HIDDEN],
        &mut w.z[..m * CLASSES],
    );
    let xm = mat(x, m, INPUTS);
    k.dense_forward(
        xm,
        mat(&net.w1, INPUTS, HIDDEN),
        &net.b1,
        mat_mut(h, m, HIDDEN),
    )
    .unwrap();
    for (a, &h) in a.iter_mut().zip(h.iter()) {
        *a = if h > 0.0 { h } else { 0.0 };
    }
    k.dense_forward(
        mat(a, m, HIDDEN),
        mat(&net.w2, HIDDEN, CLASSES),
        &net.b2,
        mat_mut(z, m, CLASSES),
    )
    .unwrap();
    let correct = z
        .chunks_exact(CLASSES)
        .zip(y)
        .filter(|&(row, &l)| {
            (0..CLASSES).max_by(|&p, &q| row[p].total_cmp(&row[q])) == Some(l as usize)
        })
        .count();
    let dz = &mut w.dz[..m * CLASSES];
    let loss = k
        .softmax_cross_entropy(mat(z, m, CLASSES), y, mat_mut(dz, m, CLASSES))
        .unwrap();
    let da = &mut w.da[..m * HIDDEN];
    k.dense_backward(
        mat(a, m, HIDDEN),
        mat(&net.w2, HIDDEN, CLASSES),
        mat(dz, m, CLASSES),
        mat_mut(&mut w.dw2, HIDDEN, CLASSES),
        &mut w.db2,
        Some(mat_mut(da, m, HIDDEN)),
    )
    .unwrap();
    // Through the ReLU: the gradient passes where the input was positive.
    for (d, &h) in da.iter_mut().zip(h.iter()) {
        if h <= 0.0 {
            *d = 0.0;
        }
    }
    k.dense_backward(
        xm,
        mat(&net.w1, INPUTS, HIDDEN),
        mat(da, m, HIDDEN),
        mat_mut(&mut w.dw1, INPUTS, HIDDEN),
        &mut w.db1,
        None,
    )
    .unwrap();
    let p = SgdParams {
        lr: LR,
        ..SgdParams::default()
    };
    k.sgd_step(&mut net.w1, &w.dw1, p).unwrap();
    k.sgd_step(&mut net.b1, &w.db1, p).unwrap();
    k.sgd_step(&mut net.w2, &w.dw2, p).unwrap();
    k.sgd_step(&mut net.b2, &w.db2, p).unwrap();
    (loss, correct)
}

/// Trains from the fixed start; returns the network, the per-epoch mean
/// loss and accuracy, and the seconds per epoch.
fn train(k: Kernels, x: &[f32], y: &[u32]) -> (Net, Vec<(f32, f32)>, f64) {
    let mut net = Net::new();
    let mut w = Work {
        h: vec![0.0; BATCH * HIDDEN],
        a: vec![0.0; BATCH * HIDDEN],
        z: vec![0.0; BATCH * CLASSES],
        dz: vec![0.0; BATCH * CLASSES],
        da: vec![0.0; BATCH * HIDDEN],
        dw1: vec![0.0; INPUTS * HIDDEN],
        db1: vec![0.0; HIDDEN],
        dw2: vec![0.0; HIDDEN * CLASSES],
        db2: vec![0.0; CLASSES],
    };
    let mut curve = Vec::new();
    let t = Instant::now();
    for _ in 0..EPOCHS {
        let (mut loss, mut correct) = (0.0f32, 0usize);
        for (xb, yb) in x.chunks(BATCH * INPUTS).zip(y.chunks(BATCH)) {
            let (l, c) = step(k, &mut net, xb, yb, &mut w);
            loss += l * yb.len() as f32;
            correct += c;
        }
        curve.push((loss / y.len() as f32, correct as f32 / y.len() as f32));
    }
    (net, curve, t.elapsed().as_secs_f64() / EPOCHS as f64)
}

fn main() {
    let (x, y) = data();
    println!(
        "MLP {INPUTS}-{HIDDEN}-{CLASSES} (ReLU, softmax cross-entropy), {SAMPLES} samples, \
         batches of {BATCH}, SGD lr {LR}, {EPOCHS} epochs"
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut runs: Vec<(String, Kernels)> = Vec::new();
    for isa in Isa::available() {
        let k = Kernels::new(isa).expect("listed as available");
        runs.push((format!("{isa}"), k));
        if cores > 1
            && let Ok(kt) = k.with_par(Par::All)
        {
            runs.push((format!("{isa}, {cores} threads"), kt));
        }
    }
    let mut first: Option<u64> = None;
    let mut all_same = true;
    for (name, k) in &runs {
        let (net, curve, secs) = train(*k, &x, &y);
        let sum = net.checksum();
        if first.is_none() {
            println!("\nepoch   mean loss   accuracy (training set, before each step)");
            for (e, (l, a)) in curve.iter().enumerate() {
                println!("{:5}   {l:9.4}   {:7.1}%", e + 1, 100.0 * a);
            }
            println!("\nbackend              time/epoch   checksum of the final weights");
        }
        println!("{name:<20} {:8.1} ms   {sum:016x}", secs * 1e3);
        all_same &= first.is_none_or(|f| f == sum);
        first.get_or_insert(sum);
    }
    assert!(all_same, "the final weights differ between runs");
    println!("\nevery run gave the same bits");
}
