//! Reduced-precision `dot` benches: one group per size (n = 4Ki, 64Ki and
//! 16Mi elements: in L1 for the narrow types, in L2, past the last-level
//! cache), one id per (type, backend), the f32 `dot` of the same n beside
//! them. Throughput is in elements (`n`), so the types compare directly:
//! a bf16 dot reads half the bytes of an f32 one, an i8 dot a quarter.
//!
//! ```text
//! cargo bench --bench narrow_types
//! cargo bench --bench narrow_types -- 'dot_4Ki/i8'
//! ```

mod common;

use std::hint::black_box;

use common::*;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, measurement::WallTime};
use criterion::{criterion_group, criterion_main};
use dotgrad::Element;
use dotgrad::half::{bf16, f16};

/// Benches `dot` of type `T` on every backend, inputs `fill(i, seed)`.
fn bench_type<T: Element>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    n: usize,
    fill: impl Fn(usize, u64) -> T,
) {
    let a: Vec<T> = (0..n).map(|i| fill(i, 1)).collect();
    let b: Vec<T> = (0..n).map(|i| fill(i, 2)).collect();
    for (isa, k) in backends() {
        let id = BenchmarkId::new(format!("{}/{isa}", T::NAME), label(n));
        group.bench_with_input(id, &n, |bch, _| {
            bch.iter(|| k.dot(black_box(&a[..]), black_box(&b[..])).unwrap())
        });
    }
}

fn all(c: &mut Criterion) {
    banner("narrow_types");
    for n in [4usize << 10, 64 << 10, 16 << 20] {
        let mut group = c.benchmark_group(format!("dot_{}", label(n)));
        group.throughput(Throughput::Elements(n as u64));
        for_size(&mut group, 4 * n);
        bench_type::<f32>(&mut group, n, value::<f32>);
        bench_type(&mut group, n, |i, s| bf16::from_f32(value::<f32>(i, s)));
        bench_type(&mut group, n, |i, s| f16::from_f32(value::<f32>(i, s)));
        bench_type(&mut group, n, |i, s| (value::<f32>(i, s) * 127.0) as i8);
        bench_type(&mut group, n, |i, s| {
            ((value::<f32>(i, s) + 1.0) * 127.0) as u8
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = config();
    targets = all
}
criterion_main!(benches);
