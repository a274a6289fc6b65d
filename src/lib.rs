//! # dotgrad
//!
//! Explicit-SIMD kernels for the arithmetic at the heart of machine learning
//! (dot products, axpy, scaling; matrix-vector products, regression
//! gradients and optimizer steps build on them), with **one canonical
//! evaluation order**: every backend (the scalar reference, AVX2+FMA,
//! AVX-512, NEON) returns bit-identical results for the same inputs, on every
//! CPU. The order is written down in [`contract`]; the scalar backend
//! implements it literally and is the oracle the tests and fuzzers compare
//! every SIMD backend with, bit for bit.
//!
//! ```
//! use dotgrad::{Isa, Kernels};
//!
//! let a: Vec<f32> = (0..1000).map(|i| (i as f32).sin()).collect();
//! let b: Vec<f32> = (0..1000).map(|i| (i as f32).cos()).collect();
//!
//! // The best backend for this CPU, detected once and cached.
//! let d = dotgrad::dot(&a, &b).unwrap();
//!
//! // Every backend this CPU has gives the same bits.
//! for isa in Isa::available() {
//!     let k = Kernels::new(isa).unwrap();
//!     assert_eq!(k.dot(&a, &b).unwrap().to_bits(), d.to_bits());
//! }
//!
//! // Shapes that do not fit are errors, never panics.
//! assert!(dotgrad::dot(&a, &b[..10]).is_err());
//! ```
//!
//! ## Choosing a backend
//! [`Isa::best`] picks the fastest backend the CPU has at the first call.
//! With the `std` feature the environment variable `DOTGRAD_ISA`
//! (`scalar`, `avx2`, `avx512`, `neon`) caps that choice, and
//! [`Kernels::new`] runs any backend explicitly (an error if the CPU lacks it).
//!
//! ## Features
//! - `std` (default): `DOTGRAD_ISA`, `std::error::Error`; implies `alloc`.
//! - `alloc`: kernels that need scratch memory.
//! - `ndarray`, `faer`, `nalgebra`: [`interop`] conversions from those
//!   crates' matrix and vector views; each implies `alloc`.
//!
//! Without default features the crate is `no_std`.
#![cfg_attr(not(any(feature = "std", test)), no_std)]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]
// Targets without a SIMD backend (thumbv7em, wasm32, soft-float x86-64 and
// aarch64) run the scalar reference only: the kernel bodies are unused there.
#![cfg_attr(
    not(any(
        all(target_arch = "x86_64", target_feature = "sse2"),
        all(target_arch = "aarch64", target_feature = "neon")
    )),
    allow(dead_code)
)]

#[cfg(any(feature = "alloc", test))]
extern crate alloc;

mod arch;
pub mod contract;
mod dispatch;
mod element;
mod error;
mod families;
pub mod interop;
mod isa;
mod kernels;
mod lanes;
mod matrix;
mod matrix_mut;
mod par;
mod params;
mod scalar;
mod tree;
mod widen;

/// The `half` crate, whose [`bf16`](half::bf16) and [`f16`](half::f16) are
/// the reduced-precision float types dotgrad reads.
pub use half;

/// The README's examples, compiled and run as doctests (they use the
/// default features' kernels).
#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "alloc"))]
pub struct ReadmeDoctests;

pub use dispatch::Kernels;
pub use element::{Element, Float};
pub use error::{Error, IsaName};
pub use families::dot::{dot, dot_error_bound};
pub use families::elementwise::{axpy, scale};
#[cfg(feature = "alloc")]
pub use families::gemm::{gemm, gemm_acc};
pub use families::gemv::gemv;
#[cfg(feature = "alloc")]
pub use families::gemv::gemv_t;
pub use families::gradient::{Gradient, sigmoid};
#[cfg(feature = "alloc")]
pub use families::gradient::{linear_gradient, logistic_gradient};
#[cfg(feature = "alloc")]
pub use families::layers::{
    dense_backward, dense_forward, softmax_cross_entropy, softmax_gradient,
};
pub use families::many::{cosines, dots, sqeuclideans};
pub use families::optim::{adam_step, momentum_step, sgd_step};
#[cfg(feature = "alloc")]
pub use families::partial::{Partial, PartialKind};
pub use families::similarity::{cosine, sqeuclidean};
pub use isa::Isa;
pub use matrix::Matrix;
pub use matrix_mut::{MatrixMut, Trans};
pub use par::Par;
pub use params::{AdamParams, MomentumParams, SgdParams};
