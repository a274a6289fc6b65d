//! Shared pieces of the criterion benches: 64-byte aligned inputs at a
//! chosen byte offset, the sizes, the criterion settings, and the banner
//! naming the CPU and the backends.
#![allow(dead_code)]

use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, SamplingMode, measurement::WallTime};
use dotgrad::{Float, Isa, Kernels};

/// n = 16, 64, 256, ..., 16Mi elements (powers of 4).
pub fn sizes() -> impl Iterator<Item = usize> {
    (0..=10).map(|k| 16usize << (2 * k))
}

/// A human label for a size: `16`, `4Ki`, `16Mi`.
pub fn label(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{}Mi", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{}Ki", n >> 10)
    } else {
        n.to_string()
    }
}

/// `n` elements starting `byte_offset` bytes past a 64-byte boundary.
pub struct AlignedBuf<T> {
    buf: Vec<T>,
    start: usize,
    n: usize,
}

impl<T: Float> AlignedBuf<T> {
    /// Fills element `i` with `fill(i)`. `byte_offset` must be a multiple
    /// of `size_of::<T>()` and less than 64.
    pub fn new(n: usize, byte_offset: usize, fill: impl Fn(usize) -> T) -> Self {
        let size = std::mem::size_of::<T>();
        assert!(byte_offset.is_multiple_of(size) && byte_offset < 64);
        let slack = 64 / size;
        let mut buf = vec![T::ZERO; n + 2 * slack];
        let addr = buf.as_ptr() as usize;
        let to_boundary = (64 - addr % 64) % 64;
        assert!(
            to_boundary.is_multiple_of(size),
            "allocation not aligned to its type"
        );
        let start = to_boundary / size + byte_offset / size;
        for (i, x) in buf[start..start + n].iter_mut().enumerate() {
            *x = fill(i);
        }
        AlignedBuf { buf, start, n }
    }

    pub fn slice(&self) -> &[T] {
        &self.buf[self.start..self.start + self.n]
    }

    pub fn slice_mut(&mut self) -> &mut [T] {
        &mut self.buf[self.start..self.start + self.n]
    }
}

/// Deterministic values in [-1, 1) with no pattern a compiler could use.
pub fn value<T: Float>(i: usize, seed: u64) -> T {
    let mut z = (i as u64)
        .wrapping_add(seed)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z ^= z >> 31;
    z = z.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^= z >> 29;
    T::from_f64((z >> 11) as f64 / (1u64 << 52) as f64 - 1.0)
}

/// Short measurements so that a whole bench finishes in minutes; the
/// command line (`--measurement-time`, `--sample-size`, ...) overrides them.
pub fn config() -> Criterion {
    Criterion::default()
        .measurement_time(Duration::from_millis(1000))
        .warm_up_time(Duration::from_millis(300))
        .sample_size(30)
}

/// Fewer samples, each one iteration run many times, for sizes past the
/// caches where one call takes milliseconds.
pub fn for_size(group: &mut BenchmarkGroup<'_, WallTime>, bytes: usize) {
    if bytes >= 4 << 20 {
        group.sample_size(10).sampling_mode(SamplingMode::Flat);
    } else {
        group.sample_size(30).sampling_mode(SamplingMode::Auto);
    }
}

/// The CPU's model name, from /proc/cpuinfo where there is one.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name") || l.starts_with("Model"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

/// Prints the CPU, the backends and the automatic choice once per bench
/// binary, and any error in `DOTGRAD_ISA`. The benches run every available
/// backend whatever `DOTGRAD_ISA` says.
pub fn banner(what: &str) {
    let avail: Vec<String> = Isa::available().map(|i| i.to_string()).collect();
    eprintln!("dotgrad {what} bench");
    eprintln!("  cpu:       {}", cpu_model());
    eprintln!("  backends:  {}", avail.join(", "));
    eprintln!(
        "  chosen:    {} (detected {})",
        Isa::best(),
        Isa::detected()
    );
    match Isa::from_env() {
        Ok(Some(cap)) => {
            eprintln!("  DOTGRAD_ISA={cap}: caps the free functions only; every backend is benched")
        }
        Ok(None) => {}
        Err(e) => eprintln!(
            "  ERROR in DOTGRAD_ISA: {e} (ignored: the choice stays {})",
            Isa::best()
        ),
    }
}

/// Every backend this CPU has, with its handle.
pub fn backends() -> Vec<(Isa, Kernels)> {
    Isa::available()
        .map(|isa| (isa, Kernels::new(isa).expect("available")))
        .collect()
}

/// One pass over `bytes`, as fast as this CPU reads: the OR of all its
/// bits, four independent accumulators of the widest registers (256 bytes a
/// step with AVX-512, 128 with AVX2), so that it is a real floor.
pub fn read_floor(bytes: &[u8]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F (checked just above).
            return unsafe { floor::read_avx512(bytes) };
        }
        if is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { floor::read_avx2(bytes) };
        }
    }
    bytes.iter().fold(0, |a, &b| a | u32::from(b))
}

#[cfg(target_arch = "x86_64")]
mod floor {
    use std::arch::x86_64::*;

    /// One register type's loads and ORs over `bytes`, then the tail.
    macro_rules! reader {
        ($name:ident, $feature:literal, $v:ty, $zero:ident, $load:ident, $or:ident) => {
            #[target_feature(enable = $feature)]
            pub fn $name(bytes: &[u8]) -> u32 {
                const V: usize = size_of::<$v>();
                let mut acc = [$zero(); 4];
                let mut chunks = bytes.chunks_exact(4 * V);
                for c in &mut chunks {
                    for (k, a) in acc.iter_mut().enumerate() {
                        // SAFETY: `c` holds 4 * V bytes, so bytes
                        // k * V .. (k + 1) * V are in bounds; unaligned load.
                        *a = $or(*a, unsafe { $load(c[k * V..].as_ptr().cast()) });
                    }
                }
                let tail = chunks.remainder().iter().fold(0, |a, &b| a | u32::from(b));
                let acc = $or($or(acc[0], acc[1]), $or(acc[2], acc[3]));
                let mut words = [0u32; V / 4];
                // SAFETY: `words` is exactly V bytes; unaligned store.
                unsafe { std::ptr::write_unaligned(words.as_mut_ptr().cast::<$v>(), acc) };
                words.iter().fold(tail, |a, &b| a | b)
            }
        };
    }

    reader!(
        read_avx512,
        "avx512f",
        __m512i,
        _mm512_setzero_si512,
        _mm512_loadu_si512,
        _mm512_or_si512
    );
    reader!(
        read_avx2,
        "avx2",
        __m256i,
        _mm256_setzero_si256,
        _mm256_loadu_si256,
        _mm256_or_si256
    );
}
