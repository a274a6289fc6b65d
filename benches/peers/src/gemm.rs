//! gemm (`C = op(A) op(B)`, every matrix row-major), single-threaded:
//! squares 64 to 1024 (2048 with `--gemm-2048`) and the products of training
//! the 784-128-10 MLP on a batch of 256 (forward `X W1`, `H W2`; backward
//! `X^T dH`, `H^T dZ` and `dH W1^T`).
//!
//! dotgrad's `Kernels::gemm` (the detected backend only: the others are
//! there for bit-identity, and the scalar one would take seconds per call
//! at 1024), OpenBLAS `cblas_sgemm`/`cblas_dgemm` with the same transposes,
//! and faer's `matmul` with `Par::Seq`. The case counts `2 m n k` flops per
//! call, so the report's "elements per ns" are GFLOP/s; the floor is the
//! FMA peak (`peak.rs`), so `floor` is the fraction of it reached.

use std::hint::black_box;

use dotgrad::{Isa, Kernels, Matrix, MatrixMut, Trans};

use crate::bench::Ctx;
use crate::elem::{Elem, data, zeros};

/// One product: `C (m x n) = op(A) (m x k) * op(B) (k x n)`.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Rows of `C` and of `op(A)`.
    pub m: usize,
    /// Columns of `C` and of `op(B)`.
    pub n: usize,
    /// The inner dimension.
    pub k: usize,
    /// `A` is stored `k x m` and enters transposed.
    pub ta: bool,
    /// `B` is stored `n x k` and enters transposed.
    pub tb: bool,
}

impl Shape {
    const fn new(m: usize, n: usize, k: usize, ta: bool, tb: bool) -> Shape {
        Shape { m, n, k, ta, tb }
    }

    /// `256x784 * 784x128`, `256x784^T * 256x128`: the stored shapes, `^T`
    /// where an operand enters transposed.
    pub fn label(&self) -> String {
        let stored = |r: usize, c: usize, t: bool| {
            if t {
                format!("{c}x{r}^T")
            } else {
                format!("{r}x{c}")
            }
        };
        format!(
            "{} * {}",
            stored(self.m, self.k, self.ta),
            stored(self.k, self.n, self.tb)
        )
    }

    /// `2 m n k`.
    pub fn flops(&self) -> usize {
        2 * self.m * self.n * self.k
    }
}

/// The shapes; `--smoke`: a small square and two small transposed
/// products (so every call's transposes are checked in CI); `big` adds the
/// 2048 square.
pub fn shapes(smoke: bool, big: bool) -> Vec<Shape> {
    if smoke {
        return vec![
            Shape::new(64, 64, 64, false, false),
            Shape::new(40, 24, 48, true, false),
            Shape::new(24, 40, 16, false, true),
        ];
    }
    let mut all: Vec<Shape> = [64, 128, 256, 512, 1024]
        .into_iter()
        .map(|s| Shape::new(s, s, s, false, false))
        .collect();
    if big {
        all.push(Shape::new(2048, 2048, 2048, false, false));
    }
    all.extend([
        // forward: X (256x784) W1 (784x128)
        Shape::new(256, 128, 784, false, false),
        // dW1 = X^T dH: X stored 256x784
        Shape::new(784, 128, 256, true, false),
        // dX = dH W1^T: W1 stored 784x128
        Shape::new(256, 784, 128, false, true),
        // forward: H (256x128) W2 (128x10)
        Shape::new(256, 10, 128, false, false),
        // dW2 = H^T dZ: H stored 256x128
        Shape::new(128, 10, 256, true, false),
    ]);
    all
}

fn trans(t: bool) -> Trans {
    if t { Trans::Yes } else { Trans::No }
}

/// dotgrad's product of `s`, into `c`.
fn dotgrad_gemm<T: Elem>(k: Kernels, s: Shape, a: &[T], b: &[T], c: &mut [T]) {
    let (ar, ac) = if s.ta { (s.k, s.m) } else { (s.m, s.k) };
    let (br, bc) = if s.tb { (s.n, s.k) } else { (s.k, s.n) };
    k.gemm(
        Matrix::from_rows(a, ar, ac).expect("shape of A"),
        trans(s.ta),
        Matrix::from_rows(b, br, bc).expect("shape of B"),
        trans(s.tb),
        MatrixMut::from_rows(c, s.m, s.n).expect("shape of C"),
    )
    .expect("gemm shapes");
}

/// Panics unless `max |got - want| <= tol * max |want|` (`tol` 1e-3 for
/// f32, 1e-9 for f64): any summation order passes, a wrong or skipped call
/// (relative error of order 1) does not.
fn check_gemm<T: Elem>(what: &str, got: &[T], want: &[T]) {
    let tol = if T::TYPE == "f32" { 1e-3 } else { 1e-9 };
    let (mut err, mut big) = (0.0f64, 0.0f64);
    for (g, w) in got.iter().zip(want) {
        err = err.max((g.wide() - w.wide()).abs());
        big = big.max(w.wide().abs());
    }
    assert!(
        err <= tol * big && big > 0.0,
        "{what}: max error {err} against dotgrad's result (max |C| {big})"
    );
}

/// `C = op(A) op(B)` for every shape, single-threaded.
pub fn gemm<T: Elem>(ctx: &mut Ctx, big: bool) {
    let case = format!("gemm {}", T::TYPE);
    let isa = Isa::detected();
    let kern = Kernels::new(isa).expect("the detected backend");
    for s in shapes(ctx.smoke, big) {
        let size = s.label();
        if !ctx.wants(&case, &size) {
            continue;
        }
        let (a, b) = (data::<T>(s.m * s.k, 11), data::<T>(s.k * s.n, 12));
        let (a, b) = (&a[..], &b[..]);

        let mut want = zeros(s.m * s.n);
        dotgrad_gemm(kern, s, a, b, &mut want);
        let mut got = zeros(s.m * s.n);
        T::gemm(s.ta, s.tb, s.m, s.n, s.k, a, b, &mut got);
        check_gemm("openblas gemm", &got, &want);
        got.fill(T::default());
        T::faer_gemm(s.ta, s.tb, s.m, s.n, s.k, a, b, &mut got);
        check_gemm("faer gemm", &got, &want);

        let mut set = ctx.set();
        let mut c = zeros(s.m * s.n);
        set.dotgrad(isa, &format!("dotgrad {isa}"), move || {
            dotgrad_gemm(kern, s, black_box(a), black_box(b), black_box(&mut c[..]))
        });
        let mut c = zeros(s.m * s.n);
        set.peer("faer", move || {
            T::faer_gemm(
                s.ta,
                s.tb,
                s.m,
                s.n,
                s.k,
                black_box(a),
                black_box(b),
                black_box(&mut c[..]),
            )
        });
        let mut c = zeros(s.m * s.n);
        set.blas(move || {
            T::gemm(
                s.ta,
                s.tb,
                s.m,
                s.n,
                s.k,
                black_box(a),
                black_box(b),
                black_box(&mut c[..]),
            )
        });
        set.peak(s.flops(), core::mem::size_of::<T>());
        ctx.measure(&case, &size, s.flops(), set);
    }
}
