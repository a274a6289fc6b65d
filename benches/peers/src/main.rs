//! dotgrad against its peers: OpenBLAS (as detected and with its best core
//! forced), NumKong, faer and the naive loop; every dotgrad backend this CPU
//! has; a plain read of the same bytes as the floor.
//!
//! ```text
//! cargo run --release --manifest-path benches/peers/Cargo.toml [-- --smoke] [--out FILE] [--filter TEXT]
//! ```
//!
//! The markdown report goes to stdout and to `benches/peers/RESULTS.md` (or
//! `--out FILE`); progress goes to stderr.
//!
//! OpenBLAS reads `OPENBLAS_CORETYPE` and `OPENBLAS_NUM_THREADS` once, when the
//! library is loaded. So the process first re-executes itself with a clean
//! OpenBLAS environment (single thread, core as detected) and measures
//! everything there; then it runs itself once more as a child with the core
//! forced, measuring only OpenBLAS, and merges the child's rows.
//!
//! `--threads N` runs every threaded implementation on N threads (dotgrad
//! `Par::Threads(N)`, OpenBLAS's pool, faer `Par::rayon(N)`, the read floor
//! split N ways) and adds dotgrad's detected backend and the floor on one
//! thread, so one run gives the speed-up next to the floor's.

mod bench;
mod elem;
mod floor;
#[cfg(feature = "train")]
mod gemm;
mod harness;
#[cfg(feature = "train")]
mod matrix;
mod openblas;
mod peak;
mod report;
mod sysinfo;
mod vector;

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use bench::{Ctx, Mode};
use harness::Settings;
use report::{Report, Row};

/// Marks a process already running with the OpenBLAS environment it needs
/// (`detected` or `forced`).
const ROLE: &str = "DOTGRAD_PEERS_ROLE";
/// Environment variables OpenBLAS reads at load that would skew "as detected".
const OPENBLAS_VARS: [&str; 2] = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

struct Args {
    smoke: bool,
    out: PathBuf,
    filter: Option<String>,
    imp: Option<String>,
    coretype: Option<String>,
    no_forced: bool,
    offset: usize,
    blocks: bool,
    gemm: bool,
    gemm_2048: bool,
    threads: usize,
}

const USAGE: &str =
    "usage: dotgrad-peers [--smoke] [--gemm] [--out FILE] [--filter TEXT] [--coretype NAME] [--no-forced]
  --smoke          one small size per case, short timings (CI)
  --out FILE       also write the report here (default benches/peers/RESULTS.md;
                   with --smoke benches/peers/target/RESULTS-smoke.md)
  --filter A,B     only cases whose \"case size\" contains A or B (e.g. \"dot f32\", \"gemv,grad\")
  --imp A,B        only implementations whose name contains A or B (e.g. \"avx2,OpenBLAS\"; for profiling)
  --coretype NAME  the OpenBLAS core to force for the second column (default: SkylakeX with
                   AVX-512, Haswell with AVX2)
  --no-forced      skip the forced-core OpenBLAS run
  --blocks         only the diagnosis of dot's block tree: one call vs one call per 16 KiB block
  --gemm           only the gemm family (single thread; with --smoke its small shapes)
  --gemm-2048      add the 2048 square to the gemm family (slow; not with --smoke)
  --threads N      N threads for dotgrad, OpenBLAS, faer and the read floor, plus dotgrad
                   and the floor on one thread beside them (default 1; report
                   benches/peers/RESULTS-threads.md)
  --offset BYTES   start every buffer BYTES (0, 8, ..., 56) past a page boundary
                   (default 0; 16 is what malloc gives large blocks)";

fn parse_args() -> Args {
    let mut out = None;
    let mut a = Args {
        smoke: false,
        out: PathBuf::new(),
        filter: None,
        imp: None,
        coretype: None,
        no_forced: false,
        offset: 0,
        blocks: false,
        gemm: false,
        gemm_2048: false,
        threads: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next().unwrap_or_else(|| {
                eprintln!("{name} needs a value\n{USAGE}");
                std::process::exit(2)
            })
        };
        match arg.as_str() {
            "--smoke" => a.smoke = true,
            "--out" => out = Some(PathBuf::from(value("--out"))),
            "--filter" => a.filter = Some(value("--filter")),
            "--imp" => a.imp = Some(value("--imp")),
            "--coretype" => a.coretype = Some(value("--coretype")),
            "--no-forced" => a.no_forced = true,
            "--blocks" => a.blocks = true,
            "--gemm" => a.gemm = true,
            "--gemm-2048" => a.gemm_2048 = true,
            "--threads" => {
                let v = value("--threads");
                match v.parse::<usize>() {
                    Ok(n) if n >= 1 => a.threads = n,
                    _ => {
                        eprintln!("--threads takes a count >= 1, not {v:?}\n{USAGE}");
                        std::process::exit(2)
                    }
                }
            }
            "--offset" => {
                let v = value("--offset");
                match v.parse::<usize>() {
                    Ok(b) if b < 64 && b % 8 == 0 => a.offset = b,
                    _ => {
                        eprintln!("--offset takes 0, 8, 16, ..., 56 (bytes), not {v:?}\n{USAGE}");
                        std::process::exit(2)
                    }
                }
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0)
            }
            other => {
                eprintln!("unknown argument {other:?}\n{USAGE}");
                std::process::exit(2)
            }
        }
    }
    if (a.gemm || a.gemm_2048) && a.threads > 1 {
        eprintln!(
            "the gemm family is single-threaded: --gemm and --gemm-2048 exclude --threads\n{USAGE}"
        );
        std::process::exit(2)
    }
    // A smoke run (CI) must not overwrite the committed results.
    let default = if a.smoke {
        "/target/RESULTS-smoke.md"
    } else if a.gemm {
        "/RESULTS-gemm.md"
    } else if a.threads > 1 {
        "/RESULTS-threads.md"
    } else {
        "/RESULTS.md"
    };
    a.out =
        out.unwrap_or_else(|| PathBuf::from(format!("{}{default}", env!("CARGO_MANIFEST_DIR"))));
    a
}

/// This binary, re-run with `args` and OpenBLAS's environment set for `role`.
fn myself(role: &str, coretype: Option<&str>, threads: usize) -> Command {
    let exe = std::env::current_exe().expect("path of the running binary");
    let mut cmd = Command::new(exe);
    cmd.args(std::env::args_os().skip(1));
    for v in OPENBLAS_VARS {
        cmd.env_remove(v);
    }
    if let Some(core) = coretype {
        cmd.env("OPENBLAS_CORETYPE", core);
    }
    cmd.env("OPENBLAS_NUM_THREADS", threads.to_string())
        .env("OMP_NUM_THREADS", threads.to_string())
        .env(ROLE, role);
    cmd
}

fn run_cases(ctx: &mut Ctx, args: &Args) {
    if args.blocks {
        vector::dot_blocks::<f32>(ctx);
        vector::dot_blocks::<f64>(ctx);
        return;
    }
    #[cfg(feature = "train")]
    if args.gemm {
        gemm::gemm::<f32>(ctx, args.gemm_2048);
        gemm::gemm::<f64>(ctx, args.gemm_2048);
        return;
    }
    vector::dot::<f32>(ctx);
    vector::dot::<f64>(ctx);
    vector::axpy::<f32>(ctx);
    vector::axpy::<f64>(ctx);
    #[cfg(feature = "train")]
    {
        matrix::gemv::<f32>(ctx);
        matrix::gemv::<f64>(ctx);
        matrix::gemv_t::<f32>(ctx);
        matrix::gemv_t::<f64>(ctx);
        matrix::gradient::<f32>(ctx);
        matrix::gradient::<f64>(ctx);
        // Single-threaded only: its rows compare one core with one core.
        if args.threads == 1 {
            gemm::gemm::<f32>(ctx, args.gemm_2048);
            gemm::gemm::<f64>(ctx, args.gemm_2048);
        }
    }
}

fn main() {
    let args = parse_args();
    let role = std::env::var(ROLE).unwrap_or_default();
    if role.is_empty() {
        // Restart with OpenBLAS single-threaded and free to detect its core.
        let err = myself("detected", None, args.threads).exec();
        panic!("cannot re-execute {:?}: {err}", std::env::current_exe());
    }
    openblas::set_num_threads(args.threads);
    bench::set_threads(args.threads);
    rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build_global()
        .expect("rayon's global pool, built once");
    let settings = if args.smoke {
        Settings::SMOKE
    } else {
        Settings::FULL
    };
    let core = openblas::corename();
    let forced = role == "forced";
    let mut ctx = Ctx {
        settings,
        smoke: args.smoke,
        mode: if forced { Mode::BlasOnly } else { Mode::All },
        blas_label: format!(
            "OpenBLAS {core} ({})",
            if forced { "forced" } else { "detected" }
        ),
        filter: args.filter.clone(),
        imp: args.imp.clone(),
        rows: Vec::new(),
    };

    if forced {
        // Child: print rows for the parent, nothing else on stdout.
        println!("CORE\t{core}");
        run_cases(&mut ctx, &args);
        for r in &ctx.rows {
            println!("{}", r.to_line());
        }
        return;
    }

    let start = Instant::now();
    eprintln!("dotgrad peers: OpenBLAS core {core} (detected)");
    run_cases(&mut ctx, &args);

    // OpenBLAS once more with its best core for this CPU forced.
    let want = args
        .coretype
        .clone()
        .or_else(|| sysinfo::forced_openblas_core().map(String::from));
    let mut forced_note = String::from("not run");
    match want {
        Some(w) if !args.no_forced && !w.eq_ignore_ascii_case(&core) => {
            eprintln!("dotgrad peers: OpenBLAS with OPENBLAS_CORETYPE={w}");
            let (got, rows) = forced_run(&w, args.threads);
            forced_note = format!("OPENBLAS_CORETYPE={w} loaded core {got}");
            ctx.rows.extend(rows);
        }
        Some(w) if !args.no_forced => {
            forced_note = format!("not run: the detected core is already {w}");
        }
        _ => {}
    }

    let report = Report {
        header: header(&args, &core, &forced_note, start),
        rows: ctx.rows,
    };
    let md = report.markdown();
    print!("{md}");
    match std::fs::write(&args.out, &md) {
        Ok(()) => eprintln!("dotgrad peers: wrote {}", args.out.display()),
        Err(e) => {
            eprintln!("dotgrad peers: cannot write {}: {e}", args.out.display());
            std::process::exit(1);
        }
    }
}

/// Runs the OpenBLAS-only child with `core` forced; its core name and rows.
fn forced_run(core: &str, threads: usize) -> (String, Vec<Row>) {
    let mut child = myself("forced", Some(core), threads)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the forced-core OpenBLAS run");
    let out = child.stdout.take().expect("piped stdout");
    let mut got = String::from("?");
    let mut rows = Vec::new();
    for line in BufReader::new(out).lines() {
        let line = line.expect("child output");
        if let Some(c) = line.strip_prefix("CORE\t") {
            got = c.to_owned();
        } else if let Some(r) = Row::from_line(&line) {
            rows.push(r);
        }
    }
    let status = child.wait().expect("wait for the forced-core run");
    assert!(
        status.success(),
        "the forced-core OpenBLAS run failed: {status}"
    );
    (got, rows)
}

fn header(args: &Args, core: &str, forced_note: &str, start: Instant) -> Vec<String> {
    let isas: Vec<String> = dotgrad::Isa::available().map(|i| i.to_string()).collect();
    let mode = if args.smoke {
        " (smoke mode: one small size per case, short timings)"
    } else {
        ""
    };
    let vm = if sysinfo::hypervisor() {
        " (virtual machine: the CPU reports a hypervisor)"
    } else {
        ""
    };
    let threads = if args.threads == 1 {
        String::new()
    } else {
        format!(
            "- threads: {n} for dotgrad (`Par::Threads({n})`, rows `{n}T`), OpenBLAS, faer and the read floor (split {n} ways); dotgrad's detected backend and the floor also on one thread (`1T`); NumKong and the naive loop are single-threaded",
            n = args.threads
        )
    };
    vec![
        format!("# dotgrad vs peers{mode}"),
        String::new(),
        format!(
            "Generated {} by `cargo run --release --manifest-path benches/peers/Cargo.toml{}` in {:.0} s.",
            sysinfo::today(),
            run_flags(args),
            start.elapsed().as_secs_f64()
        ),
        String::new(),
        format!(
            "- CPU: {}, {} logical CPUs{vm}",
            sysinfo::cpu_model(),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        ),
        format!("- SIMD flags: {}", sysinfo::simd_flags()),
        format!("- {}", sysinfo::rustc()),
        format!(
            "- dotgrad {} ({}), backends: {}",
            sysinfo::locked_version("dotgrad"),
            sysinfo::dotgrad_commit(),
            isas.join(", ")
        ),
        format!(
            "- OpenBLAS: `{}`, {}; core as detected: {core}; forced: {forced_note}",
            openblas::config(),
            threads_label(args.threads)
        ),
        format!(
            "- NumKong {}: capabilities {} (f32 dot accumulates in f64, f64 dot is compensated Dot2)",
            sysinfo::locked_version("numkong"),
            sysinfo::numkong_caps()
        ),
        format!(
            "- faer {}: {}, `{}`",
            sysinfo::locked_version("faer"),
            sysinfo::faer_simd(),
            if args.threads == 1 {
                String::from("Par::Seq")
            } else {
                format!("Par::rayon({})", args.threads)
            }
        ),
        String::from(
            "- naive loop: `a.iter().zip(b).fold(0, |s, (x, y)| s + x * y)` and `y = alpha * x + y`, built for the default target (no `-C target-cpu`)",
        ),
        String::from(
            "- read floor: OR of every byte the kernel reads, widest vector loads (AVX-512/AVX2), 4 accumulators",
        ),
        String::from(
            "- timing: inputs warm in cache when they fit; implementations of a case sampled round-robin; each sample repeats the call for >= 2 ms (smoke: 0.2 ms)",
        ),
        format!(
            "- buffers: every input and output starts {} bytes past a 4 KiB page boundary, the same for every implementation (`--offset`)",
            args.offset
        ),
        String::from(if cfg!(feature = "train") && args.threads == 1 {
            "- gemm: one thread each (dotgrad's detected backend without `Par`, OpenBLAS `cblas_sgemm`/`cblas_dgemm`, faer `matmul` with `Par::Seq`), all row-major with the same transposes; a call counts `2 m n k` flops, so its elements per ns are GFLOP/s and `/dotgrad` is GFLOP/s(dotgrad) / GFLOP/s(peer)"
        } else {
            ""
        }),
        threads,
    ]
}

/// The options of this run as typed after `cargo run ...`: ` -- --smoke --gemm`, or empty.
fn run_flags(args: &Args) -> String {
    let mut f = Vec::new();
    if args.smoke {
        f.push(String::from("--smoke"));
    }
    if args.threads > 1 {
        f.push(format!("--threads {}", args.threads));
    }
    if args.gemm {
        f.push(String::from("--gemm"));
    }
    if args.gemm_2048 {
        f.push(String::from("--gemm-2048"));
    }
    if f.is_empty() {
        String::new()
    } else {
        format!(" -- {}", f.join(" "))
    }
}

fn threads_label(n: usize) -> String {
    if n == 1 {
        String::from("single thread")
    } else {
        format!("{n} threads")
    }
}
