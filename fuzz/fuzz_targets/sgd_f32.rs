//! `sgd_step` and `momentum_step` on f32 (plain, dampened, Nesterov, with
//! and without weight decay, first and later steps): every backend writes
//! the same bits as Scalar into `w` and `velocity` (both NaN counts as
//! equal) and nothing outside the slices; rejected parameters or lengths
//! give the same error everywhere with every buffer untouched.
//!
//! Byte layout:
//! - bytes 0, 1: start offsets (elements, 0..=15) of `w`/`grad` and
//!   `velocity` (low, high nibble);
//! - byte 2: flags: bit 0 Nesterov, bit 1 use the raw parameters (else
//!   mapped into their domain), bit 2 a short gradient, bits 4-7
//!   repetitions (`1 + 8 * k`);
//! - then `lr, momentum, dampening, weight_decay` as four f32 and the step
//!   counter as a u32;
//! - the rest split into three equal parts: `w`, `grad`, `velocity`.
#![no_main]

use dotgrad::{Kernels, MomentumParams, SgdParams};
use dotgrad_fuzz::{Placed, param, same_all, scalar, simd_kernels};
use libfuzzer_sys::fuzz_target;

#[derive(Clone)]
struct Bufs {
    w: Placed<f32>,
    g: Placed<f32>,
    v: Placed<f32>,
}

impl Bufs {
    fn same(&self, o: &Bufs) -> bool {
        same_all(self.w.whole(), o.w.whole())
            && same_all(self.g.whole(), o.g.whole())
            && same_all(self.v.whole(), o.v.whole())
    }
}

/// `run` on Scalar and on every SIMD backend: the same results or the same
/// error, and nothing written on error.
fn check(bufs: &Bufs, run: impl Fn(Kernels, &mut Bufs) -> Result<(), dotgrad::Error>) {
    let mut want = bufs.clone();
    let want_r = run(scalar(), &mut want);
    if want_r.is_err() {
        assert!(want.same(bufs), "scalar wrote on error {want_r:?}");
    }
    for k in simd_kernels() {
        let mut got = bufs.clone();
        let got_r = run(k, &mut got);
        assert_eq!(format!("{got_r:?}"), format!("{want_r:?}"), "{:?}", k.isa());
        assert!(got.same(&want), "{:?}: buffers differ from scalar", k.isa());
    }
}

fuzz_target!(|data: &[u8]| {
    const HEAD: usize = 3 + 4 * 4 + 4;
    if data.len() < HEAD {
        return;
    }
    let (head, rest) = data.split_at(HEAD);
    let (o0, o1, flags) = (usize::from(head[0]), usize::from(head[1]), head[2]);
    let f = |i: usize| {
        f64::from(bytemuck::pod_read_unaligned::<f32>(
            &head[3 + 4 * i..7 + 4 * i],
        ))
    };
    let t = u64::from(bytemuck::pod_read_unaligned::<u32>(&head[19..23]));
    let raw = flags & 2 != 0;
    let reps = 1 + 8 * usize::from(flags >> 4);
    let n = rest.len() / (3 * 4);
    let part = |i: usize| &rest[i * 4 * n..(i + 1) * 4 * n];
    let bufs = Bufs {
        w: Placed::new(part(0), reps, o0 & 15),
        g: Placed::new(part(1), reps, o0 >> 4),
        v: Placed::new(part(2), reps, o1 & 15),
    };
    let short = flags & 4 != 0;
    let (lr, wd) = (
        param(f(0), raw, 1e-3) * if raw { 1.0 } else { 10.0 },
        param(f(3), raw, 0.0),
    );
    let sgd = SgdParams {
        lr,
        weight_decay: wd,
    };
    let nesterov = flags & 1 != 0;
    let mom = MomentumParams {
        lr,
        momentum: param(f(1), raw, 0.9),
        dampening: if nesterov && !raw {
            0.0
        } else {
            param(f(2), raw, 0.0)
        },
        weight_decay: wd,
        nesterov,
    };
    let t = if raw { t } else { t.max(1) };
    check(&bufs, |k, b| {
        let g = b.g.slice();
        let g = if short {
            &g[..g.len().saturating_sub(1)]
        } else {
            g
        };
        k.sgd_step(b.w.slice_mut(), g, sgd)
    });
    check(&bufs, |k, b| {
        let g = b.g.slice();
        let g = if short {
            &g[..g.len().saturating_sub(1)]
        } else {
            g
        };
        k.momentum_step(b.w.slice_mut(), b.v.slice_mut(), g, mom, t)
    });
});
