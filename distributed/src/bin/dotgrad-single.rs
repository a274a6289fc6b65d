//! The reference run: the suite in one process with plain dotgrad calls on
//! the whole data (`Kernels::dot`, `Kernels::linear_gradient`, ...), no MPI.
//! Prints the same `result` lines as every rank of `dotgrad-mpi`.
//!
//! ```text
//! cargo run --release --bin dotgrad-single [-- --only linear-f32]
//! ```

use std::process::ExitCode;
use std::time::Instant;

use dotgrad::Kernels;
use dotgrad_distributed::{Options, Result, run_single};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dotgrad-single: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let Some(opts) = Options::parse(std::env::args().skip(1))? else {
        return Ok(());
    };
    if opts.fault != dotgrad_distributed::job::Fault::None {
        return Err("--fault is for dotgrad-mpi (one process has nothing to combine)".into());
    }
    let k = Kernels::from_env()?;
    println!("dotgrad-single: one process, no MPI, backend {}", k.isa());
    let start = Instant::now();
    for job in &opts.jobs {
        println!("\n== {}: {}", job.name(), job.describe());
        let t = Instant::now();
        let line = run_single(k, job, true)?.line;
        println!("  time {:.3} s", t.elapsed().as_secs_f64());
        println!("{line}");
    }
    println!("\nwall time {:.3} s", start.elapsed().as_secs_f64());
    Ok(())
}
