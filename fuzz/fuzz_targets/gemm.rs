//! `gemm` and `gemm_acc` on f32 and f64: every SIMD backend writes the same
//! bits as Scalar into `C` (both NaN counts as equal), for every pair of
//! transposes, shape (dimensions may be 0), row stride and start offset;
//! no kernel writes the elements of `C`'s buffer before it, between its
//! rows or the [`GUARD`] elements after it; a handful of entries are the
//! contract's FMA chain written out; a shape mismatch is an error that
//! leaves `C` untouched (Scalar and `dotgrad::gemm`, `dotgrad::gemm_acc`).
//!
//! Byte layout:
//! - byte 0: flags: bit 0 f64 (else f32), bit 1 `ta = Trans::Yes`, bit 2
//!   `tb = Trans::Yes`, bit 3 large dimensions (`% 301` instead of `% 81`);
//! - bytes 1-6: `m`, `n`, `k` as three u16, little endian, reduced as bit 3
//!   says; then the largest is halved while `m * n * k > 2_000_000`;
//! - byte 7: the row gaps (stride minus columns, `% 8`) of the stored `A`
//!   (low nibble) and `B` (high nibble);
//! - byte 8: the row gap of `C` (low nibble, `% 8`) and its start offset in
//!   elements (high nibble);
//! - byte 9: the start offsets of `A` (low nibble) and `B` (high nibble);
//! - the rest: values of `T`, native endian (a trailing partial value is
//!   dropped), tiled over the rows of `A`, then of `B`, then of the initial
//!   `C`. The offset and gap elements of `A` and `B` are NaN (a kernel that
//!   read them would differ from Scalar), those of `C` and its guard
//!   [`sentinel`].
#![no_main]

use dotgrad::{Error, Kernels, Matrix, MatrixMut, Trans};
use dotgrad_fuzz::{GUARD, Real, same, same_all, scalar, sentinel, simd_kernels, values};
use libfuzzer_sys::fuzz_target;

const HEAD: usize = 10;
/// The largest `m * n * k`, so that one input runs in milliseconds.
const WORK: usize = 400_000;

/// A stored matrix: `rows x cols`, row stride `stride`, starting `offset`
/// elements into `buf`.
struct Stored<T> {
    buf: Vec<T>,
    offset: usize,
    rows: usize,
    cols: usize,
    stride: usize,
}

impl<T: Real> Stored<T> {
    /// Rows taken from `next`, every other element (offset, gaps) `fill`,
    /// and `guard` more `fill` elements after the last row.
    fn new(
        rows: usize,
        cols: usize,
        gap: usize,
        offset: usize,
        guard: usize,
        fill: T,
        next: &mut impl FnMut() -> T,
    ) -> Self {
        let stride = cols + gap;
        let span = if rows == 0 {
            0
        } else {
            (rows - 1) * stride + cols
        };
        let mut buf = vec![fill; offset + span + guard];
        for i in 0..rows {
            for x in &mut buf[offset + i * stride..][..cols] {
                *x = next();
            }
        }
        Stored {
            buf,
            offset,
            rows,
            cols,
            stride,
        }
    }

    /// Whether `buf[idx]` is an element of the matrix.
    fn inside(&self, idx: usize) -> bool {
        let Some(rel) = idx.checked_sub(self.offset) else {
            return false;
        };
        // cols > 0, so stride > 0.
        self.cols > 0 && rel / self.stride < self.rows && rel % self.stride < self.cols
    }

    /// The matrix, with `rows` rows and `cols` columns over the same buffer
    /// and stride (at most the stored ones).
    fn view(&self, rows: usize, cols: usize) -> Matrix<'_, T> {
        Matrix::new(&self.buf[self.offset..], rows, cols, self.stride).expect("in bounds")
    }
}

/// An operand of the product: the stored matrix and its transpose flag.
type Operand<'a, T> = (Matrix<'a, T>, Trans);

/// `gemm` or `gemm_acc` on `k`, `C` a `rows x cols` view of `c` (stride and
/// offset of `shape`).
fn call<T: Real>(
    k: Kernels,
    acc: bool,
    (a, ta): Operand<'_, T>,
    (b, tb): Operand<'_, T>,
    c: &mut [T],
    shape: &Stored<T>,
    (rows, cols): (usize, usize),
) -> Result<(), Error> {
    let c = MatrixMut::new(&mut c[shape.offset..], rows, cols, shape.stride).expect("in bounds");
    if acc {
        k.gemm_acc(a, ta, b, tb, c)
    } else {
        k.gemm(a, ta, b, tb, c)
    }
}

/// `op(X)[i][j]`.
fn op<T: Real>(x: &Stored<T>, t: Trans, i: usize, j: usize) -> T {
    let (r, c) = match t {
        Trans::No => (i, j),
        Trans::Yes => (j, i),
    };
    x.buf[x.offset + r * x.stride + c]
}

fn check<T: Real>(head: &[u8; HEAD], body: &[u8]) {
    let vals: Vec<T> = values(body);
    if vals.is_empty() {
        return;
    }
    let flags = head[0];
    let ta = if flags & 2 != 0 {
        Trans::Yes
    } else {
        Trans::No
    };
    let tb = if flags & 4 != 0 {
        Trans::Yes
    } else {
        Trans::No
    };
    let modulus = if flags & 8 != 0 { 301 } else { 81 };
    let mut dims: [usize; 3] = core::array::from_fn(|i| {
        usize::from(u16::from_le_bytes([head[1 + 2 * i], head[2 + 2 * i]])) % modulus
    });
    while dims.iter().product::<usize>() > WORK {
        let i = (0..3).max_by_key(|&i| dims[i]).unwrap();
        dims[i] /= 2;
    }
    let [m, n, kk] = dims;
    let (gap_a, gap_b) = (usize::from(head[7] & 15) % 8, usize::from(head[7] >> 4) % 8);
    let (gap_c, off_c) = (usize::from(head[8] & 15) % 8, usize::from(head[8] >> 4));
    let (off_a, off_b) = (usize::from(head[9] & 15), usize::from(head[9] >> 4));

    let mut at = 0;
    let mut next = || {
        let v = vals[at % vals.len()];
        at += 1;
        v
    };
    let nan = T::from_f64(f64::NAN);
    let (ar, ac) = if ta == Trans::Yes { (kk, m) } else { (m, kk) };
    let (br, bc) = if tb == Trans::Yes { (n, kk) } else { (kk, n) };
    let sa = Stored::new(ar, ac, gap_a, off_a, 0, nan, &mut next);
    let sb = Stored::new(br, bc, gap_b, off_b, 0, nan, &mut next);
    let sc = Stored::new(m, n, gap_c, off_c, GUARD, sentinel::<T>(), &mut next);
    let (a, b) = ((sa.view(ar, ac), ta), (sb.view(br, bc), tb));
    let c0 = &sc.buf;
    let desc = format!(
        "{m}x{n}x{kk} ta={ta:?} tb={tb:?} strides=({}, {}, {}) offsets=({off_a}, {off_b}, {off_c})",
        sa.stride, sb.stride, sc.stride
    );

    for acc in [false, true] {
        let name = if acc { "gemm_acc" } else { "gemm" };
        let mut want = c0.clone();
        call(scalar(), acc, a, b, &mut want, &sc, (m, n)).expect("shapes match");
        // Outside C nothing changes; inside, a few entries are the FMA chain.
        for (idx, (&w, &c)) in want.iter().zip(c0).enumerate() {
            assert!(
                sc.inside(idx) || same(w, c),
                "{name} scalar {desc}: wrote buffer element {idx} outside C"
            );
        }
        let picks = [
            (0, 0),
            (m / 2, n / 3),
            (m.saturating_sub(1), n.saturating_sub(1)),
        ];
        for (i, j) in picks.into_iter().filter(|_| m > 0 && n > 0) {
            let idx = off_c + i * sc.stride + j;
            let mut r = if acc { c0[idx] } else { T::ZERO };
            for p in 0..kk {
                r = T::fma(op(&sa, ta, i, p), op(&sb, tb, p, j), r);
            }
            assert!(
                same(want[idx], r),
                "{name} scalar {desc}: C[{i}][{j}] = {:?}, the FMA chain gives {r:?}",
                want[idx]
            );
        }
        for k in simd_kernels() {
            let mut got = c0.clone();
            call(k, acc, a, b, &mut got, &sc, (m, n)).expect("shapes match");
            let diff = got
                .iter()
                .zip(&want)
                .position(|(&g, &w)| !same(g, w))
                .map(|i| (i, sc.inside(i), got[i], want[i]));
            assert!(
                same_all(&got, &want),
                "{name} {:?} {desc}: first difference (buffer index, inside C, got, scalar) {diff:?}",
                k.isa()
            );
        }

        // Shape mismatches: refused, C untouched.
        let best = |acc: bool, a: Operand<'_, T>, b: Operand<'_, T>, c: MatrixMut<'_, T>| {
            if acc {
                dotgrad::gemm_acc(a.0, a.1, b.0, b.1, c)
            } else {
                dotgrad::gemm(a.0, a.1, b.0, b.1, c)
            }
        };
        let mut bad: Vec<(&str, Operand<'_, T>, (usize, usize))> = Vec::new();
        if kk > 0 {
            let short_b = if tb == Trans::Yes {
                sb.view(n, kk - 1)
            } else {
                sb.view(kk - 1, n)
            };
            bad.push(("op(b) one row short", (short_b, tb), (m, n)));
        }
        if m > 0 {
            bad.push(("c one row short", b, (m - 1, n)));
        }
        if n > 0 {
            bad.push(("c one column short", b, (m, n - 1)));
        }
        for (what, b, (rows, cols)) in bad {
            let mut got = c0.clone();
            let r = call(scalar(), acc, a, b, &mut got, &sc, (rows, cols));
            assert!(
                r.is_err() && same_all(&got, c0),
                "{name} scalar {desc}: {what}: {r:?}"
            );
            let c = MatrixMut::new(&mut got[off_c..], rows, cols, sc.stride).expect("in bounds");
            let r = best(acc, a, b, c);
            assert!(
                r.is_err() && same_all(&got, c0),
                "dotgrad::{name} {desc}: {what}: {r:?}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<HEAD>() else {
        return;
    };
    if head[0] & 1 != 0 {
        check::<f64>(head, body);
    } else {
        check::<f32>(head, body);
    }
});
