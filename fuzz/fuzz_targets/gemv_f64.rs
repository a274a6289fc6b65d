//! `gemv` and `gemv_t` on f64: see [`dotgrad_fuzz::fuzz_gemv`].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dotgrad_fuzz::fuzz_gemv::<f64>(data));
