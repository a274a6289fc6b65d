//! `dot` benches: one group per type (`dot_f32`, `dot_f64`), one id per
//! (backend, n) for n = 16 .. 16Mi elements, plus the naive loop
//! `a.iter().zip(b).map(|(x, y)| x * y).sum()` as the baseline and `read`, a
//! plain read of the same bytes (wide-register OR, `common::read_floor`), as
//! the memory bound. Throughput is the bytes read (`2 * n * size_of::<T>()`). Inputs
//! are 64-byte aligned.
//!
//! `dot_f32_alignment` runs n = 1Ki and 4Ki with both inputs 64-byte
//! aligned (`aligned`), both 4 bytes past a boundary (`both+4`), and at two
//! different offsets, 4 and 20 bytes (`4+20`), and `read/aligned`, the
//! plain read of the aligned inputs: the load bound dot is measured against.
//!
//! ```text
//! cargo bench --bench dot                       # everything (a few minutes)
//! cargo bench --bench dot -- 'dot_f32/avx2'     # a filter
//! ```

mod common;

use std::hint::black_box;

use common::*;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dotgrad::Float;

fn naive<T: Float + std::iter::Sum>(a: &[T], b: &[T]) -> T {
    a.iter().zip(b).map(|(&x, &y)| x * y).sum()
}

/// A plain read of the same bytes ([`read_floor`] of both inputs; memory
/// bound past the caches: what `dot` at 16Mi is compared with).
fn read<T: Float + bytemuck::Pod>(a: &[T], b: &[T]) -> u32 {
    read_floor(bytemuck::cast_slice(a)) | read_floor(bytemuck::cast_slice(b))
}

fn dot_sizes<T: Float + bytemuck::Pod + std::iter::Sum>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("dot_{}", T::NAME));
    let backends = backends();
    for n in sizes() {
        let a = AlignedBuf::<T>::new(n, 0, |i| value(i, 1));
        let b = AlignedBuf::<T>::new(n, 0, |i| value(i, 2));
        let (a, b) = (a.slice(), b.slice());
        let bytes = 2 * n * std::mem::size_of::<T>();
        group.throughput(Throughput::Bytes(bytes as u64));
        for_size(&mut group, bytes);
        for &(isa, k) in &backends {
            group.bench_with_input(BenchmarkId::new(isa.name(), label(n)), &n, |bch, _| {
                bch.iter(|| k.dot(black_box(a), black_box(b)).unwrap())
            });
        }
        group.bench_with_input(BenchmarkId::new("naive", label(n)), &n, |bch, _| {
            bch.iter(|| naive(black_box(a), black_box(b)))
        });
        group.bench_with_input(BenchmarkId::new("read", label(n)), &n, |bch, _| {
            bch.iter(|| read(black_box(a), black_box(b)))
        });
    }
    group.finish();
}

fn dot_f32_alignment(c: &mut Criterion) {
    let mut group = c.benchmark_group("dot_f32_alignment");
    let backends = backends();
    for n in [1usize << 10, 4 << 10] {
        group.throughput(Throughput::Bytes((2 * n * 4) as u64));
        for (case, off_a, off_b) in [("aligned", 0, 0), ("both+4", 4, 4), ("4+20", 4, 20)] {
            let a = AlignedBuf::<f32>::new(n, off_a, |i| value(i, 1));
            let b = AlignedBuf::<f32>::new(n, off_b, |i| value(i, 2));
            let (a, b) = (a.slice(), b.slice());
            for &(isa, k) in &backends {
                let id = BenchmarkId::new(format!("{isa}/{case}"), label(n));
                group.bench_with_input(id, &n, |bch, _| {
                    bch.iter(|| k.dot(black_box(a), black_box(b)).unwrap())
                });
            }
            let id = BenchmarkId::new(format!("naive/{case}"), label(n));
            group.bench_with_input(id, &n, |bch, _| {
                bch.iter(|| naive(black_box(a), black_box(b)))
            });
            if case == "aligned" {
                // The load bound in L1, in the same run: any dot reads these
                // bytes (the read is two calls, one per input).
                let id = BenchmarkId::new("read/aligned", label(n));
                group.bench_with_input(id, &n, |bch, _| {
                    bch.iter(|| read(black_box(a), black_box(b)))
                });
            }
        }
    }
    group.finish();
}

fn all(c: &mut Criterion) {
    banner("dot");
    dot_f32_alignment(c);
    dot_sizes::<f32>(c);
    dot_sizes::<f64>(c);
}

criterion_group! {
    name = benches;
    config = config();
    targets = all
}
criterion_main!(benches);
