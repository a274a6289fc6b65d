//! `gemv` (and `gemv_t`) on f32: every SIMD backend this CPU has returns
//! Scalar's bits (both NaN counts as equal), for matrices of any shape, row
//! stride and start offset decoded from the input, and never writes past
//! `out`; a shape mismatch is an error that leaves `out` untouched.
//!
//! Input layout: bytes 0-1 rows (`% 1300`, so up to six 256-row blocks for
//! `gemv_t`), bytes 2-3 columns (`% 300`: short rows, every stripe tail,
//! several stripes), byte 4 the row padding (low nibble, `% 8`) and the
//! start offset (high nibble); then f32 values, native endian, tiled over
//! `X`, then `w`, `v` and `b`. A case is kept below 200k elements.
#![no_main]

use dotgrad::{Isa, Kernels, Matrix};
use dotgrad_fuzz::{same, same_all};
use libfuzzer_sys::fuzz_target;

const GUARD: usize = 16;
const SENTINEL: f32 = -7.0e-3;

struct Input {
    data: Vec<f32>,
    offset: usize,
    rows: usize,
    cols: usize,
    stride: usize,
    w: Vec<f32>,
    v: Vec<f32>,
    b: f32,
}

fn decode(bytes: &[u8]) -> Option<Input> {
    if bytes.len() < 9 {
        return None;
    }
    let mut rows = usize::from(u16::from_le_bytes([bytes[0], bytes[1]])) % 1300;
    let cols = usize::from(u16::from_le_bytes([bytes[2], bytes[3]])) % 300;
    let stride = cols + usize::from(bytes[4] & 15) % 8;
    let offset = usize::from(bytes[4] >> 4);
    let body = &bytes[5..];
    let vals: Vec<f32> = body
        .chunks_exact(4)
        .map(bytemuck::pod_read_unaligned::<f32>)
        .collect();
    if vals.is_empty() {
        return None;
    }
    if rows * stride.max(1) > 200_000 {
        rows = 200_000 / stride.max(1);
    }
    let at = |i: usize| vals[i % vals.len()];
    let len = if rows == 0 {
        0
    } else {
        (rows - 1) * stride + cols
    };
    let data = (0..offset + len).map(at).collect();
    let w = (0..cols).map(|j| at(len + j)).collect();
    let v = (0..rows).map(|i| at(len + cols + i)).collect();
    Some(Input {
        data,
        offset,
        rows,
        cols,
        stride,
        w,
        v,
        b: at(len + cols + rows),
    })
}

fuzz_target!(|bytes: &[u8]| {
    let Some(c) = decode(bytes) else { return };
    let x = Matrix::new(&c.data[c.offset..], c.rows, c.cols, c.stride).expect("decoded in bounds");
    let scalar = Kernels::new(Isa::Scalar).unwrap();
    let simd = Isa::available()
        .filter(|&i| i != Isa::Scalar)
        .map(|i| Kernels::new(i).unwrap());

    let mut want = vec![SENTINEL; c.rows + GUARD];
    scalar.gemv(x, &c.w, c.b, &mut want[..c.rows]).unwrap();
    let mut want_t = vec![SENTINEL; c.cols + GUARD];
    scalar.gemv_t(x, &c.v, &mut want_t[..c.cols]).unwrap();
    for k in simd {
        let mut got = vec![SENTINEL; c.rows + GUARD];
        k.gemv(x, &c.w, c.b, &mut got[..c.rows]).unwrap();
        assert!(
            same_all(&got, &want),
            "gemv {} {}x{} stride {} offset {}",
            k.isa(),
            c.rows,
            c.cols,
            c.stride,
            c.offset
        );
        let mut got = vec![SENTINEL; c.cols + GUARD];
        k.gemv_t(x, &c.v, &mut got[..c.cols]).unwrap();
        assert!(
            same_all(&got, &want_t),
            "gemv_t {} {}x{} stride {} offset {}",
            k.isa(),
            c.rows,
            c.cols,
            c.stride,
            c.offset
        );
    }

    // A shape mismatch is an error and writes nothing.
    let mut out = vec![SENTINEL; c.rows + 1];
    assert!(dotgrad::gemv(x, &c.w, c.b, &mut out).is_err());
    if let Some((_, w)) = c.w.split_last() {
        assert!(dotgrad::gemv(x, w, c.b, &mut out[..c.rows]).is_err());
    }
    assert!(out.iter().all(|&o| same(o, SENTINEL)));
});
