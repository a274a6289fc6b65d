//! Threads: every kernel, on every backend, gives the sequential bits for
//! 1, 2, 3, 4, 7 and 16 threads (an explicit rayon pool each, and
//! `Par::Threads(n)` in the global pool), on shapes across many blocks, with
//! the least task size so that every split the block tree allows happens.
//! Needs the `rayon` feature (`cargo test --release --features rayon`).

mod common;

use common::*;
use dotgrad::{AdamParams, Kernels, Matrix, MomentumParams, Par, SgdParams};
use quickcheck::{Arbitrary, Gen};

const THREADS: [usize; 6] = [1, 2, 3, 4, 7, 16];

fn pools() -> &'static [(usize, rayon::ThreadPool)] {
    static POOLS: std::sync::OnceLock<Vec<(usize, rayon::ThreadPool)>> = std::sync::OnceLock::new();
    POOLS.get_or_init(|| {
        THREADS
            .iter()
            .map(|&n| {
                let p = rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .unwrap();
                (n, p)
            })
            .collect()
    })
}

/// Cases per property: a hundredth of `qc_tests`, at least 5 (each case
/// runs every backend at six thread counts, twice).
fn cases() -> u64 {
    (qc_tests() / 100).max(5)
}

/// `f` on the sequential handle, then on every pool with `Par::All` and in
/// the global pool with `Par::Threads(n)`, all with 1-byte tasks (every
/// split happens) and with the default task size; every result must equal
/// the sequential one.
fn same_for_all_threads<R: PartialEq + std::fmt::Debug + Send>(
    k: Kernels,
    f: impl Fn(Kernels) -> R + Sync,
) -> bool {
    let want = f(k);
    for (n, pool) in pools() {
        for tb in [1, k.task_bytes()] {
            let kp = k.with_par(Par::All).unwrap().with_task_bytes(tb);
            let got = pool.install(|| f(kp));
            if got != want {
                eprintln!(
                    "{:?} {n} threads (pool), task bytes {tb}: {got:?} != {want:?}",
                    k.isa()
                );
                return false;
            }
            let kt = k.with_par(Par::Threads(*n)).unwrap().with_task_bytes(tb);
            let got = f(kt);
            if got != want {
                eprintln!(
                    "{:?} Threads({n}), task bytes {tb}: {got:?} != {want:?}",
                    k.isa()
                );
                return false;
            }
        }
    }
    true
}

/// Bits of a vector (NaNs canonical), for comparisons.
fn bits<T: TestFloat>(v: &[T]) -> Vec<u64> {
    v.iter()
        .map(|&x| if x.is_nan_() { u64::MAX } else { x.bits() })
        .collect()
}

/// A length across several blocks (up to about 20 f32 blocks).
#[derive(Clone, Debug)]
struct Long<T>(Pair<T>);

impl<T: TestFloat> Arbitrary for Long<T> {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = match u32::arbitrary(g) % 4 {
            0 => usize::arbitrary(g) % (3 * T::E),
            1 => T::E * (1 + usize::arbitrary(g) % 8) + usize::arbitrary(g) % 3,
            _ => usize::arbitrary(g) % (20 * T::E),
        };
        let mut p = Pair::<T>::arbitrary(g);
        p.a = shifted(g, n, Mix::Zeros);
        p.b = shifted(g, n, Mix::Plain);
        Long(p)
    }
}

fn dot_threads<T: TestFloat>() {
    for k in backends() {
        check_n(cases(), |Long(p): Long<T>| {
            let (a, b) = (p.a.slice(), p.b.slice());
            same_for_all_threads(k, |k| bits(&[k.dot(a, b).unwrap()]))
        });
    }
}

#[test]
fn dot_f32_threads_match_sequential() {
    dot_threads::<f32>();
}

#[test]
fn dot_f64_threads_match_sequential() {
    dot_threads::<f64>();
}

/// A matrix of many row blocks (up to ~20 blocks of 256 rows), narrow or
/// wide.
#[derive(Clone, Debug)]
struct Tall<T>(MatCase<T>);

impl<T: TestFloat> Arbitrary for Tall<T> {
    fn arbitrary(g: &mut Gen) -> Self {
        loop {
            let Labeled(c) = Labeled::<T>::arbitrary(g);
            if c.rows >= 512 || u32::arbitrary(g) % 4 == 0 {
                return Tall(c);
            }
        }
    }
}

fn matrix_threads<T: TestFloat>() {
    for k in backends() {
        check_n(cases(), |Tall(c): Tall<T>| {
            same_for_all_threads(k, |k| {
                let g1 = run_gemv(k, &c);
                let g2 = run_gemv_t(k, &c);
                let l = run_gradient(k, Model::Linear, &c);
                let o = run_gradient(k, Model::Logistic, &c);
                (
                    bits(&g1),
                    bits(&g2),
                    (bits(&l.0), bits(&[l.1.grad_b, l.1.loss])),
                    (bits(&o.0), bits(&[o.1.grad_b, o.1.loss])),
                )
            })
        });
    }
}

#[test]
fn matrix_kernels_f32_threads_match_sequential() {
    matrix_threads::<f32>();
}

#[test]
fn matrix_kernels_f64_threads_match_sequential() {
    matrix_threads::<f64>();
}

/// A long vector for the element-wise kernels.
fn elementwise_threads<T: TestFloat>() {
    for k in backends() {
        check_n(cases(), |Long(p): Long<T>| {
            let (x, y) = (p.a.slice(), p.b.slice());
            same_for_all_threads(k, |k| {
                let mut out = Vec::new();
                let mut y1 = y.to_vec();
                k.axpy(p.alpha, x, &mut y1).unwrap();
                out.push(bits(&y1));
                let mut x1 = x.to_vec();
                k.scale(p.alpha, &mut x1);
                out.push(bits(&x1));
                let mut z = y.to_vec();
                k.sigmoid(&mut z);
                out.push(bits(&z));
                let mut w = x.to_vec();
                let sgd = SgdParams {
                    lr: 0.1,
                    weight_decay: 0.01,
                };
                k.sgd_step(&mut w, y, sgd).unwrap();
                out.push(bits(&w));
                let (mut w, mut v) = (x.to_vec(), y.to_vec());
                let mom = MomentumParams {
                    lr: 0.1,
                    momentum: 0.9,
                    nesterov: true,
                    ..Default::default()
                };
                k.momentum_step(&mut w, &mut v, y, mom, 3).unwrap();
                out.push(bits(&w));
                out.push(bits(&v));
                let (mut w, mut m, mut v, mut vm) =
                    (x.to_vec(), y.to_vec(), x.to_vec(), y.to_vec());
                for x in v.iter_mut().chain(vm.iter_mut()) {
                    *x = T::from_f64(x.to_f64().abs());
                }
                let p = AdamParams {
                    amsgrad: true,
                    ..AdamParams::adamw()
                };
                k.adam_step(&mut w, &mut m, &mut v, Some(&mut vm), y, p, 5)
                    .unwrap();
                out.extend([bits(&w), bits(&m), bits(&v), bits(&vm)]);
                out
            })
        });
    }
}

#[test]
fn elementwise_f32_threads_match_sequential() {
    elementwise_threads::<f32>();
}

#[test]
fn elementwise_f64_threads_match_sequential() {
    elementwise_threads::<f64>();
}

#[test]
fn par_settings_are_checked_and_kept() {
    let k = Kernels::best();
    assert_eq!(k.par(), Par::Seq);
    assert!(k.with_par(Par::Threads(0)).is_err());
    assert_eq!(k.with_par(Par::Threads(3)).unwrap().par(), Par::Threads(3));
    assert_eq!(k.with_task_bytes(0).task_bytes(), 1);
    // A call of 16 elements stays on the calling thread whatever the setting.
    let a = [1.0f32; 16];
    let kp = k.with_par(Par::All).unwrap();
    assert_eq!(kp.dot(&a, &a).unwrap(), 16.0);
    let x = Matrix::from_rows(&a, 4, 4).unwrap();
    let mut o = [0.0f32; 4];
    kp.gemv(x, &a[..4], 0.0, &mut o).unwrap();
    assert_eq!(o, [4.0; 4]);
}
