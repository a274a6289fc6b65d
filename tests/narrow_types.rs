//! The reduced-precision types (bf16, f16, i8, u8): `dot` bit-identical to
//! Scalar on every backend this CPU has, over every tail, offsets and many
//! blocks; exact widening of every bf16 and f16 bit pattern; exact integer
//! sums at the extremes, past 2^17 elements; empty inputs; special values.

mod common;

use common::*;
use dotgrad::half::{bf16, f16};
use dotgrad::{Element, Isa, Kernels};
use quickcheck::{Arbitrary, Gen};

/// What the generators need of a reduced-precision element type.
trait Narrow: Element + Default + Clone {
    /// A value: mostly ordinary, sometimes an edge (extremes, zeros,
    /// subnormals, infinities, NaN for the float types).
    fn draw(g: &mut Gen, specials: bool) -> Self;
}

fn pick<T: Copy>(g: &mut Gen, xs: &[T]) -> T {
    *g.choose(xs).unwrap()
}

fn uniform(g: &mut Gen, below: u32) -> u32 {
    u32::arbitrary(g) % below
}

impl Narrow for bf16 {
    fn draw(g: &mut Gen, specials: bool) -> Self {
        if specials && uniform(g, 8) == 0 {
            return bf16::from_bits(pick(
                g,
                &[
                    0x0000, 0x8000, 0x0001, 0x807f, 0x7f80, 0xff80, 0x7fc0, 0x7f81, 0x7f7f, 0xff7f,
                ],
            ));
        }
        // Sign, an exponent within 2^-20 .. 2^20, any mantissa.
        let e = 127 - 20 + uniform(g, 41);
        bf16::from_bits(((uniform(g, 2) << 15) | (e << 7) | uniform(g, 128)) as u16)
    }
}

impl Narrow for f16 {
    fn draw(g: &mut Gen, specials: bool) -> Self {
        if specials && uniform(g, 8) == 0 {
            return f16::from_bits(pick(
                g,
                &[
                    0x0000, 0x8000, 0x0001, 0x83ff, 0x7c00, 0xfc00, 0x7e00, 0x7c01, 0x7bff, 0xfbff,
                ],
            ));
        }
        // Sign, an exponent within 2^-8 .. 2^8, any mantissa.
        let e = 15 - 8 + uniform(g, 17);
        f16::from_bits(((uniform(g, 2) << 15) | (e << 10) | uniform(g, 1024)) as u16)
    }
}

impl Narrow for i8 {
    fn draw(g: &mut Gen, specials: bool) -> Self {
        if specials && uniform(g, 4) == 0 {
            return pick(g, &[i8::MIN, i8::MAX, -1, 0, 1]);
        }
        i8::arbitrary(g)
    }
}

impl Narrow for u8 {
    fn draw(g: &mut Gen, specials: bool) -> Self {
        if specials && uniform(g, 4) == 0 {
            return pick(g, &[u8::MAX, 0, 1, 128]);
        }
        u8::arbitrary(g)
    }
}

/// Two inputs of one length, each starting `off` elements into its buffer
/// (misaligned starts), of a length that covers every tail of a stripe
/// most of the time and several blocks otherwise.
#[derive(Clone, Debug)]
struct Case<T> {
    a: Vec<T>,
    b: Vec<T>,
    off: (usize, usize),
}

impl<T: Narrow> Case<T> {
    fn a(&self) -> &[T] {
        &self.a[self.off.0..]
    }
    fn b(&self) -> &[T] {
        &self.b[self.off.1..]
    }
}

impl<T: Narrow> Arbitrary for Case<T> {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = match uniform(g, 20) {
            0..=11 => uniform(g, 3 * T::W as u32 + 2) as usize,
            12..=16 => uniform(g, 2 * T::E as u32 + 1) as usize,
            _ => uniform(g, 5 * T::E as u32 + 1) as usize,
        };
        let specials = uniform(g, 4) == 0;
        let off = (uniform(g, 33) as usize, uniform(g, 33) as usize);
        let mut v = |o: usize| -> Vec<T> { (0..o + n).map(|_| T::draw(g, specials)).collect() };
        let (a, b) = (v(off.0), v(off.1));
        Case { a, b, off }
    }
    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        let n = self.a().len();
        let c = self.clone();
        Box::new(
            [n / 2, n.saturating_sub(1)]
                .into_iter()
                .filter(move |&m| m < n)
                .map(move |m| Case {
                    a: c.a[..c.off.0 + m].to_vec(),
                    b: c.b[..c.off.1 + m].to_vec(),
                    off: c.off,
                }),
        )
    }
}

/// Bit equality of results (both NaN counts as equal: NaN payloads are
/// not promised).
trait SameBits: Copy + std::fmt::Debug {
    fn same_bits(self, other: Self) -> bool;
}
impl SameBits for f32 {
    fn same_bits(self, other: f32) -> bool {
        same(self, other)
    }
}
impl SameBits for i64 {
    fn same_bits(self, other: i64) -> bool {
        self == other
    }
}

fn dot_matches_scalar<T: Narrow>(isa: Isa)
where
    T::Acc: SameBits,
{
    let Some(k) = kernels(isa) else { return };
    check(move |c: Case<T>| {
        let (got, want) = (
            k.dot(c.a(), c.b()).unwrap(),
            scalar().dot(c.a(), c.b()).unwrap(),
        );
        got.same_bits(want)
    });
}

/// One test per (type, backend); a backend this CPU lacks is skipped (the
/// run prints which; `DOTGRAD_REQUIRE_ISA` makes a skip fail).
macro_rules! per_isa {
    ($($name:ident: $t:ty => $isa:expr;)*) => {$(
        #[test]
        fn $name() {
            dot_matches_scalar::<$t>($isa);
        }
    )*};
}

per_isa! {
    dot_bf16_avx2_matches_scalar: bf16 => Isa::Avx2;
    dot_bf16_avx512_matches_scalar: bf16 => Isa::Avx512;
    dot_bf16_neon_matches_scalar: bf16 => Isa::Neon;
    dot_f16_avx2_matches_scalar: f16 => Isa::Avx2;
    dot_f16_avx512_matches_scalar: f16 => Isa::Avx512;
    dot_f16_neon_matches_scalar: f16 => Isa::Neon;
    dot_i8_avx2_matches_scalar: i8 => Isa::Avx2;
    dot_i8_avx512_matches_scalar: i8 => Isa::Avx512;
    dot_i8_neon_matches_scalar: i8 => Isa::Neon;
    dot_u8_avx2_matches_scalar: u8 => Isa::Avx2;
    dot_u8_avx512_matches_scalar: u8 => Isa::Avx512;
    dot_u8_neon_matches_scalar: u8 => Isa::Neon;
}

/// The scalar reference itself against the exact value (f64 sums of the
/// widened products, exact for these lengths and magnitudes up to the f32
/// rounding the contract allows), so that "matches Scalar" means something:
/// within the dot bound computed with f32's `u` and 128 FMAs per lane per
/// block.
fn scalar_within_bound<T: Narrow>(widen: fn(T) -> f32)
where
    T::Acc: Into<f64>,
{
    check(move |c: Case<T>| {
        let (a, b) = (c.a(), c.b());
        let (mut exact, mut sum_abs) = (0.0f64, 0.0f64);
        for (&x, &y) in a.iter().zip(b) {
            let p = f64::from(widen(x)) * f64::from(widen(y));
            exact += p;
            sum_abs += p.abs();
        }
        if sum_abs.is_nan() || sum_abs >= f64::from(f32::MAX) {
            // Specials, or f32 lanes that may overflow: the bit-exact
            // properties cover them.
            return true;
        }
        let blocks = a.len().div_ceil(T::E).max(1) as f64;
        let k = 128.0 + blocks.log2().ceil() + 6.0;
        let ku = k / 16_777_216.0;
        let bound = ku / (1.0 - ku) * sum_abs
            + a.len() as f64 * f64::from(f32::from_bits(1))
            + 1e-12 * sum_abs; // the f64 reference's own rounding
        available().all(|isa| {
            let d: f64 = Kernels::new(isa).unwrap().dot(a, b).unwrap().into();
            (d - exact).abs() <= bound
        })
    });
}

#[test]
fn dot_bf16_within_bound() {
    scalar_within_bound::<bf16>(bf16::to_f32);
}

#[test]
fn dot_f16_within_bound() {
    scalar_within_bound::<f16>(f16::to_f32);
}

/// Every bf16 and f16 bit pattern, through every backend's `dot` at every
/// register position of a stripe: `dot([0.., x, ..0], [0.., 1, ..0])` is
/// `widen(x) + 0.0`, which equals `half`'s `to_f32(x) + 0.0` bit for bit
/// (a NaN stays a NaN; `half` sets the quiet bit of a signalling NaN, the
/// shift widening keeps it, and NaN payloads are not promised).
fn widen_all<T: Narrow<Acc = f32>>(from_bits: fn(u16) -> T, to_f32: fn(T) -> f32, one: T) {
    let n = 2 * T::W + 3;
    for k in backends() {
        let (mut a, mut b) = (vec![T::default(); n], vec![T::default(); n]);
        for bits in 0..=u16::MAX {
            let pos = (usize::from(bits) * 7) % n;
            a[pos] = from_bits(bits);
            b[pos] = one;
            let got = k.dot(&a, &b).unwrap();
            let want = to_f32(from_bits(bits)) + 0.0;
            assert!(
                same(got, want),
                "{} {:?} pattern {bits:#06x} at {pos}: got {got:?} ({:#x}) want {want:?} ({:#x})",
                T::NAME,
                k.isa(),
                got.to_bits(),
                want.to_bits()
            );
            a[pos] = T::default();
            b[pos] = T::default();
        }
    }
}

#[test]
fn widen_bf16_every_pattern() {
    widen_all::<bf16>(bf16::from_bits, bf16::to_f32, bf16::ONE);
}

#[test]
fn widen_f16_every_pattern() {
    widen_all::<f16>(f16::from_bits, f16::to_f32, f16::ONE);
}

/// Integer `dot`s past 2^17 elements at the extremes equal the exact value
/// (an `i32` accumulator would have overflowed at 2^17 of -128 * -128).
#[test]
fn dot_int_extremes_exact() {
    for n in [(1usize << 17) + 1, 300_001, (1 << 20) + 37] {
        for k in backends() {
            let (p, q) = (vec![i8::MIN; n], vec![i8::MAX; n]);
            assert_eq!(
                k.dot(&p, &p).unwrap(),
                16384 * n as i64,
                "{:?} n={n}",
                k.isa()
            );
            assert_eq!(
                k.dot(&p, &q).unwrap(),
                -16256 * n as i64,
                "{:?} n={n}",
                k.isa()
            );
            assert_eq!(
                k.dot(&q, &q).unwrap(),
                16129 * n as i64,
                "{:?} n={n}",
                k.isa()
            );
            let u = vec![u8::MAX; n];
            assert_eq!(
                k.dot(&u, &u).unwrap(),
                65025 * n as i64,
                "{:?} n={n}",
                k.isa()
            );
        }
    }
}

/// Empty inputs: `+0.0` and `0`.
#[test]
fn dot_empty_is_zero() {
    for k in backends() {
        assert_eq!(k.dot::<bf16>(&[], &[]).unwrap().to_bits(), 0);
        assert_eq!(k.dot::<f16>(&[], &[]).unwrap().to_bits(), 0);
        assert_eq!(k.dot::<i8>(&[], &[]).unwrap(), 0);
        assert_eq!(k.dot::<u8>(&[], &[]).unwrap(), 0);
        assert!(k.dot::<i8>(&[1], &[]).is_err());
        assert!(k.dot::<bf16>(&[bf16::ONE], &[]).is_err());
    }
}

/// Special values, as the contract documents them: widened exactly, then
/// IEEE f32 arithmetic: an infinity times a non-zero finite value stays
/// infinite, times zero is NaN, opposite infinities give NaN, a NaN
/// propagates, subnormal inputs are not flushed (the smallest f16
/// subnormal, 2^-24, squared is 2^-48: a normal f32), and a bf16 subnormal
/// product that underflows f32 rounds to zero with its sign.
#[test]
fn dot_specials() {
    let b1 = bf16::ONE;
    for k in backends() {
        let inf = bf16::INFINITY;
        assert_eq!(k.dot(&[inf, b1], &[b1, b1]).unwrap(), f32::INFINITY);
        assert!(k.dot(&[inf], &[bf16::ZERO]).unwrap().is_nan());
        assert!(
            k.dot(&[inf, bf16::NEG_INFINITY], &[b1, b1])
                .unwrap()
                .is_nan()
        );
        assert!(k.dot(&[bf16::NAN, b1], &[b1, b1]).unwrap().is_nan());
        let tiny = f16::from_bits(1);
        let d = k.dot(&[tiny; 3], &[tiny; 3]).unwrap();
        assert_eq!(d, 3.0 * 2f32.powi(-48), "{:?}", k.isa());
        let sub = bf16::from_bits(0x0001); // 2^-133
        assert_eq!(k.dot(&[sub], &[sub]).unwrap().to_bits(), 0);
        // Sign of zero: -x * x underflows to -0.0 in its lane, + 0.0 in
        // the fold gives +0.0.
        let nsub = bf16::from_bits(0x8001);
        assert_eq!(k.dot(&[nsub], &[sub]).unwrap().to_bits(), 0);
        assert_eq!(
            k.dot(&[f16::MAX; 2], &[f16::MAX; 2]).unwrap(),
            2.0 * 65504.0f32 * 65504.0
        );
    }
}

// ---------------------------------------------------------------------
// The similarity family: sqeuclidean and cosine, every type.

impl SameBits for f64 {
    fn same_bits(self, other: f64) -> bool {
        same(self, other)
    }
}

/// `sqeuclidean` and `cosine` of one case on `k` equal Scalar's, bit for bit.
fn similarity_same<T: Element>(k: Kernels, a: &[T], b: &[T]) -> bool
where
    T::Acc: SameBits,
    T::Dist: SameBits,
{
    let sq = k.sqeuclidean(a, b).unwrap();
    let cos = k.cosine(a, b).unwrap();
    sq.same_bits(scalar().sqeuclidean(a, b).unwrap())
        && cos.same_bits(scalar().cosine(a, b).unwrap())
}

fn similarity_matches_scalar<T: Narrow>(isa: Isa)
where
    T::Acc: SameBits,
    T::Dist: SameBits,
{
    let Some(k) = kernels(isa) else { return };
    check(move |c: Case<T>| similarity_same(k, c.a(), c.b()));
}

fn similarity_float_matches_scalar<T: TestFloat>(isa: Isa)
where
    T::Acc: SameBits,
    T::Dist: SameBits,
{
    let Some(k) = kernels(isa) else { return };
    check(move |p: Pair<T>| similarity_same(k, p.a.slice(), p.b.slice()));
}

macro_rules! similarity_per_isa {
    ($($name:ident: $f:ident::<$t:ty> => $isa:expr;)*) => {$(
        #[test]
        fn $name() {
            $f::<$t>($isa);
        }
    )*};
}

similarity_per_isa! {
    similarity_f32_avx2_matches_scalar: similarity_float_matches_scalar::<f32> => Isa::Avx2;
    similarity_f32_avx512_matches_scalar: similarity_float_matches_scalar::<f32> => Isa::Avx512;
    similarity_f32_neon_matches_scalar: similarity_float_matches_scalar::<f32> => Isa::Neon;
    similarity_f64_avx2_matches_scalar: similarity_float_matches_scalar::<f64> => Isa::Avx2;
    similarity_f64_avx512_matches_scalar: similarity_float_matches_scalar::<f64> => Isa::Avx512;
    similarity_f64_neon_matches_scalar: similarity_float_matches_scalar::<f64> => Isa::Neon;
    similarity_bf16_avx2_matches_scalar: similarity_matches_scalar::<bf16> => Isa::Avx2;
    similarity_bf16_avx512_matches_scalar: similarity_matches_scalar::<bf16> => Isa::Avx512;
    similarity_bf16_neon_matches_scalar: similarity_matches_scalar::<bf16> => Isa::Neon;
    similarity_f16_avx2_matches_scalar: similarity_matches_scalar::<f16> => Isa::Avx2;
    similarity_f16_avx512_matches_scalar: similarity_matches_scalar::<f16> => Isa::Avx512;
    similarity_f16_neon_matches_scalar: similarity_matches_scalar::<f16> => Isa::Neon;
    similarity_i8_avx2_matches_scalar: similarity_matches_scalar::<i8> => Isa::Avx2;
    similarity_i8_avx512_matches_scalar: similarity_matches_scalar::<i8> => Isa::Avx512;
    similarity_i8_neon_matches_scalar: similarity_matches_scalar::<i8> => Isa::Neon;
    similarity_u8_avx2_matches_scalar: similarity_matches_scalar::<u8> => Isa::Avx2;
    similarity_u8_avx512_matches_scalar: similarity_matches_scalar::<u8> => Isa::Avx512;
    similarity_u8_neon_matches_scalar: similarity_matches_scalar::<u8> => Isa::Neon;
}

/// The stated bounds against an f64 reference, on every backend, for the
/// types computed in f32 (`widen` gives the exact f32 value): sqeuclidean
/// within `gamma(k + 3)` relative (plus `n * eta`), cosine within
/// `3 gamma(k) + 8 * 2^-53 + 2 * 2^-24` absolute, `k` as in the type's
/// `dot` bound (`lanes_per_block` FMAs per lane per block). Cases with
/// non-finite values, subnormal or tiny inputs (whose products underflow)
/// or sums near f32's overflow are skipped: the bit-exact properties cover
/// them.
fn similarity_within_bound<T: Element<Acc = f32, Dist = f32>>(
    a: &[T],
    b: &[T],
    widen: impl Fn(T) -> f32,
    lanes_per_block: f64,
) -> bool {
    let (x, y): (Vec<f64>, Vec<f64>) = a
        .iter()
        .zip(b)
        .map(|(&p, &q)| (f64::from(widen(p)), f64::from(widen(q))))
        .unzip();
    let ok = |v: &f64| v.is_finite() && (*v == 0.0 || v.abs() >= 1e-15);
    if !x.iter().chain(&y).all(ok) {
        return true;
    }
    let (mut ab, mut aa, mut bb, mut sq) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for (p, q) in x.iter().zip(&y) {
        ab += p * q;
        aa += p * p;
        bb += q * q;
        sq += (p - q) * (p - q);
    }
    if aa.max(bb).max(sq) >= f64::from(f32::MAX) / 4.0 {
        return true;
    }
    let n = a.len();
    let blocks = n.div_ceil(T::E).max(1) as f64;
    let gamma = |k: f64| {
        let ku = k / 16_777_216.0;
        ku / (1.0 - ku)
    };
    let k = lanes_per_block + blocks.log2().ceil() + 6.0;
    let sq_bound = gamma(k + 3.0) * sq + n as f64 * 1.5e-45 + 1e-12 * sq;
    let exact_cos = if aa == 0.0 && bb == 0.0 {
        0.0
    } else if aa == 0.0 || bb == 0.0 {
        1.0
    } else {
        (1.0 - ab / (aa.sqrt() * bb.sqrt())).clamp(0.0, 2.0)
    };
    let cos_bound = 3.0 * gamma(k) + 8.0 / 9_007_199_254_740_992.0 + 2.0 / 16_777_216.0 + 1e-12;
    available().all(|isa| {
        let kk = Kernels::new(isa).unwrap();
        let s = f64::from(kk.sqeuclidean(a, b).unwrap());
        let c = f64::from(kk.cosine(a, b).unwrap());
        (s - sq).abs() <= sq_bound && (c - exact_cos).abs() <= cos_bound && (0.0..=2.0).contains(&c)
    })
}

#[test]
fn similarity_bf16_within_bound() {
    check(|c: Case<bf16>| similarity_within_bound(c.a(), c.b(), bf16::to_f32, 128.0));
}

#[test]
fn similarity_f16_within_bound() {
    check(|c: Case<f16>| similarity_within_bound(c.a(), c.b(), f16::to_f32, 128.0));
}

#[test]
fn similarity_f32_within_bound() {
    check(|p: Pair<f32>| similarity_within_bound(p.a.slice(), p.b.slice(), |x| x, 64.0));
}

/// Integer similarity: sqeuclidean exact (an i128 reference), cosine from
/// the exact sums, in range, at the extremes and past 2^17 elements.
#[test]
fn similarity_int_exact() {
    check(|c: Case<i8>| {
        let want: i128 = c
            .a()
            .iter()
            .zip(c.b())
            .map(|(&x, &y)| (i128::from(x) - i128::from(y)).pow(2))
            .sum();
        backends().into_iter().all(|k| {
            let d = k.cosine(c.a(), c.b()).unwrap();
            i128::from(k.sqeuclidean(c.a(), c.b()).unwrap()) == want && (0.0..=2.0).contains(&d)
        })
    });
    check(|c: Case<u8>| {
        let want: i128 = c
            .a()
            .iter()
            .zip(c.b())
            .map(|(&x, &y)| (i128::from(x) - i128::from(y)).pow(2))
            .sum();
        backends()
            .into_iter()
            .all(|k| i128::from(k.sqeuclidean(c.a(), c.b()).unwrap()) == want)
    });
    let n = (1usize << 17) + 3;
    for k in backends() {
        let (p, q) = (vec![i8::MIN; n], vec![i8::MAX; n]);
        assert_eq!(k.sqeuclidean(&p, &q).unwrap(), 65025 * n as i64);
        assert_eq!(k.cosine(&p, &q).unwrap(), 2.0);
        assert_eq!(k.cosine(&p, &p).unwrap(), 0.0);
        let (z, m) = (vec![0u8; n], vec![u8::MAX; n]);
        assert_eq!(k.sqeuclidean(&z, &m).unwrap(), 65025 * n as i64);
        assert_eq!(k.cosine(&m, &m).unwrap(), 0.0);
    }
}

/// Zero vectors, the clamp, empty inputs and special values.
#[test]
fn similarity_edges() {
    for k in backends() {
        // Both zero: 0; one zero: 1; empty: 0.
        assert_eq!(k.cosine(&[0.0f32; 5], &[0.0; 5]).unwrap(), 0.0);
        assert_eq!(k.cosine(&[0.0f64; 5], &[1.0; 5]).unwrap(), 1.0);
        assert_eq!(k.cosine(&[bf16::ONE; 3], &[bf16::ZERO; 3]).unwrap(), 1.0);
        assert_eq!(k.cosine::<i8>(&[], &[]).unwrap(), 0.0);
        assert_eq!(k.sqeuclidean::<f16>(&[], &[]).unwrap().to_bits(), 0);
        assert_eq!(k.sqeuclidean::<u8>(&[], &[]).unwrap(), 0);
        // A vector against itself: exactly 0; against its negation: 2
        // within the bound, never above 2.
        let v: Vec<f32> = (0..1000)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let w: Vec<f32> = v.iter().map(|x| -x).collect();
        assert_eq!(k.cosine(&v, &v).unwrap(), 0.0);
        let opp = k.cosine(&v, &w).unwrap();
        assert!((2.0 - 1e-6..=2.0).contains(&opp), "{opp}");
        // NaN and infinity: NaN propagates; inf - inf is NaN.
        let nan = [f32::NAN, 1.0];
        assert!(k.cosine(&nan, &[1.0, 1.0]).unwrap().is_nan());
        assert!(k.sqeuclidean(&nan, &[1.0, 1.0]).unwrap().is_nan());
        let inf = [bf16::INFINITY];
        assert!(k.sqeuclidean(&inf, &inf).unwrap().is_nan());
        assert_eq!(k.sqeuclidean(&inf, &[bf16::ONE]).unwrap(), f32::INFINITY);
        assert!(k.cosine(&[1.0f32, 2.0], &[1.0]).is_err());
    }
}
