//! Shared machinery of the differential fuzz targets: fuzzer bytes become
//! misaligned, guarded input vectors; every SIMD backend this CPU has is
//! compared with `Scalar` bit for bit (both NaN counts as equal: the contract
//! leaves NaN payloads open); `dot` is also held to its accuracy bound.
//!
//! Byte layout of an input (all targets):
//! - byte 0: start offsets in elements, `a` in the low nibble and `b` in the
//!   high nibble (0..=15 each), so both relative misalignments occur;
//! - byte 1: repetitions; values below 0xC0 mean 1, else
//!   `1 + 4 * (byte & 0x3f)` (up to 253), so that short fuzzer inputs still
//!   reach inputs of many 16 KiB blocks;
//! - then `scalars` values of `T` (e.g. `alpha`), native endian;
//! - the rest split into two equal halves, `a` and `b` (`n` elements each,
//!   a trailing partial element is dropped), each tiled `reps` times.
//!
//! Later targets reuse [`Case`] (optimizers) or [`MatCase`] (gemv,
//! gradients), [`same`], [`same_all`], [`simd_kernels`] and [`scalar`];
//! `gemm` decodes its own operands, `narrow` (bf16, f16, i8, u8) reads its
//! elements through [`Narrow`], compares results through [`Outcome`] and
//! decodes repetitions with [`reps`].

use dotgrad::{Element, Float, Isa, Kernels};

/// The element types the targets decode from raw bytes: dotgrad's floats,
/// which are plain old data.
pub trait Real: Float + bytemuck::Pod {}
impl<T: Float + bytemuck::Pod> Real for T {}

/// Elements after each vector that no kernel may write.
pub const GUARD: usize = 16;

/// A vector inside its own allocation at a chosen start offset, followed by
/// [`GUARD`] sentinel elements.
#[derive(Clone, Debug)]
pub struct Placed<T> {
    buf: Vec<T>,
    start: usize,
    len: usize,
}

impl<T: Real> Placed<T> {
    /// `bytes` (a whole number of `T`) repeated `reps` times, starting
    /// `offset` elements into the allocation.
    pub fn new(bytes: &[u8], reps: usize, offset: usize) -> Self {
        let size = core::mem::size_of::<T>();
        let n = bytes.len() / size;
        let len = n * reps;
        let mut buf = vec![sentinel::<T>(); offset + len + GUARD];
        if n > 0 {
            for chunk in buf[offset..offset + len].chunks_exact_mut(n) {
                bytemuck::cast_slice_mut::<T, u8>(chunk).copy_from_slice(&bytes[..n * size]);
            }
        }
        Placed {
            buf,
            start: offset,
            len,
        }
    }

    /// The vector.
    pub fn slice(&self) -> &[T] {
        &self.buf[self.start..self.start + self.len]
    }

    /// The vector, writable.
    pub fn slice_mut(&mut self) -> &mut [T] {
        &mut self.buf[self.start..self.start + self.len]
    }

    /// The whole allocation: offset elements, the vector, the guard.
    pub fn whole(&self) -> &[T] {
        &self.buf
    }
}

/// The values of `T` in `bytes`, native endian (a trailing partial value
/// is dropped).
pub fn values<T: Real>(bytes: &[u8]) -> Vec<T> {
    bytes
        .chunks_exact(core::mem::size_of::<T>())
        .map(bytemuck::pod_read_unaligned::<T>)
        .collect()
}

/// The value the guard and offset elements hold.
pub fn sentinel<T: Real>() -> T {
    T::from_f64(-7.0e-3)
}

/// The repetitions a header byte asks for: 1 below 0xC0, else
/// `1 + 4 * (byte & 0x3f)` (up to 253), as in the crate docs.
pub fn reps(byte: u8) -> usize {
    if byte < 0xC0 {
        1
    } else {
        1 + 4 * usize::from(byte & 0x3f)
    }
}

/// One decoded fuzz input: two equally long vectors and some scalars.
#[derive(Clone, Debug)]
pub struct Case<T> {
    /// The first vector (`x` of axpy).
    pub a: Placed<T>,
    /// The second vector (`y` of axpy).
    pub b: Placed<T>,
    /// The leading scalars (e.g. `alpha`).
    pub scalars: Vec<T>,
}

impl<T: Real> Case<T> {
    /// Decodes `data` as described in the crate docs; `None` when it is too
    /// short for the header and the scalars.
    pub fn decode(data: &[u8], scalars: usize) -> Option<Self> {
        let size = core::mem::size_of::<T>();
        let (&h0, rest) = data.split_first()?;
        let (&h1, rest) = rest.split_first()?;
        let reps = reps(h1);
        if rest.len() < scalars * size {
            return None;
        }
        let (head, rest) = rest.split_at(scalars * size);
        let scalars = head
            .chunks_exact(size)
            .map(bytemuck::pod_read_unaligned::<T>)
            .collect();
        let n = rest.len() / (2 * size);
        let (a, b) = (&rest[..n * size], &rest[n * size..2 * n * size]);
        Some(Case {
            a: Placed::new(a, reps, usize::from(h0 & 15)),
            b: Placed::new(b, reps, usize::from(h0 >> 4)),
            scalars,
        })
    }
}

/// One decoded matrix input of the gemv and gradient targets: `X` (`rows x
/// cols`, row stride `stride`, starting `offset` elements into `data`), a
/// vector `w` of `cols`, a vector `v` of `rows` and a scalar `b`.
///
/// Byte layout: bytes 0-1 rows (`% 1300`, so up to six 256-row blocks, and
/// at least `min_rows`), bytes 2-3 columns (`% 300`: short rows, every
/// stripe tail, several stripes; or, when the top bit of byte 3 is set,
/// `% 3E`: rows longer than a dot block, whose dots run the block tree),
/// byte 4 the row padding (low nibble, `% 8`) and the start offset (high
/// nibble); then `skip` bytes the target reads itself; then values of `T`,
/// native endian, tiled over `X`, then `w`, `v` and `b`. A case is kept
/// below 200k elements (fewer rows for long ones).
#[derive(Clone, Debug)]
pub struct MatCase<T> {
    pub data: Vec<T>,
    pub offset: usize,
    pub rows: usize,
    pub cols: usize,
    pub stride: usize,
    pub w: Vec<T>,
    pub v: Vec<T>,
    pub b: T,
}

impl<T: Real> MatCase<T> {
    /// Decodes `bytes` as above; `None` when no value follows the header.
    pub fn decode(bytes: &[u8], min_rows: usize, skip: usize) -> Option<Self> {
        let body = bytes.get(5 + skip..)?;
        let mut rows = (usize::from(u16::from_le_bytes([bytes[0], bytes[1]])) % 1300).max(min_rows);
        let raw_cols = usize::from(u16::from_le_bytes([bytes[2], bytes[3] & 0x7f]));
        let cols = if bytes[3] & 0x80 != 0 {
            raw_cols % (3 * T::E)
        } else {
            raw_cols % 300
        };
        let stride = cols + usize::from(bytes[4] & 15) % 8;
        let offset = usize::from(bytes[4] >> 4);
        let vals: Vec<T> = values(body);
        if vals.is_empty() {
            return None;
        }
        if rows * stride.max(1) > 200_000 {
            rows = (200_000 / stride.max(1)).max(min_rows);
        }
        let at = |i: usize| vals[i % vals.len()];
        let len = if rows == 0 {
            0
        } else {
            (rows - 1) * stride + cols
        };
        Some(MatCase {
            data: (0..offset + len).map(at).collect(),
            offset,
            rows,
            cols,
            stride,
            w: (0..cols).map(|j| at(len + j)).collect(),
            v: (0..rows).map(|i| at(len + cols + i)).collect(),
            b: at(len + cols + rows),
        })
    }

    /// `X` as a [`Matrix`](dotgrad::Matrix).
    pub fn matrix(&self) -> dotgrad::Matrix<'_, T> {
        dotgrad::Matrix::new(&self.data[self.offset..], self.rows, self.cols, self.stride)
            .expect("decoded in bounds")
    }
}

/// Equal bits, or both NaN.
pub fn same<T: Real>(x: T, y: T) -> bool {
    #[allow(clippy::eq_op)]
    let both_nan = x != x && y != y;
    bytemuck::bytes_of(&x) == bytemuck::bytes_of(&y) || both_nan
}

/// Float-wise [`same`] (and equal lengths).
pub fn same_all<T: Real>(x: &[T], y: &[T]) -> bool {
    x.len() == y.len() && x.iter().zip(y).all(|(&p, &q)| same(p, q))
}

/// The reduced-precision element types (`bf16`, `f16`, `i8`, `u8`), read
/// from raw bytes. dotgrad's `half` is built without its bytemuck feature,
/// so bf16 and f16 are made with `from_bits` from two bytes (native endian)
/// rather than through [`bytemuck`].
pub trait Narrow: Element {
    /// Bytes per element.
    const SIZE: usize;
    /// The element from the first [`Narrow::SIZE`] bytes of `bytes`, native
    /// endian.
    fn read(bytes: &[u8]) -> Self;
    /// The value as an exact integer: `Some` for i8 and u8, `None` for the
    /// floats.
    fn exact(self) -> Option<i64>;
}

impl Narrow for dotgrad::half::bf16 {
    const SIZE: usize = 2;
    fn read(bytes: &[u8]) -> Self {
        Self::from_bits(u16::from_ne_bytes([bytes[0], bytes[1]]))
    }
    fn exact(self) -> Option<i64> {
        None
    }
}

impl Narrow for dotgrad::half::f16 {
    const SIZE: usize = 2;
    fn read(bytes: &[u8]) -> Self {
        Self::from_bits(u16::from_ne_bytes([bytes[0], bytes[1]]))
    }
    fn exact(self) -> Option<i64> {
        None
    }
}

impl Narrow for i8 {
    const SIZE: usize = 1;
    fn read(bytes: &[u8]) -> Self {
        i8::from_ne_bytes([bytes[0]])
    }
    fn exact(self) -> Option<i64> {
        Some(i64::from(self))
    }
}

impl Narrow for u8 {
    const SIZE: usize = 1;
    fn read(bytes: &[u8]) -> Self {
        bytes[0]
    }
    fn exact(self) -> Option<i64> {
        Some(i64::from(self))
    }
}

/// A kernel result (`Element::Acc` or `Element::Dist`: f32, f64 or an
/// exact i64) as the targets compare it: floats as in [`same`] (equal
/// bits, or both NaN), integers with `==`.
pub trait Outcome: Copy + core::fmt::Debug {
    /// The value guard elements of an output buffer hold.
    const SENTINEL: Self;
    /// Equal as described above.
    fn same_as(self, other: Self) -> bool;
    /// The value as `f64` (exact for f32 and f64; i64 rounded).
    fn as_f64(self) -> f64;
    /// The value as an exact integer: `Some` for i64, `None` for floats.
    fn exact(self) -> Option<i64>;
}

impl Outcome for f32 {
    const SENTINEL: Self = -7.0e-3;
    fn same_as(self, other: Self) -> bool {
        same(self, other)
    }
    fn as_f64(self) -> f64 {
        f64::from(self)
    }
    fn exact(self) -> Option<i64> {
        None
    }
}

impl Outcome for f64 {
    const SENTINEL: Self = -7.0e-3;
    fn same_as(self, other: Self) -> bool {
        same(self, other)
    }
    fn as_f64(self) -> f64 {
        self
    }
    fn exact(self) -> Option<i64> {
        None
    }
}

impl Outcome for i64 {
    const SENTINEL: Self = -0x0707_0707_0707_0707;
    fn same_as(self, other: Self) -> bool {
        self == other
    }
    fn as_f64(self) -> f64 {
        self as f64
    }
    fn exact(self) -> Option<i64> {
        Some(self)
    }
}

/// Element-wise [`Outcome::same_as`] (and equal lengths).
pub fn same_outcomes<R: Outcome>(x: &[R], y: &[R]) -> bool {
    x.len() == y.len() && x.iter().zip(y).all(|(&p, &q)| p.same_as(q))
}

/// The scalar reference backend.
pub fn scalar() -> Kernels {
    Kernels::new(Isa::Scalar).expect("scalar is always available")
}

/// Every SIMD backend this CPU has (not `Scalar`).
pub fn simd_kernels() -> impl Iterator<Item = Kernels> {
    Isa::available()
        .filter(|&isa| isa != Isa::Scalar)
        .map(|isa| Kernels::new(isa).expect("listed as available"))
}

/// Double-double dot product (TwoProduct via FMA, TwoSum), as `f64`: exact
/// products and compensated summation for f32 inputs.
pub fn dd_dot<T: Real>(a: &[T], b: &[T]) -> f64 {
    let (mut hi, mut lo) = (0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.to_f64(), y.to_f64());
        let p = x * y;
        let pe = x.mul_add(y, -p);
        let s = hi + p;
        let bb = s - hi;
        let se = (hi - (s - bb)) + (p - bb);
        hi = s;
        lo += se + pe;
    }
    hi + lo
}

/// The smallest positive subnormal of `T`, as `f64`.
pub fn eta<T: Real>() -> f64 {
    if core::mem::size_of::<T>() == 4 {
        f64::from(f32::from_bits(1))
    } else {
        f64::from_bits(1)
    }
}

/// Checks `d = dot(a, b)` against `dotgrad::dot_error_bound` around a
/// double-double reference, whenever the reference, `sum |a*b|` and every
/// partial sum are finite in `T`. Panics with the details otherwise.
pub fn check_dot_bound<T: Real>(a: &[T], b: &[T], d: T) {
    let r = dd_dot(a, b);
    let abs_a: Vec<T> = a.iter().map(|x| x.abs_bits()).collect();
    let abs_b: Vec<T> = b.iter().map(|x| x.abs_bits()).collect();
    let sum_abs = dd_dot(&abs_a, &abs_b);
    // Every partial sum is at most sum_abs * (1 + gamma): beyond T's range
    // the kernel may overflow where the exact result does not.
    if !r.is_finite() || !sum_abs.is_finite() || !T::from_f64(sum_abs * 1.01).to_f64().is_finite() {
        return;
    }
    let n = a.len();
    // sum_abs is correctly rounded to f64 up to a relative 2^-52 or so.
    let bound = dotgrad::dot_error_bound::<T>(n, sum_abs * (1.0 + 2f64.powi(-48))).unwrap();
    // The reference's own error: its final rounding to f64 and, for f64
    // inputs, TwoProduct errors lost to underflow.
    let ref_err = 2f64.powi(-52) * r.abs() + n as f64 * f64::from_bits(1);
    let err = (d.to_f64() - r).abs();
    assert!(
        err <= bound + ref_err,
        "dot accuracy: n={n} dot={d:?} reference={r:e} |err|={err:e} bound={bound:e} \
         (+ reference {ref_err:e})"
    );
}

/// The dot target: every backend equals Scalar, the bound holds, and a
/// length mismatch is an error.
pub fn fuzz_dot<T: Real>(data: &[u8]) {
    let Some(case) = Case::<T>::decode(data, 0) else {
        return;
    };
    let (a, b) = (case.a.slice(), case.b.slice());
    let want = scalar().dot(a, b).expect("equal lengths");
    for k in simd_kernels() {
        let got = k.dot(a, b).expect("equal lengths");
        assert!(
            same(got, want),
            "dot {:?} n={} offsets=({}, {}): {got:?} != scalar {want:?}",
            k.isa(),
            a.len(),
            case.a.start,
            case.b.start
        );
    }
    check_dot_bound(a, b, want);
    if let Some((_, shorter)) = b.split_last() {
        assert!(scalar().dot(a, shorter).is_err());
        assert!(dotgrad::dot(a, shorter).is_err());
    }
}

/// The axpy target (also `scale`): every backend writes the same bits as
/// Scalar into `y` (and `x`), never writes outside the slice, and a length
/// mismatch leaves `y` untouched.
pub fn fuzz_axpy<T: Real>(data: &[u8]) {
    let Some(case) = Case::<T>::decode(data, 1) else {
        return;
    };
    let alpha = case.scalars[0];
    let x = case.a.slice();

    let mut want = case.b.clone();
    scalar()
        .axpy(alpha, x, want.slice_mut())
        .expect("equal lengths");
    let mut want_scaled = case.a.clone();
    scalar().scale(alpha, want_scaled.slice_mut());

    for k in simd_kernels() {
        let mut got = case.b.clone();
        k.axpy(alpha, x, got.slice_mut()).expect("equal lengths");
        assert!(
            same_all(got.whole(), want.whole()),
            "axpy {:?} n={} alpha={alpha:?} offsets=({}, {}): first difference at {:?}",
            k.isa(),
            x.len(),
            case.a.start,
            case.b.start,
            first_difference(got.whole(), want.whole())
        );
        let mut got = case.a.clone();
        k.scale(alpha, got.slice_mut());
        assert!(
            same_all(got.whole(), want_scaled.whole()),
            "scale {:?} n={} alpha={alpha:?} offset={}: first difference at {:?}",
            k.isa(),
            x.len(),
            case.a.start,
            first_difference(got.whole(), want_scaled.whole())
        );
    }

    if !x.is_empty() {
        let mut y = case.b.clone();
        let n = x.len();
        assert!(dotgrad::axpy(alpha, x, &mut y.slice_mut()[..n - 1]).is_err());
        assert!(same_all(y.whole(), case.b.whole()), "y modified on error");
    }
}

fn first_difference<T: Real>(x: &[T], y: &[T]) -> Option<(usize, T, T)> {
    x.iter()
        .zip(y)
        .enumerate()
        .find(|&(_, (&p, &q))| !same(p, q))
        .map(|(i, (&p, &q))| (i, p, q))
}

/// The gemv target (also `gemv_t`): every SIMD backend this CPU has returns
/// Scalar's bits (both NaN counts as equal), for matrices of any shape, row
/// stride and start offset decoded from the input ([`MatCase`], rows may be
/// 0, `v` the vector of `gemv_t`), and never writes past `out`; a shape
/// mismatch is an error that leaves `out` untouched.
pub fn fuzz_gemv<T: Real>(bytes: &[u8]) {
    let Some(c) = MatCase::<T>::decode(bytes, 0, 0) else {
        return;
    };
    let x = c.matrix();
    let sentinel = sentinel::<T>();
    let mut want = vec![sentinel; c.rows + GUARD];
    scalar().gemv(x, &c.w, c.b, &mut want[..c.rows]).unwrap();
    let mut want_t = vec![sentinel; c.cols + GUARD];
    scalar().gemv_t(x, &c.v, &mut want_t[..c.cols]).unwrap();
    for k in simd_kernels() {
        let mut got = vec![sentinel; c.rows + GUARD];
        k.gemv(x, &c.w, c.b, &mut got[..c.rows]).unwrap();
        assert!(
            same_all(&got, &want),
            "gemv {} {}x{} stride {} offset {}",
            k.isa(),
            c.rows,
            c.cols,
            c.stride,
            c.offset
        );
        let mut got = vec![sentinel; c.cols + GUARD];
        k.gemv_t(x, &c.v, &mut got[..c.cols]).unwrap();
        assert!(
            same_all(&got, &want_t),
            "gemv_t {} {}x{} stride {} offset {}",
            k.isa(),
            c.rows,
            c.cols,
            c.stride,
            c.offset
        );
    }
    // A shape mismatch is an error and writes nothing.
    let mut out = vec![sentinel; c.rows + 1];
    assert!(dotgrad::gemv(x, &c.w, c.b, &mut out).is_err());
    if let Some((_, w)) = c.w.split_last() {
        assert!(dotgrad::gemv(x, w, c.b, &mut out[..c.rows]).is_err());
    }
    assert!(out.iter().all(|&o| same(o, sentinel)));
}

/// One gradient call on `k`.
type GradRun<T> = fn(
    Kernels,
    dotgrad::Matrix<'_, T>,
    &[T],
    &[T],
    T,
    &mut [T],
) -> Result<dotgrad::Gradient<T>, dotgrad::Error>;

/// The gradient target: `linear_gradient` and `logistic_gradient` on the
/// same input: every SIMD backend this CPU has returns Scalar's bits for
/// `grad_w`, `grad_b` and the loss (both NaN counts as equal), for matrices
/// of any shape, row stride and start offset, and never writes past
/// `grad_w`; a shape mismatch is an error that leaves `grad_w` untouched.
///
/// Input layout: [`MatCase`] (at least 1 row) with one byte after its
/// header, the label kind (`% 3`: 0-1 labels in {0, 1} from the signs of
/// the values `v`; 2 the values themselves); `v` gives `y`.
pub fn fuzz_gradient<T: Real>(bytes: &[u8]) {
    let Some(mut c) = MatCase::<T>::decode(bytes, 1, 1) else {
        return;
    };
    if bytes[5] % 3 < 2 {
        for v in &mut c.v {
            *v = T::from_f64(f64::from(u8::from(v.to_f64().is_sign_negative())));
        }
    }
    let x = c.matrix();
    let sentinel = sentinel::<T>();
    let runs: [(&str, GradRun<T>); 2] = [
        ("linear_gradient", |k, x, y, w, b, g| {
            k.linear_gradient(x, y, w, b, g)
        }),
        ("logistic_gradient", |k, x, y, w, b, g| {
            k.logistic_gradient(x, y, w, b, g)
        }),
    ];
    for (name, run) in runs {
        let mut want = vec![sentinel; c.cols + GUARD];
        let wg = run(scalar(), x, &c.v, &c.w, c.b, &mut want[..c.cols]).unwrap();
        for k in simd_kernels() {
            let mut got = vec![sentinel; c.cols + GUARD];
            let g = run(k, x, &c.v, &c.w, c.b, &mut got[..c.cols]).unwrap();
            assert!(
                same_all(&got, &want) && same(g.grad_b, wg.grad_b) && same(g.loss, wg.loss),
                "{name} {} {}x{} stride {} offset {}: {g:?} vs {wg:?}",
                k.isa(),
                c.rows,
                c.cols,
                c.stride,
                c.offset
            );
        }
        // A shape mismatch is an error and writes nothing.
        let mut gw = vec![sentinel; c.cols + 1];
        assert!(run(Kernels::best(), x, &c.v, &c.w, c.b, &mut gw).is_err());
        assert!(run(Kernels::best(), x, &c.v[1..], &c.w, c.b, &mut gw[..c.cols]).is_err());
        assert!(gw.iter().all(|&o| same(o, sentinel)));
    }
}

/// The sigmoid target: every backend writes Scalar's bits into the slice
/// (both NaN counts as equal) and nothing outside it. Input: [`Case`]'s
/// first vector (the second is ignored).
pub fn fuzz_sigmoid<T: Real>(data: &[u8]) {
    let Some(case) = Case::<T>::decode(data, 0) else {
        return;
    };
    let mut want = case.a.clone();
    scalar().sigmoid(want.slice_mut());
    for k in simd_kernels() {
        let mut got = case.a.clone();
        k.sigmoid(got.slice_mut());
        assert!(
            same_all(got.whole(), want.whole()),
            "sigmoid {:?} n={}: first difference at {:?}",
            k.isa(),
            case.a.slice().len(),
            first_difference(got.whole(), want.whole())
        );
    }
}

/// A hyper-parameter from raw bits: as given when `raw`, else mapped into
/// `[0, 1)` (non-finite values to `fallback`).
pub fn param(x: f64, raw: bool, fallback: f64) -> f64 {
    if raw {
        x
    } else if x.is_finite() {
        x.abs().fract()
    } else {
        fallback
    }
}
