//! `linear_gradient` (and `logistic_gradient` on the same input) on f32:
//! every SIMD backend this CPU has returns Scalar's bits for `grad_w`,
//! `grad_b` and the loss (both NaN counts as equal), for matrices of any
//! shape, row stride and start offset decoded from the input, and never
//! writes past `grad_w`; a shape mismatch is an error that leaves `grad_w`
//! untouched.
//!
//! Input layout: bytes 0-1 rows (`% 1300`, at least 1: up to six 256-row
//! blocks), bytes 2-3 columns (`% 300`), byte 4 the row padding (low
//! nibble, `% 8`) and the start offset (high nibble), byte 5 the label kind
//! (0-1: labels in {0, 1} from the values' signs; 2: the values themselves);
//! then f32 values, native endian, tiled over `X`, then `w`, `y` and `b`.
//! A case is kept below 200k elements.
#![no_main]

use dotgrad::{Gradient, Isa, Kernels, Matrix};
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
    y: Vec<f32>,
    b: f32,
}

fn decode(bytes: &[u8]) -> Option<Input> {
    if bytes.len() < 10 {
        return None;
    }
    let mut rows = (usize::from(u16::from_le_bytes([bytes[0], bytes[1]])) % 1300).max(1);
    let cols = usize::from(u16::from_le_bytes([bytes[2], bytes[3]])) % 300;
    let stride = cols + usize::from(bytes[4] & 15) % 8;
    let offset = usize::from(bytes[4] >> 4);
    let labels01 = bytes[5] % 3 < 2;
    let body = &bytes[6..];
    let vals: Vec<f32> = body
        .chunks_exact(4)
        .map(bytemuck::pod_read_unaligned::<f32>)
        .collect();
    if vals.is_empty() {
        return None;
    }
    if rows * stride.max(1) > 200_000 {
        rows = (200_000 / stride.max(1)).max(1);
    }
    let at = |i: usize| vals[i % vals.len()];
    let len = (rows - 1) * stride + cols;
    let data = (0..offset + len).map(at).collect();
    let w = (0..cols).map(|j| at(len + j)).collect();
    let y = (0..rows)
        .map(|i| {
            let v = at(len + cols + i);
            if labels01 {
                f32::from(u8::from(v.is_sign_negative()))
            } else {
                v
            }
        })
        .collect();
    Some(Input {
        data,
        offset,
        rows,
        cols,
        stride,
        w,
        y,
        b: at(len + cols + rows),
    })
}

type Run = fn(
    Kernels,
    Matrix<'_, f32>,
    &[f32],
    &[f32],
    f32,
    &mut [f32],
) -> Result<Gradient<f32>, dotgrad::Error>;

fuzz_target!(|bytes: &[u8]| {
    let Some(c) = decode(bytes) else { return };
    let x = Matrix::new(&c.data[c.offset..], c.rows, c.cols, c.stride).expect("decoded in bounds");
    let scalar = Kernels::new(Isa::Scalar).unwrap();
    let runs: [(&str, Run); 2] = [
        ("linear_gradient", |k, x, y, w, b, g| {
            k.linear_gradient(x, y, w, b, g)
        }),
        ("logistic_gradient", |k, x, y, w, b, g| {
            k.logistic_gradient(x, y, w, b, g)
        }),
    ];
    for (name, run) in runs {
        let mut want = vec![SENTINEL; c.cols + GUARD];
        let wg = run(scalar, x, &c.y, &c.w, c.b, &mut want[..c.cols]).unwrap();
        for isa in Isa::available().filter(|&i| i != Isa::Scalar) {
            let k = Kernels::new(isa).unwrap();
            let mut got = vec![SENTINEL; c.cols + GUARD];
            let g = run(k, x, &c.y, &c.w, c.b, &mut got[..c.cols]).unwrap();
            assert!(
                same_all(&got, &want) && same(g.grad_b, wg.grad_b) && same(g.loss, wg.loss),
                "{name} {isa} {}x{} stride {} offset {}: {g:?} vs {wg:?}",
                c.rows,
                c.cols,
                c.stride,
                c.offset
            );
        }

        // A shape mismatch is an error and writes nothing.
        let mut gw = vec![SENTINEL; c.cols + 1];
        assert!(run(Kernels::best(), x, &c.y, &c.w, c.b, &mut gw).is_err());
        assert!(run(Kernels::best(), x, &c.y[1..], &c.w, c.b, &mut gw[..c.cols]).is_err());
        assert!(gw.iter().all(|&o| same(o, SENTINEL)));
    }
});
