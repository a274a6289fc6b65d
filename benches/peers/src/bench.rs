//! What runs in one process: the cases, filtered by mode, measured together.

use std::time::Instant;

use dotgrad::Isa;

use crate::harness::{self, Entry, Settings};
use crate::report::{Kind, Row};

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
    pub fn dotgrad(&mut self, isa: Isa, run: impl FnMut() + 'a) {
        if self.mode == Mode::All || isa == Isa::detected() {
            self.entries
                .push((Kind::Dotgrad, Entry::new(format!("dotgrad {isa}"), run)));
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

    /// The read floor.
    pub fn floor(&mut self, run: impl FnMut() + 'a) {
        if self.mode == Mode::All {
            self.entries
                .push((Kind::Floor, Entry::new("read floor", run)));
        }
    }
}

impl Ctx {
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
