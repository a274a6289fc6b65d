//! gemv (`out = X w + b`), gemv_t (`out = X^T v`) and the batch gradient of
//! linear regression, for `X` row-major `rows x cols`.
//!
//! dotgrad computes the gradient in one pass over `X`; OpenBLAS and faer need
//! two matrix-vector products (`e = X w + b - y`, then `X^T e / m`) plus the
//! small vector operations (bias, residual, sum, squared norm).

use std::hint::black_box;

use dotgrad::{Kernels, Matrix};

use crate::bench::{Ctx, check_close};
use crate::elem::{Buf, Elem, data, naive_axpy, naive_dot, zeros};

/// The shapes (`rows x cols`); `--smoke`: the smallest.
pub fn shapes(smoke: bool) -> Vec<(usize, usize)> {
    let all = vec![(1024, 64), (4096, 256), (16384, 1024), (100_000, 100)];
    if smoke { all[..1].to_vec() } else { all }
}

fn mat<T: Elem>(x: &[T], rows: usize, cols: usize) -> Matrix<'_, T> {
    Matrix::from_rows(x, rows, cols).expect("shape")
}

/// The inputs of one shape.
struct Inputs<T> {
    x: Buf<T>,
    /// `cols` long: the weights.
    w: Buf<T>,
    /// `rows` long: the targets, or gemv_t's `v`.
    y: Buf<T>,
    b: T,
}

fn inputs<T: Elem>(rows: usize, cols: usize) -> Inputs<T> {
    Inputs {
        x: data(rows * cols, 5),
        w: data(cols, 6),
        y: data(rows, 7),
        b: T::of(0.25),
    }
}

fn bytes<T: Elem>(v: &[T]) -> &[u8] {
    bytemuck::cast_slice(v)
}

// --- The peers' versions -------------------------------------------------

fn naive_gemv<T: Elem>(x: &[T], cols: usize, w: &[T], b: T, out: &mut [T]) {
    for (o, row) in out.iter_mut().zip(x.chunks_exact(cols)) {
        *o = naive_dot(row, w) + b;
    }
}

fn naive_gemv_t<T: Elem>(x: &[T], cols: usize, v: &[T], out: &mut [T]) {
    out.fill(T::default());
    for (&vi, row) in v.iter().zip(x.chunks_exact(cols)) {
        naive_axpy(vi, row, out);
    }
}

fn blas_gemv<T: Elem>(x: &[T], rows: usize, cols: usize, w: &[T], b: T, out: &mut [T]) {
    out.fill(b);
    T::gemv(false, rows, cols, T::of(1.0), x, w, T::of(1.0), out);
}

fn faer_gemv<T: Elem>(x: &[T], rows: usize, cols: usize, w: &[T], b: T, out: &mut [T]) {
    T::faer_gemv(x, rows, cols, w, out);
    for o in out.iter_mut() {
        *o = *o + b;
    }
}

/// `(grad_b, loss)`; `e` is scratch of `rows`.
type Grad<T> = (T, T);

/// A peer's gradient: `(x, rows, cols, y, w, b, e, grad_w)`.
type GradFn<T> = fn(&[T], usize, usize, &[T], &[T], T, &mut [T], &mut [T]) -> Grad<T>;

fn naive_gradient<T: Elem>(
    x: &[T],
    cols: usize,
    y: &[T],
    w: &[T],
    b: T,
    e: &mut [T],
    g: &mut [T],
) -> Grad<T> {
    naive_gemv(x, cols, w, b, e);
    let m = T::of(y.len() as f64);
    let (mut gb, mut loss) = (T::default(), T::default());
    for (ei, &yi) in e.iter_mut().zip(y) {
        *ei = *ei - yi;
        gb = gb + *ei;
        loss = loss + *ei * *ei;
    }
    naive_gemv_t(x, cols, e, g);
    for gj in g.iter_mut() {
        *gj = *gj / m;
    }
    (gb / m, loss / (m + m))
}

#[allow(clippy::too_many_arguments)]
fn blas_gradient<T: Elem>(
    x: &[T],
    rows: usize,
    cols: usize,
    y: &[T],
    w: &[T],
    b: T,
    e: &mut [T],
    g: &mut [T],
) -> Grad<T> {
    // e = X w + b - y
    e.fill(b);
    T::gemv(false, rows, cols, T::of(1.0), x, w, T::of(1.0), e);
    T::axpy(T::of(-1.0), y, e);
    let m = T::of(rows as f64);
    let gb = e.iter().fold(T::default(), |s, &v| s + v) / m;
    let loss = T::dot(e, e) / (m + m);
    // g = X^T e / m
    T::gemv(true, rows, cols, T::of(1.0) / m, x, e, T::of(0.0), g);
    (gb, loss)
}

#[allow(clippy::too_many_arguments)]
fn faer_gradient<T: Elem>(
    x: &[T],
    rows: usize,
    cols: usize,
    y: &[T],
    w: &[T],
    b: T,
    e: &mut [T],
    g: &mut [T],
) -> Grad<T> {
    T::faer_gemv(x, rows, cols, w, e);
    let m = T::of(rows as f64);
    let mut gb = T::default();
    for (ei, &yi) in e.iter_mut().zip(y) {
        *ei = *ei + b - yi;
        gb = gb + *ei;
    }
    let loss = T::faer_dot(e, e) / (m + m);
    T::faer_gemv_t(x, rows, cols, e, g);
    let inv = T::of(1.0) / m;
    for gj in g.iter_mut() {
        *gj = *gj * inv;
    }
    (gb / m, loss)
}

// --- The cases -----------------------------------------------------------

fn shape_label(rows: usize, cols: usize) -> String {
    format!("{rows}x{cols}")
}

/// `out = X w + b`.
pub fn gemv<T: Elem>(ctx: &mut Ctx) {
    let case = format!("gemv {}", T::TYPE);
    for (rows, cols) in shapes(ctx.smoke) {
        let size = shape_label(rows, cols);
        if !ctx.wants(&case, &size) {
            continue;
        }
        let inp = inputs::<T>(rows, cols);
        let (x, w, b) = (&inp.x[..], &inp.w[..], inp.b);

        let mut want = zeros(rows);
        Kernels::best()
            .gemv(mat(x, rows, cols), w, b, &mut want)
            .expect("shapes");
        let mut got = zeros(rows);
        blas_gemv(x, rows, cols, w, b, &mut got);
        check_sum("openblas gemv", &got, &want, cols);
        faer_gemv(x, rows, cols, w, b, &mut got);
        check_sum("faer gemv", &got, &want, cols);
        naive_gemv(x, cols, w, b, &mut got);
        check_sum("naive gemv", &got, &want, cols);

        let mut set = ctx.set();
        let mut out = zeros(rows);
        set.peer("naive loop", move || {
            naive_gemv(black_box(x), cols, black_box(w), b, black_box(&mut out[..]))
        });
        for (isa, name, k) in ctx.backends() {
            let mut out = zeros(rows);
            set.dotgrad(isa, &name, move || {
                black_box(
                    k.gemv(
                        mat(black_box(x), rows, cols),
                        black_box(w),
                        b,
                        black_box(&mut out[..]),
                    )
                    .ok(),
                );
            });
        }
        let mut out = zeros(rows);
        set.peer("faer", move || {
            faer_gemv(
                black_box(x),
                rows,
                cols,
                black_box(w),
                b,
                black_box(&mut out[..]),
            )
        });
        let mut out = zeros(rows);
        set.blas(move || {
            blas_gemv(
                black_box(x),
                rows,
                cols,
                black_box(w),
                b,
                black_box(&mut out[..]),
            )
        });
        set.floor(bytes(x), bytes(w));
        ctx.measure(&case, &size, rows * cols, set);
    }
}

/// `out = X^T v`.
pub fn gemv_t<T: Elem>(ctx: &mut Ctx) {
    let case = format!("gemv_t {}", T::TYPE);
    for (rows, cols) in shapes(ctx.smoke) {
        let size = shape_label(rows, cols);
        if !ctx.wants(&case, &size) {
            continue;
        }
        let inp = inputs::<T>(rows, cols);
        let (x, v) = (&inp.x[..], &inp.y[..]);

        let mut want = zeros(cols);
        Kernels::best()
            .gemv_t(mat(x, rows, cols), v, &mut want)
            .expect("shapes");
        let mut got = zeros(cols);
        T::gemv(true, rows, cols, T::of(1.0), x, v, T::of(0.0), &mut got);
        check_sum("openblas gemv_t", &got, &want, rows);
        T::faer_gemv_t(x, rows, cols, v, &mut got);
        check_sum("faer gemv_t", &got, &want, rows);
        naive_gemv_t(x, cols, v, &mut got);
        check_sum("naive gemv_t", &got, &want, rows);

        let mut set = ctx.set();
        let mut out = zeros(cols);
        set.peer("naive loop", move || {
            naive_gemv_t(black_box(x), cols, black_box(v), black_box(&mut out[..]))
        });
        for (isa, name, k) in ctx.backends() {
            let mut out = zeros(cols);
            set.dotgrad(isa, &name, move || {
                black_box(
                    k.gemv_t(
                        mat(black_box(x), rows, cols),
                        black_box(v),
                        black_box(&mut out[..]),
                    )
                    .ok(),
                );
            });
        }
        let mut out = zeros(cols);
        set.peer("faer", move || {
            T::faer_gemv_t(
                black_box(x),
                rows,
                cols,
                black_box(v),
                black_box(&mut out[..]),
            )
        });
        let mut out = zeros(cols);
        set.blas(move || {
            T::gemv(
                true,
                rows,
                cols,
                T::of(1.0),
                black_box(x),
                black_box(v),
                T::of(0.0),
                black_box(&mut out[..]),
            )
        });
        set.floor(bytes(x), bytes(v));
        ctx.measure(&case, &size, rows * cols, set);
    }
}

/// Sums of `n` products of values in `[-1, 1)`: each element within
/// `n * 1e-6` (f32) or `n * 1e-14` (f64) of dotgrad's. Loose enough for any
/// summation order, tight enough to catch a wrong call (errors of order 1).
fn check_sum<T: Elem>(what: &str, got: &[T], want: &[T], n: usize) {
    let eps = if T::TYPE == "f32" { 1e-6 } else { 1e-14 };
    for (j, (g, w)) in got.iter().zip(want).enumerate() {
        check_close(&format!("{what} [{j}]"), g.wide(), w.wide(), n as f64, eps);
    }
}

/// The batch gradient of linear regression (`grad_w`, `grad_b`, loss).
pub fn gradient<T: Elem>(ctx: &mut Ctx) {
    let case = format!("linreg grad {}", T::TYPE);
    for (rows, cols) in shapes(ctx.smoke) {
        let size = shape_label(rows, cols);
        if !ctx.wants(&case, &size) {
            continue;
        }
        let inp = inputs::<T>(rows, cols);
        let (x, y, w, b) = (&inp.x[..], &inp.y[..], &inp.w[..], inp.b);
        // Residuals are O(sqrt(cols)); the gradient averages rows.
        let scale = (cols as f64).sqrt() + 1.0;

        let mut want = zeros(cols);
        let wg = Kernels::best()
            .linear_gradient(mat(x, rows, cols), y, w, b, &mut want)
            .expect("shapes");
        let mut e = zeros(rows);
        let mut got = zeros(cols);
        let peers: [(&str, GradFn<T>); 3] = [
            ("openblas", blas_gradient),
            ("faer", faer_gradient),
            ("naive", |x, _rows, cols, y, w, b, e, g| {
                naive_gradient(x, cols, y, w, b, e, g)
            }),
        ];
        let eps = if T::TYPE == "f32" { 1e-4 } else { 1e-12 };
        for (name, f) in peers {
            let (gb, loss) = f(x, rows, cols, y, w, b, &mut e, &mut got);
            for (j, (g, wv)) in got.iter().zip(want.iter()).enumerate() {
                check_close(
                    &format!("{name} grad_w[{j}]"),
                    g.wide(),
                    wv.wide(),
                    scale,
                    eps,
                );
            }
            check_close(
                &format!("{name} grad_b"),
                gb.wide(),
                wg.grad_b.wide(),
                scale,
                eps,
            );
            check_close(
                &format!("{name} loss"),
                loss.wide(),
                wg.loss.wide(),
                scale * scale,
                eps,
            );
        }

        let mut set = ctx.set();
        let (mut e, mut g) = (zeros(rows), zeros(cols));
        set.peer("naive loop", move || {
            black_box(naive_gradient(
                black_box(x),
                cols,
                black_box(y),
                black_box(w),
                b,
                &mut e,
                black_box(&mut g[..]),
            ));
        });
        for (isa, name, k) in ctx.backends() {
            let mut g = zeros(cols);
            set.dotgrad(isa, &name, move || {
                black_box(
                    k.linear_gradient(
                        mat(black_box(x), rows, cols),
                        black_box(y),
                        black_box(w),
                        b,
                        black_box(&mut g[..]),
                    )
                    .ok(),
                );
            });
        }
        let (mut e, mut g) = (zeros(rows), zeros(cols));
        set.peer("faer", move || {
            black_box(faer_gradient(
                black_box(x),
                rows,
                cols,
                black_box(y),
                black_box(w),
                b,
                &mut e,
                black_box(&mut g[..]),
            ));
        });
        let (mut e, mut g) = (zeros(rows), zeros(cols));
        set.blas(move || {
            black_box(blas_gradient(
                black_box(x),
                rows,
                cols,
                black_box(y),
                black_box(w),
                b,
                &mut e,
                black_box(&mut g[..]),
            ));
        });
        set.floor(bytes(x), bytes(y));
        ctx.measure(&case, &size, rows * cols, set);
    }
}
