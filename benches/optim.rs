//! Optimizer steps: each kernel on each available backend, for n from 1Ki
//! to 16Mi elements, in GB/s counting every byte read and written (Adam:
//! `w, m, v, grad` read and `w, m, v` written, 7 buffers; momentum 5; sgd 3).
//!
//! Two baselines per group:
//! - `naive`: the textbook loop of the same formula, as one would write it
//!   in plain Rust (no FMA, three divisions for Adam), compiled for the
//!   default target, vectorised or not by the compiler;
//! - `floor`: one pass over the same buffers moving the same bytes with
//!   nothing but an add and sign flips (`w += grad`, the state negated in
//!   place): what plain copying of those bytes costs, the memory floor.
//!
//! `cargo bench --bench optim -- adam_f32` runs one group;
//! `DOTGRAD_ISA` does not apply (every available backend is measured).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, measurement::WallTime};
use dotgrad::{AdamParams, Element, Isa, Kernels, MomentumParams, SgdParams};

const SIZES: [usize; 5] = [1 << 10, 1 << 14, 1 << 18, 1 << 22, 1 << 24];

/// Deterministic values in about `[-1, 1]`, `v` kept positive.
fn data<T: Element>(n: usize, salt: u64) -> Vec<T> {
    (0..n as u64)
        .map(|j| {
            let h = (j.wrapping_mul(2654435761) ^ salt.wrapping_mul(40503)) % 2001;
            T::from_f64(h as f64 / 1000.0 - 1.0)
        })
        .collect()
}

fn abs<T: Element>(x: Vec<T>) -> Vec<T> {
    x.into_iter()
        .map(|x| if x < T::ZERO { -x } else { x })
        .collect()
}

/// Short runs: a second of measurement, fewer samples for the big sizes.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_secs(1));
    group.sample_size(if n >= 1 << 18 { 10 } else { 20 });
}

fn kernels() -> Vec<Kernels> {
    Isa::available().map(|i| Kernels::new(i).unwrap()).collect()
}

// ---------------------------------------------------------------------------
// The naive loops and the floors.

/// What a user writes for SGD with weight decay.
fn naive_sgd<T: Element>(w: &mut [T], g: &[T], lr: T, wd: T) {
    for (w, &g) in w.iter_mut().zip(g) {
        *w = *w - lr * (g + wd * *w);
    }
}

/// What a user writes for momentum SGD (after the first step).
fn naive_momentum<T: Element>(w: &mut [T], b: &mut [T], g: &[T], lr: T, mu: T, damp: T) {
    for ((w, b), &g) in w.iter_mut().zip(b.iter_mut()).zip(g) {
        *b = mu * *b + (T::from_f64(1.0) - damp) * g;
        *w = *w - lr * *b;
    }
}

/// What a user writes for Adam, straight from the paper / PyTorch docs.
fn naive_adam<T: Element>(w: &mut [T], m: &mut [T], v: &mut [T], g: &[T], p: &AdamParams, t: i32) {
    let one = T::from_f64(1.0);
    let (b1, b2) = (T::from_f64(p.beta1), T::from_f64(p.beta2));
    let (lr, eps) = (T::from_f64(p.lr), T::from_f64(p.eps));
    let bc1 = T::from_f64(1.0 - p.beta1.powi(t));
    let bc2 = T::from_f64(1.0 - p.beta2.powi(t));
    for (((w, m), v), &g) in w.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g) {
        *m = b1 * *m + (one - b1) * g;
        *v = b2 * *v + (one - b2) * g * g;
        let m_hat = *m / bc1;
        let v_hat = *v / bc2;
        *w = *w - lr * m_hat / (v_hat.sqrt() + eps);
    }
}

/// The floors: read `w`, `grad` and each state buffer once and write `w`
/// and each state buffer once, with an add and sign flips, in one pass.
/// Fixed-width chunks let the compiler vectorise them.
const CHUNK: usize = 16;

fn floor0<T: Element>(w: &mut [T], g: &[T]) {
    let mut cw = w.chunks_exact_mut(CHUNK);
    for (w, g) in (&mut cw).zip(g.chunks_exact(CHUNK)) {
        for i in 0..CHUNK {
            w[i] = w[i] + g[i];
        }
    }
    let n = g.len() - cw.into_remainder().len();
    for (w, &g) in w[n..].iter_mut().zip(&g[n..]) {
        *w = *w + g;
    }
}

fn floor1<T: Element>(w: &mut [T], s1: &mut [T], g: &[T]) {
    let mut cw = w.chunks_exact_mut(CHUNK);
    let mut c1 = s1.chunks_exact_mut(CHUNK);
    for ((w, a), g) in (&mut cw).zip(&mut c1).zip(g.chunks_exact(CHUNK)) {
        for i in 0..CHUNK {
            w[i] = w[i] + g[i];
            a[i] = -a[i];
        }
    }
    let n = g.len() - cw.into_remainder().len();
    for ((w, a), &g) in w[n..].iter_mut().zip(&mut s1[n..]).zip(&g[n..]) {
        *w = *w + g;
        *a = -*a;
    }
}

fn floor2<T: Element>(w: &mut [T], s1: &mut [T], s2: &mut [T], g: &[T]) {
    let mut cw = w.chunks_exact_mut(CHUNK);
    let mut c1 = s1.chunks_exact_mut(CHUNK);
    let mut c2 = s2.chunks_exact_mut(CHUNK);
    for (((w, a), b), g) in (&mut cw)
        .zip(&mut c1)
        .zip(&mut c2)
        .zip(g.chunks_exact(CHUNK))
    {
        for i in 0..CHUNK {
            w[i] = w[i] + g[i];
            a[i] = -a[i];
            b[i] = -b[i];
        }
    }
    let n = g.len() - cw.into_remainder().len();
    let tail = w[n..].iter_mut().zip(&mut s1[n..]).zip(&mut s2[n..]);
    for (((w, a), b), &g) in tail.zip(&g[n..]) {
        *w = *w + g;
        *a = -*a;
        *b = -*b;
    }
}

// ---------------------------------------------------------------------------
// Groups.

fn bench_sgd<T: Element>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("sgd_{}", T::NAME));
    let p = SgdParams {
        lr: 1e-3,
        weight_decay: 1e-4,
    };
    for n in SIZES {
        configure(&mut group, n);
        group.throughput(Throughput::Bytes((3 * n * size_of::<T>()) as u64));
        let (mut w, g) = (data::<T>(n, 1), data::<T>(n, 2));
        for k in kernels() {
            group.bench_function(BenchmarkId::new(k.isa().name(), n), |b| {
                b.iter(|| k.sgd_step(black_box(&mut w), black_box(&g), p).unwrap())
            });
        }
        let (lr, wd) = (T::from_f64(p.lr), T::from_f64(p.weight_decay));
        group.bench_function(BenchmarkId::new("naive", n), |b| {
            b.iter(|| naive_sgd(black_box(&mut w), black_box(&g), lr, wd))
        });
        group.bench_function(BenchmarkId::new("floor", n), |b| {
            b.iter(|| floor0(black_box(&mut w), black_box(&g)))
        });
    }
    group.finish();
}

fn bench_momentum<T: Element>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("momentum_{}", T::NAME));
    let p = MomentumParams {
        lr: 1e-3,
        momentum: 0.9,
        ..Default::default()
    };
    for n in SIZES {
        configure(&mut group, n);
        group.throughput(Throughput::Bytes((5 * n * size_of::<T>()) as u64));
        let (mut w, mut vel, g) = (data::<T>(n, 1), data::<T>(n, 3), data::<T>(n, 2));
        for k in kernels() {
            group.bench_function(BenchmarkId::new(k.isa().name(), n), |b| {
                b.iter(|| {
                    k.momentum_step(black_box(&mut w), black_box(&mut vel), black_box(&g), p, 2)
                        .unwrap()
                })
            });
        }
        let (lr, mu) = (T::from_f64(p.lr), T::from_f64(p.momentum));
        group.bench_function(BenchmarkId::new("naive", n), |b| {
            b.iter(|| {
                naive_momentum(
                    black_box(&mut w),
                    black_box(&mut vel),
                    black_box(&g),
                    lr,
                    mu,
                    T::ZERO,
                )
            })
        });
        group.bench_function(BenchmarkId::new("floor", n), |b| {
            b.iter(|| floor1(black_box(&mut w), black_box(&mut vel), black_box(&g)))
        });
    }
    group.finish();
}

fn bench_adam<T: Element>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("adam_{}", T::NAME));
    let p = AdamParams::adam();
    for n in SIZES {
        configure(&mut group, n);
        group.throughput(Throughput::Bytes((7 * n * size_of::<T>()) as u64));
        let mut w = data::<T>(n, 1);
        let mut m = data::<T>(n, 3);
        let mut v = abs(data::<T>(n, 4));
        let g = data::<T>(n, 2);
        for k in kernels() {
            group.bench_function(BenchmarkId::new(k.isa().name(), n), |b| {
                b.iter(|| {
                    k.adam_step(
                        black_box(&mut w),
                        black_box(&mut m),
                        black_box(&mut v),
                        None,
                        black_box(&g),
                        p,
                        10,
                    )
                    .unwrap()
                })
            });
        }
        group.bench_function(BenchmarkId::new("naive", n), |b| {
            b.iter(|| {
                naive_adam(
                    black_box(&mut w),
                    black_box(&mut m),
                    black_box(&mut v),
                    black_box(&g),
                    &p,
                    10,
                )
            })
        });
        group.bench_function(BenchmarkId::new("floor", n), |b| {
            b.iter(|| {
                floor2(
                    black_box(&mut w),
                    black_box(&mut m),
                    black_box(&mut v),
                    black_box(&g),
                )
            })
        });
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_adam::<f32>(c);
    bench_adam::<f64>(c);
    bench_momentum::<f32>(c);
    bench_momentum::<f64>(c);
    bench_sgd::<f32>(c);
    bench_sgd::<f64>(c);
}

criterion::criterion_group!(optim, benches);
criterion::criterion_main!(optim);
