//! The public kernel families: for each, the safe public functions (shape
//! checks, then the call), the op struct that carries one call's
//! arguments, its two paths (the scalar reference and the kernel body over
//! the register operations), and its per-type entry points.

pub(crate) mod dot;
pub(crate) mod elementwise;
#[cfg(feature = "alloc")]
pub(crate) mod gemm;
pub(crate) mod gemv;
pub(crate) mod gradient;
#[cfg(feature = "alloc")]
pub(crate) mod layers;
pub(crate) mod many;
pub(crate) mod optim;
#[cfg(feature = "alloc")]
pub(crate) mod partial;
pub(crate) mod similarity;
