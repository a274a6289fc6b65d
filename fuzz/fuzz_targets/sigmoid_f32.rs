//! `sigmoid` on f32: see [`dotgrad_fuzz::fuzz_sigmoid`].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dotgrad_fuzz::fuzz_sigmoid::<f32>(data));
