//! Parameters and constants that the kernels and the scalar reference
//! share: the contract's row-block size, the gradients' losses and their
//! final step, the sigmoid's numbers, the optimizers' hyper-parameters and
//! per-call constants. Neither side owns them, so neither imports the other.

pub(crate) mod optim;
pub(crate) mod sigmoid;

#[cfg(feature = "alloc")]
use crate::element::Float;

pub use optim::{AdamParams, MomentumParams, SgdParams};
pub(crate) use sigmoid::Params;

/// Rows per row block of the row-block kernels (`gemv_t` and the batch
/// gradients): the contract's `R = 256`.
#[cfg(feature = "alloc")]
pub(crate) const R: usize = 256;

/// Which model's residual and loss a gradient kernel computes.
#[cfg(feature = "alloc")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loss {
    /// Linear regression: `e = p - y`, `l = fma(e, e, l)`, loss `l / (2m)`.
    Squared,
    /// Logistic regression: `e = sigmoid(z) - y`, `l = l + loss term`, loss `l / m`.
    Log,
}

/// The gradients' final step: returns `(m, gb / m, l / (2m))` (squared
/// loss) or `(m, gb / m, l / m)` (log-loss), with `m` (and `2m`) rounded
/// to `T`; the caller divides `g` by the returned `m`. `m >= 1`.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn finish<T: Float>(loss: Loss, m: usize, gb: T, l: T) -> (T, T, T) {
    let mt = T::from_usize(m);
    let lt = match loss {
        Loss::Squared => T::from_usize(m.saturating_mul(2)),
        Loss::Log => mt,
    };
    (mt, gb / mt, l / lt)
}
