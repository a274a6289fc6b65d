//! The SIMD backends, one folder per architecture. Each backend is a token
//! type (proof of its CPU features) implementing [`crate::lanes::Lanes`] for
//! `f32` and `f64`; the kernel bodies themselves live once in
//! [`crate::kernels`].

#[cfg(target_arch = "aarch64")]
pub(crate) mod aarch64;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_64;
