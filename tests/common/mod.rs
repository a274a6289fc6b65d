//! Shared test machinery: input generators (tails, blocks, misalignment,
//! special values), bit comparison, and the high-precision references.
#![allow(dead_code)]

use dotgrad::{Float, Isa, Kernels};
use quickcheck::{Arbitrary, Gen};

/// Cases per property: 10,000 by default, `DOTGRAD_QC_TESTS` to change.
pub fn qc_tests() -> u64 {
    std::env::var("DOTGRAD_QC_TESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// Runs a property over [`qc_tests`] cases drawn with quickcheck's
/// `Arbitrary`. (quickcheck's own runner takes only `fn` pointers; ours also
/// takes closures, which carry the backend under test.) A failing case is
/// shrunk while it keeps failing, then reported with the seed that replays
/// it (`DOTGRAD_QC_SEED`).
pub fn check<A: Arbitrary + std::fmt::Debug>(prop: impl Fn(A) -> bool) {
    check_n(qc_tests(), prop);
}

/// The generator seed: `DOTGRAD_QC_SEED` when set (decimal or `0x` hex),
/// else a fresh one per property, so that every run explores new cases and
/// a failure names the seed that reproduces it anywhere.
pub fn qc_seed() -> u64 {
    match std::env::var("DOTGRAD_QC_SEED") {
        Ok(v) => {
            let v = v.trim();
            let parsed = match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("DOTGRAD_QC_SEED={v:?} is not a number"))
        }
        Err(_) => {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0),
            );
            h.finish()
        }
    }
}

/// A generator seeded with [`qc_seed`] (the seed is returned for reports).
pub fn seeded_gen() -> (Gen, u64) {
    let seed = qc_seed();
    (Gen::from_size_and_seed(64, seed), seed)
}

/// Backends named in `DOTGRAD_REQUIRE_ISA` (comma or space separated, e.g.
/// `avx2,avx512`): a test that would skip one of them fails instead.
pub fn required_isas() -> Vec<Isa> {
    let Ok(v) = std::env::var("DOTGRAD_REQUIRE_ISA") else {
        return Vec::new();
    };
    v.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<Isa>()
                .unwrap_or_else(|e| panic!("DOTGRAD_REQUIRE_ISA: {e}"))
        })
        .collect()
}

/// Prints, once per test binary and straight to the terminal (libtest
/// captures `println!` of passing tests, not direct writes to stdout),
/// which backends this run covers and which it skips, and fails when a
/// backend named in `DOTGRAD_REQUIRE_ISA` is missing.
fn announce() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use std::io::Write;
        let ran: Vec<String> = Isa::available().map(|i| i.to_string()).collect();
        let skipped: Vec<String> = Isa::ALL
            .iter()
            .copied()
            .filter(|i| !i.is_available())
            .map(|i| i.to_string())
            .collect();
        let bin = std::env::args()
            .next()
            .and_then(|p| {
                std::path::Path::new(&p)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
            })
            .unwrap_or_default();
        let line = format!(
            "dotgrad backends [{bin}]: ran {}; skipped (not on this CPU/target) {}\n",
            ran.join(", "),
            if skipped.is_empty() {
                "none".to_string()
            } else {
                skipped.join(", ")
            }
        );
        let _ = std::io::stdout().write_all(line.as_bytes());
    });
    for isa in required_isas() {
        assert!(
            isa.is_available(),
            "DOTGRAD_REQUIRE_ISA names {isa}, which this CPU/target cannot run"
        );
    }
}

/// The kernels for `isa`, or `None` when this CPU lacks it (one test run
/// covers every backend the machine has; the run prints which). A backend
/// named in `DOTGRAD_REQUIRE_ISA` that is missing fails the test instead.
pub fn kernels(isa: Isa) -> Option<Kernels> {
    announce();
    match Kernels::new(isa) {
        Ok(k) => Some(k),
        Err(_) => {
            assert!(
                !required_isas().contains(&isa),
                "DOTGRAD_REQUIRE_ISA names {isa}, which this CPU/target cannot run"
            );
            None
        }
    }
}

/// Every backend this CPU has (see [`kernels`]: the run reports them, and a
/// missing backend named in `DOTGRAD_REQUIRE_ISA` fails the test).
pub fn available() -> impl Iterator<Item = Isa> + Clone {
    announce();
    Isa::available()
}

/// Every backend this CPU has, each as a handle (see [`kernels`]).
pub fn backends() -> Vec<Kernels> {
    announce();
    Isa::available().map(|i| Kernels::new(i).unwrap()).collect()
}

/// `gamma(k) = k u / (1 - k u)`, the bound of `k` roundings of `T`.
pub fn gamma<T: Float>(k: f64) -> f64 {
    let ku = k * T::UNIT_ROUNDOFF;
    ku / (1.0 - ku)
}

/// Equal bits, or both NaN (the contract leaves NaN payloads open).
pub fn same<T: TestFloat>(a: T, b: T) -> bool {
    a.bits() == b.bits() || (a.is_nan_() && b.is_nan_())
}

/// Float-wise [`same`].
pub fn same_all<T: TestFloat>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| same(x, y))
}

/// What the generators and references need of f32/f64.
pub trait TestFloat: Float + Arbitrary {
    fn bits(self) -> u64;
    fn is_nan_(self) -> bool;
    fn from_bits_(b: u64) -> Self;
    /// Exponent range of "ordinary" magnitudes to draw from.
    const EXP_RANGE: i32;
    const MANT_BITS: u32;
}

impl TestFloat for f32 {
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
    fn is_nan_(self) -> bool {
        self.is_nan()
    }
    fn from_bits_(b: u64) -> Self {
        f32::from_bits(b as u32)
    }
    const EXP_RANGE: i32 = 20;
    const MANT_BITS: u32 = 23;
}

impl TestFloat for f64 {
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn is_nan_(self) -> bool {
        self.is_nan()
    }
    fn from_bits_(b: u64) -> Self {
        f64::from_bits(b)
    }
    const EXP_RANGE: i32 = 40;
    const MANT_BITS: u32 = 52;
}

/// How values are drawn for one generated case.
#[derive(Clone, Copy, Debug)]
pub enum Mix {
    /// Ordinary numbers of mixed magnitude and sign.
    Plain,
    /// Plain plus signed zeros, subnormals and tiny products that round to -0.
    Zeros,
    /// All of the above plus infinities and NaNs.
    Special,
    /// Tiny values of one sign, so that (with `PosTiny` on the other side)
    /// every product rounds to -0.0 and every touched lane holds -0.0: the
    /// case where an FMA on a padded tail lane (`fma(0, 0, -0.0) = +0.0`)
    /// changes the result.
    NegTiny,
    /// Tiny positive values (the partner of `NegTiny`).
    PosTiny,
}

pub fn value<T: TestFloat>(g: &mut Gen, mix: Mix) -> T {
    if let Mix::NegTiny | Mix::PosTiny = mix {
        let tiny = if T::W == 64 { 1e-30 } else { 1e-170 };
        let x = tiny * (1.0 + f64::from(u8::arbitrary(g)));
        return T::from_f64(if let Mix::NegTiny = mix { -x } else { x });
    }
    let r = u32::arbitrary(g) % 100;
    let special = match mix {
        Mix::Plain => 100,
        Mix::Zeros => 90,
        Mix::Special | Mix::NegTiny | Mix::PosTiny => 85,
    };
    if r < special {
        let m = u64::arbitrary(g) >> (64 - T::MANT_BITS);
        let e = (i32::arbitrary(g)).rem_euclid(2 * T::EXP_RANGE + 1) - T::EXP_RANGE;
        let x = (1.0 + m as f64 / (1u64 << T::MANT_BITS) as f64) * 2f64.powi(e);
        let x = if bool::arbitrary(g) { -x } else { x };
        return T::from_f64(x);
    }
    match (r - special) % 9 {
        0 => T::from_f64(0.0),
        1 => T::from_f64(-0.0),
        // Subnormal.
        2 => T::from_bits_(u64::arbitrary(g) % 1000 + 1),
        // Tiny: products of two of these underflow, often to -0.0.
        3 => T::from_f64(if bool::arbitrary(g) { -1e-30 } else { 1e-25 }),
        4 => T::from_f64(f64::MIN_POSITIVE * 0.0 - 1e-200),
        5 if matches!(mix, Mix::Special) => T::from_f64(f64::INFINITY),
        6 if matches!(mix, Mix::Special) => T::from_f64(f64::NEG_INFINITY),
        7 if matches!(mix, Mix::Special) => T::from_f64(f64::NAN),
        _ => T::from_f64(-1e-20),
    }
}

/// A length that exercises every tail of a stripe, block boundaries, and
/// several blocks (more than 5).
pub fn length<T: Float>(g: &mut Gen) -> usize {
    let w = T::W;
    let e = T::E;
    match u32::arbitrary(g) % 10 {
        0..=3 => usize::arbitrary(g) % (3 * w + 2),
        4 | 5 => usize::arbitrary(g) % 2000,
        6 | 7 => {
            // Near a block boundary: k*E - W ..= k*E + W.
            let k = 1 + usize::arbitrary(g) % 3;
            k * e - w + usize::arbitrary(g) % (2 * w + 1)
        }
        _ => 5 * e + usize::arbitrary(g) % (2 * e),
    }
}

/// A vector with a misaligned start: `data[offset..]` is the input.
#[derive(Clone, Debug)]
pub struct Shifted<T> {
    pub data: Vec<T>,
    pub offset: usize,
}

impl<T: Copy> Shifted<T> {
    pub fn slice(&self) -> &[T] {
        &self.data[self.offset..]
    }
    pub fn slice_mut(&mut self) -> &mut [T] {
        &mut self.data[self.offset..]
    }
}

pub fn shifted<T: TestFloat>(g: &mut Gen, n: usize, mix: Mix) -> Shifted<T> {
    let offset = usize::arbitrary(g) % 17;
    let data = (0..n + offset).map(|_| value(g, mix)).collect();
    Shifted { data, offset }
}

/// Two vectors of one length, each at its own misalignment.
#[derive(Clone, Debug)]
pub struct Pair<T> {
    pub a: Shifted<T>,
    pub b: Shifted<T>,
    pub alpha: T,
}

fn mix(g: &mut Gen) -> (Mix, Mix) {
    match u32::arbitrary(g) % 8 {
        0..=2 => (Mix::Plain, Mix::Plain),
        3 | 4 => (Mix::Zeros, Mix::Zeros),
        5 | 6 => (Mix::Special, Mix::Special),
        _ => (Mix::NegTiny, Mix::PosTiny),
    }
}

impl<T: TestFloat> Arbitrary for Pair<T> {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = length::<T>(g);
        let (ma, mb) = mix(g);
        let alpha = value(
            g,
            if matches!(ma, Mix::Special) {
                Mix::Zeros
            } else {
                ma
            },
        );
        Pair {
            a: shifted(g, n, ma),
            b: shifted(g, n, mb),
            alpha,
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        // Shrink by halving the length (keeps a tail-shaped case smaller).
        let n = self.a.slice().len();
        if n == 0 {
            return Box::new(std::iter::empty());
        }
        let mut s = self.clone();
        let keep = n / 2;
        s.a.data.truncate(s.a.offset + keep);
        s.b.data.truncate(s.b.offset + keep);
        Box::new(std::iter::once(s))
    }
}

/// `sum |a*b|` in f64 (exact products for f32; near enough for f64).
pub fn sum_abs<T: Float>(a: &[T], b: &[T]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x.to_f64() * y.to_f64()).abs())
        .sum()
}

/// A high-precision dot: double-double (TwoProduct via FMA, then TwoSum),
/// which for f32 inputs is exact products plus compensated summation.
pub fn dot_reference<T: Float>(a: &[T], b: &[T]) -> f64 {
    let (hi, lo) = dot_reference_dd(a, b);
    hi + lo
}

/// `|got - r|` for the double-double reference `r` of `dot(a, b)`, without
/// rounding `r` to f64 first: that rounding alone can cost half an f64 ulp,
/// more than a one-FMA bound allows for f64 (`got - hi` is exact for `got`
/// near `hi`).
pub fn error_vs_reference<T: Float>(got: f64, a: &[T], b: &[T]) -> f64 {
    let (hi, lo) = dot_reference_dd(a, b);
    ((got - hi) - lo).abs()
}

/// [`dot_reference`] as an unevaluated sum `hi + lo`.
pub fn dot_reference_dd<T: Float>(a: &[T], b: &[T]) -> (f64, f64) {
    let (mut hi, mut lo) = (0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.to_f64(), y.to_f64());
        let p = x * y;
        let pe = x.mul_add(y, -p); // TwoProduct error
        // TwoSum(hi, p).
        let s = hi + p;
        let bb = s - hi;
        let se = (hi - (s - bb)) + (p - bb);
        hi = s;
        lo += se + pe;
    }
    // Fast TwoSum: `hi` the rounded sum, `lo` what it left out.
    let s = hi + lo;
    (s, lo - (s - hi))
}

// ---- Matrices (training kernels) ----

/// How the values of one matrix case are drawn: one of the [`Mix`]es, or
/// `Moderate` (values in [-4, 4]) so that logits land where the sigmoid's
/// polynomial, not its saturation, decides the bits.
#[derive(Clone, Copy, Debug)]
pub enum MatMix {
    Mix(Mix),
    Moderate,
}

pub fn mat_value<T: TestFloat>(g: &mut Gen, mix: MatMix) -> T {
    match mix {
        MatMix::Mix(m) => value(g, m),
        MatMix::Moderate => {
            let u = f64::from(u32::arbitrary(g)) / f64::from(u32::MAX);
            T::from_f64(8.0 * u - 4.0)
        }
    }
}

/// A number of rows covering every case of the row-block kernels: none,
/// a few, every tail of a group of 4, around one and two row blocks of
/// 256, and more than 5 row blocks.
pub fn row_count(g: &mut Gen) -> usize {
    match u32::arbitrary(g) % 10 {
        0..=3 => usize::arbitrary(g) % 13,
        4 | 5 => usize::arbitrary(g) % 300,
        6 => 256 * (1 + usize::arbitrary(g) % 2) - 4 + usize::arbitrary(g) % 9,
        7 => 5 * 256 + usize::arbitrary(g) % 600,
        _ => usize::arbitrary(g) % 1000,
    }
}

/// A number of columns for `rows` rows: every stripe tail (0..=3W+1) often,
/// wider rows, and rows longer than a dot block (E) when there are few rows
/// (keeping a case below about 150k elements, most far below).
pub fn col_count<T: Float>(g: &mut Gen, rows: usize) -> usize {
    let w = T::W;
    // At least 1.5 W + 2 columns: wider than every short-row path (at most
    // W elements), also with many row blocks.
    let cap = (40_000 / rows.max(1)).max(if rows <= 12 { 3 * T::E } else { w + w / 2 + 2 });
    let n = match u32::arbitrary(g) % 10 {
        0..=5 => usize::arbitrary(g) % (3 * w + 2),
        6 | 7 => usize::arbitrary(g) % 700,
        8 => T::E - w + usize::arbitrary(g) % (2 * w + 1),
        _ => 2 * T::E + usize::arbitrary(g) % T::E,
    };
    if n > cap { n % cap.min(3 * w + 2) } else { n }
}

/// A row-major matrix (`rows x cols` at `stride`, starting `offset`
/// elements into `data`, so rows start at every misalignment), a vector `w`
/// of `cols` elements, a vector `v` of `rows` elements (the `v` of
/// `gemv_t`, the labels `y` of the gradients) and a bias `b`.
#[derive(Clone, Debug)]
pub struct MatCase<T> {
    pub data: Vec<T>,
    pub offset: usize,
    pub rows: usize,
    pub cols: usize,
    pub stride: usize,
    pub w: Shifted<T>,
    pub v: Shifted<T>,
    pub b: T,
}

impl<T: TestFloat> MatCase<T> {
    pub fn x(&self) -> dotgrad::Matrix<'_, T> {
        dotgrad::Matrix::new(&self.data[self.offset..], self.rows, self.cols, self.stride).unwrap()
    }

    fn build(g: &mut Gen, rows: usize, cols: usize, labels: bool) -> Self {
        let stride = cols
            + match u32::arbitrary(g) % 3 {
                0 => usize::arbitrary(g) % 17,
                _ => 0,
            };
        let mix = match u32::arbitrary(g) % 10 {
            0..=2 => MatMix::Mix(Mix::Plain),
            3 => MatMix::Mix(Mix::Zeros),
            4 | 5 => MatMix::Mix(Mix::Special),
            6 => MatMix::Mix(Mix::NegTiny),
            _ => MatMix::Moderate,
        };
        // w pairs with the matrix as in the dot tests (NegTiny with PosTiny).
        let wmix = match mix {
            MatMix::Mix(Mix::NegTiny) => MatMix::Mix(Mix::PosTiny),
            m => m,
        };
        let offset = usize::arbitrary(g) % 17;
        let len = offset
            + if rows == 0 {
                0
            } else {
                (rows - 1) * stride + cols
            };
        let data = (0..len).map(|_| mat_value(g, mix)).collect();
        let w = Shifted {
            offset: usize::arbitrary(g) % 17,
            data: Vec::new(),
        };
        let w = Shifted {
            data: (0..w.offset + cols).map(|_| mat_value(g, wmix)).collect(),
            ..w
        };
        let voff = usize::arbitrary(g) % 17;
        let label_kind = u32::arbitrary(g) % 4;
        let vdata = (0..voff + rows)
            .map(|_| {
                if labels && label_kind < 2 {
                    T::from_f64(f64::from(u8::from(bool::arbitrary(g))))
                } else if labels && label_kind == 2 {
                    T::from_f64(f64::from(u16::arbitrary(g)) / 65535.0)
                } else {
                    mat_value(g, mix)
                }
            })
            .collect();
        // A signed-zero bias a third of the time: `dot + (-0.0)` keeps the
        // sign of a zero dot, so a lane that lost its -0.0 shows.
        let b = match (u32::arbitrary(g) % 3, mix) {
            (0, _) => T::from_f64(if bool::arbitrary(g) { -0.0 } else { 0.0 }),
            (_, MatMix::Mix(Mix::Special)) => value(g, Mix::Zeros),
            (_, m) => mat_value(g, m),
        };
        MatCase {
            data,
            offset,
            rows,
            cols,
            stride,
            w,
            v: Shifted {
                data: vdata,
                offset: voff,
            },
            b,
        }
    }

    fn shrunk(&self, rows: usize, cols: usize) -> Self {
        let mut s = self.clone();
        s.rows = rows;
        s.cols = cols;
        s.stride = self.stride - self.cols + cols;
        let len = if rows == 0 {
            0
        } else {
            (rows - 1) * s.stride + cols
        };
        let old = |i: usize| {
            let (r, c) = (i / s.stride, i % s.stride);
            self.data[self.offset + r * self.stride + c.min(self.stride - 1)]
        };
        s.data = (0..self.offset)
            .map(|i| self.data[i])
            .chain((0..len).map(old))
            .collect();
        s.w.data.truncate(s.w.offset + cols);
        s.v.data.truncate(s.v.offset + rows);
        s
    }

    fn shrink_all(&self) -> Box<dyn Iterator<Item = Self>> {
        let mut out = Vec::new();
        if self.rows > 0 {
            out.push(self.shrunk(self.rows / 2, self.cols));
            out.push(self.shrunk(self.rows - 1, self.cols));
        }
        if self.cols > 0 {
            out.push(self.shrunk(self.rows, self.cols / 2));
            out.push(self.shrunk(self.rows, self.cols - 1));
        }
        Box::new(out.into_iter())
    }
}

/// A [`MatCase`] for `gemv`/`gemv_t` (any `v`).
#[derive(Clone, Debug)]
pub struct Mat<T>(pub MatCase<T>);

impl<T: TestFloat> Arbitrary for Mat<T> {
    fn arbitrary(g: &mut Gen) -> Self {
        let rows = row_count(g);
        let cols = col_count::<T>(g, rows);
        Mat(MatCase::build(g, rows, cols, false))
    }
    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink_all().map(Mat))
    }
}

/// A [`MatCase`] for the gradients: at least one row, `v` holds labels
/// (mostly 0/1, some soft labels in [0, 1], some arbitrary values).
#[derive(Clone, Debug)]
pub struct Labeled<T>(pub MatCase<T>);

impl<T: TestFloat> Arbitrary for Labeled<T> {
    fn arbitrary(g: &mut Gen) -> Self {
        let rows = row_count(g).max(1);
        let cols = col_count::<T>(g, rows);
        Labeled(MatCase::build(g, rows, cols, true))
    }
    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink_all().filter(|c| c.rows > 0).map(Labeled))
    }
}

// ---- Training kernels: runners shared by tests/train.rs and tests/train_reference.rs ----

pub fn scalar() -> Kernels {
    Kernels::new(Isa::Scalar).unwrap()
}

/// [`check`] with `cases` cases.
pub fn check_n<A: Arbitrary + std::fmt::Debug>(cases: u64, prop: impl Fn(A) -> bool) {
    let (mut g, seed) = seeded_gen();
    for case in 0..cases {
        let input = A::arbitrary(&mut g);
        if prop(input.clone()) {
            continue;
        }
        let mut smallest = input;
        'shrink: loop {
            for s in smallest.shrink() {
                if !prop(s.clone()) {
                    smallest = s;
                    continue 'shrink;
                }
            }
            break;
        }
        panic!(
            "property failed at case {case} (replay: DOTGRAD_QC_SEED={seed:#x}); \
             shrunk input: {smallest:?}"
        );
    }
}

pub fn run_gemv<T: TestFloat>(k: Kernels, c: &MatCase<T>) -> Vec<T> {
    let mut out = vec![T::from_f64(7.0); c.rows];
    k.gemv(c.x(), c.w.slice(), c.b, &mut out).unwrap();
    out
}

#[cfg(feature = "alloc")]
pub fn run_gemv_t<T: TestFloat>(k: Kernels, c: &MatCase<T>) -> Vec<T> {
    let mut out = vec![T::from_f64(7.0); c.cols];
    k.gemv_t(c.x(), c.v.slice(), &mut out).unwrap();
    out
}

/// Which gradient a test runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Model {
    Linear,
    Logistic,
}

#[cfg(feature = "alloc")]
pub fn run_gradient<T: TestFloat>(
    k: Kernels,
    model: Model,
    c: &MatCase<T>,
) -> (Vec<T>, dotgrad::Gradient<T>) {
    let mut gw = vec![T::from_f64(7.0); c.cols];
    let (x, y, w) = (c.x(), c.v.slice(), c.w.slice());
    let g = match model {
        Model::Linear => k.linear_gradient(x, y, w, c.b, &mut gw),
        Model::Logistic => k.logistic_gradient(x, y, w, c.b, &mut gw),
    }
    .unwrap();
    (gw, g)
}

#[cfg(feature = "alloc")]
pub fn same_gradient<T: TestFloat>(
    a: &(Vec<T>, dotgrad::Gradient<T>),
    b: &(Vec<T>, dotgrad::Gradient<T>),
) -> bool {
    same_all(&a.0, &b.0) && same(a.1.grad_b, b.1.grad_b) && same(a.1.loss, b.1.loss)
}

#[derive(Clone, Debug)]
pub struct Logits<T>(pub Shifted<T>);

impl<T: TestFloat> Arbitrary for Logits<T> {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = usize::arbitrary(g) % (3 * T::W + 2);
        let offset = usize::arbitrary(g) % 17;
        let lim = if T::W == 64 { 110.0 } else { 760.0 };
        let data = (0..n + offset)
            .map(|_| match u32::arbitrary(g) % 4 {
                0 => value(g, Mix::Special),
                1 => T::from_bits_(u64::arbitrary(g)),
                _ => {
                    let u = f64::from(u32::arbitrary(g)) / f64::from(u32::MAX);
                    T::from_f64((2.0 * u - 1.0) * lim)
                }
            })
            .collect();
        Logits(Shifted { data, offset })
    }
}
