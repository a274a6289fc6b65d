//! The SIMD backends, one folder per architecture. Each backend is a token
//! type (proof of its CPU features) implementing [`crate::lanes::Lanes`] for
//! `f32` and `f64`; the kernel bodies themselves live once in
//! [`crate::kernels`].

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
pub(crate) mod aarch64;
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub(crate) mod x86_64;
