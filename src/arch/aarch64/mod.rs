//! aarch64 backend: Advanced SIMD (NEON) ([`Neon`]).

mod neon;

pub(crate) use neon::Neon;
