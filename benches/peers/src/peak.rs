//! The FMA peak: independent FMA chains on the widest vectors this CPU has,
//! as many flops as a gemm call, so `peak / time` is the fraction of the
//! FMA peak that gemm reaches (the floor of a compute-bound kernel, as the
//! read floor is of a memory-bound one).

/// Independent accumulators: enough to hide the FMA latency on two ports.
const CHAINS: usize = 16;

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
    use std::hint::black_box;

    /// `steps` rounds of `CHAINS` 512-bit FMAs.
    #[target_feature(enable = "avx512f")]
    pub fn fma512(steps: usize, width: usize) -> f32 {
        if width == 4 {
            let mut acc = [_mm512_set1_ps(1.0); CHAINS];
            let (x, y) = (_mm512_set1_ps(0.999_999_9), _mm512_set1_ps(1e-7));
            for _ in 0..steps {
                let x = black_box(x);
                for a in &mut acc {
                    *a = _mm512_fmadd_ps(*a, x, y);
                }
            }
            acc.iter().map(|&a| _mm512_reduce_add_ps(a)).sum()
        } else {
            let mut acc = [_mm512_set1_pd(1.0); CHAINS];
            let (x, y) = (_mm512_set1_pd(0.999_999_9), _mm512_set1_pd(1e-7));
            for _ in 0..steps {
                let x = black_box(x);
                for a in &mut acc {
                    *a = _mm512_fmadd_pd(*a, x, y);
                }
            }
            acc.iter().map(|&a| _mm512_reduce_add_pd(a) as f32).sum()
        }
    }

    /// `steps` rounds of `CHAINS` 256-bit FMAs.
    #[target_feature(enable = "avx2,fma")]
    pub fn fma256(steps: usize, width: usize) -> f32 {
        let mut out = [0f32; 8];
        if width == 4 {
            let mut acc = [_mm256_set1_ps(1.0); CHAINS];
            let (x, y) = (_mm256_set1_ps(0.999_999_9), _mm256_set1_ps(1e-7));
            for _ in 0..steps {
                let x = black_box(x);
                for a in &mut acc {
                    *a = _mm256_fmadd_ps(*a, x, y);
                }
            }
            let s = acc
                .iter()
                .fold(_mm256_setzero_ps(), |s, &a| _mm256_add_ps(s, a));
            // SAFETY: `out` holds 8 f32, the 32 bytes stored.
            unsafe { _mm256_storeu_ps(out.as_mut_ptr(), s) };
        } else {
            let mut acc = [_mm256_set1_pd(1.0); CHAINS];
            let (x, y) = (_mm256_set1_pd(0.999_999_9), _mm256_set1_pd(1e-7));
            for _ in 0..steps {
                let x = black_box(x);
                for a in &mut acc {
                    *a = _mm256_fmadd_pd(*a, x, y);
                }
            }
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
    use std::hint::black_box;

    /// `steps` rounds of `CHAINS` 128-bit FMAs.
    #[target_feature(enable = "neon")]
    pub fn fma128(steps: usize, width: usize) -> f32 {
        if width == 4 {
            let mut acc = [vdupq_n_f32(1.0); CHAINS];
            let (x, y) = (vdupq_n_f32(0.999_999_9), vdupq_n_f32(1e-7));
            for _ in 0..steps {
                let x = black_box(x);
                for a in &mut acc {
                    *a = vfmaq_f32(y, *a, x);
                }
            }
            acc.iter().map(|&a| vaddvq_f32(a)).sum()
        } else {
            let mut acc = [vdupq_n_f64(1.0); CHAINS];
            let (x, y) = (vdupq_n_f64(0.999_999_9), vdupq_n_f64(1e-7));
            for _ in 0..steps {
                let x = black_box(x);
                for a in &mut acc {
                    *a = vfmaq_f64(y, *a, x);
                }
            }
            acc.iter().map(|&a| vaddvq_f64(a) as f32).sum()
        }
    }
}
