//! Known answers: the result bits of every kernel (gemm, the layers, the
//! dots, the similarity family and the rows forms included), for every element type,
//! on fixed inputs, pinned in `tests/known_answers.txt`.
//!
//! The inputs come from a tiny in-repo PRNG (splitmix64) with fixed seeds, so
//! the table is the only data committed. Every backend this CPU has must
//! reproduce every line of the table; a change that moves one bit anywhere
//! (a refactor, a new schedule, a new backend) fails here loudly, naming
//! the case. Shapes cover every stripe tail, one and several blocks (5+),
//! misaligned starts, signed zeros, subnormals, products that round to
//! `-0.0`, infinities and NaNs.
//!
//! Each line is `case = value`: a scalar result as its bits in hex, a vector
//! result as `#` + the FNV-1a hash of its elements' bits and the element
//! count. NaNs are hashed as one canonical NaN (the contract leaves NaN
//! payloads and signs open).
//!
//! To regenerate the table after a change that is *meant* to move bits
//! (a contract change, never a refactor): `DOTGRAD_KAT_WRITE=1 cargo test
//! --release --test known_answers`, which writes the Scalar backend's
//! answers once every available backend agrees with them.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use dotgrad::{AdamParams, Isa, Kernels, Matrix, MomentumParams, SgdParams};

const TABLE: &str = include_str!("known_answers.txt");

/// splitmix64: the whole PRNG behind the table's inputs.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5851_F42D_4C95_7F2D)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// How the values of one input are drawn.
#[derive(Clone, Copy, Debug)]
enum Mix {
    /// Mixed magnitudes (2^-8 .. 2^8) and signs.
    Plain,
    /// Plain, with signed zeros, subnormals and tiny values whose products
    /// round to -0.0.
    Zeros,
    /// Zeros plus infinities and NaNs.
    Special,
    /// Tiny negative values: with `PosTiny` on the other side every product
    /// rounds to -0.0.
    NegTiny,
    PosTiny,
    /// Values in [-4, 4] (logits where the sigmoid's polynomial decides).
    Moderate,
    /// Labels: 0 or 1, and a quarter soft labels in [0, 1].
    Labels,
}

/// What the table needs of f32 and f64.
trait Kat: Copy + PartialEq + std::fmt::Debug + 'static {
    const NAME: &'static str;
    const W: usize;
    const E: usize;
    fn from_f64(x: f64) -> Self;
    fn from_bits64(b: u64) -> Self;
    fn bits(self) -> u64;
    fn is_nan(self) -> bool;
    /// Scale of "tiny": products of two tiny values underflow.
    const TINY: f64;
}

impl Kat for f32 {
    const NAME: &'static str = "f32";
    const W: usize = 64;
    const E: usize = 4096;
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn from_bits64(b: u64) -> Self {
        f32::from_bits(b as u32)
    }
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }
    const TINY: f64 = 1e-30;
}

impl Kat for f64 {
    const NAME: &'static str = "f64";
    const W: usize = 32;
    const E: usize = 2048;
    fn from_f64(x: f64) -> Self {
        x
    }
    fn from_bits64(b: u64) -> Self {
        f64::from_bits(b)
    }
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
    const TINY: f64 = 1e-170;
}

fn value<T: Kat>(r: &mut Rng, mix: Mix) -> T {
    let plain = |r: &mut Rng| {
        let m = 1.0 + r.unit();
        let e = r.below(17) as i32 - 8;
        let x = m * 2f64.powi(e);
        T::from_f64(if r.below(2) == 0 { x } else { -x })
    };
    match mix {
        Mix::Plain => plain(r),
        Mix::NegTiny => T::from_f64(-T::TINY * (1.0 + r.below(256) as f64)),
        Mix::PosTiny => T::from_f64(T::TINY * (1.0 + r.below(256) as f64)),
        Mix::Moderate => T::from_f64(8.0 * r.unit() - 4.0),
        Mix::Labels => {
            if r.below(4) == 0 {
                T::from_f64(r.unit())
            } else {
                T::from_f64(r.below(2) as f64)
            }
        }
        Mix::Zeros | Mix::Special => {
            let k = r.below(100);
            let special = matches!(mix, Mix::Special);
            match k {
                0..=9 => T::from_f64(0.0),
                10..=19 => T::from_f64(-0.0),
                20..=27 => T::from_bits64(1 + r.below(1000)),
                28..=35 => T::from_f64(if r.below(2) == 0 { -T::TINY } else { T::TINY }),
                36..=38 if special => T::from_f64(f64::INFINITY),
                39..=41 if special => T::from_f64(f64::NEG_INFINITY),
                42..=43 if special => T::from_f64(f64::NAN),
                _ => plain(r),
            }
        }
    }
}

/// `n` values at `offset` elements into a fresh vector (the input is
/// `v[offset..]`), so a slice starts at a chosen misalignment.
fn vector<T: Kat>(r: &mut Rng, n: usize, offset: usize, mix: Mix) -> Vec<T> {
    (0..offset + n).map(|_| value(r, mix)).collect()
}

/// A 64-bit FNV-1a hash of the bits of `v` (NaNs as one canonical NaN).
fn digest<T: Kat>(v: &[T]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in v {
        let b = if x.is_nan() { u64::MAX } else { x.bits() };
        for byte in b.to_le_bytes() {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("#{h:016x}/{}", v.len())
}

fn scalar_bits<T: Kat>(x: T) -> String {
    if x.is_nan() {
        "nan".to_string()
    } else if T::W == 64 {
        format!("{:08x}", x.bits())
    } else {
        format!("{:016x}", x.bits())
    }
}

/// The answers of one backend: case name -> value.
type Answers = BTreeMap<String, String>;

fn put(out: &mut Answers, name: String, value: String) {
    assert!(
        out.insert(name.clone(), value).is_none(),
        "duplicate case {name}"
    );
}

/// Stripe tails, one block and its edges, more than five blocks.
fn lengths<T: Kat>() -> Vec<usize> {
    let (w, e) = (T::W, T::E);
    // 0..=17 holds one register of every backend (2, 4, 8 and 16 lanes)
    // and each register's tails.
    let mut v: Vec<usize> = (0..=17).collect();
    v.extend([
        w / 2 - 1,
        w / 2 + 1,
        w - 1,
        w,
        w + 1,
        2 * w + 5,
        3 * w + 1,
        1000,
        e - 1,
        e,
        e + 1,
        3 * e + 7,
        5 * e + 13,
        8 * e,
    ]);
    v.sort_unstable();
    v.dedup();
    v
}

fn dot_cases<T: Kat>(k: Kernels, out: &mut Answers, run: fn(Kernels, &[T], &[T]) -> T) {
    let mixes = [
        (Mix::Plain, Mix::Plain),
        (Mix::Zeros, Mix::Zeros),
        (Mix::Special, Mix::Plain),
        (Mix::NegTiny, Mix::PosTiny),
    ];
    for (li, &n) in lengths::<T>().iter().enumerate() {
        for (mi, &(ma, mb)) in mixes.iter().enumerate() {
            for &(oa, ob) in &[(0usize, 0usize), (1, 1), (3, 5)] {
                let mut r = Rng::new(0xD07 + (li * 100 + mi * 10 + oa) as u64);
                let a = vector::<T>(&mut r, n, oa, ma);
                let b = vector::<T>(&mut r, n, ob, mb);
                let d = run(k, &a[oa..], &b[ob..]);
                let name = format!("dot {} n={n} {ma:?}/{mb:?} +{oa}/+{ob}", T::NAME);
                put(out, name, scalar_bits(d));
            }
        }
    }
}

fn axpy_cases<T: Kat>(
    k: Kernels,
    out: &mut Answers,
    axpy: fn(Kernels, T, &[T], &mut [T]),
    scale: fn(Kernels, T, &mut [T]),
) {
    let w = T::W;
    for (li, &n) in [0, 1, 7, w + 3, 3 * w + 1, T::E + 17].iter().enumerate() {
        for (mi, &mix) in [Mix::Plain, Mix::Zeros, Mix::Special].iter().enumerate() {
            for &off in &[0usize, 3] {
                let mut r = Rng::new(0xA1 + (li * 100 + mi * 10 + off) as u64);
                let x = vector::<T>(&mut r, n, off, mix);
                let mut y = vector::<T>(&mut r, n, off, mix);
                let alpha: T = value(&mut r, Mix::Plain);
                axpy(k, alpha, &x[off..], &mut y[off..]);
                let name = format!("axpy {} n={n} {mix:?} +{off}", T::NAME);
                put(out, name, digest(&y[off..]));
                let mut x = x;
                scale(k, alpha, &mut x[off..]);
                let name = format!("scale {} n={n} {mix:?} +{off}", T::NAME);
                put(out, name, digest(&x[off..]));
            }
        }
    }
}

/// Matrix shapes: `(rows, cols, extra stride)`.
fn shapes<T: Kat>() -> Vec<(usize, usize, usize)> {
    let (w, e) = (T::W, T::E);
    vec![
        (0, 5, 0),
        (1, 1, 0),
        (7, 3, 2),
        (5, 16, 3),
        (33, w - 1, 3),
        (40, w, 0),
        (17, w + 1, 1),
        (260, 3, 0),
        (300, 100, 3),
        (5 * 256 + 7, 9, 0),
        (6 * 256 + 1, w + 5, 0),
        (3, e + 5, 0),
        (2, 2 * e + 3, 4),
    ]
}

struct MatInput<T> {
    data: Vec<T>,
    rows: usize,
    cols: usize,
    stride: usize,
    off: usize,
    w: Vec<T>,
    v: Vec<T>,
    b: T,
}

impl<T: Kat> MatInput<T> {
    fn new(seed: u64, (rows, cols, extra): (usize, usize, usize), mix: Mix, vmix: Mix) -> Self {
        let mut r = Rng::new(seed);
        let stride = cols + extra;
        let off = (seed % 5) as usize;
        let len = if rows == 0 {
            0
        } else {
            (rows - 1) * stride + cols
        };
        let wmix = match mix {
            Mix::NegTiny => Mix::PosTiny,
            m => m,
        };
        MatInput {
            data: vector(&mut r, len, off, mix),
            rows,
            cols,
            stride,
            off,
            w: vector(&mut r, cols, 0, wmix),
            v: vector(&mut r, rows, 0, vmix),
            b: if seed.is_multiple_of(3) {
                T::from_f64(-0.0)
            } else {
                value(&mut r, Mix::Plain)
            },
        }
    }
    fn x(&self) -> Matrix<'_, T> {
        Matrix::new(&self.data[self.off..], self.rows, self.cols, self.stride).unwrap()
    }
}

type Gemv<T> = fn(Kernels, Matrix<'_, T>, &[T], T, &mut [T]);
type GemvT<T> = fn(Kernels, Matrix<'_, T>, &[T], &mut [T]);
type Grad<T> = fn(Kernels, bool, Matrix<'_, T>, &[T], &[T], T, &mut [T]) -> (T, T);

fn matrix_cases<T: Kat>(
    k: Kernels,
    out: &mut Answers,
    gemv: Gemv<T>,
    gemv_t: GemvT<T>,
    grad: Grad<T>,
) {
    let seven = T::from_f64(7.0);
    for (si, &shape) in shapes::<T>().iter().enumerate() {
        let (rows, cols, extra) = shape;
        let mixes = [Mix::Plain, Mix::Zeros, Mix::NegTiny, Mix::Moderate];
        for (mi, &mix) in mixes.iter().enumerate() {
            let seed = (si * 10 + mi) as u64;
            let tag = format!("{} {rows}x{cols}+{extra} {mix:?}", T::NAME);
            let c = MatInput::<T>::new(seed, shape, mix, mix);
            let mut o = vec![seven; rows];
            gemv(k, c.x(), &c.w, c.b, &mut o);
            put(out, format!("gemv {tag}"), digest(&o));
            let mut o = vec![seven; cols];
            gemv_t(k, c.x(), &c.v, &mut o);
            put(out, format!("gemv_t {tag}"), digest(&o));
            if rows == 0 {
                continue;
            }
            let vmix = if let Mix::Moderate = mix {
                Mix::Labels
            } else {
                mix
            };
            let c = MatInput::<T>::new(seed + 1000, shape, mix, vmix);
            for (log, name) in [(false, "linear_gradient"), (true, "logistic_gradient")] {
                let mut gw = vec![seven; cols];
                let (gb, loss) = grad(k, log, c.x(), &c.v, &c.w, c.b, &mut gw);
                let v = format!(
                    "{} gb {} loss {}",
                    digest(&gw),
                    scalar_bits(gb),
                    scalar_bits(loss)
                );
                put(out, format!("{name} {tag}"), v);
            }
        }
    }
}

fn sigmoid_cases<T: Kat>(k: Kernels, out: &mut Answers, sigmoid: fn(Kernels, &mut [T])) {
    let lim = if T::W == 64 { 110.0 } else { 760.0 };
    for (li, &n) in [0usize, 1, 5, T::W + 3, 1000].iter().enumerate() {
        let mut r = Rng::new(0x516 + li as u64);
        let mut x: Vec<T> = (0..n + 1)
            .map(|i| match i % 4 {
                0 => value(&mut r, Mix::Special),
                1 => T::from_bits64(r.next()),
                _ => T::from_f64((2.0 * r.unit() - 1.0) * lim),
            })
            .collect();
        sigmoid(k, &mut x[1..]);
        put(out, format!("sigmoid {} n={n}", T::NAME), digest(&x[1..]));
    }
}

type Sgd<T> = fn(Kernels, &mut [T], &[T], SgdParams);
type Momentum<T> = fn(Kernels, &mut [T], &mut [T], &[T], MomentumParams, u64);
type Adam<T> = fn(Kernels, &mut [T], &mut [T], &mut [T], Option<&mut [T]>, &[T], AdamParams, u64);

fn optim_cases<T: Kat>(
    k: Kernels,
    out: &mut Answers,
    sgd: Sgd<T>,
    momentum: Momentum<T>,
    adam: Adam<T>,
) {
    let sizes = [0usize, 1, 7, 3 * T::W + 1, 1000];
    for (li, &n) in sizes.iter().enumerate() {
        for (mi, &mix) in [Mix::Plain, Mix::Zeros, Mix::Special].iter().enumerate() {
            let seed = (li * 10 + mi) as u64;
            let tag = format!("{} n={n} {mix:?}", T::NAME);
            let mut r = Rng::new(0x0b7 + seed);
            let w0 = vector::<T>(&mut r, n, 1, mix);
            let g = vector::<T>(&mut r, n, 0, mix);
            let s1 = vector::<T>(&mut r, n, 1, mix);
            let s2 = vector::<T>(&mut r, n, 1, Mix::Zeros);
            let pos = |v: &[T]| -> Vec<T> {
                // |x| by bits: second moments are >= 0 in real use.
                v.iter()
                    .map(|&x| {
                        let sign = if T::W == 64 { 1u64 << 31 } else { 1u64 << 63 };
                        T::from_bits64(x.bits() & !sign)
                    })
                    .collect()
            };
            let s2 = pos(&s2);
            for (wi, wd) in [0.0, 0.01].into_iter().enumerate() {
                let mut w = w0.clone();
                sgd(
                    k,
                    &mut w[1..],
                    &g,
                    SgdParams {
                        lr: 0.1,
                        weight_decay: wd,
                    },
                );
                put(out, format!("sgd wd{wi} {tag}"), digest(&w[1..]));
            }
            let moms = [
                (
                    "plain",
                    MomentumParams {
                        lr: 0.05,
                        momentum: 0.9,
                        ..Default::default()
                    },
                ),
                (
                    "damp",
                    MomentumParams {
                        lr: 0.05,
                        momentum: 0.5,
                        dampening: 0.25,
                        weight_decay: 0.01,
                        nesterov: false,
                    },
                ),
                (
                    "nesterov",
                    MomentumParams {
                        lr: 0.05,
                        momentum: 0.9,
                        nesterov: true,
                        weight_decay: 1e-3,
                        ..Default::default()
                    },
                ),
            ];
            for (pname, p) in moms {
                for step in [1u64, 7] {
                    let (mut w, mut b) = (w0.clone(), s1.clone());
                    momentum(k, &mut w[1..], &mut b[1..], &g, p, step);
                    let v = format!("{} {}", digest(&w[1..]), digest(&b[1..]));
                    put(out, format!("momentum {pname} t={step} {tag}"), v);
                }
            }
            let adams = [
                ("adam", AdamParams::adam()),
                (
                    "adam-l2",
                    AdamParams {
                        weight_decay: 0.01,
                        ..AdamParams::adam()
                    },
                ),
                ("adamw", AdamParams::adamw()),
                (
                    "amsgrad",
                    AdamParams {
                        amsgrad: true,
                        lr: 0.01,
                        ..AdamParams::adamw()
                    },
                ),
            ];
            for (pname, p) in adams {
                for step in [1u64, 10, 1000] {
                    let (mut w, mut m, mut v) = (w0.clone(), s1.clone(), s2.clone());
                    let mut vm = pos(&s1);
                    let vmax = p.amsgrad.then_some(&mut vm[1..]);
                    adam(k, &mut w[1..], &mut m[1..], &mut v[1..], vmax, &g, p, step);
                    let mut val = format!(
                        "{} {} {}",
                        digest(&w[1..]),
                        digest(&m[1..]),
                        digest(&v[1..])
                    );
                    if p.amsgrad {
                        write!(val, " {}", digest(&vm[1..])).unwrap();
                    }
                    put(out, format!("adam {pname} t={step} {tag}"), val);
                }
            }
        }
    }
}

/// The kernels on one element type, as plain functions (so the table code
/// above needs no trait of the crate's).
macro_rules! answers_for {
    ($t:ty, $k:expr, $out:expr) => {{
        let (k, out) = ($k, $out);
        dot_cases::<$t>(k, out, |k, a, b| k.dot(a, b).unwrap());
        axpy_cases::<$t>(
            k,
            out,
            |k, al, x, y| k.axpy(al, x, y).unwrap(),
            |k, al, x| k.scale(al, x),
        );
        matrix_cases::<$t>(
            k,
            out,
            |k, x, w, b, o| k.gemv(x, w, b, o).unwrap(),
            |k, x, v, o| k.gemv_t(x, v, o).unwrap(),
            |k, log, x, y, w, b, gw| {
                let g = if log {
                    k.logistic_gradient(x, y, w, b, gw)
                } else {
                    k.linear_gradient(x, y, w, b, gw)
                }
                .unwrap();
                (g.grad_b, g.loss)
            },
        );
        sigmoid_cases::<$t>(k, out, |k, x| k.sigmoid(x));
        optim_cases::<$t>(
            k,
            out,
            |k, w, g, p| k.sgd_step(w, g, p).unwrap(),
            |k, w, b, g, p, t| k.momentum_step(w, b, g, p, t).unwrap(),
            |k, w, m, v, vm, g, p, t| k.adam_step(w, m, v, vm, g, p, t).unwrap(),
        );
    }};
}

/// A result as the table writes it.
trait Show {
    fn show(self) -> String;
}
impl Show for f32 {
    fn show(self) -> String {
        scalar_bits(self)
    }
}
impl Show for f64 {
    fn show(self) -> String {
        scalar_bits(self)
    }
}
impl Show for i64 {
    fn show(self) -> String {
        format!("i{self}")
    }
}

/// A vector result as the table writes it: the digest of the shown values.
fn digest_shown<O: Show + Copy>(v: &[O]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in v {
        for byte in x.show().bytes().chain([b',']) {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("#{h:016x}/{}", v.len())
}

/// An element type of the dot and similarity families, drawn from the PRNG.
trait KatElem: dotgrad::Element + Default {
    const NAME: &'static str;
    /// A value of `mix` (`Plain`, `Zeros`, `Special`; `NegTiny`/`PosTiny`
    /// for the float types, extremes for the integers).
    fn draw(r: &mut Rng, mix: Mix) -> Self;
}

impl KatElem for f32 {
    const NAME: &'static str = "f32";
    fn draw(r: &mut Rng, mix: Mix) -> Self {
        value(r, mix)
    }
}
impl KatElem for f64 {
    const NAME: &'static str = "f64";
    fn draw(r: &mut Rng, mix: Mix) -> Self {
        value(r, mix)
    }
}

/// A 16-bit float from its fields: sign, an exponent `bias +- spread`,
/// any mantissa; with `Zeros`/`Special`, edges from `edges` a fifth of the
/// time (only the first `finite` of them for `Zeros`).
fn half_bits(
    r: &mut Rng,
    mix: Mix,
    mant: u32,
    bias: u64,
    spread: u64,
    edges: &[u16],
    finite: usize,
) -> u16 {
    let pick = match mix {
        Mix::Zeros => finite,
        Mix::Special => edges.len(),
        _ => 0,
    };
    if pick > 0 && r.below(5) == 0 {
        return edges[r.below(pick as u64) as usize];
    }
    let e = bias - spread + r.below(2 * spread + 1);
    ((r.below(2) << 15) | (e << mant) | r.below(1 << mant)) as u16
}

impl KatElem for dotgrad::half::bf16 {
    const NAME: &'static str = "bf16";
    fn draw(r: &mut Rng, mix: Mix) -> Self {
        // +-0, subnormals, the largest finite; then infinities and NaN.
        let edges = [
            0x0000, 0x8000, 0x0001, 0x807f, 0x7f7f, 0x7f80, 0xff80, 0x7fc0,
        ];
        Self::from_bits(half_bits(r, mix, 7, 127, 20, &edges, 5))
    }
}
impl KatElem for dotgrad::half::f16 {
    const NAME: &'static str = "f16";
    fn draw(r: &mut Rng, mix: Mix) -> Self {
        let edges = [
            0x0000, 0x8000, 0x0001, 0x83ff, 0x7bff, 0x7c00, 0xfc00, 0x7e00,
        ];
        Self::from_bits(half_bits(r, mix, 10, 15, 8, &edges, 5))
    }
}
impl KatElem for i8 {
    const NAME: &'static str = "i8";
    fn draw(r: &mut Rng, mix: Mix) -> Self {
        match mix {
            // The extremes: -128 * -128 in every product.
            Mix::Special => i8::MIN,
            Mix::Zeros if r.below(3) == 0 => 0,
            _ => r.next() as i8,
        }
    }
}
impl KatElem for u8 {
    const NAME: &'static str = "u8";
    fn draw(r: &mut Rng, mix: Mix) -> Self {
        match mix {
            Mix::Special => u8::MAX,
            Mix::Zeros if r.below(3) == 0 => 0,
            _ => r.next() as u8,
        }
    }
}

fn draws<T: KatElem>(r: &mut Rng, n: usize, offset: usize, mix: Mix) -> Vec<T> {
    (0..offset + n).map(|_| T::draw(r, mix)).collect()
}

/// Lengths for the dot and similarity families of `T`: stripe tails, one
/// block and its edges, more than five blocks.
fn elem_lengths<T: dotgrad::Element>() -> Vec<usize> {
    let (w, e) = (T::W, T::E);
    let mut v: Vec<usize> = (0..=17).collect();
    v.extend([
        w - 1,
        w,
        w + 1,
        3 * w + 1,
        1000,
        e - 1,
        e,
        e + 1,
        5 * e + 13,
    ]);
    v.sort_unstable();
    v.dedup();
    v
}

/// `dot` (reduced-precision types only: f32/f64 have theirs above),
/// `sqeuclidean` and `cosine`, then the rows forms `dots`, `sqeuclideans`,
/// `cosines`.
fn similarity_cases<T: KatElem>(k: Kernels, out: &mut Answers, with_dot: bool)
where
    T::Acc: Show + Default,
    T::Dist: Show + Default,
{
    let name = <T as KatElem>::NAME;
    let mixes = [
        (Mix::Plain, Mix::Plain),
        (Mix::Zeros, Mix::Zeros),
        (Mix::Special, Mix::Plain),
        (Mix::NegTiny, Mix::PosTiny),
    ];
    for (li, &n) in elem_lengths::<T>().iter().enumerate() {
        for (mi, &(ma, mb)) in mixes.iter().enumerate() {
            let (oa, ob) = (3usize, 5usize);
            let mut r = Rng::new(0x51a + (li * 100 + mi * 10) as u64);
            let a = draws::<T>(&mut r, n, oa, ma);
            let b = draws::<T>(&mut r, n, ob, mb);
            let (a, b) = (&a[oa..], &b[ob..]);
            let tag = format!("{name} n={n} {ma:?}/{mb:?}");
            if with_dot {
                put(out, format!("dot {tag}"), k.dot(a, b).unwrap().show());
            }
            put(
                out,
                format!("sqeuclidean {tag}"),
                k.sqeuclidean(a, b).unwrap().show(),
            );
            put(out, format!("cosine {tag}"), k.cosine(a, b).unwrap().show());
        }
    }
    let (w, e) = (T::W, T::E);
    let shapes = [
        (0, 5, 0),
        (1, 1, 0),
        (7, 3, 2),
        (33, w - 1, 3),
        (17, w + 1, 1),
        (300, 100, 3),
        (3, e + 5, 0),
    ];
    for (si, &(rows, cols, extra)) in shapes.iter().enumerate() {
        for (mi, &(ma, mb)) in mixes.iter().enumerate() {
            let mut r = Rng::new(0x20b + (si * 10 + mi) as u64);
            let stride = cols + extra;
            let len = if rows == 0 {
                0
            } else {
                (rows - 1) * stride + cols
            };
            let data = draws::<T>(&mut r, len, 1, ma);
            let q = draws::<T>(&mut r, cols, 0, mb);
            let x = Matrix::new(&data[1..], rows, cols, stride).unwrap();
            let tag = format!("{name} {rows}x{cols}+{extra} {ma:?}/{mb:?}");
            let mut o = vec![T::Acc::default(); rows];
            k.dots(x, &q, &mut o).unwrap();
            put(out, format!("dots {tag}"), digest_shown(&o));
            k.sqeuclideans(x, &q, &mut o).unwrap();
            put(out, format!("sqeuclideans {tag}"), digest_shown(&o));
            let mut o = vec![T::Dist::default(); rows];
            k.cosines(x, &q, &mut o).unwrap();
            put(out, format!("cosines {tag}"), digest_shown(&o));
        }
    }
}

/// A stored `rows x cols` matrix with `gap` elements between rows, at
/// `offset` elements into a fresh vector (the matrix is `v[offset..]`):
/// the vector and the row stride.
fn stored<T: Kat>(
    r: &mut Rng,
    (rows, cols): (usize, usize),
    (gap, offset): (usize, usize),
    mix: Mix,
) -> (Vec<T>, usize) {
    let stride = cols + gap;
    let len = if rows == 0 {
        0
    } else {
        (rows - 1) * stride + cols
    };
    (vector::<T>(r, len, offset, mix), stride)
}

/// `gemm` and `gemm_acc` over shapes across the microkernels' tiles and
/// the packing's panels, all four transposes, row strides and offsets.
fn gemm_cases<T: Kat + dotgrad::Float>(k: Kernels, out: &mut Answers) {
    use dotgrad::{MatrixMut, Trans};
    let shapes = [
        (0, 3, 2),
        (3, 0, 2),
        (2, 3, 0),
        (1, 1, 1),
        (7, 17, 13),
        (13, 33, 70),
        (25, 40, 300),
        (70, 70, 70),
        (100, 9, 600),
    ];
    let trans = [
        (Trans::No, Trans::No),
        (Trans::Yes, Trans::No),
        (Trans::No, Trans::Yes),
        (Trans::Yes, Trans::Yes),
    ];
    for (si, &(m, n, kk)) in shapes.iter().enumerate() {
        for (ti, &(ta, tb)) in trans.iter().enumerate() {
            for (mi, &mix) in [Mix::Plain, Mix::Zeros, Mix::NegTiny].iter().enumerate() {
                let mut r = Rng::new(0x6e3 + (si * 100 + ti * 10 + mi) as u64);
                let bmix = if let Mix::NegTiny = mix {
                    Mix::PosTiny
                } else {
                    mix
                };
                // Stored shapes: op(A) is m x kk, op(B) is kk x n.
                let (ar, ac) = if ta == Trans::No { (m, kk) } else { (kk, m) };
                let (br, bc) = if tb == Trans::No { (kk, n) } else { (n, kk) };
                let (a, sa) = stored::<T>(&mut r, (ar, ac), (2, 1), mix);
                let (b, sb) = stored::<T>(&mut r, (br, bc), (2, 1), bmix);
                let a = Matrix::new(&a[1..], ar, ac, sa).unwrap();
                let b = Matrix::new(&b[1..], br, bc, sb).unwrap();
                let sc = n + 3;
                let clen = if m == 0 { 0 } else { (m - 1) * sc + n };
                let c0 = vector::<T>(&mut r, clen, 0, Mix::Plain);
                let tag = format!("{} {m}x{n}x{kk} {ta:?}/{tb:?} {mix:?}", <T as Kat>::NAME);
                let mut c = c0.clone();
                k.gemm(a, ta, b, tb, MatrixMut::new(&mut c, m, n, sc).unwrap())
                    .unwrap();
                put(out, format!("gemm {tag}"), digest(&c));
                let mut c = c0;
                k.gemm_acc(a, ta, b, tb, MatrixMut::new(&mut c, m, n, sc).unwrap())
                    .unwrap();
                put(out, format!("gemm_acc {tag}"), digest(&c));
            }
        }
    }
}

/// The layers: `dense_forward`, `dense_backward`, `softmax_cross_entropy`
/// and `softmax_gradient`, over row counts across the softmax gradient's
/// 256-row blocks, class counts across one and two registers of every
/// backend (the fused tile and the gemm path), row strides and offsets.
fn layer_cases<T: Kat + dotgrad::Float>(k: Kernels, out: &mut Answers) {
    use dotgrad::MatrixMut;
    let shapes = [
        (1, 1, 1),
        (7, 3, 2),
        (9, 13, 10),
        (256, 20, 5),
        (257, 33, 17),
        (600, 9, 33),
        (1100, 70, 10),
    ];
    for (si, &(m, d, c)) in shapes.iter().enumerate() {
        for (mi, &mix) in [Mix::Moderate, Mix::Plain, Mix::Zeros, Mix::Special]
            .iter()
            .enumerate()
        {
            let mut r = Rng::new(0x1a7 + (si * 10 + mi) as u64);
            let tag = format!("{} {m}x{d}x{c} {mix:?}", <T as Kat>::NAME);
            let (x, sx) = stored::<T>(&mut r, (m, d), (1, 2), mix);
            let x = Matrix::new(&x[2..], m, d, sx).unwrap();
            // Weights moderate, so the logits are neither all -inf nor
            // one-hot: the exp polynomial decides the bits.
            let w: Vec<T> = (0..d * c)
                .map(|_| <T as Kat>::from_f64((8.0 * r.unit() - 4.0) / d as f64))
                .collect();
            let w = Matrix::from_rows(&w, d, c).unwrap();
            let b = vector::<T>(&mut r, c, 0, Mix::Moderate);
            let labels: Vec<u32> = (0..m).map(|_| r.below(c as u64) as u32).collect();

            let mut y = vec![T::ZERO; m * c];
            k.dense_forward(x, w, &b, MatrixMut::from_rows(&mut y, m, c).unwrap())
                .unwrap();
            put(out, format!("dense_forward {tag}"), digest(&y));

            let z = Matrix::from_rows(&y, m, c).unwrap();
            let mut dz = vec![T::ZERO; m * c];
            let loss = k
                .softmax_cross_entropy(z, &labels, MatrixMut::from_rows(&mut dz, m, c).unwrap())
                .unwrap();
            put(
                out,
                format!("softmax_cross_entropy loss {tag}"),
                scalar_bits(loss),
            );
            put(out, format!("softmax_cross_entropy dz {tag}"), digest(&dz));

            let dy = Matrix::from_rows(&dz, m, c).unwrap();
            let (mut dw, mut db) = (vec![T::ZERO; d * c], vec![T::ZERO; c]);
            let mut dx = vec![T::ZERO; m * d];
            k.dense_backward(
                x,
                w,
                dy,
                MatrixMut::from_rows(&mut dw, d, c).unwrap(),
                &mut db,
                Some(MatrixMut::from_rows(&mut dx, m, d).unwrap()),
            )
            .unwrap();
            put(out, format!("dense_backward dw {tag}"), digest(&dw));
            put(out, format!("dense_backward db {tag}"), digest(&db));
            put(out, format!("dense_backward dx {tag}"), digest(&dx));

            let (mut gw, mut gb) = (vec![T::ZERO; d * c], vec![T::ZERO; c]);
            let loss = k
                .softmax_gradient(
                    x,
                    &labels,
                    w,
                    &b,
                    MatrixMut::from_rows(&mut gw, d, c).unwrap(),
                    &mut gb,
                )
                .unwrap();
            put(
                out,
                format!("softmax_gradient loss {tag}"),
                scalar_bits(loss),
            );
            put(out, format!("softmax_gradient gw {tag}"), digest(&gw));
            put(out, format!("softmax_gradient gb {tag}"), digest(&gb));
        }
    }
}

fn answers(k: Kernels) -> Answers {
    let mut out = Answers::new();
    answers_for!(f32, k, &mut out);
    answers_for!(f64, k, &mut out);
    gemm_cases::<f32>(k, &mut out);
    gemm_cases::<f64>(k, &mut out);
    layer_cases::<f32>(k, &mut out);
    layer_cases::<f64>(k, &mut out);
    similarity_cases::<f32>(k, &mut out, false);
    similarity_cases::<f64>(k, &mut out, false);
    similarity_cases::<dotgrad::half::bf16>(k, &mut out, true);
    similarity_cases::<dotgrad::half::f16>(k, &mut out, true);
    similarity_cases::<i8>(k, &mut out, true);
    similarity_cases::<u8>(k, &mut out, true);
    out
}

fn parse_table() -> Answers {
    let mut t = Answers::new();
    for (i, line) in TABLE.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let (name, value) = line
            .split_once(" = ")
            .unwrap_or_else(|| panic!("known_answers.txt line {}: no ` = `", i + 1));
        put(&mut t, name.to_string(), value.to_string());
    }
    t
}

fn render(a: &Answers) -> String {
    let mut s = String::from(
        "// Known answers of every kernel (tests/known_answers.rs writes and checks this file).\n\
         // A line is `case = value`; see the test's module docs for the format.\n",
    );
    for (name, value) in a {
        writeln!(s, "{name} = {value}").unwrap();
    }
    s
}

#[test]
fn known_answers_every_backend() {
    let table = parse_table();
    let mut ran = Vec::new();
    let mut reference: Option<Answers> = None;
    for isa in Isa::ALL.iter().copied() {
        let Some(k) = common::kernels(isa) else {
            continue;
        };
        ran.push(isa);
        let got = answers(k);
        if std::env::var_os("DOTGRAD_KAT_WRITE").is_some() {
            match &reference {
                None => reference = Some(got),
                Some(r) => assert!(r == &got, "{isa} differs from scalar: nothing written"),
            }
            continue;
        }
        let mut bad = Vec::new();
        for (name, value) in &got {
            match table.get(name) {
                Some(want) if want == value => {}
                Some(want) => bad.push(format!("{name}: got {value}, table has {want}")),
                None => bad.push(format!("{name}: not in the table")),
            }
        }
        for name in table.keys().filter(|n| !got.contains_key(*n)) {
            bad.push(format!("{name}: in the table but no longer computed"));
        }
        assert!(
            bad.is_empty(),
            "{isa}: {} of {} known answers differ:\n{}",
            bad.len(),
            got.len(),
            bad.join("\n")
        );
    }
    if let Some(r) = reference {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/known_answers.txt");
        std::fs::write(path, render(&r)).unwrap();
        eprintln!("wrote {} known answers to {path}", r.len());
    }
    assert!(ran.contains(&Isa::Scalar));
}
