//! The read floor: OR-reduce the bytes a kernel reads, with the widest vector
//! loads this CPU has and four independent accumulators. No kernel that must
//! read those bytes can be faster (up to noise), so `floor / time` says how
//! close a kernel is to the memory (or load-port) limit.

/// ORs together every 8-byte word of `bytes` (and the tail bytes).
#[cfg(test)]
pub fn read(bytes: &[u8]) -> u64 {
    read2(bytes, &[])
}

/// Reads two buffers side by side (as a dot product or axpy streams them):
/// chunk `k` of `a`, then chunk `k` of `b`, then whatever is left of the longer.
pub fn read2(a: &[u8], b: &[u8]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F (checked just above).
            return unsafe { x86::read2_avx512(a, b) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { x86::read2_avx2(a, b) };
        }
    }
    read_portable(a) | read_portable(b)
}

/// [`read2`] split into `threads` contiguous pieces (cut at 64-byte
/// multiples, in proportion in both buffers) read in parallel on rayon's
/// pool: the floor of a kernel running on that many threads.
pub fn read2_par(a: &[u8], b: &[u8], threads: usize) -> u64 {
    if threads <= 1 {
        return read2(a, b);
    }
    // Piece `t` of `v`: from cut `t` to cut `t + 1` (64-byte multiples in
    // proportion); the last cut is the end.
    fn piece(v: &[u8], t: usize, threads: usize) -> &[u8] {
        let cut = |t: usize| {
            if t == threads {
                v.len()
            } else {
                v.len() * t / threads / 64 * 64
            }
        };
        &v[cut(t)..cut(t + 1)]
    }
    use rayon::prelude::*;
    (0..threads)
        .into_par_iter()
        .map(|t| read2(piece(a, t, threads), piece(b, t, threads)))
        .reduce(|| 0, |x, y| x | y)
}

/// The baseline loop (SSE2 on x86-64, NEON on aarch64 after auto-vectorization).
fn read_portable(bytes: &[u8]) -> u64 {
    let mut acc = [0u64; 8];
    let mut chunks = bytes.chunks_exact(64);
    for c in &mut chunks {
        for (k, w) in c.chunks_exact(8).enumerate() {
            acc[k] |= u64::from_ne_bytes(w.try_into().unwrap_or([0; 8]));
        }
    }
    let tail = chunks
        .remainder()
        .iter()
        .fold(0u64, |a, &b| a | u64::from(b));
    acc.iter().fold(tail, |a, &b| a | b)
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// One register type's loads and ORs.
    macro_rules! reader {
        ($name:ident, $feature:literal, $v:ty, $zero:ident, $load:ident, $or:ident, $store:ident) => {
            #[target_feature(enable = $feature)]
            pub unsafe fn $name(a: &[u8], b: &[u8]) -> u64 {
                const V: usize = size_of::<$v>();
                let mut acc = [$zero(); 4];
                // Two registers of `a`, two of `b` per step.
                let both = a.len().min(b.len()) / (2 * V) * (2 * V);
                let (pa, pb) = (a.as_ptr(), b.as_ptr());
                let mut i = 0;
                while i < both {
                    // SAFETY: `i + 2V <= both <= len` of both slices; unaligned loads.
                    unsafe {
                        acc[0] = $or(acc[0], $load(pa.add(i).cast()));
                        acc[1] = $or(acc[1], $load(pa.add(i + V).cast()));
                        acc[2] = $or(acc[2], $load(pb.add(i).cast()));
                        acc[3] = $or(acc[3], $load(pb.add(i + V).cast()));
                    }
                    i += 2 * V;
                }
                let mut tail = 0u64;
                for rest in [&a[both..], &b[both..]] {
                    let mut chunks = rest.chunks_exact(4 * V);
                    for c in &mut chunks {
                        for (k, acc) in acc.iter_mut().enumerate() {
                            // SAFETY: `c` holds 4 registers; `k < 4`; unaligned load.
                            *acc = $or(*acc, unsafe { $load(c.as_ptr().add(k * V).cast()) });
                        }
                    }
                    tail = chunks
                        .remainder()
                        .iter()
                        .fold(tail, |t, &x| t | u64::from(x));
                }
                let v = $or($or(acc[0], acc[1]), $or(acc[2], acc[3]));
                let mut out = [0u64; V / 8];
                // SAFETY: `out` holds one register; unaligned store.
                unsafe { $store(out.as_mut_ptr().cast(), v) };
                out.iter().fold(tail, |x, &y| x | y)
            }
        };
    }

    reader!(
        read2_avx2,
        "avx2",
        __m256i,
        _mm256_setzero_si256,
        _mm256_loadu_si256,
        _mm256_or_si256,
        _mm256_storeu_si256
    );
    reader!(
        read2_avx512,
        "avx512f",
        __m512i,
        _mm512_setzero_si512,
        _mm512_loadu_si512,
        _mm512_or_si512,
        _mm512_storeu_si512
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn read_sees_every_byte() {
        for n in [
            0usize, 1, 7, 8, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000,
        ] {
            for hot in 0..n {
                let mut v = vec![0u8; n];
                v[hot] = 1;
                assert_ne!(super::read(&v), 0, "n={n} hot={hot}");
                assert_ne!(super::read2(&v, &v[..n / 3]), 0, "n={n} hot={hot}");
                assert_ne!(super::read2(&v[..n / 2], &v[n / 2..]), 0, "n={n} hot={hot}");
                assert_ne!(super::read_portable(&v), 0, "n={n} hot={hot}");
                for t in [2, 3, 7] {
                    assert_ne!(
                        super::read2_par(&v, &v[..n / 3], t),
                        0,
                        "n={n} hot={hot} t={t}"
                    );
                    assert_ne!(
                        super::read2_par(&v[..n / 2], &v[n / 2..], t),
                        0,
                        "n={n} hot={hot}"
                    );
                }
            }
        }
    }
}
