//! One query against many rows: `dots`, `sqeuclideans`, `cosines` for every
//! element type. Each row must be bit for bit the one-pair kernel of that
//! row (on the same backend) and the Scalar rows result, on every backend
//! this CPU has, over row strides, misaligned starts, every tail, block
//! boundaries and special values; the same bits for 1-16 threads (with
//! `rayon`); shape errors that leave `out` untouched.

mod common;

use common::*;
use dotgrad::half::{bf16, f16};
use dotgrad::{Element, Error, Isa, Kernels, Matrix};
use quickcheck::{Arbitrary, Gen};

fn uniform(g: &mut Gen, below: u32) -> u32 {
    u32::arbitrary(g) % below
}

/// What the generators need of an element type.
trait Draw: Element + Default + Clone {
    /// A value for side `q` (`false`: the matrix): with `special`, edges
    /// (signed zeros, subnormals, extremes, infinities, NaN; tiny values of
    /// opposite signs on the two sides, whose products round to -0.0).
    fn draw(g: &mut Gen, special: u32, q: bool) -> Self;
}

impl Draw for f32 {
    fn draw(g: &mut Gen, special: u32, q: bool) -> Self {
        value(g, mix(special, q))
    }
}
impl Draw for f64 {
    fn draw(g: &mut Gen, special: u32, q: bool) -> Self {
        value(g, mix(special, q))
    }
}

/// The float mix of case kind `special` (0..4) for one side.
fn mix(special: u32, q: bool) -> Mix {
    match special {
        0 => Mix::Plain,
        1 => Mix::Zeros,
        2 => Mix::Special,
        _ if q => Mix::PosTiny,
        _ => Mix::NegTiny,
    }
}

fn pick<T: Copy>(g: &mut Gen, xs: &[T]) -> T {
    *g.choose(xs).unwrap()
}

impl Draw for bf16 {
    fn draw(g: &mut Gen, special: u32, _q: bool) -> Self {
        if special > 0 && uniform(g, 8) == 0 {
            return bf16::from_bits(pick(
                g,
                &[
                    0x0000, 0x8000, 0x0001, 0x807f, 0x7f80, 0xff80, 0x7fc0, 0x7f7f,
                ],
            ));
        }
        let e = 127 - 20 + uniform(g, 41);
        bf16::from_bits(((uniform(g, 2) << 15) | (e << 7) | uniform(g, 128)) as u16)
    }
}
impl Draw for f16 {
    fn draw(g: &mut Gen, special: u32, _q: bool) -> Self {
        if special > 0 && uniform(g, 8) == 0 {
            return f16::from_bits(pick(
                g,
                &[
                    0x0000, 0x8000, 0x0001, 0x83ff, 0x7c00, 0xfc00, 0x7e00, 0x7bff,
                ],
            ));
        }
        let e = 15 - 8 + uniform(g, 17);
        f16::from_bits(((uniform(g, 2) << 15) | (e << 10) | uniform(g, 1024)) as u16)
    }
}
impl Draw for i8 {
    fn draw(g: &mut Gen, special: u32, _q: bool) -> Self {
        if special > 0 && uniform(g, 4) == 0 {
            return pick(g, &[i8::MIN, i8::MAX, -1, 0]);
        }
        i8::arbitrary(g)
    }
}
impl Draw for u8 {
    fn draw(g: &mut Gen, special: u32, _q: bool) -> Self {
        if special > 0 && uniform(g, 4) == 0 {
            return pick(g, &[u8::MAX, 0, 1]);
        }
        u8::arbitrary(g)
    }
}

/// A matrix (rows, cols, a row stride >= cols, a misaligned start) and a
/// query of `cols` elements. Most shapes are short rows around a stripe
/// and its tails; some are long, across block boundaries, with few rows.
#[derive(Clone, Debug)]
struct Rows<T> {
    data: Vec<T>,
    off: usize,
    rows: usize,
    cols: usize,
    stride: usize,
    q: Vec<T>,
}

impl<T: Draw> Rows<T> {
    fn x(&self) -> Matrix<'_, T> {
        Matrix::new(&self.data[self.off..], self.rows, self.cols, self.stride).unwrap()
    }
}

impl<T: Draw> Arbitrary for Rows<T> {
    fn arbitrary(g: &mut Gen) -> Self {
        let (w, e) = (T::W as u32, T::E as u32);
        let (rows, cols) = match uniform(g, 10) {
            0..=5 => (uniform(g, 34), uniform(g, 3 * w + 2)),
            6..=8 => (uniform(g, 12), uniform(g, 600)),
            _ => (1 + uniform(g, 3), e - w + uniform(g, 2 * w + e + 1)),
        };
        let (rows, cols) = (rows as usize, cols as usize);
        let stride = cols + uniform(g, 9) as usize;
        let off = uniform(g, 33) as usize;
        let special = uniform(g, 4);
        let len = off
            + if rows == 0 {
                0
            } else {
                (rows - 1) * stride + cols
            };
        let data = (0..len).map(|_| T::draw(g, special, false)).collect();
        let q = (0..cols).map(|_| T::draw(g, special, true)).collect();
        Rows {
            data,
            off,
            rows,
            cols,
            stride,
            q,
        }
    }
    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        let c = self.clone();
        Box::new((0..self.rows).rev().take(2).map(move |r| Rows {
            rows: r,
            ..c.clone()
        }))
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
impl SameBits for f64 {
    fn same_bits(self, other: f64) -> bool {
        same(self, other)
    }
}
impl SameBits for i64 {
    fn same_bits(self, other: i64) -> bool {
        self == other
    }
}

fn same_rows<O: SameBits>(a: &[O], b: &[O]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| x.same_bits(y))
}

/// The three rows kernels on `k`: (dots, sqeuclideans, cosines).
type Outs<T> = (
    Vec<<T as Element>::Acc>,
    Vec<<T as Element>::Acc>,
    Vec<<T as Element>::Dist>,
);

fn rows_on<T: Draw>(k: Kernels, c: &Rows<T>) -> Outs<T>
where
    T::Acc: Default,
    T::Dist: Default,
{
    let x = c.x();
    let mut d = vec![T::Acc::default(); c.rows];
    let mut s = vec![T::Acc::default(); c.rows];
    let mut o = vec![T::Dist::default(); c.rows];
    k.dots(x, &c.q, &mut d).unwrap();
    k.sqeuclideans(x, &c.q, &mut s).unwrap();
    k.cosines(x, &c.q, &mut o).unwrap();
    (d, s, o)
}

/// The same three by one-pair calls, row by row.
fn pairs_on<T: Draw>(k: Kernels, c: &Rows<T>) -> Outs<T> {
    let x = c.x();
    let rows = 0..c.rows;
    (
        rows.clone()
            .map(|i| k.dot(x.row(i), &c.q).unwrap())
            .collect(),
        rows.clone()
            .map(|i| k.sqeuclidean(x.row(i), &c.q).unwrap())
            .collect(),
        rows.map(|i| k.cosine(x.row(i), &c.q).unwrap()).collect(),
    )
}

fn same_outs<T: Element>(a: &Outs<T>, b: &Outs<T>) -> bool
where
    T::Acc: SameBits,
    T::Dist: SameBits,
{
    same_rows(&a.0, &b.0) && same_rows(&a.1, &b.1) && same_rows(&a.2, &b.2)
}

/// On backend `isa`: the rows kernels equal the one-pair kernels row by
/// row, and Scalar's rows kernels.
fn rows_match<T: Draw>(isa: Isa)
where
    T::Acc: SameBits + Default,
    T::Dist: SameBits + Default,
{
    let Some(k) = kernels(isa) else { return };
    // A quarter of `qc_tests` cases: each case is a whole matrix (up to 33
    // rows, each checked three ways), and under qemu 10,000 took 4 minutes.
    check_n((qc_tests() / 4).max(50), move |c: Rows<T>| {
        let got = rows_on(k, &c);
        same_outs::<T>(&got, &pairs_on(k, &c)) && same_outs::<T>(&got, &rows_on(scalar(), &c))
    });
}

macro_rules! per_isa {
    ($($name:ident: $t:ty => $isa:expr;)*) => {$(
        #[test]
        fn $name() {
            rows_match::<$t>($isa);
        }
    )*};
}

per_isa! {
    f32_scalar: f32 => Isa::Scalar;
    f32_avx2: f32 => Isa::Avx2;
    f32_avx512: f32 => Isa::Avx512;
    f32_neon: f32 => Isa::Neon;
    f64_scalar: f64 => Isa::Scalar;
    f64_avx2: f64 => Isa::Avx2;
    f64_avx512: f64 => Isa::Avx512;
    f64_neon: f64 => Isa::Neon;
    bf16_scalar: bf16 => Isa::Scalar;
    bf16_avx2: bf16 => Isa::Avx2;
    bf16_avx512: bf16 => Isa::Avx512;
    bf16_neon: bf16 => Isa::Neon;
    f16_scalar: f16 => Isa::Scalar;
    f16_avx2: f16 => Isa::Avx2;
    f16_avx512: f16 => Isa::Avx512;
    f16_neon: f16 => Isa::Neon;
    i8_scalar: i8 => Isa::Scalar;
    i8_avx2: i8 => Isa::Avx2;
    i8_avx512: i8 => Isa::Avx512;
    i8_neon: i8 => Isa::Neon;
    u8_scalar: u8 => Isa::Scalar;
    u8_avx2: u8 => Isa::Avx2;
    u8_avx512: u8 => Isa::Avx512;
    u8_neon: u8 => Isa::Neon;
}

/// f32 and f64 `dots` keep a -0.0 row dot (every product rounds to -0.0
/// and every lane is touched), which a `gemv` with `b = +0.0` would turn
/// into +0.0: the engine must add `-0.0`.
#[test]
fn dots_keep_negative_zero() {
    for k in backends() {
        let mut negative = 0;
        for cols in [1, 3, 17, 64, 128, 200, 256, 1024, 4096] {
            let data = vec![-1e-30f32; 5 * cols];
            let q = vec![1e-25f32; cols];
            let x = Matrix::from_rows(&data, 5, cols).unwrap();
            let mut out = [1.0f32; 5];
            k.dots(x, &q, &mut out).unwrap();
            let want = k.dot(x.row(0), &q).unwrap();
            assert_eq!(want, 0.0);
            negative += usize::from(want.is_sign_negative());
            for o in out {
                assert_eq!(o.to_bits(), want.to_bits(), "{:?} cols {cols}", k.isa());
            }
            let data = vec![-1e-170f64; 5 * cols];
            let q = vec![1e-160f64; cols];
            let x = Matrix::from_rows(&data, 5, cols).unwrap();
            let mut out = [1.0f64; 5];
            k.dots(x, &q, &mut out).unwrap();
            let want = k.dot(x.row(0), &q).unwrap();
            negative += usize::from(want.is_sign_negative());
            for o in out {
                assert_eq!(o.to_bits(), want.to_bits(), "{:?} f64 cols {cols}", k.isa());
            }
        }
        assert!(
            negative > 0,
            "no -0.0 dot among the shapes: the test tests nothing"
        );
    }
}

/// Values a user can check by hand, on every backend.
#[test]
fn known_values() {
    for k in backends() {
        let x = Matrix::from_rows(&[3u8, 4, 0, 0, 255, 255], 3, 2).unwrap();
        let mut d = [0i64; 3];
        let mut s = [0i64; 3];
        let mut c = [9.0f64; 3];
        k.dots(x, &[1, 1], &mut d).unwrap();
        k.sqeuclideans(x, &[0, 0], &mut s).unwrap();
        k.cosines(x, &[0, 0], &mut c).unwrap();
        assert_eq!(d, [7, 0, 510]);
        assert_eq!(s, [25, 0, 130050]);
        // A zero query: distance 1 from non-zero rows, 0 from a zero row.
        assert_eq!(c, [1.0, 0.0, 1.0]);
        let x = Matrix::from_rows(&[1.0f32, 2.0, -1.0, -2.0, 2.0, 4.0], 3, 2).unwrap();
        let mut c = [9.0f32; 3];
        k.cosines(x, &[1.0, 2.0], &mut c).unwrap();
        assert_eq!(c, [0.0, 2.0, 0.0]);
    }
}

/// Shapes that do not fit: an error naming the lengths, `out` untouched.
#[test]
fn shape_errors_leave_out_untouched() {
    let data = [1.0f32; 12];
    let x = Matrix::from_rows(&data, 3, 4).unwrap();
    for k in backends() {
        let mut out = [7.0f32; 3];
        let e = k.dots(x, &[1.0; 3], &mut out).unwrap_err();
        assert!(matches!(e, Error::Shape { .. }), "{e:?}");
        assert!(e.to_string().contains("dots"), "{e}");
        assert!(
            e.to_string().contains('4') && e.to_string().contains('3'),
            "{e}"
        );
        let mut short = [7.0f32; 2];
        assert!(k.sqeuclideans(x, &[1.0; 4], &mut short).is_err());
        assert!(k.cosines(x, &[1.0; 4], &mut short).is_err());
        assert!(k.cosines(x, &[1.0; 5], &mut out).is_err());
        assert_eq!(out, [7.0; 3]);
        assert_eq!(short, [7.0; 2]);
        // Empty shapes are fine.
        let e = Matrix::from_rows(&data[..0], 0, 4).unwrap();
        k.dots(e, &[1.0; 4], &mut []).unwrap();
    }
}

/// 1, 2, 3, 4, 7 and 16 threads give the sequential bits (1-byte tasks, so
/// every split happens, and the default task size).
#[cfg(feature = "rayon")]
mod threads {
    use super::*;
    use dotgrad::Par;

    fn same_for_threads<T: Draw>()
    where
        T::Acc: SameBits + Default,
        T::Dist: SameBits + Default,
    {
        check_n((qc_tests() / 100).max(5), |c: Rows<T>| {
            backends().into_iter().all(|k| {
                let want = rows_on(k, &c);
                [1usize, 2, 3, 4, 7, 16].into_iter().all(|n| {
                    [1, k.task_bytes()].into_iter().all(|tb| {
                        let kt = k.with_par(Par::Threads(n)).unwrap().with_task_bytes(tb);
                        let ok = same_outs::<T>(&rows_on(kt, &c), &want);
                        if !ok {
                            eprintln!("{:?} {n} threads, task bytes {tb}", k.isa());
                        }
                        ok
                    })
                })
            })
        });
    }

    #[test]
    fn f32_threads() {
        same_for_threads::<f32>();
    }
    #[test]
    fn f64_threads() {
        same_for_threads::<f64>();
    }
    #[test]
    fn bf16_threads() {
        same_for_threads::<bf16>();
    }
    #[test]
    fn f16_threads() {
        same_for_threads::<f16>();
    }
    #[test]
    fn i8_threads() {
        same_for_threads::<i8>();
    }
    #[test]
    fn u8_threads() {
        same_for_threads::<u8>();
    }
}
