//! `dot` on f64: every backend equals Scalar bit for bit, plus the accuracy bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dotgrad_fuzz::fuzz_dot::<f64>(data));
