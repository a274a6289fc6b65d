//! `adam_step` on f32 (Adam, AdamW, AMSGrad): every backend writes the same
//! bits as Scalar into `w`, `m`, `v` and `v_max` (both NaN counts as equal),
//! nothing outside the slices, and rejected parameters or lengths give the
//! same error everywhere with every buffer untouched.
//!
//! Byte layout:
//! - bytes 0, 1: start offsets (elements, 0..=15) of `w`/`grad` and `m`/`v`
//!   (low, high nibble); `v_max` uses byte 0's high nibble again;
//! - byte 2: flags: bit 0 `amsgrad`, bit 1 `decoupled_weight_decay`,
//!   bit 2 use the raw parameters as given (else they are mapped into their
//!   domain), bits 4-7 repetitions (`1 + 8 * k`) so that short inputs reach
//!   long vectors;
//! - then, via bytemuck: `lr, beta1, beta2, eps, weight_decay` as five f32
//!   and the step counter as a u32;
//! - the rest split into five equal parts: `w`, `grad`, `m`, `v`, `v_max`.
#![no_main]

use dotgrad::{AdamParams, Error, Kernels};
use dotgrad_fuzz::{Placed, same_all, scalar, simd_kernels};
use libfuzzer_sys::fuzz_target;

/// The five buffers of one call.
#[derive(Clone)]
struct Bufs {
    w: Placed<f32>,
    g: Placed<f32>,
    m: Placed<f32>,
    v: Placed<f32>,
    vm: Placed<f32>,
}

impl Bufs {
    /// One step on `k`; with `short_grad`, `grad` lacks its last element.
    fn step(&mut self, k: Kernels, p: AdamParams, t: u64, short_grad: bool) -> Result<(), Error> {
        let g = self.g.slice();
        let g = if short_grad {
            &g[..g.len().saturating_sub(1)]
        } else {
            g
        };
        let vmax = p.amsgrad.then(|| self.vm.slice_mut());
        k.adam_step(
            self.w.slice_mut(),
            self.m.slice_mut(),
            self.v.slice_mut(),
            vmax,
            g,
            p,
            t,
        )
    }

    fn same(&self, o: &Bufs) -> bool {
        same_all(self.w.whole(), o.w.whole())
            && same_all(self.g.whole(), o.g.whole())
            && same_all(self.m.whole(), o.m.whole())
            && same_all(self.v.whole(), o.v.whole())
            && same_all(self.vm.whole(), o.vm.whole())
    }
}

/// `x` folded into `[0, 1)`; non-finite values become `fallback`.
fn unit(x: f64, fallback: f64) -> f64 {
    if x.is_finite() {
        x.abs().fract()
    } else {
        fallback
    }
}

/// `|x|` when finite, else `fallback`.
fn nonneg(x: f64, fallback: f64) -> f64 {
    if x.is_finite() { x.abs() } else { fallback }
}

/// Runs `p` on every backend and on Scalar: identical results (or identical
/// errors, with nothing written).
fn check(bufs: &Bufs, p: AdamParams, t: u64, short_grad: bool) {
    let mut want = bufs.clone();
    let want_r = want.step(scalar(), p, t, short_grad);
    if want_r.is_err() {
        assert!(want.same(bufs), "scalar wrote on error {want_r:?}");
    }
    for k in simd_kernels() {
        let mut got = bufs.clone();
        let got_r = got.step(k, p, t, short_grad);
        // Compared as text: a rejected NaN parameter is reported as NaN.
        assert_eq!(
            format!("{got_r:?}"),
            format!("{want_r:?}"),
            "{:?} {p:?} t={t}",
            k.isa()
        );
        assert!(
            got.same(&want),
            "{:?} {p:?} t={t} n={}: buffers differ from scalar",
            k.isa(),
            bufs.w.slice().len()
        );
    }
}

fuzz_target!(|data: &[u8]| {
    const HEAD: usize = 3 + 5 * 4 + 4;
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
    let t = u64::from(bytemuck::pod_read_unaligned::<u32>(&head[23..27]));
    let raw = AdamParams {
        lr: f(0),
        beta1: f(1),
        beta2: f(2),
        eps: f(3),
        weight_decay: f(4),
        amsgrad: flags & 1 != 0,
        decoupled_weight_decay: flags & 2 != 0,
    };
    let reps = 1 + 8 * usize::from(flags >> 4);
    let n = rest.len() / (5 * 4);
    let part = |i: usize| &rest[i * 4 * n..(i + 1) * 4 * n];
    let bufs = Bufs {
        w: Placed::new(part(0), reps, o0 & 15),
        g: Placed::new(part(1), reps, o0 >> 4),
        m: Placed::new(part(2), reps, o1 & 15),
        v: Placed::new(part(3), reps, o1 >> 4),
        vm: Placed::new(part(4), reps, o0 >> 4),
    };

    if flags & 4 != 0 {
        // The parameters as given: mostly rejected, always alike.
        check(&bufs, raw, t, false);
    } else {
        // Mapped into their domain: always accepted.
        let p = AdamParams {
            lr: nonneg(raw.lr, 1e-3),
            beta1: unit(raw.beta1, 0.9),
            beta2: unit(raw.beta2, 0.999),
            eps: if (raw.eps as f32).abs() > 0.0 && raw.eps.is_finite() {
                raw.eps.abs()
            } else {
                1e-8
            },
            weight_decay: nonneg(raw.weight_decay, 0.0),
            ..raw
        };
        let t = t.max(1);
        let mut once = bufs.clone();
        assert!(once.step(scalar(), p, t, false).is_ok(), "{p:?} rejected");
        check(&bufs, p, t, false);
        // A short gradient is an error that writes nothing.
        if !bufs.w.slice().is_empty() {
            check(&bufs, p, t, true);
        }
    }
});
