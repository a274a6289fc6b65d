//! The suite under MPI: every rank generates only its own rows (or
//! elements), computes dotgrad partials, and the root combines them in rank
//! order and broadcasts the result or the step. At the end of each job the
//! root gathers every rank's result line, prints them (`rank=R result ...`)
//! and fails the run if any rank's differs from its own.
//!
//! ```text
//! cargo build --release
//! mpirun -np 3 target/release/dotgrad-mpi [--only linear-f32] [--split even]
//! ```

use std::process::ExitCode;
use std::time::Instant;

use dotgrad::Kernels;
use dotgrad_distributed::comm::Collective;
use dotgrad_distributed::{Options, Result, run_ranks};
use mpi::Count;
use mpi::datatype::PartitionMut;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// [`Collective`] over an MPI communicator, root rank 0: `MPI_Gather` of
/// the lengths, then `MPI_Gatherv` of the bytes; `MPI_Bcast`.
struct Mpi {
    world: SimpleCommunicator,
}

impl Collective for Mpi {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    fn size(&self) -> usize {
        self.world.size() as usize
    }

    fn gather(&self, bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
        let root = self.world.process_at_rank(0);
        let len = Count::try_from(bytes.len()).expect("a message under 2 GiB");
        if self.world.rank() != 0 {
            root.gather_into(&len);
            root.gather_varcount_into(bytes);
            return None;
        }
        let mut counts = vec![0 as Count; self.size()];
        root.gather_into_root(&len, &mut counts[..]);
        let displs: Vec<Count> = counts
            .iter()
            .scan(0 as Count, |at, &c| {
                let d = *at;
                *at = at.checked_add(c).expect("gathered messages under 2 GiB");
                Some(d)
            })
            .collect();
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        let mut buf = vec![0u8; total];
        {
            let mut part = PartitionMut::new(&mut buf[..], &counts[..], &displs[..]);
            root.gather_varcount_into_root(bytes, &mut part);
        }
        Some(
            counts
                .iter()
                .zip(&displs)
                .map(|(&c, &d)| buf[d as usize..(d + c) as usize].to_vec())
                .collect(),
        )
    }

    fn broadcast(&self, buf: &mut [u8]) {
        self.world.process_at_rank(0).broadcast_into(buf);
    }
}

/// Every rank's `line`, at the root in rank order.
fn gather_lines(comm: &Mpi, line: &str) -> Option<Vec<String>> {
    comm.gather(line.as_bytes()).map(|all| {
        all.iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    })
}

fn main() -> ExitCode {
    let Some(universe) = mpi::initialize() else {
        eprintln!("dotgrad-mpi: MPI was already initialised");
        return ExitCode::FAILURE;
    };
    let comm = Mpi {
        world: universe.world(),
    };
    let ok = match run(&comm) {
        Ok(ok) => ok,
        Err(e) => {
            eprintln!("dotgrad-mpi rank {}: error: {e}", comm.rank());
            false
        }
    };
    // MPI_Finalize when `universe` drops, on every rank, then the status.
    drop(comm);
    drop(universe);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs the suite; `Ok(false)` when ranks disagreed.
fn run(comm: &Mpi) -> Result<bool> {
    let (rank, size) = (comm.rank(), comm.size());
    let root = rank == 0;
    // Parse errors and a bad DOTGRAD_ISA are every rank's own: stop them
    // all rather than leave the others waiting in a collective.
    let opts = match Options::parse(std::env::args().skip(1)) {
        Ok(Some(o)) => o,
        Ok(None) => return Ok(true),
        Err(e) => {
            eprintln!("dotgrad-mpi rank {rank}: {e}");
            comm.world.abort(2)
        }
    };
    let k = match Kernels::from_env() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("dotgrad-mpi rank {rank}: {e}");
            comm.world.abort(2)
        }
    };

    let host = mpi::environment::processor_name().unwrap_or_else(|_| "?".into());
    let hello = format!(
        "rank={rank} host={host} pid={} backend={}",
        std::process::id(),
        k.isa()
    );
    let hellos = gather_lines(comm, &hello);
    if root {
        let lib = mpi::environment::library_version().unwrap_or_default();
        let lib = lib.trim_matches(char::from(0));
        let lib = lib.lines().next().unwrap_or("").trim();
        let (major, minor) = mpi::environment::version();
        println!(
            "dotgrad-mpi: {size} ranks, MPI {major}.{minor} ({lib}), {} split",
            opts.split.name()
        );
        if opts.fault != dotgrad_distributed::job::Fault::None {
            println!(
                "FAULT INJECTED: {:?} (a deliberately wrong combine)",
                opts.fault
            );
        }
        for h in hellos.iter().flatten() {
            println!("  {h}");
        }
    }

    let start = Instant::now();
    let mut agree = true;
    for job in &opts.jobs {
        if root {
            println!("\n== {}: {}, {size} ranks", job.name(), job.describe());
        }
        let t = Instant::now();
        let line = run_ranks(k, job, opts.split, opts.fault, comm, true)?.line;
        let secs = t.elapsed().as_secs_f64();
        if let Some(lines) = gather_lines(comm, &line) {
            println!("  time {secs:.3} s");
            for (r, l) in lines.iter().enumerate() {
                println!("rank={r} {l}");
                if *l != line {
                    eprintln!(
                        "dotgrad-mpi: rank {r} disagrees with the root on {}",
                        job.name()
                    );
                    agree = false;
                }
            }
        }
    }
    if root {
        println!(
            "\nwall time {:.3} s ({size} ranks)",
            start.elapsed().as_secs_f64()
        );
    }
    Ok(agree)
}
