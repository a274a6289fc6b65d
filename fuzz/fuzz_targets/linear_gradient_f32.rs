//! `linear_gradient` and `logistic_gradient` on f32: see
//! [`dotgrad_fuzz::fuzz_gradient`].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dotgrad_fuzz::fuzz_gradient::<f32>(data));
