//! The scalar reference: the contract ([`crate::contract`]) written out
//! literally, one element at a time, with no attempt at speed beyond what
//! the compiler does by itself. Every SIMD backend must return exactly what
//! these functions return; the tests and fuzz targets check that bit for bit.

pub(crate) mod axpy;
pub(crate) mod dot;
#[cfg(feature = "alloc")]
pub(crate) mod gemm;
pub(crate) mod gemv;
#[cfg(feature = "alloc")]
pub(crate) mod gradient;
pub(crate) mod optim;
pub(crate) mod reduced;
pub(crate) mod sigmoid;
pub(crate) mod similarity;
