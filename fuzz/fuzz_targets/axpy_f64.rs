//! `axpy` and `scale` on f64: every backend writes the same bits as Scalar, nothing outside the slice.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dotgrad_fuzz::fuzz_axpy::<f64>(data));
