//! `linear_gradient` (and `logistic_gradient` on the same input) on f32:
//! every SIMD backend this CPU has returns Scalar's bits for `grad_w`,
//! `grad_b` and the loss (both NaN counts as equal), for matrices of any
//! shape, row stride and start offset decoded from the input, and never
//! writes past `grad_w`; a shape mismatch is an error that leaves `grad_w`
//! untouched.
//!
//! Input layout: [`dotgrad_fuzz::MatCase`] (at least 1 row) with one byte
//! after its header, the label kind (`% 3`: 0-1 labels in {0, 1} from the
//! signs of the values `v`; 2 the values themselves); `v` gives `y`.
#![no_main]

use dotgrad::{Gradient, Kernels, Matrix};
use dotgrad_fuzz::{GUARD, MatCase, same, same_all, scalar, sentinel, simd_kernels};
use libfuzzer_sys::fuzz_target;

type Run = fn(
    Kernels,
    Matrix<'_, f32>,
    &[f32],
    &[f32],
    f32,
    &mut [f32],
) -> Result<Gradient<f32>, dotgrad::Error>;

fuzz_target!(|bytes: &[u8]| {
    let Some(mut c) = MatCase::<f32>::decode(bytes, 1, 1) else {
        return;
    };
    if bytes[5] % 3 < 2 {
        for v in &mut c.v {
            *v = f32::from(u8::from(v.is_sign_negative()));
        }
    }
    let x = c.matrix();
    let sentinel = sentinel::<f32>();
    let runs: [(&str, Run); 2] = [
        ("linear_gradient", |k, x, y, w, b, g| {
            k.linear_gradient(x, y, w, b, g)
        }),
        ("logistic_gradient", |k, x, y, w, b, g| {
            k.logistic_gradient(x, y, w, b, g)
        }),
    ];
    for (name, run) in runs {
        let mut want = vec![sentinel; c.cols + GUARD];
        let wg = run(scalar(), x, &c.v, &c.w, c.b, &mut want[..c.cols]).unwrap();
        for k in simd_kernels() {
            let mut got = vec![sentinel; c.cols + GUARD];
            let g = run(k, x, &c.v, &c.w, c.b, &mut got[..c.cols]).unwrap();
            assert!(
                same_all(&got, &want) && same(g.grad_b, wg.grad_b) && same(g.loss, wg.loss),
                "{name} {} {}x{} stride {} offset {}: {g:?} vs {wg:?}",
                k.isa(),
                c.rows,
                c.cols,
                c.stride,
                c.offset
            );
        }

        // A shape mismatch is an error and writes nothing.
        let mut gw = vec![sentinel; c.cols + 1];
        assert!(run(Kernels::best(), x, &c.v, &c.w, c.b, &mut gw).is_err());
        assert!(run(Kernels::best(), x, &c.v[1..], &c.w, c.b, &mut gw[..c.cols]).is_err());
        assert!(gw.iter().all(|&o| same(o, sentinel)));
    }
});
