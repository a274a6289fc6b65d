//! The distributed `dot`: each rank's elements by the split (on blocks of
//! `E` = 4096 f32 or 2048 f64 elements), [`Kernels::dot_partial`] gathered
//! at the root, [`Partial::combine_dot`] in rank order, the result
//! broadcast: the bits of one [`Kernels::dot`] of the whole vectors.

use std::time::Instant;

use dotgrad::{Kernels, Partial};

use crate::comm::Collective;
use crate::data::dot_vectors;
use crate::elem::{Elem, get, put};
use crate::job::{DotJob, Fault, Stats};
use crate::split::Split;
use crate::train::{ERR, NOTHING, all_partials, payloads_of, read_partials};
use crate::{Error, Result};

/// The reference: one `dot` of the whole vectors.
///
/// # Errors
/// None for the suite's jobs (dotgrad's length check).
pub fn dot_single<T: Elem>(k: Kernels, job: &DotJob) -> Result<T> {
    let (a, b) = dot_vectors::<T>(job.seed, 0, job.len);
    Ok(k.dot(&a, &b)?)
}

/// The root's half: the whole `dot` from the ranks' messages.
fn root_dot<T: Elem>(fault: Fault, msgs: &[Vec<u8>], stats: &mut Stats) -> Result<T> {
    let parts = read_partials::<T>(msgs)?;
    // A dot partial's subtree: W lanes and two (unused) sums.
    stats.payloads = payloads_of(msgs, &parts, T::W + 2);
    Ok(match fault {
        Fault::None => Partial::combine_dot(&all_partials(parts)?)?,
        Fault::ReverseRanks => {
            let mut parts = all_partials(parts)?;
            parts.reverse();
            Partial::combine_dot(&parts)?
        }
        Fault::RankSums => {
            let mut s = T::ZERO;
            for p in parts.iter().rev().flatten() {
                s = s + Partial::combine_dot(std::slice::from_ref(p))?;
            }
            s
        }
    })
}

/// The distributed `dot` on `comm`; every rank returns the result.
///
/// # Errors
/// As [`crate::train::train_ranks`].
pub fn dot_ranks<T: Elem>(
    k: Kernels,
    job: &DotJob,
    split: Split,
    fault: Fault,
    comm: &dyn Collective,
) -> Result<(T, Stats)> {
    let mut stats = Stats::default();
    let t = Instant::now();
    let mine = split.range(job.len, T::E, comm.rank(), comm.size());
    let (a, b) = dot_vectors::<T>(job.seed, mine.start, mine.end);
    stats.data = t.elapsed();

    let t = Instant::now();
    let (offset, total) = match fault {
        Fault::RankSums => (0, mine.len()),
        _ => (mine.start, job.len),
    };
    let bytes = if fault == Fault::RankSums && mine.is_empty() {
        NOTHING.to_vec()
    } else {
        match k.dot_partial(&a, &b, offset, total) {
            Ok(p) => p.to_bytes(),
            Err(e) => [ERR, e.to_string().as_bytes()].concat(),
        }
    };
    stats.compute = t.elapsed();

    let t = Instant::now();
    let msgs = comm.gather(&bytes);
    stats.gather = t.elapsed();

    let mut msg = vec![0u8; 1 + T::BYTES];
    stats.broadcast_bytes = msg.len();
    let mut failure = None;
    if let Some(msgs) = msgs {
        let t = Instant::now();
        match root_dot::<T>(fault, &msgs, &mut stats) {
            Ok(d) => {
                msg.clear();
                msg.push(0);
                put(&mut msg, &[d]);
            }
            Err(e) => {
                msg[0] = 1;
                failure = Some(e);
            }
        }
        stats.combine = t.elapsed();
    }
    let t = Instant::now();
    comm.broadcast(&mut msg);
    stats.broadcast = t.elapsed();
    if let Some(e) = failure {
        return Err(format!("{}: {e}", job.name).into());
    }
    if msg[0] != 0 {
        return Err(Error::from(format!(
            "{}: the root stopped the run",
            job.name
        )));
    }
    let d: Vec<T> = get(&msg[1..]).ok_or("broadcast of a partial element")?;
    Ok((d[0], stats))
}
