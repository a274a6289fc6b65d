//! dot and axpy on vectors of n = 16 .. 16Mi.

use std::hint::black_box;

use dotgrad::{Isa, Kernels};

use crate::bench::{Ctx, check_close};
use crate::elem::{Buf, Elem, data, naive_axpy, naive_dot};
use crate::openblas::Blas;
use crate::report::size_label;

/// n = 16, 64, ..., 16Mi (powers of 4); `--smoke`: 1Ki.
pub fn sizes(smoke: bool) -> Vec<usize> {
    if smoke {
        vec![1 << 10]
    } else {
        (0..11).map(|k| 16usize << (2 * k)).collect()
    }
}

fn bytes<T: Elem>(v: &[T]) -> &[u8] {
    bytemuck::cast_slice(v)
}

/// dot for every size.
pub fn dot<T: Elem>(ctx: &mut Ctx) {
    let case = format!("dot {}", T::TYPE);
    for n in sizes(ctx.smoke) {
        let size = size_label(n);
        if !ctx.wants(&case, &size) {
            continue;
        }
        let a: Buf<T> = data(n, 1);
        let b: Buf<T> = data(n, 2);
        let (a, b) = (&a[..], &b[..]);

        // Every implementation computes the same sum (up to rounding).
        let want = Kernels::best().dot(a, b).expect("equal lengths").wide();
        let scale: f64 = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x.wide() * y.wide()).abs())
            .sum();
        let tol = if T::TYPE == "f32" { 1e-4 } else { 1e-12 };
        check_close("naive", naive_dot(a, b).wide(), want, scale, tol);
        check_close("numkong", T::numkong_dot(a, b), want, scale, tol);
        check_close("faer", T::faer_dot(a, b).wide(), want, scale, tol);
        check_close("openblas", T::dot(a, b).wide(), want, scale, tol);

        let mut set = ctx.set();
        set.peer("naive loop", move || {
            black_box(naive_dot(black_box(a), black_box(b)));
        });
        for (isa, name, k) in ctx.backends() {
            set.dotgrad(isa, &name, move || {
                black_box(k.dot(black_box(a), black_box(b)).ok());
            });
        }
        set.peer("NumKong", move || {
            black_box(T::numkong_dot(black_box(a), black_box(b)));
        });
        set.peer("faer", move || {
            black_box(T::faer_dot(black_box(a), black_box(b)));
        });
        set.blas(move || {
            black_box(<T as Blas>::dot(black_box(a), black_box(b)));
        });
        set.floor(bytes(a), bytes(b));
        ctx.measure(&case, &size, n, set);
    }
}

/// axpy (`y += alpha x`) for every size. Each implementation updates its own `y`.
pub fn axpy<T: Elem>(ctx: &mut Ctx) {
    let case = format!("axpy {}", T::TYPE);
    // Small enough that `y` stays far from overflow after ~1e9 calls.
    let alpha = T::of(1e-7);
    for n in sizes(ctx.smoke) {
        let size = size_label(n);
        if !ctx.wants(&case, &size) {
            continue;
        }
        let x: Buf<T> = data(n, 3);
        let y0: Buf<T> = data(n, 4);
        let x = &x[..];

        // Same result (bit-exact for dotgrad, whose axpy is one FMA; peers may round twice).
        let mut want = y0.clone();
        Kernels::best()
            .axpy(alpha, x, &mut want)
            .expect("equal lengths");
        let mut got = y0.clone();
        naive_axpy(alpha, x, &mut got);
        check_vec("naive", &got, &want);
        let mut got = y0.clone();
        <T as Blas>::axpy(alpha, x, &mut got);
        check_vec("openblas", &got, &want);

        let mut set = ctx.set();
        let mut y = y0.clone();
        set.peer("naive loop", move || {
            naive_axpy(black_box(alpha), black_box(x), black_box(&mut y[..]));
        });
        for (isa, name, k) in ctx.backends() {
            let mut y = y0.clone();
            set.dotgrad(isa, &name, move || {
                black_box(
                    k.axpy(black_box(alpha), black_box(x), black_box(&mut y[..]))
                        .ok(),
                );
            });
        }
        let mut y = y0.clone();
        set.blas(move || {
            <T as Blas>::axpy(black_box(alpha), black_box(x), black_box(&mut y[..]));
        });
        set.floor(bytes(x), bytes(&y0[..]));
        ctx.measure(&case, &size, n, set);
    }
}

/// Panics unless every element of `got` is within a few ulps of `want`.
pub fn check_vec<T: Elem>(what: &str, got: &[T], want: &[T]) {
    let eps = if T::TYPE == "f32" { 1e-5 } else { 1e-13 };
    let scale = want
        .iter()
        .fold(0.0f64, |m, v| m.max(v.wide().abs()))
        .max(1.0);
    for (j, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g.wide() - w.wide()).abs() <= eps * scale,
            "{what}: element {j} is {g:?}, dotgrad says {w:?}"
        );
    }
}

/// `--blocks`: the multi-block dot, once as one call and once as one call per
/// 16 KiB block over the same buffers (the same blocks without the block
/// tree), for dotgrad's best backend and OpenBLAS. Not part of the default
/// run; it isolates what the tree's per-block glue costs.
pub fn dot_blocks<T: Elem>(ctx: &mut Ctx) {
    let case = format!("dot {} blocks", T::TYPE);
    let e = 16384 / size_of::<T>();
    let isa = Isa::detected();
    let Ok(k) = Kernels::new(isa) else { return };
    for n in sizes(ctx.smoke).into_iter().filter(|&n| n > e) {
        let size = size_label(n);
        if !ctx.wants(&case, &size) {
            continue;
        }
        let a: Buf<T> = data(n, 1);
        let b: Buf<T> = data(n, 2);
        let (a, b) = (&a[..], &b[..]);
        let mut set = ctx.set();
        set.dotgrad(isa, &format!("dotgrad {isa}"), move || {
            black_box(k.dot(black_box(a), black_box(b)).ok());
        });
        set.peer(format!("dotgrad {isa}, one call per block"), move || {
            for (x, y) in a.chunks(e).zip(b.chunks(e)) {
                black_box(k.dot(black_box(x), black_box(y)).ok());
            }
        });
        set.blas(move || {
            black_box(<T as Blas>::dot(black_box(a), black_box(b)));
        });
        set.peer("OpenBLAS, one call per block", move || {
            for (x, y) in a.chunks(e).zip(b.chunks(e)) {
                black_box(<T as Blas>::dot(black_box(x), black_box(y)));
            }
        });
        ctx.measure(&case, &size, n, set);
    }
}
