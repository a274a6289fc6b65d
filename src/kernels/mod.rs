//! Kernel bodies written once against [`crate::lanes::Lanes`], compiled for
//! each SIMD backend inside its [`crate::lanes::Simd::vectorize`]. Each file
//! implements one kernel family in the contract's canonical order; the scalar
//! reference ([`crate::scalar`]) writes the same order out literally.

/// Runs `$body` once for each register index `$k = 0, 1, ..., $n - 1` of a
/// stripe (`$n` is [`crate::lanes::stripe_regs`], at most 16 by its
/// compile-time check), each time with `$k` a constant: a loop
/// over a stripe's registers that is unrolled whatever the body's size. A
/// loop LLVM leaves rolled indexes the stripe arrays with a variable, which
/// forces them into memory for the whole kernel (it did so for AVX-512's
/// four-row accumulators); constant indices let them live in registers.
/// Each body is a closure-free block; a condition on `$k` replaces `break`.
macro_rules! per_register {
    ($n:expr, $k:ident, $body:block) => {
        per_register!(@ $n, $k, $body, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
    };
    (@ $n:expr, $k:ident, $body:block, $($i:literal)*) => {{
        $(
            if $i < $n {
                let $k: usize = $i;
                $body
            }
        )*
    }};
}

pub(crate) mod dot;
pub(crate) mod elementwise;
#[cfg(feature = "alloc")]
pub(crate) mod gemm;
pub(crate) mod gemv;
#[cfg(feature = "alloc")]
pub(crate) mod gradient;
pub(crate) mod narrow;
pub(crate) mod optim;
pub(crate) mod reduced;
pub(crate) mod rows;
pub(crate) mod sigmoid;
pub(crate) mod similarity;
#[cfg(feature = "alloc")]
pub(crate) mod softmax;
