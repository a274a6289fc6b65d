//! The element types benchmarked (f32, f64) and each peer's entry points for them.

use crate::openblas::Blas;

/// An element type every library under test supports.
pub trait Elem: dotgrad::Float + bytemuck::Pod + Blas {
    /// `f32` or `f64`.
    const TYPE: &'static str;
    /// Rounds from f64.
    fn of(x: f64) -> Self;
    /// Widens to f64.
    fn wide(self) -> f64;
    /// NumKong's dot (f32 accumulates in f64 and returns f64; f64 is compensated "Dot2").
    fn numkong_dot(a: &[Self], b: &[Self]) -> f64;
    /// faer's dot (`inner_prod`, SIMD via pulp).
    fn faer_dot(a: &[Self], b: &[Self]) -> Self;
    #[cfg(feature = "train")]
    /// faer: `out = X w` (`X` row-major `rows x cols`), sequential.
    fn faer_gemv(x: &[Self], rows: usize, cols: usize, w: &[Self], out: &mut [Self]);
    #[cfg(feature = "train")]
    /// faer: `out = X^T v` (`X` row-major `rows x cols`), sequential.
    fn faer_gemv_t(x: &[Self], rows: usize, cols: usize, v: &[Self], out: &mut [Self]);
    #[cfg(feature = "train")]
    /// faer: `C = op(A) op(B)`, row-major, shapes as [`Blas::gemm`], sequential.
    #[allow(clippy::too_many_arguments)]
    fn faer_gemm(
        ta: bool,
        tb: bool,
        m: usize,
        n: usize,
        k: usize,
        a: &[Self],
        b: &[Self],
        c: &mut [Self],
    );
}

macro_rules! elem {
    ($t:ty) => {
        impl Elem for $t {
            const TYPE: &'static str = stringify!($t);

            fn of(x: f64) -> $t {
                x as $t
            }

            fn wide(self) -> f64 {
                f64::from(self)
            }

            fn numkong_dot(a: &[$t], b: &[$t]) -> f64 {
                <$t as numkong::Dot>::dot(a, b).expect("equal lengths")
            }

            fn faer_dot(a: &[$t], b: &[$t]) -> $t {
                faer::linalg::matmul::dot::inner_prod(
                    faer::RowRef::from_slice(a),
                    faer::Conj::No,
                    faer::ColRef::from_slice(b),
                    faer::Conj::No,
                )
            }

            #[cfg(feature = "train")]
            fn faer_gemv(x: &[$t], rows: usize, cols: usize, w: &[$t], out: &mut [$t]) {
                let x = faer::MatRef::from_row_major_slice(x, rows, cols);
                let w = faer::ColRef::from_slice(w);
                let out = faer::ColMut::from_slice_mut(out);
                faer::linalg::matmul::matmul(
                    out.as_mat_mut(),
                    faer::Accum::Replace,
                    x,
                    w.as_mat(),
                    1.0,
                    crate::bench::faer_par(),
                );
            }

            #[cfg(feature = "train")]
            fn faer_gemv_t(x: &[$t], rows: usize, cols: usize, v: &[$t], out: &mut [$t]) {
                let x = faer::MatRef::from_row_major_slice(x, rows, cols);
                let v = faer::ColRef::from_slice(v);
                let out = faer::ColMut::from_slice_mut(out);
                faer::linalg::matmul::matmul(
                    out.as_mat_mut(),
                    faer::Accum::Replace,
                    x.transpose(),
                    v.as_mat(),
                    1.0,
                    crate::bench::faer_par(),
                );
            }

            #[cfg(feature = "train")]
            fn faer_gemm(
                ta: bool,
                tb: bool,
                m: usize,
                n: usize,
                k: usize,
                a: &[$t],
                b: &[$t],
                c: &mut [$t],
            ) {
                let a = if ta {
                    faer::MatRef::from_row_major_slice(a, k, m).transpose()
                } else {
                    faer::MatRef::from_row_major_slice(a, m, k)
                };
                let b = if tb {
                    faer::MatRef::from_row_major_slice(b, n, k).transpose()
                } else {
                    faer::MatRef::from_row_major_slice(b, k, n)
                };
                faer::linalg::matmul::matmul(
                    faer::MatMut::from_row_major_slice_mut(c, m, n),
                    faer::Accum::Replace,
                    a,
                    b,
                    1.0,
                    faer::Par::Seq,
                );
            }
        }
    };
}

elem!(f32);
elem!(f64);

/// Every buffer starts on a page boundary (plus `--offset`). Left to the
/// allocator, buffers differ in their alignment (a 32-byte access that splits
/// two cache lines costs more) and in their address modulo 4 KiB (a load
/// whose address matches an older store's in the low 12 bits can be held up
/// behind it: "4K aliasing"), so two implementations given different copies
/// would not be compared fairly. On page boundaries every input and output
/// has the same offset modulo 4 KiB as every other, as large `malloc` blocks
/// (fresh pages, plus a 16-byte header) do in real programs.
pub const ALIGN: usize = 4096;

/// Bytes past the [`ALIGN`] boundary where every buffer starts (`--offset`;
/// 0 by default). 16 imitates what `malloc` returns for large blocks.
pub static OFFSET: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A slice of `T` starting [`OFFSET`] bytes past an [`ALIGN`]-byte boundary.
pub struct Buf<T> {
    v: Vec<T>,
    off: usize,
    len: usize,
}

impl<T: Elem> Buf<T> {
    /// Copies `src` into a new aligned buffer.
    pub fn from(src: &[T]) -> Buf<T> {
        let shift = OFFSET.load(std::sync::atomic::Ordering::Relaxed) % ALIGN / size_of::<T>();
        let pad = 2 * ALIGN / size_of::<T>();
        let mut v = vec![T::default(); src.len() + pad];
        let off = v.as_ptr().align_offset(ALIGN).min(ALIGN / size_of::<T>()) + shift;
        v[off..off + src.len()].copy_from_slice(src);
        Buf {
            v,
            off,
            len: src.len(),
        }
    }
}

impl<T: Elem> Clone for Buf<T> {
    fn clone(&self) -> Buf<T> {
        Buf::from(self)
    }
}

impl<T> std::ops::Deref for Buf<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.v[self.off..self.off + self.len]
    }
}

impl<T> std::ops::DerefMut for Buf<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.v[self.off..self.off + self.len]
    }
}

/// `n` zeros, aligned.
#[cfg(feature = "train")]
pub fn zeros<T: Elem>(n: usize) -> Buf<T> {
    Buf::from(&vec![T::default(); n])
}

/// Deterministic inputs in `[-1, 1)` (a 64-bit LCG; `seed` picks the stream), aligned.
pub fn data<T: Elem>(n: usize, seed: u64) -> Buf<T> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let v: Vec<T> = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            T::of(((s >> 11) as f64) * (2.0 / (1u64 << 53) as f64) - 1.0)
        })
        .collect();
    Buf::from(&v)
}

/// The naive loop: `sum += a[j] * b[j]` in order (no FMA, one accumulator).
pub fn naive_dot<T: Elem>(a: &[T], b: &[T]) -> T {
    a.iter().zip(b).fold(T::default(), |s, (&x, &y)| s + x * y)
}

/// The naive loop: `y[j] = alpha * x[j] + y[j]` (the compiler vectorizes it).
pub fn naive_axpy<T: Elem>(alpha: T, x: &[T], y: &mut [T]) {
    for (yj, &xj) in y.iter_mut().zip(x) {
        *yj = alpha * xj + *yj;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_aligned_and_hold_the_data() {
        for n in [0usize, 1, 15, 16, 17, 1000, 1 << 16] {
            let a: Buf<f32> = data(n, 1);
            let b: Buf<f64> = data(n, 1);
            assert_eq!(a.as_ptr() as usize % ALIGN, 0, "n={n}");
            assert_eq!(b.as_ptr() as usize % ALIGN, 0);
            assert_eq!((a.len(), b.len()), (n, n));
            assert!(a.iter().all(|v| (-1.0..1.0).contains(v)));
            let c = b.clone();
            assert_eq!(c.as_ptr() as usize % ALIGN, 0);
            assert_eq!(&c[..], &b[..]);
        }
    }
}
