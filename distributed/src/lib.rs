//! # dotgrad-distributed
//!
//! Data-parallel training with dotgrad over MPI, bit for bit the run of one
//! process. Each rank owns a contiguous range of rows (on dotgrad's
//! 256-row block boundaries), computes the partial gradient sums of its
//! rows with `Kernels::linear_gradient_partial` (or the logistic one),
//! and sends them as bytes to the root; the root combines them **in rank
//! order** with `Partial::combine_gradient`, which finishes dotgrad's block
//! tree and applies the mean once, takes the optimizer step and broadcasts
//! the new weights. No reduction is left to the transport (MPI's reduce
//! may bracket a sum as it likes), so the weights after any number of
//! epochs have the bits that one `Kernels::linear_gradient` on the whole
//! data gives, for any number of ranks and any split.
//!
//! Two binaries run the same [suite](job::suite): `dotgrad-single` (no MPI:
//! plain dotgrad calls on the whole data) and `dotgrad-mpi` (under
//! `mpirun`). `scripts/test-mpi.sh` compares their result lines.
//!
//! [`comm::Threads`] runs the distributed code with ranks as threads, which
//! the tests use on machines without MPI.

#![deny(missing_docs)]

pub mod comm;
pub mod data;
pub mod dotcheck;
pub mod elem;
pub mod job;
pub mod split;
pub mod train;

use dotgrad::Kernels;

use comm::Collective;
use elem::Elem;
use job::{Dtype, Fault, Job, Stats, dot_result, print_epoch, train_result};
use split::Split;

/// Any error of a run, with its story in words.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// A run's result.
pub type Result<T> = std::result::Result<T, Error>;

/// The loss line the root prints for `epoch`.
fn epoch_line<T: Elem>(epoch: usize, loss: T) -> String {
    format!(
        "  epoch {epoch:4}  loss {loss:.9e}  ({:0w$x})",
        loss.bits(),
        w = 2 * T::BYTES
    )
}

/// What a run of a job ends with on one rank (or the single process): its
/// result line and the bits behind it.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The `result ...` line, the same on every rank and in the
    /// single-process run.
    pub line: String,
    /// The bits of the result: the final `theta = [w..., b]` (training) or
    /// the dot (one element).
    pub bits: Vec<u64>,
    /// The bits of each epoch's loss (training; empty for `dot`).
    pub loss_bits: Vec<u64>,
    /// Timings, and at the root every rank's payload (distributed runs).
    pub stats: Stats,
}

impl Outcome {
    fn train<T: Elem>(j: &job::TrainJob, t: &train::Trained<T>, stats: Stats) -> Outcome {
        Outcome {
            line: train_result(j, &t.theta, &t.losses),
            bits: t.theta.iter().map(|v| v.bits()).collect(),
            loss_bits: t.losses.iter().map(|v| v.bits()).collect(),
            stats,
        }
    }

    fn dot<T: Elem>(j: &job::DotJob, d: T, stats: Stats) -> Outcome {
        Outcome {
            line: dot_result(j, d),
            bits: vec![d.bits()],
            loss_bits: Vec::new(),
            stats,
        }
    }
}

/// The loss line the root prints for an epoch it reports.
fn epoch_report<T: Elem>(epochs: usize, print: bool) -> impl FnMut(usize, T) {
    move |epoch, loss| {
        if print && print_epoch(epoch, epochs) {
            println!("{}", epoch_line(epoch, loss));
        }
    }
}

/// Runs `job` in this process on the whole data with plain dotgrad calls;
/// prints the losses when `print`.
///
/// # Errors
/// dotgrad's, if any.
pub fn run_single(k: Kernels, job: &Job, print: bool) -> Result<Outcome> {
    fn go<T: Elem>(k: Kernels, job: &Job, print: bool) -> Result<Outcome> {
        match job {
            Job::Dot(j) => Ok(Outcome::dot(
                j,
                dotcheck::dot_single::<T>(k, j)?,
                Stats::default(),
            )),
            Job::Train(j) => {
                let t = train::train_single::<T>(k, j, &mut epoch_report(j.epochs, print))?;
                Ok(Outcome::train(j, &t, Stats::default()))
            }
        }
    }
    match dtype(job) {
        Dtype::F32 => go::<f32>(k, job, print),
        Dtype::F64 => go::<f64>(k, job, print),
    }
}

/// Runs `job` on the ranks of `comm` (every rank calls it); with `print`,
/// the root prints the losses, payloads and timings.
///
/// # Errors
/// As [`train::train_ranks`].
pub fn run_ranks(
    k: Kernels,
    job: &Job,
    split: Split,
    fault: Fault,
    comm: &dyn Collective,
    print: bool,
) -> Result<Outcome> {
    fn go<T: Elem>(
        k: Kernels,
        job: &Job,
        split: Split,
        fault: Fault,
        comm: &dyn Collective,
        print: bool,
    ) -> Result<Outcome> {
        let print = print && comm.rank() == 0;
        let out = match job {
            Job::Dot(j) => {
                let (d, stats) = dotcheck::dot_ranks::<T>(k, j, split, fault, comm)?;
                Outcome::dot(j, d, stats)
            }
            Job::Train(j) => {
                let mut report = epoch_report(j.epochs, print);
                let (t, stats) = train::train_ranks::<T>(k, j, split, fault, comm, &mut report)?;
                Outcome::train(j, &t, stats)
            }
        };
        if print {
            print!("{}", out.stats.lines(T::NAME));
        }
        Ok(out)
    }
    match dtype(job) {
        Dtype::F32 => go::<f32>(k, job, split, fault, comm, print),
        Dtype::F64 => go::<f64>(k, job, split, fault, comm, print),
    }
}

fn dtype(job: &Job) -> Dtype {
    match job {
        Job::Dot(j) => j.dtype,
        Job::Train(j) => j.dtype,
    }
}

/// The command line both binaries take.
#[derive(Clone, Debug)]
pub struct Options {
    /// The jobs to run (`--only a,b`; default: the whole suite).
    pub jobs: Vec<Job>,
    /// `--split even|skewed` (default skewed).
    pub split: Split,
    /// `--fault none|reverse-ranks|rank-sums` (default none).
    pub fault: Fault,
}

/// The usage text.
pub const USAGE: &str = "options:
  --only NAME[,NAME...]   run only these jobs of the suite (--list names them)
  --split even|skewed     how rows are shared out among ranks (default skewed: 1:2:3...)
  --fault KIND            test hook, a deliberately wrong combine at the root:
                          reverse-ranks (dotgrad must refuse it) or rank-sums
                          (each rank's own tree, summed in reverse rank order)
  --list                  print the suite's jobs and exit";

impl Options {
    /// Parses `args` (without the program name). `Ok(None)` after `--list`
    /// or `--help` (printed).
    ///
    /// # Errors
    /// An unknown option or value.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>> {
        let mut opts = Options {
            jobs: job::suite(),
            split: Split::Skewed,
            fault: Fault::None,
        };
        let mut args = args.into_iter();
        while let Some(a) = args.next() {
            let mut value = || args.next().ok_or(format!("{a} needs a value\n{USAGE}"));
            match a.as_str() {
                "--only" => {
                    let names = value()?;
                    let all = job::suite();
                    opts.jobs = names
                        .split(',')
                        .map(|n| {
                            all.iter()
                                .find(|j| j.name() == n)
                                .copied()
                                .ok_or(format!("no job {n:?} (see --list)"))
                        })
                        .collect::<std::result::Result<_, _>>()?;
                }
                "--split" => {
                    let v = value()?;
                    opts.split = Split::parse(&v).ok_or(format!("--split {v:?}\n{USAGE}"))?;
                }
                "--fault" => {
                    let v = value()?;
                    opts.fault = Fault::parse(&v).ok_or(format!("--fault {v:?}\n{USAGE}"))?;
                }
                "--list" => {
                    for j in job::suite() {
                        println!("{:20} {}", j.name(), j.describe());
                    }
                    return Ok(None);
                }
                "--help" | "-h" => {
                    println!("{USAGE}");
                    return Ok(None);
                }
                _ => return Err(format!("unknown argument {a:?}\n{USAGE}").into()),
            }
        }
        Ok(Some(opts))
    }
}
