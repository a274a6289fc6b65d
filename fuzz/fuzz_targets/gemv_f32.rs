//! `gemv` (and `gemv_t`) on f32: every SIMD backend this CPU has returns
//! Scalar's bits (both NaN counts as equal), for matrices of any shape, row
//! stride and start offset decoded from the input, and never writes past
//! `out`; a shape mismatch is an error that leaves `out` untouched.
//!
//! Input layout: [`dotgrad_fuzz::MatCase`] (rows may be 0), `v` the vector
//! of `gemv_t`.
#![no_main]

use dotgrad_fuzz::{GUARD, MatCase, same, same_all, scalar, sentinel, simd_kernels};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Some(c) = MatCase::<f32>::decode(bytes, 0, 0) else {
        return;
    };
    let x = c.matrix();
    let sentinel = sentinel::<f32>();

    let mut want = vec![sentinel; c.rows + GUARD];
    scalar().gemv(x, &c.w, c.b, &mut want[..c.rows]).unwrap();
    let mut want_t = vec![sentinel; c.cols + GUARD];
    scalar().gemv_t(x, &c.v, &mut want_t[..c.cols]).unwrap();
    for k in simd_kernels() {
        let mut got = vec![sentinel; c.rows + GUARD];
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
        let mut got = vec![sentinel; c.cols + GUARD];
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
    let mut out = vec![sentinel; c.rows + 1];
    assert!(dotgrad::gemv(x, &c.w, c.b, &mut out).is_err());
    if let Some((_, w)) = c.w.split_last() {
        assert!(dotgrad::gemv(x, w, c.b, &mut out[..c.rows]).is_err());
    }
    assert!(out.iter().all(|&o| same(o, sentinel)));
});
