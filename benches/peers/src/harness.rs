//! A small timing harness: warm-up, calibrated repetitions per sample, and
//! samples taken round-robin over the implementations of one case, so that a
//! burst of noise from other processes hits every column alike.

use std::time::{Duration, Instant};

/// How long to measure.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Warm-up time per implementation (also used to calibrate).
    pub warmup: Duration,
    /// A sample repeats the call until it lasts at least this long.
    pub sample: Duration,
    /// Measurement time per implementation, on average over a case (more
    /// when `min_samples` rounds take longer).
    pub target: Duration,
    /// At least this many samples per implementation.
    pub min_samples: usize,
    /// At most this many samples per implementation.
    pub max_samples: usize,
}

impl Settings {
    /// The full run.
    pub const FULL: Settings = Settings {
        warmup: Duration::from_millis(30),
        sample: Duration::from_micros(2000),
        target: Duration::from_millis(400),
        min_samples: 21,
        max_samples: 400,
    };
    /// `--smoke`: enough to see that everything runs.
    pub const SMOKE: Settings = Settings {
        warmup: Duration::from_millis(2),
        sample: Duration::from_micros(200),
        target: Duration::from_millis(5),
        min_samples: 5,
        max_samples: 50,
    };
}

/// Time per call over the samples of one implementation, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Median of the per-sample means.
    pub median: f64,
    /// Fastest sample.
    pub min: f64,
    /// Slowest sample.
    pub max: f64,
    /// Samples taken.
    pub samples: usize,
}

/// One implementation of a case: a name and a closure doing one call.
pub struct Entry<'a> {
    /// Column label.
    pub name: String,
    /// One call of the kernel under test (inputs and outputs through `black_box`).
    pub run: Box<dyn FnMut() + 'a>,
}

impl<'a> Entry<'a> {
    /// Wraps a closure.
    pub fn new(name: impl Into<String>, run: impl FnMut() + 'a) -> Entry<'a> {
        Entry {
            name: name.into(),
            run: Box::new(run),
        }
    }
}

fn time(run: &mut dyn FnMut(), iters: u64) -> Duration {
    let t = Instant::now();
    for _ in 0..iters {
        run();
    }
    t.elapsed()
}

/// Warms up and calibrates: the repetitions per sample.
fn calibrate(run: &mut dyn FnMut(), s: &Settings) -> u64 {
    let start = Instant::now();
    let mut iters = 1u64;
    loop {
        let d = time(run, iters);
        if d >= s.sample {
            if start.elapsed() >= s.warmup {
                // Scale to the sample length from the last (warm) timing.
                let per = d.as_secs_f64() / iters as f64;
                return ((s.sample.as_secs_f64() / per).ceil() as u64).max(1);
            }
        } else {
            iters = iters.saturating_mul(2);
        }
    }
}

fn summarize(mut v: Vec<f64>) -> Stats {
    if v.is_empty() {
        return Stats {
            median: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
            samples: 0,
        };
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    };
    Stats {
        median,
        min: v[0],
        max: v[n - 1],
        samples: n,
    }
}

/// Measures every entry; returns each one's samples (ns per call), in round
/// order: sample `r` of every entry was taken in the same round, so two
/// entries can be compared round by round ([`paired`]).
pub fn measure(entries: &mut [Entry<'_>], s: &Settings) -> Vec<Vec<f64>> {
    let iters: Vec<u64> = entries
        .iter_mut()
        .map(|e| calibrate(&mut e.run, s))
        .collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); entries.len()];
    // Round-robin: every entry takes one sample per round, so sample `r` of
    // any two entries can be compared. Stop when every entry has its minimum
    // and the case has had its time (`target` per entry, on average).
    let budget = s.target * u32::try_from(entries.len()).unwrap_or(u32::MAX);
    let mut total = Duration::ZERO;
    for round in 0..s.max_samples {
        if round >= s.min_samples && total >= budget {
            break;
        }
        // The order is shuffled from round to round: whoever follows a slow
        // entry finds its data partly evicted from the shared last-level
        // cache by other processes and needs a few calls to get it back
        // (seen on this 2-vCPU VM: +30..60% for the entry after the scalar
        // backend at 1Mi). Shuffling spreads that over every entry, and a
        // short untimed warm-up (a quarter of the sample's calls) absorbs most
        // of it. Calls too long to repeat stream from memory anyway.
        for i in shuffled(entries.len(), round as u64) {
            let e = &mut entries[i];
            if iters[i] > 1 {
                time(&mut e.run, iters[i].div_ceil(4));
            }
            let d = time(&mut e.run, iters[i]);
            total += d;
            samples[i].push(d.as_secs_f64() * 1e9 / iters[i] as f64);
        }
    }
    samples
}

/// `0..n` in a pseudo-random order fixed by `seed` (Fisher-Yates, 64-bit LCG).
fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
    for k in (1..n).rev() {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        v.swap(k, ((x >> 33) % (k as u64 + 1)) as usize);
    }
    v
}

/// Median, min and max of one entry's samples.
pub fn stats(samples: &[f64]) -> Stats {
    summarize(samples.to_vec())
}

/// `a` against `b`, round by round (both measured by one [`measure`] call).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paired {
    /// Median over rounds of `time(a) / time(b)`.
    pub ratio: f64,
    /// Rounds in which `a` was faster.
    pub wins: usize,
    /// Rounds compared.
    pub rounds: usize,
}

impl Paired {
    /// The sign test's z score for "`a` wins more rounds than a coin flip
    /// would": `(wins - rounds/2) / sqrt(rounds/4)`.
    pub fn sign_z(&self) -> f64 {
        if self.rounds == 0 {
            return 0.0;
        }
        let n = self.rounds as f64;
        (self.wins as f64 - n / 2.0) / (n / 4.0).sqrt()
    }
}

/// Compares two entries' samples round by round: noise that slows one round
/// (another process, a frequency change) slows both sides of that round.
pub fn paired(a: &[f64], b: &[f64]) -> Paired {
    let r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    let wins = r.iter().filter(|&&q| q < 1.0).count();
    let rounds = r.len();
    Paired {
        ratio: summarize(r).median,
        wins,
        rounds,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shuffled_is_a_permutation_and_varies() {
        let mut orders = std::collections::HashSet::new();
        for seed in 0..50 {
            let mut v = super::shuffled(7, seed);
            orders.insert(v.clone());
            v.sort_unstable();
            assert_eq!(v, (0..7).collect::<Vec<_>>());
        }
        assert!(orders.len() > 20);
    }
}
