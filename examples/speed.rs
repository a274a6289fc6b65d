//! The speed report: `cargo run --release --example speed`.
//!
//! Prints the CPU, the backends it has, the one dotgrad chose (and any error
//! in `DOTGRAD_ISA`), then for every kernel, size and backend the time per
//! call, the throughput in GB/s and elements/ns, and the speed-up over the
//! naive loop. Sizes: about L1 (4Ki elements), L2 (64Ki) and DRAM (16Mi).
//! Takes about a minute; `--quick` (or `DOTGRAD_SPEED_QUICK=1`) uses tiny sizes
//! and short timings and takes about 2 s (CI runs it that way).
//!
//! Each figure is the median over several samples, each sample timing a
//! batch of calls with `std::time::Instant`; inputs pass through
//! `black_box` and are 64-byte aligned.
//!
//! To add a kernel, append a [`Case`] to [`CASES`].

use std::hint::black_box;
use std::time::{Duration, Instant};

use dotgrad::{AdamParams, Float, Isa, Kernels, Matrix, Par};

/// One kernel on one element type: a family of rows in the report.
struct Case {
    /// The name in the first column, e.g. `"dot f32"`.
    name: &'static str,
    /// Bytes the kernel reads plus writes per element of `n`.
    bytes_per_elem: usize,
    /// Builds inputs of `n` elements (for matrix kernels, `n` is the number
    /// of matrix elements) and returns the runner: `Some(k)` runs the kernel
    /// on backend `k`, `None` runs the naive loop.
    setup: fn(usize) -> Runner,
}

type Runner = Box<dyn FnMut(Option<Kernels>)>;

/// Every row family of the report, in order. Append new kernels here.
const CASES: &[Case] = &[
    Case {
        name: "dot f32",
        bytes_per_elem: 2 * 4,
        setup: dot::<f32>,
    },
    Case {
        name: "dot f64",
        bytes_per_elem: 2 * 8,
        setup: dot::<f64>,
    },
    Case {
        name: "axpy f32",
        bytes_per_elem: 3 * 4,
        setup: axpy::<f32>,
    },
    Case {
        name: "axpy f64",
        bytes_per_elem: 3 * 8,
        setup: axpy::<f64>,
    },
    Case {
        name: "scale f32",
        bytes_per_elem: 2 * 4,
        setup: scale::<f32>,
    },
    Case {
        name: "scale f64",
        bytes_per_elem: 2 * 8,
        setup: scale::<f64>,
    },
    Case {
        name: "gemv f32",
        bytes_per_elem: 4,
        setup: gemv,
    },
    Case {
        name: "gemv_t f32",
        bytes_per_elem: 4,
        setup: gemv_t,
    },
    Case {
        name: "lin grad f32",
        bytes_per_elem: 4,
        setup: linear_gradient,
    },
    Case {
        name: "log grad f32",
        bytes_per_elem: 4,
        setup: logistic_gradient,
    },
    Case {
        name: "softmax grad f32",
        bytes_per_elem: 4,
        setup: softmax_gradient,
    },
    Case {
        name: "adam f32",
        bytes_per_elem: 7 * 4,
        setup: adam,
    },
    Case {
        name: "dot bf16",
        bytes_per_elem: 2 * 2,
        setup: dot_bf16,
    },
    Case {
        name: "dot f16",
        bytes_per_elem: 2 * 2,
        setup: dot_f16,
    },
    Case {
        name: "dot i8",
        bytes_per_elem: 2,
        setup: dot_i8,
    },
    Case {
        name: "dot u8",
        bytes_per_elem: 2,
        setup: dot_u8,
    },
    Case {
        name: "sqeuclid f32",
        bytes_per_elem: 2 * 4,
        setup: sqeuclidean,
    },
    Case {
        name: "cosine f32",
        bytes_per_elem: 2 * 4,
        setup: cosine,
    },
    Case {
        name: "cosines bf16",
        bytes_per_elem: 2,
        setup: cosines_bf16,
    },
    Case {
        name: "dots i8",
        bytes_per_elem: 1,
        setup: dots_i8,
    },
    Case {
        name: "gemm f32",
        bytes_per_elem: 3 * 4,
        setup: gemm,
    },
];

/// Columns of the report's matrices (`n` elements = `n / COLS` rows).
const COLS: usize = 256;

/// A row-major `n / COLS x COLS` matrix, its weights, targets and outputs.
struct Problem {
    x: Aligned<f32>,
    w: Vec<f32>,
    y: Vec<f32>,
    out: Vec<f32>,
    rows: usize,
    cols: usize,
}

impl Problem {
    fn new(n: usize, labels01: bool) -> Self {
        let cols = COLS.min(n);
        let rows = n / cols;
        let x = Aligned::<f32>::new(rows * cols, 4);
        let w: Vec<f32> = (0..cols).map(|j| ((j % 7) as f32 - 3.0) * 0.01).collect();
        let y: Vec<f32> = (0..rows)
            .map(|i| {
                if labels01 {
                    (i % 2) as f32
                } else {
                    (i % 5) as f32 * 0.1
                }
            })
            .collect();
        Problem {
            x,
            w,
            y,
            out: vec![0.0; rows.max(cols)],
            rows,
            cols,
        }
    }
    fn matrix(&self) -> Matrix<'_, f32> {
        Matrix::from_rows(black_box(self.x.slice()), self.rows, self.cols).unwrap()
    }
}

/// The naive two-pass gradient a user would write: residuals (through
/// `link`), then `X^T e`; returns the loss.
fn naive_gradient(p: &mut Problem, link: fn(f32) -> f32) -> f32 {
    let (rows, cols) = (p.rows, p.cols);
    let x = black_box(p.x.slice());
    let g = &mut p.out[..cols];
    g.iter_mut().for_each(|g| *g = 0.0);
    let mut loss = 0.0f32;
    for i in 0..rows {
        let row = &x[i * cols..(i + 1) * cols];
        let z: f32 = row.iter().zip(&p.w).map(|(a, b)| a * b).sum::<f32>() + 0.5;
        let e = link(z) - p.y[i];
        loss += e * e;
        for (g, &a) in g.iter_mut().zip(row) {
            *g += e * a;
        }
    }
    let m = rows as f32;
    g.iter_mut().for_each(|g| *g /= m);
    loss / (2.0 * m)
}

fn gemv(n: usize) -> Runner {
    let mut p = Problem::new(n, false);
    Box::new(move |k| match k {
        Some(k) => {
            let x = Matrix::from_rows(black_box(p.x.slice()), p.rows, p.cols).unwrap();
            k.gemv(x, &p.w, 0.5, &mut p.out[..p.rows]).unwrap();
        }
        None => {
            let x = black_box(p.x.slice());
            for (i, o) in p.out[..p.rows].iter_mut().enumerate() {
                let row = &x[i * p.cols..(i + 1) * p.cols];
                *o = row.iter().zip(&p.w).map(|(a, b)| a * b).sum::<f32>() + 0.5;
            }
        }
    })
}

fn gemv_t(n: usize) -> Runner {
    let mut p = Problem::new(n, false);
    Box::new(move |k| match k {
        Some(k) => {
            let x = Matrix::from_rows(black_box(p.x.slice()), p.rows, p.cols).unwrap();
            k.gemv_t(x, &p.y, &mut p.out[..p.cols]).unwrap();
        }
        None => {
            let x = black_box(p.x.slice());
            let g = &mut p.out[..p.cols];
            g.iter_mut().for_each(|g| *g = 0.0);
            for (i, &v) in p.y.iter().enumerate() {
                for (g, &a) in g.iter_mut().zip(&x[i * p.cols..(i + 1) * p.cols]) {
                    *g += v * a;
                }
            }
        }
    })
}

fn linear_gradient(n: usize) -> Runner {
    let mut p = Problem::new(n, false);
    Box::new(move |k| {
        match k {
            Some(k) => {
                let mut g = std::mem::take(&mut p.out);
                let r = k.linear_gradient(p.matrix(), &p.y, &p.w, 0.5, &mut g[..p.cols]);
                black_box(r.unwrap());
                p.out = g;
            }
            None => {
                black_box(naive_gradient(&mut p, |z| z));
            }
        };
    })
}

fn logistic_gradient(n: usize) -> Runner {
    let mut p = Problem::new(n, true);
    Box::new(move |k| {
        match k {
            Some(k) => {
                let mut g = std::mem::take(&mut p.out);
                let r = k.logistic_gradient(p.matrix(), &p.y, &p.w, 0.5, &mut g[..p.cols]);
                black_box(r.unwrap());
                p.out = g;
            }
            None => {
                black_box(naive_gradient(&mut p, |z| 1.0 / (1.0 + (-z).exp())));
            }
        };
    })
}

/// Classes of the report's softmax regression.
const CLASSES: usize = 10;

/// The softmax-regression gradient of an `n / COLS x COLS` matrix with
/// [`CLASSES`] classes; the baseline is the two-pass loop a user would
/// write (logits, then softmax and `X^T (P - Y)` row by row).
fn softmax_gradient(n: usize) -> Runner {
    use dotgrad::MatrixMut;
    let p = Problem::new(n, true);
    let (d, c) = (p.cols, CLASSES);
    let w: Vec<f32> = (0..d * c).map(|q| ((q % 7) as f32 - 3.0) * 0.01).collect();
    let labels: Vec<u32> = (0..p.rows).map(|i| (i % c) as u32).collect();
    let (mut gw, mut gb) = (vec![0.0f32; d * c], vec![0.0f32; c]);
    let mut z = vec![0.0f32; p.rows * c];
    Box::new(move |k| {
        let x = black_box(p.x.slice());
        match k {
            Some(k) => {
                let xm = Matrix::from_rows(x, p.rows, d).unwrap();
                let wm = Matrix::from_rows(&w, d, c).unwrap();
                let g = MatrixMut::from_rows(&mut gw, d, c).unwrap();
                black_box(
                    k.softmax_gradient(xm, &labels, wm, &[0.0; CLASSES], g, &mut gb)
                        .unwrap(),
                );
            }
            None => {
                for (zi, xi) in z.chunks_exact_mut(c).zip(x.chunks_exact(d)) {
                    zi.fill(0.0);
                    for (&xv, wr) in xi.iter().zip(w.chunks_exact(c)) {
                        for (zv, &wv) in zi.iter_mut().zip(wr) {
                            *zv += xv * wv;
                        }
                    }
                }
                gw.fill(0.0);
                for ((zi, xi), &label) in z.chunks_exact_mut(c).zip(x.chunks_exact(d)).zip(&labels)
                {
                    let mx = zi.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
                    let s: f32 = zi
                        .iter_mut()
                        .map(|v| {
                            *v = (*v - mx).exp();
                            *v
                        })
                        .sum();
                    for (j, v) in zi.iter_mut().enumerate() {
                        *v = *v / s - if j == label as usize { 1.0 } else { 0.0 };
                    }
                    for (&xv, gr) in xi.iter().zip(gw.chunks_exact_mut(c)) {
                        for (g, &dv) in gr.iter_mut().zip(zi.iter()) {
                            *g += xv * dv;
                        }
                    }
                }
                black_box(&gw);
            }
        }
    })
}

fn adam(n: usize) -> Runner {
    let mut w = Aligned::<f32>::new(n, 5);
    let mut m = Aligned::<f32>::new(n, 6);
    let mut v = Aligned::<f32>::new(n, 7);
    v.slice_mut().iter_mut().for_each(|v| *v = v.abs());
    let g = Aligned::<f32>::new(n, 8);
    let p = AdamParams::adam();
    let (lr, b1, b2, eps) = (p.lr as f32, p.beta1 as f32, p.beta2 as f32, p.eps as f32);
    Box::new(move |k| {
        let (w, m, v, g) = (
            w.slice_mut(),
            m.slice_mut(),
            v.slice_mut(),
            black_box(g.slice()),
        );
        match k {
            Some(k) => k.adam_step(w, m, v, None, g, p, 10).unwrap(),
            None => {
                // The textbook formula at step 10.
                let (c1, c2) = (1.0 - b1.powi(10), 1.0 - b2.powi(10));
                for j in 0..w.len() {
                    m[j] = b1 * m[j] + (1.0 - b1) * g[j];
                    v[j] = b2 * v[j] + (1.0 - b2) * g[j] * g[j];
                    w[j] -= lr * (m[j] / c1) / ((v[j] / c2).sqrt() + eps);
                }
            }
        }
    })
}

fn dot<T: Float + std::iter::Sum>(n: usize) -> Runner {
    let a = Aligned::<T>::new(n, 1);
    let b = Aligned::<T>::new(n, 2);
    Box::new(move |k| {
        let (a, b) = (black_box(a.slice()), black_box(b.slice()));
        match k {
            Some(k) => black_box(k.dot(a, b).unwrap()),
            None => black_box(a.iter().zip(b).map(|(&x, &y)| x * y).sum::<T>()),
        };
    })
}

fn axpy<T: Float>(n: usize) -> Runner {
    let x = Aligned::<T>::new(n, 1);
    let mut y = Aligned::<T>::new(n, 2);
    // y drifts by 1e-6 * |x| per call: no overflow, no subnormals.
    let alpha = T::from_f64(1e-6);
    Box::new(move |k| {
        let (x, y) = (black_box(x.slice()), black_box(y.slice_mut()));
        let alpha = black_box(alpha);
        match k {
            Some(k) => k.axpy(alpha, x, y).unwrap(),
            None => {
                for (y, &x) in y.iter_mut().zip(x) {
                    *y = *y + alpha * x;
                }
            }
        }
    })
}

fn scale<T: Float>(n: usize) -> Runner {
    let mut x = Aligned::<T>::new(n, 3);
    // Scaling by one keeps the values; the kernel cannot know (black_box).
    let alpha = T::from_f64(1.0);
    Box::new(move |k| {
        let (alpha, x) = (black_box(alpha), black_box(x.slice_mut()));
        match k {
            Some(k) => k.scale(alpha, x),
            None => {
                for x in x.iter_mut() {
                    *x = alpha * *x;
                }
            }
        }
    })
}

/// Two vectors of `n` values of a reduced-precision type, converted from
/// [`Aligned`] f32 values by `conv`.
fn narrow_pair<T: Copy>(n: usize, conv: fn(f32) -> T) -> (Vec<T>, Vec<T>) {
    let a = Aligned::<f32>::new(n, 1);
    let b = Aligned::<f32>::new(n, 2);
    (
        a.slice().iter().map(|&x| conv(x)).collect(),
        b.slice().iter().map(|&x| conv(x)).collect(),
    )
}

/// A reduced-precision dot: `conv` makes the inputs, the naive loop
/// widens each element by `widen` and sums in `A` (f32 for the 16-bit
/// floats; i64 for the integers, exact like dotgrad's).
fn dot_narrow<T, A>(n: usize, conv: fn(f32) -> T, widen: fn(T) -> A) -> Runner
where
    T: dotgrad::Element<Acc = A> + 'static,
    A: std::ops::Mul<Output = A> + std::iter::Sum + 'static,
{
    let (a, b) = narrow_pair(n, conv);
    Box::new(move |k| {
        let (a, b) = (black_box(&a[..]), black_box(&b[..]));
        match k {
            Some(k) => black_box(k.dot(a, b).unwrap()),
            None => black_box(
                a.iter()
                    .zip(b)
                    .map(|(&x, &y)| widen(x) * widen(y))
                    .sum::<A>(),
            ),
        };
    })
}

fn dot_bf16(n: usize) -> Runner {
    use dotgrad::half::bf16;
    dot_narrow(n, bf16::from_f32, bf16::to_f32)
}

fn dot_f16(n: usize) -> Runner {
    use dotgrad::half::f16;
    dot_narrow(n, f16::from_f32, f16::to_f32)
}

fn dot_i8(n: usize) -> Runner {
    dot_narrow(n, |x| (x * 127.0) as i8, i64::from)
}

fn dot_u8(n: usize) -> Runner {
    dot_narrow(n, |x| ((x + 1.0) * 127.5) as u8, i64::from)
}

fn sqeuclidean(n: usize) -> Runner {
    let a = Aligned::<f32>::new(n, 1);
    let b = Aligned::<f32>::new(n, 2);
    Box::new(move |k| {
        let (a, b) = (black_box(a.slice()), black_box(b.slice()));
        match k {
            Some(k) => black_box(k.sqeuclidean(a, b).unwrap()),
            None => black_box(a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>()),
        };
    })
}

/// The naive cosine distance: three sums in one loop, then the formula.
fn naive_cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut ab, mut aa, mut bb) = (0.0f32, 0.0f32, 0.0f32);
    for (&x, &y) in a.iter().zip(b) {
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    1.0 - ab / (aa * bb).sqrt()
}

fn cosine(n: usize) -> Runner {
    let a = Aligned::<f32>::new(n, 1);
    let b = Aligned::<f32>::new(n, 2);
    Box::new(move |k| {
        let (a, b) = (black_box(a.slice()), black_box(b.slice()));
        match k {
            Some(k) => black_box(k.cosine(a, b).unwrap()),
            None => black_box(naive_cosine(a, b)),
        };
    })
}

/// A query against every row of an `n / COLS x COLS` bf16 matrix.
fn cosines_bf16(n: usize) -> Runner {
    use dotgrad::half::bf16;
    let cols = COLS.min(n);
    let rows = n / cols;
    let (x, q) = narrow_pair(rows * cols, bf16::from_f32);
    let q = q[..cols].to_vec();
    let mut out = vec![0.0f32; rows];
    Box::new(move |k| {
        let x = black_box(&x[..]);
        match k {
            Some(k) => {
                let m = Matrix::from_rows(x, rows, cols).unwrap();
                k.cosines(m, &q, &mut out).unwrap();
            }
            None => {
                let qf: Vec<f32> = q.iter().map(|v| v.to_f32()).collect();
                for (o, row) in out.iter_mut().zip(x.chunks_exact(cols)) {
                    let r: Vec<f32> = row.iter().map(|v| v.to_f32()).collect();
                    *o = naive_cosine(&r, &qf);
                }
            }
        }
        black_box(&out);
    })
}

/// A query against every row of an `n / COLS x COLS` i8 matrix.
fn dots_i8(n: usize) -> Runner {
    let cols = COLS.min(n);
    let rows = n / cols;
    let (x, q) = narrow_pair(rows * cols, |v| (v * 127.0) as i8);
    let q = q[..cols].to_vec();
    let mut out = vec![0i64; rows];
    Box::new(move |k| {
        let x = black_box(&x[..]);
        match k {
            Some(k) => {
                let m = Matrix::from_rows(x, rows, cols).unwrap();
                k.dots(m, &q, &mut out).unwrap();
            }
            None => {
                for (o, row) in out.iter_mut().zip(x.chunks_exact(cols)) {
                    *o = row
                        .iter()
                        .zip(&q)
                        .map(|(&a, &b)| i64::from(i32::from(a) * i32::from(b)))
                        .sum();
                }
            }
        }
        black_box(&out);
    })
}

/// Largest side of the report's square `gemm` (`n` elements per matrix,
/// capped so that the naive loop and Scalar stay under a second a call).
const GEMM_MAX_SIDE: usize = 512;

/// The side of the square `gemm` for `n` elements.
fn gemm_side(n: usize) -> usize {
    (n as f64).sqrt().floor().min(GEMM_MAX_SIDE as f64) as usize
}

/// `C = A B`, all three square of side `gemm_side(n)`.
fn gemm(n: usize) -> Runner {
    use dotgrad::{MatrixMut, Trans};
    let s = gemm_side(n);
    let a = Aligned::<f32>::new(s * s, 1);
    let b = Aligned::<f32>::new(s * s, 2);
    let mut c = vec![0.0f32; s * s];
    Box::new(move |k| {
        let (a, b) = (black_box(a.slice()), black_box(b.slice()));
        match k {
            Some(k) => {
                let (am, bm) = (
                    Matrix::from_rows(a, s, s).unwrap(),
                    Matrix::from_rows(b, s, s).unwrap(),
                );
                let cm = MatrixMut::from_rows(&mut c, s, s).unwrap();
                k.gemm(am, Trans::No, bm, Trans::No, cm).unwrap();
            }
            None => {
                // The i-p-j loop a user would write (row of B streamed).
                c.iter_mut().for_each(|c| *c = 0.0);
                for i in 0..s {
                    for p in 0..s {
                        let aip = a[i * s + p];
                        for (cij, &bpj) in
                            c[i * s..(i + 1) * s].iter_mut().zip(&b[p * s..(p + 1) * s])
                        {
                            *cij += aip * bpj;
                        }
                    }
                }
            }
        }
        black_box(&c);
    })
}

/// Floating-point operations of one call of case `name` on `n` elements
/// (0 where the count is not meaningful: adam).
fn flops(name: &str, n: usize) -> f64 {
    let n = n as f64;
    match name {
        "gemm f32" => 2.0 * (gemm_side(n as usize) as f64).powi(3),
        "scale f32" | "scale f64" => n,
        "lin grad f32" | "log grad f32" => 4.0 * n,
        "softmax grad f32" => 4.0 * CLASSES as f64 * n,
        "sqeuclid f32" => 3.0 * n,
        "cosine f32" | "cosines bf16" => 6.0 * n,
        "adam f32" => 0.0,
        _ => 2.0 * n,
    }
}

/// `n` deterministic values in [-1, 1), starting on a 64-byte boundary.
struct Aligned<T> {
    buf: Vec<T>,
    start: usize,
    n: usize,
}

impl<T: Float> Aligned<T> {
    fn new(n: usize, seed: u64) -> Self {
        let size = std::mem::size_of::<T>();
        let mut buf = vec![T::ZERO; n + 64 / size];
        let start = ((64 - buf.as_ptr() as usize % 64) % 64) / size;
        for (i, x) in buf[start..start + n].iter_mut().enumerate() {
            let mut z = (i as u64 ^ seed << 40).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            z ^= z >> 29;
            *x = T::from_f64((z >> 11) as f64 / (1u64 << 52) as f64 - 1.0);
        }
        Aligned { buf, start, n }
    }
    fn slice(&self) -> &[T] {
        &self.buf[self.start..self.start + self.n]
    }
    fn slice_mut(&mut self) -> &mut [T] {
        &mut self.buf[self.start..self.start + self.n]
    }
}

/// How long to measure.
struct Plan {
    sizes: [(&'static str, usize); 3],
    /// Time to spend on one (kernel, size, backend).
    budget: Duration,
    /// Shortest sample (a batch of calls).
    sample: Duration,
}

const FULL: Plan = Plan {
    sizes: [("L1", 4 << 10), ("L2", 64 << 10), ("DRAM", 16 << 20)],
    budget: Duration::from_millis(120),
    sample: Duration::from_millis(2),
};

const QUICK: Plan = Plan {
    sizes: [("L1", 1 << 10), ("L2", 16 << 10), ("L3", 256 << 10)],
    budget: Duration::from_millis(10),
    sample: Duration::from_micros(300),
};

/// Median time of one call of `run`, in nanoseconds.
fn measure(run: &mut dyn FnMut(), plan: &Plan) -> f64 {
    // Warm up (caches, page faults) and calibrate the batch size.
    run();
    let t = Instant::now();
    run();
    let once = t.elapsed().max(Duration::from_nanos(1));
    let batch = (plan.sample.as_nanos() / once.as_nanos()).clamp(1, 1 << 20) as u32;
    let samples = (plan.budget.as_nanos() / (once.as_nanos() * u128::from(batch))).clamp(3, 51);
    let mut times: Vec<f64> = (0..samples)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..batch {
                run();
            }
            t.elapsed().as_nanos() as f64 / f64::from(batch)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn cpu_model() -> String {
    let from_proc = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("model name") || l.starts_with("Model"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    });
    from_proc.unwrap_or_else(|| "unknown model".to_string())
}

/// The SIMD features `std::arch` detects, as a word list.
fn cpu_features() -> String {
    let mut f: Vec<&str> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        macro_rules! x86 {
            ($($name:tt),*) => {$(
                if std::arch::is_x86_feature_detected!($name) {
                    f.push($name);
                }
            )*};
        }
        x86!(
            "sse4.2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"
        );
    }
    #[cfg(target_arch = "aarch64")]
    {
        macro_rules! arm {
            ($($name:tt),*) => {$(
                if std::arch::is_aarch64_feature_detected!($name) {
                    f.push($name);
                }
            )*};
        }
        arm!("neon", "fp16", "sve", "sve2");
    }
    if f.is_empty() {
        "none detected".to_string()
    } else {
        f.join(" ")
    }
}

fn fmt_time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} us", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

fn fmt_n(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{}Mi", n >> 20)
    } else if n >= 1 << 10 {
        format!("{}Ki", n >> 10)
    } else {
        n.to_string()
    }
}

fn main() {
    let quick = std::env::args().skip(1).any(|a| a == "--quick")
        || std::env::var("DOTGRAD_SPEED_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let plan = if quick { &QUICK } else { &FULL };
    let started = Instant::now();

    println!(
        "dotgrad speed report{}",
        if quick { " (quick)" } else { "" }
    );
    println!(
        "cpu:      {} ({}, {} threads)",
        cpu_model(),
        std::env::consts::ARCH,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("features: {}", cpu_features());
    let avail: Vec<Isa> = Isa::available().collect();
    let names: Vec<&str> = avail.iter().map(|i| i.name()).collect();
    println!("backends: {}", names.join(", "));
    let chosen = Isa::best();
    match Isa::from_env() {
        Ok(None) => println!("chosen:   {chosen} (the best detected; DOTGRAD_ISA unset)"),
        Ok(Some(cap)) => println!("chosen:   {chosen} (DOTGRAD_ISA={cap} caps the choice)"),
        Err(e) => {
            println!("chosen:   {chosen} (the best detected)");
            println!("ERROR:    DOTGRAD_ISA: {e}; it was ignored");
        }
    }
    println!("timing:   median of samples; inputs 64-byte aligned; * marks the chosen backend\n");

    // With the `rayon` feature, every backend also runs on all cores (the
    // same bits; `threads` says how many), beside one thread.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threaded = cores > 1 && Kernels::best().with_par(Par::All).is_ok();
    if threaded {
        println!("threads:  1 and {cores} (Par::All; the `rayon` feature is on)\n");
    } else if cores > 1 {
        println!("threads:  1 (build with `--features rayon` for a {cores}-thread column)\n");
    }
    let header = [
        "kernel",
        "size",
        "n",
        "backend",
        "threads",
        "time/call",
        "GB/s",
        "elem/ns",
        "GFLOP/s",
        "vs naive",
    ];
    let right = [
        false, false, true, false, true, true, true, true, true, true,
    ];
    let mut rows: Vec<[String; 10]> = Vec::new();
    for case in CASES {
        for &(level, n) in &plan.sizes {
            let mut run = (case.setup)(n);
            let naive = measure(&mut || run(None), plan);
            let fl = flops(case.name, n);
            // Elements per matrix the call really touches (gemm's side is capped).
            let elems = if case.name == "gemm f32" {
                gemm_side(n).pow(2)
            } else {
                n
            };
            let mut add = |backend: String, threads: usize, ns: f64| {
                rows.push([
                    case.name.to_string(),
                    level.to_string(),
                    fmt_n(elems),
                    backend,
                    threads.to_string(),
                    fmt_time(ns),
                    format!("{:.2}", (case.bytes_per_elem * elems) as f64 / ns),
                    format!("{:.2}", elems as f64 / ns),
                    if fl > 0.0 {
                        format!("{:.2}", fl / ns)
                    } else {
                        "-".to_string()
                    },
                    format!("{:.2}x", naive / ns),
                ]);
            };
            add("naive".to_string(), 1, naive);
            for &isa in &avail {
                let k = Kernels::new(isa).expect("listed as available");
                let ns = measure(&mut || run(Some(k)), plan);
                let mark = if isa == chosen { "*" } else { "" };
                add(format!("{isa}{mark}"), 1, ns);
                if threaded {
                    let kt = k.with_par(Par::All).expect("checked above");
                    let ns = measure(&mut || run(Some(kt)), plan);
                    add(format!("{isa}{mark}"), cores, ns);
                }
            }
        }
    }

    let mut width = header.map(str::len);
    for row in &rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(width)
            .zip(right)
            .map(|((c, w), r)| {
                if r {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(&header.map(String::from));
    let mut last: Option<(String, String)> = None;
    for row in &rows {
        let key = (row[0].clone(), row[1].clone());
        if last.as_ref().is_some_and(|l| l.0 != key.0) {
            println!();
        }
        last = Some(key);
        line(row);
    }
    println!(
        "\nGB/s counts bytes read plus written (dot, sqeuclid, cosine: 2n, axpy: 3n, scale: 2n, \
         adam: 7n elements; gemv, gemv_t, the gradients, dots and cosines: the n elements of X, \
         a {COLS}-column matrix; gemm: A, B and C, square of side min(sqrt(n), {GEMM_MAX_SIDE}), \
         2 side^3 flops). Report took {:.1} s.",
        started.elapsed().as_secs_f64()
    );
}
