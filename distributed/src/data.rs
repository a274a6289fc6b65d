//! Deterministic synthetic data that any rank can generate for its own rows
//! alone: every value is a function of (seed, stream, index) through
//! splitmix64's finaliser, so rows `lo..hi` come out the same on every rank
//! and every machine, and no rank needs the others' rows. Only `+ - *` on
//! `f64` and one rounding to `T` are used (no `exp`, `ln` or `cos`, whose
//! last bits a platform's libm may choose).

use crate::elem::Elem;

/// splitmix64's output function (Steele, Lea and Flood 2014).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Value `index` of stream `stream` under `seed`: splitmix64's sequence
/// read at any position (its state after `index + 1` steps is
/// `base + (index + 1) * gamma`).
fn word(seed: u64, stream: u64, index: u64) -> u64 {
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
    let base = mix(seed ^ mix(stream.wrapping_add(1)));
    mix(base.wrapping_add(index.wrapping_add(1).wrapping_mul(GAMMA)))
}

/// Uniform in `[0, 1)`, a multiple of 2^-53.
pub fn uniform(seed: u64, stream: u64, index: u64) -> f64 {
    (word(seed, stream, index) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Mean 0, variance 1/3 (the sum of four uniforms, shifted): bell-shaped
/// noise without transcendental functions.
fn noise(seed: u64, stream: u64, index: u64) -> f64 {
    (0..4)
        .map(|k| uniform(seed, stream, 4 * index + k))
        .sum::<f64>()
        - 2.0
}

const STREAM_X: u64 = 1;
const STREAM_W: u64 = 2;
const STREAM_NOISE: u64 = 3;
const STREAM_A: u64 = 4;
const STREAM_B: u64 = 5;

/// Which regression a data set is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// Targets `y = w*.x + b* + noise`; trained on the mean squared error.
    Linear,
    /// Labels `y = 1` where `w*.x + b* + noise > 0`, else `0`; trained on
    /// the mean log-loss.
    Logistic,
}

impl Model {
    /// `"linear"` or `"logistic"`.
    pub fn name(self) -> &'static str {
        match self {
            Model::Linear => "linear",
            Model::Logistic => "logistic",
        }
    }
}

/// A regression data set of `rows x cols` features in `[-1, 1)`.
#[derive(Clone, Copy, Debug)]
pub struct Problem {
    /// Linear or logistic.
    pub model: Model,
    /// Rows of the whole data set.
    pub rows: usize,
    /// Features per row.
    pub cols: usize,
    /// The seed every rank uses.
    pub seed: u64,
}

impl Problem {
    /// The weights the data was made with, `w*` (uniform, `[-2, 2)` for
    /// linear, `[-3, 3)` for logistic), and the bias `b*`.
    pub fn truth(&self) -> (Vec<f64>, f64) {
        let (scale, bias) = match self.model {
            Model::Linear => (2.0, 0.5),
            Model::Logistic => (3.0, -0.25),
        };
        let w = (0..self.cols as u64)
            .map(|j| scale * (2.0 * uniform(self.seed, STREAM_W, j) - 1.0))
            .collect();
        (w, bias)
    }

    /// Rows `lo..hi`: the features row-major (`(hi - lo) * cols`) and the
    /// targets or labels (`hi - lo`). The same values whichever rank asks.
    pub fn rows<T: Elem>(&self, lo: usize, hi: usize) -> (Vec<T>, Vec<T>) {
        assert!(
            lo <= hi && hi <= self.rows,
            "rows {lo}..{hi} of {}",
            self.rows
        );
        let n = self.cols;
        let (w, bias) = self.truth();
        let mut x = Vec::with_capacity((hi - lo) * n);
        let mut y = Vec::with_capacity(hi - lo);
        let mut row = vec![0.0f64; n];
        for i in lo..hi {
            for (j, v) in row.iter_mut().enumerate() {
                *v = 2.0 * uniform(self.seed, STREAM_X, (i * n + j) as u64) - 1.0;
            }
            x.extend(row.iter().map(|&v| T::from_f64(v)));
            let z = row.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() + bias;
            let e = noise(self.seed, STREAM_NOISE, i as u64);
            y.push(match self.model {
                Model::Linear => T::from_f64(z + 0.3 * e),
                Model::Logistic => {
                    if z + 1.5 * e > 0.0 {
                        T::ONE
                    } else {
                        T::ZERO
                    }
                }
            });
        }
        (x, y)
    }
}

/// Elements `lo..hi` of the two vectors of a `dot` check, uniform in
/// `[-1, 1)`.
pub fn dot_vectors<T: Elem>(seed: u64, lo: usize, hi: usize) -> (Vec<T>, Vec<T>) {
    let v = |stream| {
        (lo..hi)
            .map(|j| T::from_f64(2.0 * uniform(seed, stream, j as u64) - 1.0))
            .collect()
    };
    (v(STREAM_A), v(STREAM_B))
}
