//! `gemm` benches: one group per type (`gemm_f32`, `gemm_f64`), one id per
//! (backend, threads, shape): squares 64..1024 and the training shapes of
//! a 784-128-10 MLP at batch 256, forward (`X W`) and the two backward
//! products (`X^T dY`, `dY W^T`). Throughput is in FLOP (`2 m n k`), so
//! criterion's `Gelem/s` reads as GFLOP/s. Baseline: the naive `i-p-j`
//! loop (`c[i][j] += a[i][p] * b[p][j]`, which LLVM vectorises), up to
//! 512. The scalar backend (the reference, one software FMA per term) runs
//! up to 256. With the `rayon` feature every SIMD backend also runs with
//! all threads of the global pool (`t1`, `tN`).
//!
//! ```text
//! cargo bench --bench gemm                              # everything
//! cargo bench --features rayon --bench gemm -- 'gemm_f32/avx512'
//! ```

mod common;

use std::hint::black_box;

use common::*;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dotgrad::{Float, Isa, Kernels, Matrix, MatrixMut, Trans};

/// One product: name, `m`, `n`, `k` and the transposes.
struct Shape {
    name: String,
    m: usize,
    n: usize,
    k: usize,
    ta: Trans,
    tb: Trans,
}

fn shapes() -> Vec<Shape> {
    let mut v: Vec<Shape> = [64, 128, 256, 512, 1024]
        .iter()
        .map(|&s| Shape {
            name: format!("{s}^3"),
            m: s,
            n: s,
            k: s,
            ta: Trans::No,
            tb: Trans::No,
        })
        .collect();
    // (batch, in, out) of the two layers: forward X W, backward X^T dY and dY W^T.
    for (b, i, o) in [(256, 784, 128), (256, 128, 10)] {
        v.push(Shape {
            name: format!("{b}x{i}*{i}x{o}"),
            m: b,
            n: o,
            k: i,
            ta: Trans::No,
            tb: Trans::No,
        });
        v.push(Shape {
            name: format!("({b}x{i})T*{b}x{o}"),
            m: i,
            n: o,
            k: b,
            ta: Trans::Yes,
            tb: Trans::No,
        });
        v.push(Shape {
            name: format!("{b}x{o}*({i}x{o})T"),
            m: b,
            n: i,
            k: o,
            ta: Trans::No,
            tb: Trans::Yes,
        });
    }
    v
}

fn stored(rows: usize, cols: usize, t: Trans) -> (usize, usize) {
    match t {
        Trans::No => (rows, cols),
        Trans::Yes => (cols, rows),
    }
}

fn naive<T: Float>(a: &[T], b: &[T], c: &mut [T], m: usize, n: usize, k: usize) {
    c.fill(T::ZERO);
    for i in 0..m {
        for p in 0..k {
            let x = a[i * k + p];
            for (cj, &bj) in c[i * n..][..n].iter_mut().zip(&b[p * n..][..n]) {
                *cj = *cj + x * bj;
            }
        }
    }
}

/// The handles: every backend sequentially, and every SIMD backend with
/// all threads when the `rayon` feature is on.
fn handles() -> Vec<(String, Kernels)> {
    let mut v = Vec::new();
    for (isa, k) in backends() {
        v.push((format!("{isa}/t1"), k));
        #[cfg(feature = "rayon")]
        if isa != Isa::Scalar {
            let n = rayon::current_num_threads();
            if n > 1 {
                v.push((
                    format!("{isa}/t{n}"),
                    k.with_par(dotgrad::Par::All).unwrap(),
                ));
            }
        }
    }
    v
}

fn gemm_shapes<T: Float>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("gemm_{}", T::NAME));
    let handles = handles();
    for s in shapes() {
        let (ar, ac) = stored(s.m, s.k, s.ta);
        let (br, bc) = stored(s.k, s.n, s.tb);
        let a: Vec<T> = (0..ar * ac).map(|i| value(i, 1)).collect();
        let b: Vec<T> = (0..br * bc).map(|i| value(i, 2)).collect();
        let mut out = vec![T::ZERO; s.m * s.n];
        let flops = 2 * s.m * s.n * s.k;
        group.throughput(Throughput::Elements(flops as u64));
        for_size(&mut group, if flops >= 1 << 28 { 4 << 20 } else { 0 });
        let am = Matrix::from_rows(&a, ar, ac).unwrap();
        let bm = Matrix::from_rows(&b, br, bc).unwrap();
        for (name, k) in &handles {
            if k.isa() == Isa::Scalar && flops > 2 << 24 {
                continue;
            }
            group.bench_with_input(BenchmarkId::new(name, &s.name), &s.m, |bch, _| {
                bch.iter(|| {
                    let cm = MatrixMut::from_rows(&mut out, s.m, s.n).unwrap();
                    k.gemm(black_box(am), s.ta, black_box(bm), s.tb, cm)
                        .unwrap();
                })
            });
        }
        if s.ta == Trans::No && s.tb == Trans::No && s.m <= 512 {
            group.bench_with_input(BenchmarkId::new("naive", &s.name), &s.m, |bch, _| {
                bch.iter(|| naive(black_box(&a), black_box(&b), &mut out, s.m, s.n, s.k))
            });
        }
    }
    group.finish();
}

/// The one-pass softmax-regression gradient against the one gemm pass over
/// the same `X` it must stay within 1.3x of (`Z = X W`, the forward logits
/// alone), out of cache: MNIST-shaped `m x 784` with 10 classes, `m` large
/// enough that `X` (`m * 784 * 4` bytes) is far beyond the L2. Throughput
/// is in bytes of `X`, so the two ids compare directly.
fn softmax_gradient(c: &mut Criterion) {
    let mut group = c.benchmark_group("softmax_gradient_f32");
    let (m, d, cl) = (100_000usize, 784usize, 10usize);
    let x: Vec<f32> = (0..m * d).map(|i| value::<f32>(i, 3) * 0.1).collect();
    let w: Vec<f32> = (0..d * cl).map(|i| value::<f32>(i, 4) * 0.01).collect();
    let b = vec![0.0f32; cl];
    let labels: Vec<u32> = (0..m).map(|i| (i * 7 % cl) as u32).collect();
    let (mut gw, mut gb, mut z) = (vec![0.0f32; d * cl], vec![0.0f32; cl], vec![0.0f32; m * cl]);
    let xm = Matrix::from_rows(&x, m, d).unwrap();
    let wm = Matrix::from_rows(&w, d, cl).unwrap();
    group.throughput(Throughput::Bytes((m * d * 4) as u64));
    group.sample_size(10);
    let id = format!("{m}x{d}_c{cl}");
    for (name, k) in handles() {
        if k.isa() == Isa::Scalar {
            continue;
        }
        group.bench_with_input(
            BenchmarkId::new(format!("{name}/gradient"), &id),
            &m,
            |bch, _| {
                bch.iter(|| {
                    let g = MatrixMut::from_rows(&mut gw, d, cl).unwrap();
                    k.softmax_gradient(black_box(xm), &labels, wm, &b, g, &mut gb)
                        .unwrap()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new(format!("{name}/gemm_xw"), &id),
            &m,
            |bch, _| {
                bch.iter(|| {
                    let zm = MatrixMut::from_rows(&mut z, m, cl).unwrap();
                    k.gemm(black_box(xm), Trans::No, wm, Trans::No, zm).unwrap()
                })
            },
        );
    }
    group.finish();
}

fn all(c: &mut Criterion) {
    banner("gemm");
    gemm_shapes::<f32>(c);
    gemm_shapes::<f64>(c);
    softmax_gradient(c);
}

criterion_group! {
    name = benches;
    config = config();
    targets = all
}
criterion_main!(benches);
