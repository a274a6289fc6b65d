//! Full-batch gradient descent, in one process on the whole data (the
//! reference) and data-parallel over the ranks of a [`Collective`].
//!
//! Each epoch of the distributed run:
//! 1. every rank computes the partial gradient sums of its rows
//!    ([`Kernels::linear_gradient_partial`] or the logistic one) at the
//!    current `(w, b)` and sends [`Partial::to_bytes`] to the root;
//! 2. the root reads them back and calls [`Partial::combine_gradient`] on
//!    all of them in rank order, which finishes the block tree and applies
//!    the mean once: the gradient of the whole data set, bit for bit;
//! 3. the root takes the optimizer step on `theta = [w..., b]` and
//!    broadcasts a status byte, the new `theta` and the loss;
//! 4. every rank replaces its `theta` with the broadcast one.
//!
//! An error anywhere (a rank's partial, the root's combine or step) is
//! reported through the status byte, so that every rank leaves the loop at
//! the same epoch instead of waiting in a collective.

use std::time::Instant;

use dotgrad::{Gradient, Kernels, Matrix, Partial};

use crate::comm::Collective;
use crate::data::Model;
use crate::elem::{Elem, get, put};
use crate::job::{Fault, Payload, Stats, Stepper, TrainJob};
use crate::split::Split;
use crate::{Error, Result};

/// Rows per block of the matrix kernels (the contract's `R`).
pub const ROW_BLOCK: usize = 256;

/// The prefix of a rank's message when its partial failed.
pub(crate) const ERR: &[u8] = b"ERR!";

/// The message of a rank with no rows under [`Fault::RankSums`] (a data
/// set of no rows has no mean, so there is no partial to send).
pub(crate) const NOTHING: &[u8] = b"NONE";

/// What a training run ends with: `theta = [w..., b]` and every epoch's
/// loss (at the weights before that epoch's step).
#[derive(Clone, Debug, PartialEq)]
pub struct Trained<T> {
    /// The final weights, then the bias.
    pub theta: Vec<T>,
    /// The loss of each epoch.
    pub losses: Vec<T>,
}

/// The whole gradient on one process: `linear_gradient` or
/// `logistic_gradient` of the whole batch.
fn whole_gradient<T: Elem>(
    k: Kernels,
    model: Model,
    x: Matrix<'_, T>,
    y: &[T],
    theta: &[T],
    grad: &mut [T],
) -> Result<Gradient<T>> {
    let (w, b) = theta.split_at(theta.len() - 1);
    let gw = &mut grad[..w.len()];
    Ok(match model {
        Model::Linear => k.linear_gradient(x, y, w, b[0], gw)?,
        Model::Logistic => k.logistic_gradient(x, y, w, b[0], gw)?,
    })
}

/// The reference: `job.epochs` steps on the whole data in one process, with
/// plain dotgrad calls. Calls `report(epoch, loss)` each epoch.
///
/// # Errors
/// dotgrad's errors (none for the suite's jobs).
pub fn train_single<T: Elem>(
    k: Kernels,
    job: &TrainJob,
    report: &mut dyn FnMut(usize, T),
) -> Result<Trained<T>> {
    let p = &job.problem;
    let (x, y) = p.rows::<T>(0, p.rows);
    let x = Matrix::from_rows(&x, p.rows, p.cols)?;
    let mut theta = vec![T::ZERO; p.cols + 1];
    let mut grad = vec![T::ZERO; p.cols + 1];
    let mut stepper = Stepper::new(job.opt, theta.len());
    let mut losses = Vec::with_capacity(job.epochs);
    for epoch in 0..job.epochs {
        let g = whole_gradient(k, p.model, x, &y, &theta, &mut grad)?;
        grad[p.cols] = g.grad_b;
        report(epoch, g.loss);
        losses.push(g.loss);
        stepper.step(k, &mut theta, &grad)?;
    }
    Ok(Trained { theta, losses })
}

/// This rank's partial gradient sums at `theta`: its rows as rows
/// `offset..` of the `total` rows of the whole data set (or, the
/// [`Fault::RankSums`] mistake, `offset = 0` of `total = ` its own rows).
fn partial<T: Elem>(
    k: Kernels,
    model: Model,
    x: Matrix<'_, T>,
    y: &[T],
    theta: &[T],
    offset: usize,
    total: usize,
) -> std::result::Result<Partial<T>, dotgrad::Error> {
    let (w, b) = theta.split_at(theta.len() - 1);
    match model {
        Model::Linear => k.linear_gradient_partial(x, y, w, b[0], offset, total),
        Model::Logistic => k.logistic_gradient_partial(x, y, w, b[0], offset, total),
    }
}

/// Reads the gathered messages: each rank's partial, in rank order
/// (`None` for [`NOTHING`]).
pub(crate) fn read_partials<T: Elem>(msgs: &[Vec<u8>]) -> Result<Vec<Option<Partial<T>>>> {
    msgs.iter()
        .enumerate()
        .map(|(r, m)| {
            if let Some(why) = m.strip_prefix(ERR) {
                return Err(format!("rank {r}: {}", String::from_utf8_lossy(why)).into());
            }
            if m == NOTHING {
                return Ok(None);
            }
            match Partial::from_bytes(m) {
                Ok(p) => Ok(Some(p)),
                Err(e) => Err(format!("rank {r}: {e}").into()),
            }
        })
        .collect()
}

/// Every rank's partial, or the error of the first rank that sent none.
pub(crate) fn all_partials<T: Elem>(parts: Vec<Option<Partial<T>>>) -> Result<Vec<Partial<T>>> {
    parts
        .into_iter()
        .enumerate()
        .map(|(r, p)| p.ok_or_else(|| format!("rank {r} sent no partial").into()))
        .collect()
}

/// The root's half of an epoch: the gradient of the whole data set from the
/// ranks' messages, then the step. Returns the loss.
#[allow(clippy::too_many_arguments)]
fn root_step<T: Elem>(
    k: Kernels,
    fault: Fault,
    msgs: &[Vec<u8>],
    rows: usize,
    theta: &mut [T],
    grad: &mut [T],
    stepper: &mut Stepper<T>,
    payloads: &mut Vec<Payload>,
) -> Result<T> {
    let n = theta.len() - 1;
    let parts = read_partials::<T>(msgs)?;
    if payloads.is_empty() {
        *payloads = payloads_of(msgs, &parts, n + 2);
    }
    let g = match fault {
        Fault::None => Partial::combine_gradient(&all_partials(parts)?, &mut grad[..n])?,
        Fault::ReverseRanks => {
            let mut parts = all_partials(parts)?;
            parts.reverse();
            Partial::combine_gradient(&parts, &mut grad[..n])?
        }
        Fault::RankSums => rank_sums(&parts, rows, &mut grad[..n])?,
    };
    grad[n] = g.grad_b;
    stepper.step(k, theta, grad)?;
    Ok(g.loss)
}

/// Each partial's size, for the report (`node` elements per subtree).
pub(crate) fn payloads_of<T: Elem>(
    msgs: &[Vec<u8>],
    parts: &[Option<Partial<T>>],
    node: usize,
) -> Vec<Payload> {
    msgs.iter()
        .zip(parts)
        .enumerate()
        .map(|(rank, (m, p))| Payload {
            rank,
            range: p.as_ref().map_or(0..0, |p| p.range().0),
            bytes: m.len(),
            elems: p.as_ref().map_or(0, Partial::payload_len),
            subtrees: p.as_ref().map_or(0, |p| p.payload_len() / node),
        })
        .collect()
}

/// [`Fault::RankSums`]: each rank's rows finished as a data set of their
/// own, then `sum_r (m_r / m) g_r` from the last rank to the first.
fn rank_sums<T: Elem>(
    parts: &[Option<Partial<T>>],
    rows: usize,
    gw: &mut [T],
) -> Result<Gradient<T>> {
    let m = T::from_usize(rows);
    let mut acc = Gradient::default();
    gw.fill(T::ZERO);
    let mut g = vec![T::ZERO; gw.len()];
    for p in parts.iter().rev().flatten() {
        let r = Partial::combine_gradient(std::slice::from_ref(p), &mut g)?;
        let share = T::from_usize(p.range().1) / m;
        for (a, &b) in gw.iter_mut().zip(&g) {
            *a = *a + share * b;
        }
        acc.grad_b = acc.grad_b + share * r.grad_b;
        acc.loss = acc.loss + share * r.loss;
    }
    Ok(acc)
}

/// The data-parallel run on `comm`: this rank's rows by `split`, the
/// partials gathered and combined at the root, the step broadcast. Every
/// rank returns the same [`Trained`]; the root's `report(epoch, loss)` is
/// called each epoch, and its [`Stats`] carry every rank's payload.
///
/// # Errors
/// Any rank's dotgrad error (reported by the root; the other ranks return
/// an error saying that the root stopped the run).
pub fn train_ranks<T: Elem>(
    k: Kernels,
    job: &TrainJob,
    split: Split,
    fault: Fault,
    comm: &dyn Collective,
    report: &mut dyn FnMut(usize, T),
) -> Result<(Trained<T>, Stats)> {
    let p = &job.problem;
    let (n, root) = (p.cols, comm.rank() == 0);
    let mut stats = Stats::default();

    let t = Instant::now();
    let mine = split.range(p.rows, ROW_BLOCK, comm.rank(), comm.size());
    let (x, y) = p.rows::<T>(mine.start, mine.end);
    let x = Matrix::from_rows(&x, mine.len(), n)?;
    stats.data = t.elapsed();

    let mut theta = vec![T::ZERO; n + 1];
    let mut grad = vec![T::ZERO; n + 1];
    // Only the root steps, so only the root keeps the optimizer's state.
    let mut stepper = Stepper::new(job.opt, if root { n + 1 } else { 0 });
    let mut losses = Vec::with_capacity(job.epochs);
    // Status byte, theta, the loss.
    let mut msg = vec![0u8; 1 + (n + 2) * T::BYTES];
    stats.broadcast_bytes = msg.len();
    for epoch in 0..job.epochs {
        let t = Instant::now();
        let (offset, total) = match fault {
            Fault::RankSums => (0, mine.len()),
            _ => (mine.start, p.rows),
        };
        let bytes = if fault == Fault::RankSums && mine.is_empty() {
            NOTHING.to_vec()
        } else {
            match partial(k, p.model, x, &y, &theta, offset, total) {
                Ok(part) => part.to_bytes(),
                Err(e) => [ERR, e.to_string().as_bytes()].concat(),
            }
        };
        stats.compute += t.elapsed();

        let t = Instant::now();
        let msgs = comm.gather(&bytes);
        stats.gather += t.elapsed();

        let mut failure = None;
        if let Some(msgs) = msgs {
            let t = Instant::now();
            let step = root_step(
                k,
                fault,
                &msgs,
                p.rows,
                &mut theta,
                &mut grad,
                &mut stepper,
                &mut stats.payloads,
            );
            match step {
                Ok(loss) => {
                    report(epoch, loss);
                    msg.clear();
                    msg.push(0);
                    put(&mut msg, &theta);
                    put(&mut msg, &[loss]);
                }
                Err(e) => {
                    msg.fill(0);
                    msg[0] = 1;
                    failure = Some(e);
                }
            }
            stats.combine += t.elapsed();
        }

        let t = Instant::now();
        comm.broadcast(&mut msg);
        stats.broadcast += t.elapsed();
        if let Some(e) = failure {
            return Err(format!("{} epoch {epoch}: {e}", job.name).into());
        }
        if msg[0] != 0 {
            return Err(Error::from(format!(
                "{} epoch {epoch}: the root stopped the run",
                job.name
            )));
        }
        let got: Vec<T> = get(&msg[1..]).ok_or("broadcast of a partial element")?;
        theta.copy_from_slice(&got[..n + 1]);
        losses.push(got[n + 1]);
    }
    Ok((Trained { theta, losses }, stats))
}
