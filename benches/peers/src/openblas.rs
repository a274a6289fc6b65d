//! The few CBLAS and OpenBLAS functions the benchmark calls, declared by hand
//! (Debian's `libopenblas-dev`: 32-bit `blasint`, pthread build).
//!
//! OpenBLAS picks its kernels ("core") when the library is loaded, from the
//! CPU or from `OPENBLAS_CORETYPE`, and sizes its thread pool from
//! `OPENBLAS_NUM_THREADS`; that is why the benchmark re-executes itself to run
//! OpenBLAS with another core (see `main.rs`).

use std::ffi::{CStr, c_char, c_int};

#[cfg(feature = "train")]
const ROW_MAJOR: c_int = 101;
#[cfg(feature = "train")]
const NO_TRANS: c_int = 111;
#[cfg(feature = "train")]
const TRANS: c_int = 112;

#[link(name = "openblas")]
unsafe extern "C" {
    fn cblas_sdot(n: c_int, x: *const f32, incx: c_int, y: *const f32, incy: c_int) -> f32;
    fn cblas_ddot(n: c_int, x: *const f64, incx: c_int, y: *const f64, incy: c_int) -> f64;
    fn cblas_saxpy(n: c_int, alpha: f32, x: *const f32, incx: c_int, y: *mut f32, incy: c_int);
    fn cblas_daxpy(n: c_int, alpha: f64, x: *const f64, incx: c_int, y: *mut f64, incy: c_int);
    #[cfg(feature = "train")]
    fn cblas_sgemv(
        order: c_int,
        trans: c_int,
        m: c_int,
        n: c_int,
        alpha: f32,
        a: *const f32,
        lda: c_int,
        x: *const f32,
        incx: c_int,
        beta: f32,
        y: *mut f32,
        incy: c_int,
    );
    #[cfg(feature = "train")]
    fn cblas_dgemv(
        order: c_int,
        trans: c_int,
        m: c_int,
        n: c_int,
        alpha: f64,
        a: *const f64,
        lda: c_int,
        x: *const f64,
        incx: c_int,
        beta: f64,
        y: *mut f64,
        incy: c_int,
    );
    #[cfg(feature = "train")]
    fn cblas_sgemm(
        order: c_int,
        ta: c_int,
        tb: c_int,
        m: c_int,
        n: c_int,
        k: c_int,
        alpha: f32,
        a: *const f32,
        lda: c_int,
        b: *const f32,
        ldb: c_int,
        beta: f32,
        c: *mut f32,
        ldc: c_int,
    );
    #[cfg(feature = "train")]
    fn cblas_dgemm(
        order: c_int,
        ta: c_int,
        tb: c_int,
        m: c_int,
        n: c_int,
        k: c_int,
        alpha: f64,
        a: *const f64,
        lda: c_int,
        b: *const f64,
        ldb: c_int,
        beta: f64,
        c: *mut f64,
        ldc: c_int,
    );
    fn openblas_get_corename() -> *const c_char;
    fn openblas_get_config() -> *const c_char;
    fn openblas_set_num_threads(n: c_int);
}

fn int(n: usize) -> c_int {
    c_int::try_from(n).expect("size exceeds OpenBLAS's 32-bit blasint")
}

fn c_string(p: *const c_char) -> String {
    if p.is_null() {
        return String::from("?");
    }
    // SAFETY: OpenBLAS returns a pointer to a static NUL-terminated string.
    unsafe { CStr::from_ptr(p) }
        .to_string_lossy()
        .trim()
        .to_owned()
}

/// The kernel family OpenBLAS chose at load time (`Haswell`, `Zen`, `SkylakeX`, `Prescott`, ...).
pub fn corename() -> String {
    // SAFETY: no arguments; returns a static string.
    c_string(unsafe { openblas_get_corename() })
}

/// The build configuration string (`OpenBLAS 0.3.21 DYNAMIC_ARCH ... MAX_THREADS=64`).
pub fn config() -> String {
    // SAFETY: no arguments; returns a static string.
    c_string(unsafe { openblas_get_config() })
}

/// Caps OpenBLAS's thread pool (the environment sets it too, at load).
pub fn set_num_threads(n: usize) {
    // SAFETY: plain integer argument.
    unsafe { openblas_set_num_threads(int(n)) }
}

/// The element types OpenBLAS has kernels for, with safe slice wrappers.
pub trait Blas: Copy {
    /// `sum x[j] * y[j]`.
    fn dot(x: &[Self], y: &[Self]) -> Self;
    /// `y += alpha * x`.
    fn axpy(alpha: Self, x: &[Self], y: &mut [Self]);
    /// `y = alpha * A v + beta * y` (`trans = false`, `A` row-major `m x n`,
    /// `v` of `n`, `y` of `m`) or `y = alpha * A^T v + beta * y` (`trans`,
    /// `v` of `m`, `y` of `n`).
    #[cfg(feature = "train")]
    #[allow(clippy::too_many_arguments)]
    fn gemv(
        trans: bool,
        m: usize,
        n: usize,
        alpha: Self,
        a: &[Self],
        v: &[Self],
        beta: Self,
        y: &mut [Self],
    );
    /// `C = op(A) op(B)`, all row-major: `C` is `m x n`, `op(A)` `m x k`
    /// (`A` stored `k x m` when `ta`), `op(B)` `k x n` (`B` stored `n x k`
    /// when `tb`).
    #[cfg(feature = "train")]
    #[allow(clippy::too_many_arguments)]
    fn gemm(
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

#[cfg(feature = "train")]
fn check_gemv(trans: bool, m: usize, n: usize, a: usize, v: usize, y: usize) {
    let (vl, yl) = if trans { (m, n) } else { (n, m) };
    assert!(a == m * n && v == vl && y == yl, "gemv shapes");
}

macro_rules! blas {
    ($t:ty, $dot:ident, $axpy:ident, $gemv:ident, $gemm:ident) => {
        impl Blas for $t {
            fn dot(x: &[$t], y: &[$t]) -> $t {
                assert_eq!(x.len(), y.len());
                // SAFETY: both slices hold `n` elements at unit stride.
                unsafe { $dot(int(x.len()), x.as_ptr(), 1, y.as_ptr(), 1) }
            }

            fn axpy(alpha: $t, x: &[$t], y: &mut [$t]) {
                assert_eq!(x.len(), y.len());
                // SAFETY: both slices hold `n` elements at unit stride; `y` is exclusive.
                unsafe { $axpy(int(x.len()), alpha, x.as_ptr(), 1, y.as_mut_ptr(), 1) }
            }

            #[cfg(feature = "train")]
            fn gemv(
                trans: bool,
                m: usize,
                n: usize,
                alpha: $t,
                a: &[$t],
                v: &[$t],
                beta: $t,
                y: &mut [$t],
            ) {
                check_gemv(trans, m, n, a.len(), v.len(), y.len());
                let t = if trans { TRANS } else { NO_TRANS };
                // SAFETY: shapes checked above; `a` is row-major with `lda = n`.
                unsafe {
                    $gemv(
                        ROW_MAJOR,
                        t,
                        int(m),
                        int(n),
                        alpha,
                        a.as_ptr(),
                        int(n.max(1)),
                        v.as_ptr(),
                        1,
                        beta,
                        y.as_mut_ptr(),
                        1,
                    )
                }
            }

            #[cfg(feature = "train")]
            fn gemm(
                ta: bool,
                tb: bool,
                m: usize,
                n: usize,
                k: usize,
                a: &[$t],
                b: &[$t],
                c: &mut [$t],
            ) {
                assert!(
                    a.len() == m * k && b.len() == k * n && c.len() == m * n,
                    "gemm shapes"
                );
                // Row-major leading dimensions: the stored row lengths.
                let (lda, ldb) = (if ta { m } else { k }, if tb { k } else { n });
                let t = |x: bool| if x { TRANS } else { NO_TRANS };
                // SAFETY: shapes checked above; every operand is contiguous row-major.
                unsafe {
                    $gemm(
                        ROW_MAJOR,
                        t(ta),
                        t(tb),
                        int(m),
                        int(n),
                        int(k),
                        1.0,
                        a.as_ptr(),
                        int(lda.max(1)),
                        b.as_ptr(),
                        int(ldb.max(1)),
                        0.0,
                        c.as_mut_ptr(),
                        int(n.max(1)),
                    )
                }
            }
        }
    };
}

blas!(f32, cblas_sdot, cblas_saxpy, cblas_sgemv, cblas_sgemm);
blas!(f64, cblas_ddot, cblas_daxpy, cblas_dgemv, cblas_dgemm);
