//! `softmax_gradient` on f32 and f64: every SIMD backend returns the same
//! loss and writes the same bits as Scalar into `gw` and `gb` (both NaN
//! counts as equal), for any shape (row counts across the 256-row blocks,
//! class counts across the fused tile's one and two registers and the gemm
//! path), row strides and start offsets; no backend writes the elements of
//! `gw`'s buffer before it, between its rows or the [`GUARD`] elements
//! after it, nor past `gb`; at `W = 0` and `b = 0` every probability is
//! `1/c` and the loss is `ln c` to within the softmax's few ulp; an empty
//! batch, a class count of zero, a label out of range and every shape
//! mismatch are errors that leave `gw` and `gb` untouched (Scalar and
//! `dotgrad::softmax_gradient`).
//!
//! Byte layout:
//! - byte 0: flags: bit 0 f64 (else f32), bit 1 many rows (`% 1201`
//!   instead of `% 300`), bit 2 one label out of range, bit 3 `W = 0`,
//!   `b = 0`;
//! - bytes 1-2: `m` as a u16, little endian, reduced as bit 1 says;
//! - byte 3: `d % 70`; byte 4: `c % 41`; then `m` is halved while
//!   `m * d * c > 1_500_000`;
//! - byte 5: the row gap of `X` (low nibble, `% 8`) and its start offset
//!   (high nibble);
//! - byte 6: the row gap of `gw` (low nibble, `% 8`) and its start offset
//!   (high nibble);
//! - the rest: values of `T`, native endian (a trailing partial value is
//!   dropped), tiled over the rows of `X`, then `W`, then `b`; label `i` is
//!   byte `i` of the rest (tiled) modulo `c`. The offset and gap elements of
//!   `X` are NaN (a kernel that read them would differ from Scalar), those
//!   of `gw` and the guards [`sentinel`].
#![no_main]

use dotgrad::{Kernels, Matrix, MatrixMut};
use dotgrad_fuzz::{GUARD, Real, same, same_all, scalar, sentinel, simd_kernels, values};
use libfuzzer_sys::fuzz_target;

const HEAD: usize = 7;
/// The largest `m * d * c`, so that one input runs in milliseconds.
const WORK: usize = 1_500_000;

/// What one call leaves behind: its result and the whole buffers of `gw`
/// and `gb` (guards included).
type Outcome<T> = (Result<T, dotgrad::Error>, Vec<T>, Vec<T>);

struct Case<'a, T> {
    x: Matrix<'a, T>,
    labels: &'a [u32],
    w: Matrix<'a, T>,
    b: &'a [T],
    /// `gw`'s buffer, offset and stride; `gb`'s buffer.
    gw0: &'a [T],
    gw_at: (usize, usize),
    gb0: &'a [T],
}

impl<T: Real> Case<'_, T> {
    /// `softmax_gradient` on `k` (or `dotgrad::softmax_gradient` for
    /// `None`), with `gw` `rows x cols` and `gb` of length `nb`.
    fn call(&self, k: Option<Kernels>, (rows, cols): (usize, usize), nb: usize) -> Outcome<T> {
        let (mut gw, mut gb) = (self.gw0.to_vec(), self.gb0.to_vec());
        let (off, stride) = self.gw_at;
        let g = MatrixMut::new(&mut gw[off..], rows, cols, stride).expect("in bounds");
        let r = match k {
            Some(k) => k.softmax_gradient(self.x, self.labels, self.w, self.b, g, &mut gb[..nb]),
            None => {
                dotgrad::softmax_gradient(self.x, self.labels, self.w, self.b, g, &mut gb[..nb])
            }
        };
        (r, gw, gb)
    }
}

fn check<T: Real>(head: &[u8; HEAD], body: &[u8]) {
    let vals: Vec<T> = values(body);
    if vals.is_empty() {
        return;
    }
    let flags = head[0];
    let modulus = if flags & 2 != 0 { 1201 } else { 300 };
    let mut m = usize::from(u16::from_le_bytes([head[1], head[2]])) % modulus;
    let (d, c) = (usize::from(head[3]) % 70, usize::from(head[4]) % 41);
    while m * d * c > WORK {
        m /= 2;
    }
    let (gap_x, off_x) = (usize::from(head[5] & 15) % 8, usize::from(head[5] >> 4));
    let (gap_g, off_g) = (usize::from(head[6] & 15) % 8, usize::from(head[6] >> 4));

    let mut at = 0;
    let mut next = || {
        let v = vals[at % vals.len()];
        at += 1;
        v
    };
    let zero_model = flags & 8 != 0;
    let nan = T::from_f64(f64::NAN);
    let sx = d + gap_x;
    let xlen = if m == 0 { 0 } else { (m - 1) * sx + d };
    let mut xbuf = vec![nan; off_x + xlen];
    for i in 0..m {
        for v in &mut xbuf[off_x + i * sx..][..d] {
            *v = next();
        }
    }
    let mut model = |n: usize| -> Vec<T> {
        (0..n)
            .map(|_| if zero_model { T::ZERO } else { next() })
            .collect()
    };
    let wbuf = model(d * c);
    let b = model(c);
    let mut labels: Vec<u32> = (0..m)
        .map(|i| u32::from(body[i % body.len()]) % (c.max(1) as u32))
        .collect();
    let bad_label = flags & 4 != 0 && m > 0;
    if bad_label {
        labels[m / 2] = c as u32;
    }
    let x = Matrix::new(&xbuf[off_x..], m, d, sx).expect("in bounds");
    let w = Matrix::from_rows(&wbuf, d, c).expect("in bounds");
    let sg = c + gap_g;
    let glen = if d == 0 { 0 } else { (d - 1) * sg + c };
    let gw0 = vec![sentinel::<T>(); off_g + glen + GUARD];
    let gb0 = vec![sentinel::<T>(); c + GUARD];
    let case = Case {
        x,
        labels: &labels,
        w,
        b: &b,
        gw0: &gw0,
        gw_at: (off_g, sg),
        gb0: &gb0,
    };
    let inside = |idx: usize| {
        idx.checked_sub(off_g)
            .is_some_and(|rel| c > 0 && rel / sg < d && rel % sg < c)
    };
    let desc = format!(
        "{m}x{d}x{c} x stride {sx} offset {off_x}, gw stride {sg} offset {off_g}, \
         bad label {bad_label}, zero model {zero_model}"
    );

    let want = case.call(Some(scalar()), (d, c), c);
    let valid = m > 0 && c > 0 && !bad_label;
    if !valid {
        // Empty batch, no classes or a bad label: an error, nothing written.
        for k in core::iter::once(Some(scalar()))
            .chain(simd_kernels().map(Some))
            .chain([None])
        {
            let (r, gw, gb) = case.call(k, (d, c), c);
            assert!(
                r.is_err() && same_all(&gw, &gw0) && same_all(&gb, &gb0),
                "{:?} {desc}: {r:?} or wrote on error",
                k.map(|k| k.isa())
            );
        }
        return;
    }
    let loss = *want.0.as_ref().expect("valid shapes");
    for (idx, (&g, &g0)) in want.1.iter().zip(&gw0).enumerate() {
        assert!(
            inside(idx) || same(g, g0),
            "scalar {desc}: wrote gw buffer element {idx} outside gw"
        );
    }
    assert!(
        same_all(&want.2[c..], &gb0[c..]),
        "scalar {desc}: wrote past gb"
    );
    if zero_model && vals.iter().all(|v| v.to_f64().is_finite()) {
        // P = 1/c everywhere, so every row's loss is ln c within a few ulp
        // (the exp polynomial, ln); their sum is a chain of up to 256 per
        // block and the block tree, so the mean is within gamma(k) of
        // ln c, k = min(m, 256) + ceil(log2(blocks)), plus those few ulp.
        let ln_c = (c as f64).ln();
        let k = m.min(256) + m.div_ceil(256).next_power_of_two().trailing_zeros() as usize;
        let tol = (k + 16) as f64 * T::UNIT_ROUNDOFF * ln_c.max(1.0);
        assert!(
            (loss.to_f64() - ln_c).abs() <= tol,
            "scalar {desc}: loss {loss:?} at W = 0, ln c = {ln_c}"
        );
    }
    for k in simd_kernels() {
        let got = case.call(Some(k), (d, c), c);
        let l = *got.0.as_ref().expect("valid shapes");
        let first = got
            .1
            .iter()
            .zip(&want.1)
            .position(|(&g, &w)| !same(g, w))
            .map(|i| (i, inside(i), got.1[i], want.1[i]));
        assert!(
            same(l, loss) && same_all(&got.1, &want.1) && same_all(&got.2, &want.2),
            "{:?} {desc}: loss {l:?} vs scalar {loss:?}; first gw difference (buffer index, \
             inside, got, scalar) {first:?}; gb {:?} vs {:?}",
            k.isa(),
            &got.2[..c],
            &want.2[..c]
        );
    }

    // Shape mismatches: refused, nothing written.
    let mut bad: Vec<(&str, (usize, usize), usize)> = vec![("gb one short", (d, c), c - 1)];
    if d > 0 {
        bad.push(("gw one row short", (d - 1, c), c));
    }
    bad.push(("gw one column short", (d, c - 1), c));
    for (what, gshape, nb) in bad {
        for k in [Some(scalar()), None] {
            let (r, gw, gb) = case.call(k, gshape, nb);
            assert!(
                r.is_err() && same_all(&gw, &gw0) && same_all(&gb, &gb0),
                "{:?} {desc}: {what}: {r:?}",
                k.map(|k| k.isa())
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
