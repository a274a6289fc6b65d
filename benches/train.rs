//! Training kernels on f32 matrices, each against a plain read of `X`.
//!
//! For each shape `m x n` (1024x64, 4096x256, 16384x1024, 100000x100):
//! - `read`: one streaming pass over `X` (the floor every kernel here
//!   needs at least once): the OR of its bits, four registers per step.
//! - `linear_gradient/{isa}` and `logistic_gradient/{isa}`: the one-pass
//!   gradients on every backend this CPU has.
//! - `two_pass/{isa}`: the same linear gradient as BLAS would do it:
//!   `gemv` for the predictions, residuals, then `gemv_t` (reads `X` twice).
//! - `gemv/{isa}`, `gemv_t/{isa}` alone.
//!
//! Throughput is the bytes of `X`, so "x times the read" is the ratio of
//! the reported times. `DOTGRAD_BENCH_QUICK=1` keeps only the best backend.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::read_floor;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dotgrad::{Isa, Kernels, Matrix};

const SHAPES: [(usize, usize); 4] = [(1024, 64), (4096, 256), (16384, 1024), (100_000, 100)];

/// Deterministic data in [-1, 1).
fn data(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// One pass over `x` (see [`common::read_floor`]).
fn read(x: &[f32]) -> u32 {
    read_floor(bytemuck::cast_slice(x))
}

fn isas() -> Vec<Isa> {
    let quick = std::env::var("DOTGRAD_BENCH_QUICK").is_ok_and(|v| v == "1");
    let all: Vec<Isa> = Isa::available().collect();
    if quick {
        vec![*all.last().unwrap()]
    } else {
        all
    }
}

fn bench_train(c: &mut Criterion) {
    for (m, n) in SHAPES {
        let xs = data(m * n, 1);
        let x = Matrix::from_rows(&xs, m, n).unwrap();
        let w = data(n, 2);
        let y: Vec<f32> = data(m, 3);
        let labels: Vec<f32> = y.iter().map(|&v| f32::from(u8::from(v > 0.0))).collect();
        let mut gw = vec![0.0f32; n];
        let mut p = vec![0.0f32; m];

        let mut group = c.benchmark_group(format!("train_f32_{m}x{n}"));
        group
            .throughput(Throughput::Bytes((m * n * 4) as u64))
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1));

        group.bench_function("read", |b| b.iter(|| read(black_box(&xs))));
        for isa in isas() {
            let k = Kernels::new(isa).unwrap();
            if isa == Isa::Scalar && m * n > 1 << 20 {
                continue; // ~20 ms a call: adds little but time
            }
            group.bench_function(BenchmarkId::new("linear_gradient", isa), |b| {
                b.iter(|| k.linear_gradient(x, &y, &w, 0.5, &mut gw).unwrap())
            });
            group.bench_function(BenchmarkId::new("logistic_gradient", isa), |b| {
                b.iter(|| k.logistic_gradient(x, &labels, &w, 0.5, &mut gw).unwrap())
            });
            group.bench_function(BenchmarkId::new("two_pass", isa), |b| {
                b.iter(|| {
                    k.gemv(x, &w, 0.5, &mut p).unwrap();
                    for (pi, yi) in p.iter_mut().zip(&y) {
                        *pi -= yi;
                    }
                    k.gemv_t(x, &p, &mut gw).unwrap();
                    k.scale(1.0 / m as f32, &mut gw);
                })
            });
            group.bench_function(BenchmarkId::new("gemv", isa), |b| {
                b.iter(|| k.gemv(x, &w, 0.5, &mut p).unwrap())
            });
            group.bench_function(BenchmarkId::new("gemv_t", isa), |b| {
                b.iter(|| k.gemv_t(x, &y, &mut gw).unwrap())
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_train);
criterion_main!(benches);
