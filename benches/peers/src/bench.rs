//! What runs in one process: the cases, filtered by mode, measured together.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use dotgrad::{Isa, Kernels, Par};

use crate::harness::{self, Entry, Settings};
use crate::report::{Kind, Row};

/// `--threads`: how many threads every threaded implementation may use
/// (dotgrad's `Par::Threads`, OpenBLAS's pool, faer's `Par::rayon`, the
/// read floor); 1 unless set.
static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Sets the run's thread count (once, at start-up).
pub fn set_threads(n: usize) {
    THREADS.store(n.max(1), Ordering::Relaxed);
}

/// The run's thread count.
pub fn threads() -> usize {
    THREADS.load(Ordering::Relaxed)
}

/// faer's parallelism for this run.
pub fn faer_par() -> faer::Par {
    match threads() {
        1 => faer::Par::Seq,
        n => faer::Par::rayon(n),
    }
}

/// Which implementations this process measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Everything, OpenBLAS with the core it detected.
    All,
    /// Only OpenBLAS (a child run with `OPENBLAS_CORETYPE` forced).
    BlasOnly,
}

/// The run's settings and collected rows.
pub struct Ctx {
    /// Timing settings.
    pub settings: Settings,
    /// One small size per case.
    pub smoke: bool,
    /// What to measure.
    pub mode: Mode,
    /// The OpenBLAS column's label.
    pub blas_label: String,
    /// Only cases whose `"{case} {size}"` contains one of these (comma-separated).
    pub filter: Option<String>,
    /// Only implementations whose name contains one of these (comma-separated).
    pub imp: Option<String>,
    /// The results so far.
    pub rows: Vec<Row>,
}

/// The implementations of one case at one size.
pub struct Set<'a> {
    mode: Mode,
    blas_label: String,
    entries: Vec<(Kind, Entry<'a>)>,
}

impl<'a> Set<'a> {
    /// A dotgrad backend. The OpenBLAS-only run keeps the best one as the
    /// reference its OpenBLAS column is compared with, round by round.
    pub fn dotgrad(&mut self, isa: Isa, name: &str, run: impl FnMut() + 'a) {
        if self.mode == Mode::All || isa == Isa::detected() {
            self.entries
                .push((Kind::Dotgrad, Entry::new(name.to_owned(), run)));
        }
    }

    /// A peer (not OpenBLAS).
    pub fn peer(&mut self, name: impl Into<String>, run: impl FnMut() + 'a) {
        if self.mode == Mode::All {
            self.entries.push((Kind::Peer, Entry::new(name, run)));
        }
    }

    /// OpenBLAS (measured in every mode).
    pub fn blas(&mut self, run: impl FnMut() + 'a) {
        let name = self.blas_label.clone();
        self.entries.push((Kind::Peer, Entry::new(name, run)));
    }

    /// The read floor of two buffers, on the run's threads (and with
    /// `--threads` above 1 on one thread too).
    pub fn floor(&mut self, a: &'a [u8], b: &'a [u8]) {
        if self.mode != Mode::All {
            return;
        }
        let n = threads();
        let runs = if n == 1 {
            vec![(String::from("read floor"), 1)]
        } else {
            vec![
                (format!("read floor {n}T"), n),
                (String::from("read floor 1T"), 1),
            ]
        };
        for (name, t) in runs {
            self.entries.push((
                Kind::Floor,
                Entry::new(name, move || {
                    std::hint::black_box(crate::floor::read2_par(
                        std::hint::black_box(a),
                        std::hint::black_box(b),
                        t,
                    ));
                }),
            ));
        }
    }
}

impl Set<'_> {
    /// The FMA peak for `flops` flops of `width`-byte elements, on one
    /// thread, as the case's floor (where this CPU has a known vector FMA).
    pub fn peak(&mut self, flops: usize, width: usize) {
        if self.mode != Mode::All || crate::peak::fma_peak(1, width).is_none() {
            return;
        }
        self.entries.push((
            Kind::Floor,
            Entry::new(String::from("FMA peak"), move || {
                std::hint::black_box(crate::peak::fma_peak(std::hint::black_box(flops), width));
            }),
        ));
    }
}

impl Ctx {
    /// The dotgrad handles a case measures: every backend with the run's
    /// threads and, in a full run with `--threads` above 1, the detected
    /// backend once more on one thread (so one run gives the speed-up,
    /// against the same-run floors on one and on all threads).
    pub fn backends(&self) -> Vec<(Isa, String, Kernels)> {
        let n = threads();
        let mut all = Vec::new();
        for isa in Isa::available() {
            let Ok(k) = Kernels::new(isa) else { continue };
            if n == 1 {
                all.push((isa, format!("dotgrad {isa}"), k));
                continue;
            }
            let par = k
                .with_par(Par::Threads(n))
                .expect("dotgrad is built with rayon");
            all.push((isa, format!("dotgrad {isa} {n}T"), par));
            if self.mode == Mode::All && isa == Isa::detected() {
                all.push((isa, format!("dotgrad {isa} 1T"), k));
            }
        }
        all
    }

    /// Whether `"{case} {size}"` passes `--filter`.
    pub fn wants(&self, case: &str, size: &str) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|f| f.split(',').any(|f| format!("{case} {size}").contains(f)))
    }

    /// An empty set for this process's mode.
    pub fn set<'a>(&self) -> Set<'a> {
        Set {
            mode: self.mode,
            blas_label: self.blas_label.clone(),
            entries: Vec::new(),
        }
    }

    /// Measures a set and records its rows.
    pub fn measure(&mut self, case: &str, size: &str, elems: usize, set: Set<'_>) {
        let t = Instant::now();
        let (kinds, mut entries): (Vec<Kind>, Vec<Entry<'_>>) = set
            .entries
            .into_iter()
            .filter(|(_, e)| {
                self.imp
                    .as_ref()
                    .is_none_or(|i| i.split(',').any(|i| e.name.contains(i)))
            })
            .unzip();
        if entries.is_empty() {
            return;
        }
        let samples = harness::measure(&mut entries, &self.settings);
        let stats: Vec<_> = samples.iter().map(|s| harness::stats(s)).collect();
        let index = |kind: Kind| {
            (0..entries.len())
                .filter(|&i| kinds[i] == kind)
                .min_by(|&a, &b| stats[a].median.total_cmp(&stats[b].median))
        };
        let (best, floor) = (index(Kind::Dotgrad), index(Kind::Floor));
        for (i, e) in entries.iter().enumerate() {
            if self.mode == Mode::BlasOnly && kinds[i] != Kind::Peer {
                continue; // the reference stays here; the parent has its own
            }
            self.rows.push(Row {
                case: case.to_owned(),
                size: size.to_owned(),
                elems: elems as f64,
                imp: e.name.clone(),
                kind: kinds[i],
                stats: stats[i],
                vs_dotgrad: best.map(|b| harness::paired(&samples[i], &samples[b])),
                vs_floor: floor.map(|f| 1.0 / harness::paired(&samples[i], &samples[f]).ratio),
            });
        }
        eprintln!(
            "  {case:<16} {size:>10}: {} implementations, {:.2} s",
            entries.len(),
            t.elapsed().as_secs_f64()
        );
    }
}

/// Panics unless `got` is within `tol * scale` of `want` (catches wrong calls, not rounding).
pub fn check_close(what: &str, got: f64, want: f64, scale: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * scale.max(f64::MIN_POSITIVE),
        "{what}: {got} differs from dotgrad's {want} (scale {scale})"
    );
}
