//! The FMA peak: independent FMA chains on the widest vectors this CPU has,
//! as many flops as a gemm call, so `peak / time` is the fraction of the
//! FMA peak that gemm reaches (the floor of a compute-bound kernel, as the
//! read floor is of a memory-bound one).

/// Independent accumulators: enough to hide the FMA latency on two ports.
const CHAINS: usize = 16;

/// `$steps` rounds of [`CHAINS`] FMAs `$fma(acc, x, y)` on registers
/// made by `$set1`; the accumulators.
macro_rules! chains {
    ($steps:expr, $set1:expr, $fma:expr) => {{
        let mut acc = [$set1(1.0); CHAINS];
        let (x, y) = ($set1(0.999_999_9), $set1(1e-7));
        for _ in 0..$steps {
            let x = std::hint::black_box(x);
            for a in &mut acc {
                *a = $fma(*a, x, y);
            }
        }
        acc
    }};
}

/// `flops` floating-point operations (2 per lane per FMA) of `width`-byte
/// elements (4: f32, 8: f64) as FMA chains; `None` where no vector FMA is
/// known for this CPU (no peak is then reported).
pub fn fma_peak(flops: usize, width: usize) -> Option<f32> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            let steps = flops.div_ceil(CHAINS * 2 * (64 / width));
            // SAFETY: the CPU has AVX-512F (checked just above).
            return Some(unsafe { x86::fma512(steps, width) });
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            let steps = flops.div_ceil(CHAINS * 2 * (32 / width));
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            return Some(unsafe { x86::fma256(steps, width) });
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        let steps = flops.div_ceil(CHAINS * 2 * (16 / width));
        // SAFETY: NEON is part of every aarch64 target Rust supports.
        return Some(unsafe { arm::fma128(steps, width) });
    }
    #[allow(unreachable_code)]
    {
        let _ = (flops, width);
        None
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::CHAINS;
    use std::arch::x86_64::*;

    /// `steps` rounds of `CHAINS` 512-bit FMAs.
    #[target_feature(enable = "avx512f")]
    pub fn fma512(steps: usize, width: usize) -> f32 {
        if width == 4 {
            let acc = chains!(steps, _mm512_set1_ps, _mm512_fmadd_ps);
            acc.iter().map(|&a| _mm512_reduce_add_ps(a)).sum()
        } else {
            let acc = chains!(steps, _mm512_set1_pd, _mm512_fmadd_pd);
            acc.iter().map(|&a| _mm512_reduce_add_pd(a) as f32).sum()
        }
    }

    /// `steps` rounds of `CHAINS` 256-bit FMAs.
    #[target_feature(enable = "avx2,fma")]
    pub fn fma256(steps: usize, width: usize) -> f32 {
        let mut out = [0f32; 8];
        if width == 4 {
            let acc = chains!(steps, _mm256_set1_ps, _mm256_fmadd_ps);
            let s = acc
                .iter()
                .fold(_mm256_setzero_ps(), |s, &a| _mm256_add_ps(s, a));
            // SAFETY: `out` holds 8 f32, the 32 bytes stored.
            unsafe { _mm256_storeu_ps(out.as_mut_ptr(), s) };
        } else {
            let acc = chains!(steps, _mm256_set1_pd, _mm256_fmadd_pd);
            let s = acc
                .iter()
                .fold(_mm256_setzero_pd(), |s, &a| _mm256_add_pd(s, a));
            let s = _mm256_cvtpd_ps(s);
            // SAFETY: `out` holds 8 f32, the first 16 bytes stored.
            unsafe { _mm_storeu_ps(out.as_mut_ptr(), s) };
        }
        out.iter().sum()
    }
}

#[cfg(target_arch = "aarch64")]
mod arm {
    use super::CHAINS;
    use std::arch::aarch64::*;

    /// `steps` rounds of `CHAINS` 128-bit FMAs.
    #[target_feature(enable = "neon")]
    pub fn fma128(steps: usize, width: usize) -> f32 {
        if width == 4 {
            let acc = chains!(steps, vdupq_n_f32, |a, x, y| vfmaq_f32(y, a, x));
            acc.iter().map(|&a| vaddvq_f32(a)).sum()
        } else {
            let acc = chains!(steps, vdupq_n_f64, |a, x, y| vfmaq_f64(y, a, x));
            acc.iter().map(|&a| vaddvq_f64(a) as f32).sum()
        }
    }
}
