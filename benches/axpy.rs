//! `axpy` and `scale` benches: groups `axpy_f32`, `axpy_f64`, `scale_f32`,
//! `scale_f64`, one id per (backend, n) for n = 16 .. 16Mi elements, plus the
//! naive loops (`*y += alpha * x`, `*x *= alpha`) as baselines. Throughput
//! counts the bytes moved: axpy reads `x` and `y` and writes `y`
//! (`3 * n * size_of::<T>()`); scale reads and writes `x` (`2 * n * size`).
//! Inputs are 64-byte aligned.
//!
//! ```text
//! cargo bench --bench axpy
//! cargo bench --bench axpy -- 'axpy_f32/avx2'
//! ```

mod common;

use std::hint::black_box;

use common::*;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dotgrad::Float;

fn naive_axpy<T: Float>(alpha: T, x: &[T], y: &mut [T]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = *y + alpha * x;
    }
}

fn naive_scale<T: Float>(alpha: T, x: &mut [T]) {
    for x in x.iter_mut() {
        *x = alpha * *x;
    }
}

fn axpy_sizes<T: Float>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("axpy_{}", T::NAME));
    let backends = backends();
    // y drifts by at most n_iter * 1e-6 per element: no overflow, no subnormals.
    let alpha = T::from_f64(1e-6);
    for n in sizes() {
        let x = AlignedBuf::<T>::new(n, 0, |i| value(i, 1));
        let mut y = AlignedBuf::<T>::new(n, 0, |i| value(i, 2));
        let x = x.slice();
        let bytes = 3 * n * std::mem::size_of::<T>();
        group.throughput(Throughput::Bytes(bytes as u64));
        for_size(&mut group, bytes);
        for &(isa, k) in &backends {
            group.bench_with_input(BenchmarkId::new(isa.name(), label(n)), &n, |bch, _| {
                bch.iter(|| k.axpy(black_box(alpha), black_box(x), black_box(y.slice_mut())))
            });
        }
        group.bench_with_input(BenchmarkId::new("naive", label(n)), &n, |bch, _| {
            bch.iter(|| naive_axpy(black_box(alpha), black_box(x), black_box(y.slice_mut())))
        });
    }
    group.finish();
}

fn scale_sizes<T: Float>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("scale_{}", T::NAME));
    let backends = backends();
    // Scaling by one keeps the values (and their speed) unchanged; the
    // kernel cannot know that, alpha is opaque.
    let alpha = T::from_f64(1.0);
    for n in sizes() {
        let mut x = AlignedBuf::<T>::new(n, 0, |i| value(i, 3));
        let bytes = 2 * n * std::mem::size_of::<T>();
        group.throughput(Throughput::Bytes(bytes as u64));
        for_size(&mut group, bytes);
        for &(isa, k) in &backends {
            group.bench_with_input(BenchmarkId::new(isa.name(), label(n)), &n, |bch, _| {
                bch.iter(|| k.scale(black_box(alpha), black_box(x.slice_mut())))
            });
        }
        group.bench_with_input(BenchmarkId::new("naive", label(n)), &n, |bch, _| {
            bch.iter(|| naive_scale(black_box(alpha), black_box(x.slice_mut())))
        });
    }
    group.finish();
}

fn all(c: &mut Criterion) {
    banner("axpy/scale");
    axpy_sizes::<f32>(c);
    axpy_sizes::<f64>(c);
    scale_sizes::<f32>(c);
    scale_sizes::<f64>(c);
}

criterion_group! {
    name = benches;
    config = config();
    targets = all
}
criterion_main!(benches);
