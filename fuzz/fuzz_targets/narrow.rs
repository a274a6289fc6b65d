//! The reduced-precision types (bf16, f16, i8, u8) through `dot`,
//! `sqeuclidean` and `cosine` and their rows forms `dots`, `sqeuclideans`,
//! `cosines`: every SIMD backend returns Scalar's results (floats as bits,
//! both NaN counts as equal; integers with `==`); for i8 and u8, `dot` and
//! `sqeuclidean` are the exact sums (computed here in i64); every `cosine`
//! is in `[0, 2]` or NaN; each row of a rows form is the one-pair call on
//! that row and the query, nothing is written past `out`, and a length or
//! shape mismatch is an error that leaves `out` untouched.
//!
//! Byte layout:
//! - byte 0: the element type (`% 4`): bf16, f16, i8, u8;
//! - byte 1: start offsets in elements of `a` (low nibble) and `b` (high
//!   nibble);
//! - byte 2: repetitions of `a` and `b`, as in the crate docs
//!   ([`dotgrad_fuzz::reps`]), lowered so that they stay within 300k
//!   elements (several blocks of every type);
//! - bytes 3-4: rows of `X` (u16, little endian, `% 301`);
//! - bytes 5-6: columns of `X` (u16, little endian, the top bit of byte 6
//!   masked off: `% 301`, or, when that bit is set, `% 3E`: rows longer than
//!   a block, which run the block tree);
//! - byte 7: the row gap of `X` (low nibble, `% 8`) and its start offset
//!   (high nibble); `X` is kept within 200k elements (fewer rows);
//! - the rest: elements, native endian (bf16 and f16 `from_bits` of two
//!   bytes, i8 and u8 one byte; a trailing partial element is dropped). Its
//!   two halves, each tiled `reps` times, are `a` and `b`; all of it, tiled,
//!   fills `X` (offset and gaps included) and then the query `q`.
#![no_main]

use dotgrad::half::{bf16, f16};
use dotgrad::{Error, Kernels, Matrix};
use dotgrad_fuzz::{GUARD, Narrow, Outcome, reps, same_outcomes, scalar, simd_kernels};
use libfuzzer_sys::fuzz_target;

const HEAD: usize = 8;
/// The most elements of `a` (and of `b`).
const MAX_LEN: usize = 300_000;
/// The most elements of `X`'s rows and gaps.
const MAX_X: usize = 200_000;

/// `src` tiled `reps` times, after `offset` elements that no kernel reads;
/// exactly as long as that, so that a read past the end is out of bounds.
fn placed<T: Copy>(src: &[T], reps: usize, offset: usize, pad: T) -> Vec<T> {
    let mut v = vec![pad; offset];
    for _ in 0..reps {
        v.extend_from_slice(src);
    }
    v
}

/// One-pair kernel `one` (on `k`) and `free` (the automatic backend): every
/// SIMD backend gives Scalar's result, and `a` one element short is an
/// error everywhere. Returns Scalar's result.
fn pair<T: Narrow, R: Outcome>(
    name: &str,
    a: &[T],
    b: &[T],
    one: impl Fn(Kernels, &[T], &[T]) -> Result<R, Error>,
    free: impl Fn(&[T], &[T]) -> Result<R, Error>,
) -> R {
    let want = one(scalar(), a, b).expect("equal lengths");
    for k in simd_kernels() {
        let got = one(k, a, b).expect("equal lengths");
        assert!(
            got.same_as(want),
            "{name}<{}> {:?} n={}: {got:?} != scalar {want:?}",
            T::NAME,
            k.isa(),
            a.len()
        );
    }
    if let Some((_, short)) = a.split_last() {
        assert!(
            one(scalar(), short, b).is_err(),
            "{name}<{}> scalar: a short",
            T::NAME
        );
        for k in simd_kernels() {
            assert!(
                one(k, short, b).is_err(),
                "{name}<{}> {:?}: a short",
                T::NAME,
                k.isa()
            );
        }
        assert!(
            free(short, b).is_err(),
            "dotgrad::{name}<{}>: a short",
            T::NAME
        );
    }
    want
}

/// Rows form `many` (on `k`) and `free` (the automatic backend) of the
/// one-pair kernel `one`: every SIMD backend writes Scalar's results, each
/// row is `one` on that row and `q` (on the same backend), the [`GUARD`]
/// elements after `out` stay untouched, and a short `q` or a long `out` is
/// an error that leaves `out` untouched.
fn rows_form<T: Narrow, R: Outcome>(
    name: &str,
    x: Matrix<'_, T>,
    q: &[T],
    many: impl Fn(Kernels, Matrix<'_, T>, &[T], &mut [R]) -> Result<(), Error>,
    free: impl Fn(Matrix<'_, T>, &[T], &mut [R]) -> Result<(), Error>,
    one: impl Fn(Kernels, &[T], &[T]) -> Result<R, Error>,
) {
    let rows = x.rows();
    let desc = format!(
        "{name}<{}> {}x{} stride {}",
        T::NAME,
        rows,
        x.cols(),
        x.stride()
    );
    let fresh = vec![R::SENTINEL; rows + GUARD];
    let mut want = fresh.clone();
    many(scalar(), x, q, &mut want[..rows]).expect("shapes match");
    assert!(
        same_outcomes(&want[rows..], &fresh[rows..]),
        "{desc} scalar: wrote past out"
    );
    for k in core::iter::once(scalar()).chain(simd_kernels()) {
        let mut got = fresh.clone();
        many(k, x, q, &mut got[..rows]).expect("shapes match");
        let diff = got
            .iter()
            .zip(&want)
            .position(|(&g, &w)| !g.same_as(w))
            .map(|i| (i, got[i], want[i]));
        assert!(
            same_outcomes(&got, &want),
            "{desc} {:?}: first difference (index, got, scalar) {diff:?}",
            k.isa()
        );
        for (i, &g) in got[..rows].iter().enumerate() {
            let r = one(k, x.row(i), q).expect("equal lengths");
            assert!(
                g.same_as(r),
                "{desc} {:?}: row {i} gives {g:?}, the one-pair call {r:?}",
                k.isa()
            );
        }
    }
    // Mismatches: refused, out untouched.
    let mut out = fresh.clone();
    if let Some((_, short)) = q.split_last() {
        assert!(
            many(scalar(), x, short, &mut out[..rows]).is_err(),
            "{desc} scalar: q short"
        );
        assert!(
            free(x, short, &mut out[..rows]).is_err(),
            "dotgrad::{desc}: q short"
        );
    }
    assert!(
        many(scalar(), x, q, &mut out[..rows + 1]).is_err(),
        "{desc} scalar: out long"
    );
    assert!(
        free(x, q, &mut out[..rows + 1]).is_err(),
        "dotgrad::{desc}: out long"
    );
    assert!(same_outcomes(&out, &fresh), "{desc}: out written on error");
}

fn check<T: Narrow>(head: &[u8; HEAD], body: &[u8])
where
    T::Acc: Outcome,
    T::Dist: Outcome,
{
    let elems: Vec<T> = body.chunks_exact(T::SIZE).map(T::read).collect();
    let Some(&pad) = elems.first() else {
        return;
    };

    // One pair.
    let n = elems.len() / 2;
    let reps = reps(head[2]).min((MAX_LEN / n.max(1)).max(1));
    let (off_a, off_b) = (usize::from(head[1] & 15), usize::from(head[1] >> 4));
    let a = placed(&elems[..n], reps, off_a, pad);
    let b = placed(&elems[n..2 * n], reps, off_b, pad);
    let (a, b) = (&a[off_a..], &b[off_b..]);
    let d = pair("dot", a, b, Kernels::dot::<T>, dotgrad::dot::<T>);
    let sq = pair(
        "sqeuclidean",
        a,
        b,
        Kernels::sqeuclidean::<T>,
        dotgrad::sqeuclidean::<T>,
    );
    let cos = pair("cosine", a, b, Kernels::cosine::<T>, dotgrad::cosine::<T>);
    let c = cos.as_f64();
    assert!(
        c.is_nan() || (0.0..=2.0).contains(&c),
        "cosine<{}> n={}: {cos:?} outside [0, 2]",
        T::NAME,
        a.len()
    );
    // i8 and u8: the exact sums (at most 300k * 255^2, far inside i64).
    if pad.exact().is_some() {
        let ints: Vec<(i64, i64)> = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x.exact().unwrap(), y.exact().unwrap()))
            .collect();
        let exact_dot: i64 = ints.iter().map(|&(x, y)| x * y).sum();
        let exact_sq: i64 = ints.iter().map(|&(x, y)| (x - y) * (x - y)).sum();
        assert_eq!(
            d.exact(),
            Some(exact_dot),
            "dot<{}> n={}: not exact",
            T::NAME,
            a.len()
        );
        assert_eq!(
            sq.exact(),
            Some(exact_sq),
            "sqeuclidean<{}> n={}: not exact",
            T::NAME,
            a.len()
        );
    }

    // Rows forms.
    let mut rows = usize::from(u16::from_le_bytes([head[3], head[4]])) % 301;
    let raw_cols = usize::from(u16::from_le_bytes([head[5], head[6] & 0x7f]));
    let cols = if head[6] & 0x80 != 0 {
        raw_cols % (3 * T::E)
    } else {
        raw_cols % 301
    };
    let stride = cols + usize::from(head[7] & 15) % 8;
    let off_x = usize::from(head[7] >> 4);
    if rows * stride.max(1) > MAX_X {
        rows = MAX_X / stride.max(1);
    }
    let span = if rows == 0 {
        0
    } else {
        (rows - 1) * stride + cols
    };
    let at = |i: usize| elems[i % elems.len()];
    let xdata: Vec<T> = (0..off_x + span).map(at).collect();
    let q: Vec<T> = (0..cols).map(|j| at(off_x + span + j)).collect();
    let x = Matrix::new(&xdata[off_x..], rows, cols, stride).expect("in bounds");
    rows_form(
        "dots",
        x,
        &q,
        Kernels::dots::<T>,
        dotgrad::dots::<T>,
        Kernels::dot::<T>,
    );
    rows_form(
        "sqeuclideans",
        x,
        &q,
        Kernels::sqeuclideans::<T>,
        dotgrad::sqeuclideans::<T>,
        Kernels::sqeuclidean::<T>,
    );
    rows_form(
        "cosines",
        x,
        &q,
        Kernels::cosines::<T>,
        dotgrad::cosines::<T>,
        Kernels::cosine::<T>,
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<HEAD>() else {
        return;
    };
    match head[0] % 4 {
        0 => check::<bf16>(head, body),
        1 => check::<f16>(head, body),
        2 => check::<i8>(head, body),
        _ => check::<u8>(head, body),
    }
});
