//! Kernel bodies written once against [`crate::lanes::Lanes`], compiled for
//! each SIMD backend inside its [`crate::lanes::Simd::vectorize`]. Each file
//! implements one kernel family in the contract's canonical order; the scalar
//! reference ([`crate::scalar`]) writes the same order out literally.

pub(crate) mod axpy;
pub(crate) mod dot;
pub(crate) mod gemv;
#[cfg(feature = "alloc")]
pub(crate) mod gradient;
pub(crate) mod optim;
pub(crate) mod sigmoid;
