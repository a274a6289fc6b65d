//! The runs both binaries make (the suite), the optimizer step the root
//! takes, and what a run reports.

use std::fmt::Write as _;
use std::ops::Range;
use std::time::Duration;

use dotgrad::{AdamParams, Kernels, SgdParams};

use crate::data::{Model, Problem};
use crate::elem::{Elem, fnv1a};

/// `f32` or `f64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    /// `f32`.
    F32,
    /// `f64`.
    F64,
}

/// The optimizer, applied by the root to the weights and the bias together
/// (`theta = [w..., b]`).
#[derive(Clone, Copy, Debug)]
pub enum Optimizer {
    /// [`Kernels::sgd_step`].
    Sgd(SgdParams),
    /// [`Kernels::adam_step`].
    Adam(AdamParams),
}

impl Optimizer {
    /// E.g. `"sgd lr 0.2"`.
    pub fn describe(&self) -> String {
        match self {
            Optimizer::Sgd(p) => format!("sgd lr {}", p.lr),
            Optimizer::Adam(p) => format!("adam lr {}", p.lr),
        }
    }
}

/// The optimizer and its state (Adam's moments and step count).
pub struct Stepper<T> {
    opt: Optimizer,
    m: Vec<T>,
    v: Vec<T>,
    step: u64,
}

impl<T: Elem> Stepper<T> {
    /// A fresh state for `len` parameters.
    pub fn new(opt: Optimizer, len: usize) -> Stepper<T> {
        let len = if matches!(opt, Optimizer::Adam(_)) {
            len
        } else {
            0
        };
        Stepper {
            opt,
            m: vec![T::ZERO; len],
            v: vec![T::ZERO; len],
            step: 0,
        }
    }

    /// One step of `theta` along `grad`, on backend `k`.
    ///
    /// # Errors
    /// dotgrad's, for mismatched lengths or parameters out of range.
    pub fn step(&mut self, k: Kernels, theta: &mut [T], grad: &[T]) -> Result<(), dotgrad::Error> {
        self.step += 1;
        match self.opt {
            Optimizer::Sgd(p) => k.sgd_step(theta, grad, p),
            Optimizer::Adam(p) => {
                k.adam_step(theta, &mut self.m, &mut self.v, None, grad, p, self.step)
            }
        }
    }
}

/// Training a regression by full-batch gradient descent.
#[derive(Clone, Copy, Debug)]
pub struct TrainJob {
    /// E.g. `"linear-f32"`.
    pub name: &'static str,
    /// The data set.
    pub problem: Problem,
    /// Element type.
    pub dtype: Dtype,
    /// Steps (one gradient of the whole data set each).
    pub epochs: usize,
    /// The optimizer.
    pub opt: Optimizer,
}

/// One `dot` of two long vectors.
#[derive(Clone, Copy, Debug)]
pub struct DotJob {
    /// E.g. `"dot-f32"`.
    pub name: &'static str,
    /// Elements per vector.
    pub len: usize,
    /// Element type.
    pub dtype: Dtype,
    /// The data's seed.
    pub seed: u64,
}

/// One run of the suite.
#[derive(Clone, Copy, Debug)]
pub enum Job {
    /// A distributed `dot`.
    Dot(DotJob),
    /// A distributed training run.
    Train(TrainJob),
}

impl Job {
    /// The job's name.
    pub fn name(&self) -> &'static str {
        match self {
            Job::Dot(j) => j.name,
            Job::Train(j) => j.name,
        }
    }

    /// One line saying what the job computes.
    pub fn describe(&self) -> String {
        let ty = |d: Dtype| match d {
            Dtype::F32 => "f32",
            Dtype::F64 => "f64",
        };
        match self {
            Job::Dot(j) => format!(
                "dot of two vectors of {} {} ({} blocks)",
                j.len,
                ty(j.dtype),
                j.len.div_ceil(match j.dtype {
                    Dtype::F32 => <f32 as dotgrad::Element>::E,
                    Dtype::F64 => <f64 as dotgrad::Element>::E,
                })
            ),
            Job::Train(j) => format!(
                "{} regression, {} x {} {} ({} row blocks), {}, {} epochs",
                j.problem.model.name(),
                j.problem.rows,
                j.problem.cols,
                ty(j.dtype),
                j.problem.rows.div_ceil(256),
                j.opt.describe(),
                j.epochs
            ),
        }
    }
}

/// The suite: `dot` in both types (one of them shorter than four blocks,
/// so that four ranks leave one with nothing), and linear (SGD) and
/// logistic (Adam) regression in both types, two of them on 600 rows (3
/// row blocks) for the same reason.
pub fn suite() -> Vec<Job> {
    let sgd = Optimizer::Sgd(SgdParams {
        lr: 0.2,
        weight_decay: 0.0,
    });
    let adam = Optimizer::Adam(AdamParams {
        lr: 0.05,
        ..AdamParams::adam()
    });
    let train = |name, model, rows, cols, dtype, epochs, opt, seed| {
        Job::Train(TrainJob {
            name,
            problem: Problem {
                model,
                rows,
                cols,
                seed,
            },
            dtype,
            epochs,
            opt,
        })
    };
    let dot = |name, len, dtype, seed| {
        Job::Dot(DotJob {
            name,
            len,
            dtype,
            seed,
        })
    };
    use Dtype::{F32, F64};
    use Model::{Linear, Logistic};
    vec![
        dot("dot-f32", 1_000_003, F32, 11),
        dot("dot-f64", 1_000_003, F64, 12),
        dot("dot-small-f32", 10_000, F32, 13),
        train("linear-f32", Linear, 100_000, 32, F32, 100, sgd, 21),
        train("linear-f64", Linear, 100_000, 32, F64, 100, sgd, 22),
        train("logistic-f32", Logistic, 60_000, 24, F32, 100, adam, 23),
        train("logistic-f64", Logistic, 60_000, 24, F64, 100, adam, 24),
        train("linear-small-f32", Linear, 600, 16, F32, 30, sgd, 25),
        train("logistic-small-f64", Logistic, 600, 16, F64, 30, adam, 26),
    ]
}

/// A deliberate mistake in the distributed combine, to show that the
/// comparison with the single-process run catches it. Test hook only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The correct run.
    None,
    /// The root hands dotgrad the partials in reverse rank order. dotgrad
    /// refuses them (they are not contiguous from the start): the run fails.
    ReverseRanks,
    /// What a reduction by the transport would do: each rank finishes its
    /// own rows as a whole (its own block tree), and the root adds the
    /// ranks' results, gradients weighted by their share of the rows, in
    /// reverse rank order. Runs, and gives other bits.
    RankSums,
}

impl Fault {
    /// Parses `none`, `reverse-ranks`, `rank-sums`.
    pub fn parse(s: &str) -> Option<Fault> {
        match s {
            "none" => Some(Fault::None),
            "reverse-ranks" => Some(Fault::ReverseRanks),
            "rank-sums" => Some(Fault::RankSums),
            _ => None,
        }
    }
}

/// One rank's share of the input and the partial it sends each epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// The rank.
    pub rank: usize,
    /// Its elements (dot) or rows.
    pub range: Range<usize>,
    /// `Partial::to_bytes().len()`.
    pub bytes: usize,
    /// `Partial::payload_len()` (elements of `T`).
    pub elems: usize,
    /// Subtrees of the block tree in the partial (`elems / (width + 2)`).
    pub subtrees: usize,
}

/// Where a rank's time went, and (at the root) every rank's payload.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Generating this rank's data.
    pub data: Duration,
    /// Computing the partials.
    pub compute: Duration,
    /// In the gathers.
    pub gather: Duration,
    /// Combining and stepping (root).
    pub combine: Duration,
    /// In the broadcasts.
    pub broadcast: Duration,
    /// Bytes of each broadcast.
    pub broadcast_bytes: usize,
    /// Every rank's payload (root; empty elsewhere).
    pub payloads: Vec<Payload>,
}

impl Stats {
    /// The report's lines (payloads and timings), indented.
    pub fn lines(&self, ty: &str) -> String {
        let mut s = String::new();
        if !self.payloads.is_empty() {
            s.push_str(
                "  payload per worker per epoch (Partial::to_bytes; payload_len in elements):\n",
            );
            for p in &self.payloads {
                let _ = writeln!(
                    s,
                    "    rank {:2}  {:>8}..{:<8} {:6} B  (payload_len {} {ty} = {} subtrees)",
                    p.rank, p.range.start, p.range.end, p.bytes, p.elems, p.subtrees
                );
            }
            let _ = writeln!(
                s,
                "  broadcast per epoch: {} B to each rank",
                self.broadcast_bytes
            );
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let _ = writeln!(
            s,
            "  time at this rank: data {:.1} ms, partials {:.1} ms, gather {:.1} ms, combine+step {:.1} ms, broadcast {:.1} ms",
            ms(self.data),
            ms(self.compute),
            ms(self.gather),
            ms(self.combine),
            ms(self.broadcast)
        );
        s
    }
}

/// The line a training run ends with, the same on every rank and in the
/// single-process run: FNV-1a of the final weights and bias, the bias's
/// and the last loss's bits, and FNV-1a of every epoch's loss.
pub fn train_result<T: Elem>(job: &TrainJob, theta: &[T], losses: &[T]) -> String {
    let w = 2 * T::BYTES;
    format!(
        "result {} weights={:016x} bias={:0w$x} loss={:0w$x} losses={:016x}",
        job.name,
        fnv1a(theta),
        theta.last().map_or(0, |b| b.bits()),
        losses.last().map_or(0, |l| l.bits()),
        fnv1a(losses),
    )
}

/// The line a `dot` run ends with: the result's bits.
pub fn dot_result<T: Elem>(job: &DotJob, d: T) -> String {
    format!(
        "result {} bits={:0w$x} value={d:e}",
        job.name,
        d.bits(),
        w = 2 * T::BYTES
    )
}

/// The epochs whose loss the root prints: the first, every tenth, the last.
pub fn print_epoch(epoch: usize, epochs: usize) -> bool {
    epoch.is_multiple_of(10) || epoch + 1 == epochs
}
