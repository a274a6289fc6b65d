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
//!   place), compiled for the widest vector ISA the CPU has: what plain
//!   copying of those bytes costs, the memory floor.
//!
//! `cargo bench --bench optim -- adam_f32` runs one group;
//! `DOTGRAD_ISA` does not apply (every available backend is measured).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, measurement::WallTime};
use dotgrad::{AdamParams, Float, Isa, Kernels, MomentumParams, SgdParams};

const SIZES: [usize; 5] = [1 << 10, 1 << 14, 1 << 18, 1 << 22, 1 << 24];

/// Deterministic values in about `[-1, 1]`, `v` kept positive.
fn data<T: Float>(n: usize, salt: u64) -> Vec<T> {
    (0..n as u64)
        .map(|j| {
            let h = (j.wrapping_mul(2654435761) ^ salt.wrapping_mul(40503)) % 2001;
            T::from_f64(h as f64 / 1000.0 - 1.0)
        })
        .collect()
}

fn abs<T: Float>(x: Vec<T>) -> Vec<T> {
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

/// What the naive loops need beyond `Float`: std's `sqrt` (an intrinsic
/// the compiler can vectorise; `Float::sqrt` is libm's, a call).
trait NaiveFloat: Float {
    fn sqrt_std(self) -> Self;
}

impl NaiveFloat for f32 {
    fn sqrt_std(self) -> f32 {
        self.sqrt()
    }
}

impl NaiveFloat for f64 {
    fn sqrt_std(self) -> f64 {
        self.sqrt()
    }
}

/// What a user writes for SGD with weight decay.
fn naive_sgd<T: NaiveFloat>(w: &mut [T], g: &[T], lr: T, wd: T) {
    let n = w.len();
    let g = &g[..n];
    for i in 0..n {
        w[i] = w[i] - lr * (g[i] + wd * w[i]);
    }
}

/// What a user writes for momentum SGD (after the first step).
fn naive_momentum<T: NaiveFloat>(w: &mut [T], b: &mut [T], g: &[T], lr: T, mu: T, damp: T) {
    let n = w.len();
    let (b, g) = (&mut b[..n], &g[..n]);
    let one = T::from_f64(1.0);
    for i in 0..n {
        b[i] = mu * b[i] + (one - damp) * g[i];
        w[i] = w[i] - lr * b[i];
    }
}

/// What a user writes for Adam, straight from the paper / PyTorch docs.
fn naive_adam<T: NaiveFloat>(
    w: &mut [T],
    m: &mut [T],
    v: &mut [T],
    g: &[T],
    p: &AdamParams,
    t: i32,
) {
    let n = w.len();
    let (m, v, g) = (&mut m[..n], &mut v[..n], &g[..n]);
    let one = T::from_f64(1.0);
    let (b1, b2) = (T::from_f64(p.beta1), T::from_f64(p.beta2));
    let (lr, eps) = (T::from_f64(p.lr), T::from_f64(p.eps));
    let bc1 = T::from_f64(1.0 - p.beta1.powi(t));
    let bc2 = T::from_f64(1.0 - p.beta2.powi(t));
    for i in 0..n {
        m[i] = b1 * m[i] + (one - b1) * g[i];
        v[i] = b2 * v[i] + (one - b2) * g[i] * g[i];
        let m_hat = m[i] / bc1;
        let v_hat = v[i] / bc2;
        w[i] = w[i] - lr * m_hat / (v_hat.sqrt_std() + eps);
    }
}

/// The floors: read `w`, `grad` and each state buffer once and write `w`
/// and each state buffer once, with an add and sign flips, in one pass.
/// Each is compiled for the widest vector ISA this CPU has (AVX-512F,
/// AVX2, else the default target), so that it is a floor for the SIMD
/// backends too.
macro_rules! floor {
    ($name:ident, $body:ident, $avx2:ident, ($($s:ident),*)) => {
        #[inline(always)]
        fn $body<T: Float>(w: &mut [T], $($s: &mut [T],)* g: &[T]) {
            let n = w.len();
            let g = &g[..n];
            $(let $s = &mut $s[..n];)*
            for i in 0..n {
                w[i] = w[i] + g[i];
                $($s[i] = -$s[i];)*
            }
        }

        fn $name<T: Float>(w: &mut [T], $($s: &mut [T],)* g: &[T]) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn wide<T: Float>(w: &mut [T], $($s: &mut [T],)* g: &[T]) {
                    $body(w, $($s,)* g)
                }
                #[target_feature(enable = "avx2")]
                fn $avx2<T: Float>(w: &mut [T], $($s: &mut [T],)* g: &[T]) {
                    $body(w, $($s,)* g)
                }
                if std::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU has AVX-512F, just detected.
                    return unsafe { wide(w, $($s,)* g) };
                }
                if std::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2, just detected.
                    return unsafe { $avx2(w, $($s,)* g) };
                }
            }
            $body(w, $($s,)* g)
        }
    };
}

floor!(floor0, floor0_body, floor0_avx2, ());
floor!(floor1, floor1_body, floor1_avx2, (s1));
floor!(floor2, floor2_body, floor2_avx2, (s1, s2));

// ---------------------------------------------------------------------------
// Groups.

fn bench_sgd<T: NaiveFloat>(c: &mut Criterion) {
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

fn bench_momentum<T: NaiveFloat>(c: &mut Criterion) {
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

fn bench_adam<T: NaiveFloat>(c: &mut Criterion) {
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
