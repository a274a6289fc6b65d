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

use std::hint::black_box;
use std::time::Duration;

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

/// One pass over `x`, as fast as this CPU reads: the OR of all its bits,
/// four independent accumulators of the widest registers (256 bytes a step
/// with AVX-512, 128 with AVX2), so that it is a real floor.
fn read(x: &[f32]) -> u32 {
    let bytes: &[u8] = bytemuck::cast_slice(x);
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F (checked just above).
            return unsafe { floor::read_avx512(bytes) };
        }
        if is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { floor::read_avx2(bytes) };
        }
    }
    bytes.iter().fold(0, |a, &b| a | u32::from(b))
}

#[cfg(target_arch = "x86_64")]
mod floor {
    use std::arch::x86_64::*;

    /// One register type's loads and ORs over `bytes`, then the tail.
    macro_rules! reader {
        ($name:ident, $feature:literal, $v:ty, $zero:ident, $load:ident, $or:ident) => {
            #[target_feature(enable = $feature)]
            pub fn $name(bytes: &[u8]) -> u32 {
                const V: usize = size_of::<$v>();
                let mut acc = [$zero(); 4];
                let mut chunks = bytes.chunks_exact(4 * V);
                for c in &mut chunks {
                    for (k, a) in acc.iter_mut().enumerate() {
                        // SAFETY: `c` holds 4 * V bytes, so bytes
                        // k * V .. (k + 1) * V are in bounds; unaligned load.
                        *a = $or(*a, unsafe { $load(c[k * V..].as_ptr().cast()) });
                    }
                }
                let tail = chunks.remainder().iter().fold(0, |a, &b| a | u32::from(b));
                let acc = $or($or(acc[0], acc[1]), $or(acc[2], acc[3]));
                let mut words = [0u32; V / 4];
                // SAFETY: `words` is exactly V bytes; unaligned store.
                unsafe { std::ptr::write_unaligned(words.as_mut_ptr().cast::<$v>(), acc) };
                words.iter().fold(tail, |a, &b| a | b)
            }
        };
    }

    reader!(
        read_avx512,
        "avx512f",
        __m512i,
        _mm512_setzero_si512,
        _mm512_loadu_si512,
        _mm512_or_si512
    );
    reader!(
        read_avx2,
        "avx2",
        __m256i,
        _mm256_setzero_si256,
        _mm256_loadu_si256,
        _mm256_or_si256
    );
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
