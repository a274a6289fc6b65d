//! Result rows, the line format children send back, and the markdown report.

use std::fmt::Write as _;

use crate::harness::{Paired, Stats};

/// Who produced a measurement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A dotgrad backend.
    Dotgrad,
    /// A peer library or the naive loop.
    Peer,
    /// The read floor.
    Floor,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::Dotgrad => "dotgrad",
            Kind::Peer => "peer",
            Kind::Floor => "floor",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        [Kind::Dotgrad, Kind::Peer, Kind::Floor]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

/// One measurement: an implementation of a case at one size.
#[derive(Clone, Debug)]
pub struct Row {
    /// The case: `dot f32`, `gemv f64`, ...
    pub case: String,
    /// The size label: `16Ki`, `4096x256`.
    pub size: String,
    /// Elements processed per call (`n`, or `rows * cols`).
    pub elems: f64,
    /// The implementation's label.
    pub imp: String,
    /// Who it is.
    pub kind: Kind,
    /// Time per call, ns.
    pub stats: Stats,
    /// Against dotgrad's fastest backend, round by round in the same process.
    pub vs_dotgrad: Option<Paired>,
    /// time(read floor) / time, round by round (`None` where the floor ran in another process).
    pub vs_floor: Option<f64>,
}

impl Row {
    /// The tab-separated line a child prints for the parent.
    pub fn to_line(&self) -> String {
        let s = &self.stats;
        let p = self.vs_dotgrad.unwrap_or(Paired {
            ratio: f64::NAN,
            wins: 0,
            rounds: 0,
        });
        format!(
            "ROW\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            self.case,
            self.size,
            self.elems,
            self.imp,
            self.kind.code(),
            s.median,
            s.min,
            s.max,
            s.samples,
            p.ratio,
            p.wins,
            p.rounds,
            self.vs_floor.unwrap_or(f64::NAN),
        )
    }

    /// Parses [`Row::to_line`]'s output.
    pub fn from_line(line: &str) -> Option<Row> {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 14 || f[0] != "ROW" {
            return None;
        }
        Some(Row {
            case: f[1].to_owned(),
            size: f[2].to_owned(),
            elems: f[3].parse().ok()?,
            imp: f[4].to_owned(),
            kind: Kind::parse(f[5])?,
            stats: Stats {
                median: f[6].parse().ok()?,
                min: f[7].parse().ok()?,
                max: f[8].parse().ok()?,
                samples: f[9].parse().ok()?,
            },
            vs_dotgrad: Some(Paired {
                ratio: f[10].parse().ok()?,
                wins: f[11].parse().ok()?,
                rounds: f[12].parse().ok()?,
            })
            .filter(|p| p.rounds > 0),
            vs_floor: Some(f[13].parse().ok()?).filter(|v: &f64| !v.is_nan()),
        })
    }
}

/// `16`, `1Ki`, `16Mi`.
pub fn size_label(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{}Mi", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{}Ki", n >> 10)
    } else {
        n.to_string()
    }
}

/// A duration in ns with 3 significant digits and a unit.
pub fn fmt_time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{} ns", sig3(ns))
    } else if ns < 1e6 {
        format!("{} µs", sig3(ns / 1e3))
    } else if ns < 1e9 {
        format!("{} ms", sig3(ns / 1e6))
    } else {
        format!("{} s", sig3(ns / 1e9))
    }
}

fn sig3(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else if x >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

fn range(ns_min: f64, ns_max: f64) -> String {
    // One unit for both ends, the unit of the larger.
    let (div, unit) = if ns_max < 1e3 {
        (1.0, "ns")
    } else if ns_max < 1e6 {
        (1e3, "µs")
    } else if ns_max < 1e9 {
        (1e6, "ms")
    } else {
        (1e9, "s")
    };
    format!("{}–{} {unit}", sig3(ns_min / div), sig3(ns_max / div))
}

/// Header lines (already markdown) plus the rows.
pub struct Report {
    /// Markdown lines before the tables.
    pub header: Vec<String>,
    /// Every measurement, in the order the cases ran.
    pub rows: Vec<Row>,
}

/// The fastest dotgrad backend of one (case, size).
fn best_dotgrad<'a>(rows: &[&'a Row]) -> Option<&'a Row> {
    rows.iter()
        .copied()
        .filter(|r| r.kind == Kind::Dotgrad)
        .min_by(|a, b| a.stats.median.total_cmp(&b.stats.median))
}

fn ordered<T: PartialEq + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

impl Report {
    /// The rows of one (case, size).
    fn cell_rows(&self, case: &str, size: &str) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| r.case == case && r.size == size)
            .collect()
    }

    /// The whole markdown document.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        for h in &self.header {
            md.push_str(h);
            md.push('\n');
        }
        let cases = ordered(self.rows.iter().map(|r| r.case.clone()));

        // Summary: elements/ns per implementation, one row per (case, size).
        let _ = writeln!(md, "\n## Summary: elements per ns (higher is faster)\n");
        let _ = writeln!(
            md,
            "Each cell is the median throughput; **bold** marks the fastest \
             implementation of the row (the read floor excluded). `best peer / \
             dotgrad` is time(best peer) / time(dotgrad's fastest backend), \
             compared round by round (see Details): above 1 means dotgrad is \
             faster than every peer. The forced-core OpenBLAS column runs in \
             a process of its own, after the others, so its throughput met \
             other noise: compare it through that ratio (measured against \
             dotgrad in its own process), not across columns.\n"
        );
        for case in &cases {
            let rows: Vec<&Row> = self.rows.iter().filter(|r| &r.case == case).collect();
            // The floor last.
            let mut imps = ordered(rows.iter().map(|r| (r.kind == Kind::Floor, r.imp.clone())));
            imps.sort_by_key(|(floor, _)| *floor);
            let imps: Vec<String> = imps.into_iter().map(|(_, i)| i).collect();
            let sizes = ordered(rows.iter().map(|r| r.size.clone()));
            let _ = writeln!(md, "### {case}\n");
            let _ = write!(md, "| size |");
            for i in &imps {
                let _ = write!(md, " {i} |");
            }
            let _ = writeln!(md, " best peer / dotgrad |");
            let _ = writeln!(md, "|---|{}---|", "---:|".repeat(imps.len()));
            for size in &sizes {
                let cell = self.cell_rows(case, size);
                let fastest = cell
                    .iter()
                    .filter(|r| r.kind != Kind::Floor)
                    .min_by(|a, b| a.stats.median.total_cmp(&b.stats.median))
                    .map(|r| r.imp.clone());
                let _ = write!(md, "| {size} |");
                for i in &imps {
                    match cell.iter().find(|r| &r.imp == i) {
                        Some(r) => {
                            let v = sig3(r.elems / r.stats.median);
                            if fastest.as_ref() == Some(i) {
                                let _ = write!(md, " **{v}** |");
                            } else {
                                let _ = write!(md, " {v} |");
                            }
                        }
                        None => {
                            let _ = write!(md, " – |");
                        }
                    }
                }
                let peer = cell
                    .iter()
                    .filter(|r| r.kind == Kind::Peer)
                    .filter_map(|r| r.vs_dotgrad)
                    .map(|p| p.ratio)
                    .min_by(f64::total_cmp);
                match peer {
                    Some(q) => {
                        let _ = writeln!(md, " {q:.2} |");
                    }
                    None => {
                        let _ = writeln!(md, " – |");
                    }
                }
            }
            md.push('\n');
        }

        // Where a peer wins.
        let _ = writeln!(
            md,
            "## Where a peer is faster than dotgrad's fastest backend\n"
        );
        let _ = writeln!(
            md,
            "Every case where a peer's time, compared round by round, is below \
             dotgrad's. *Clearly*: at least 3% faster (median of the per-round \
             ratios) and faster in more rounds than chance allows (sign test, \
             z > 3); the rest are within this machine's noise.\n"
        );
        let (mut clear, mut noise) = (Vec::new(), Vec::new());
        for case in &cases {
            let sizes = ordered(
                self.rows
                    .iter()
                    .filter(|r| &r.case == case)
                    .map(|r| r.size.clone()),
            );
            for size in &sizes {
                let cell = self.cell_rows(case, size);
                let Some(d) = best_dotgrad(&cell) else {
                    continue;
                };
                let isa = d.imp.trim_start_matches("dotgrad ");
                for p in &cell {
                    let Some(q) = p
                        .vs_dotgrad
                        .filter(|q| p.kind == Kind::Peer && q.ratio < 1.0)
                    else {
                        continue;
                    };
                    if q.sign_z() > 3.0 && q.ratio <= 0.97 {
                        clear.push(format!(
                            "- {case} {size}: {} is {:.2}x as fast as dotgrad {isa} (faster in {} of {} rounds; medians {} vs {})",
                            p.imp,
                            1.0 / q.ratio,
                            q.wins,
                            q.rounds,
                            fmt_time(p.stats.median),
                            fmt_time(d.stats.median),
                        ));
                    } else {
                        noise.push(format!(
                            "{case} {size} {} {:.2}x ({}/{})",
                            p.imp,
                            1.0 / q.ratio,
                            q.wins,
                            q.rounds
                        ));
                    }
                }
            }
        }
        let _ = writeln!(md, "Clearly faster:\n");
        if clear.is_empty() {
            let _ = writeln!(md, "- none");
        }
        for c in &clear {
            let _ = writeln!(md, "{c}");
        }
        let _ = writeln!(
            md,
            "\nWithin noise (ratio, rounds won): {}",
            if noise.is_empty() {
                String::from("none")
            } else {
                noise.join("; ")
            }
        );

        // Details.
        let _ = writeln!(md, "\n## Details\n");
        let _ = writeln!(
            md,
            "Time per call: median over samples, and the fastest and slowest \
             sample. Samples are taken round-robin, so each round measures every \
             implementation of a case within a few milliseconds. `/dotgrad` is \
             the median over rounds of time / time(dotgrad's fastest backend in \
             the same round) (above 1: slower than dotgrad), with the number of \
             rounds in which it was faster; the forced-core OpenBLAS column is \
             compared with dotgrad's best backend measured again in its own \
             process. `floor` is time(read floor) / time, also round by round: \
             the fraction of the fastest possible read of the same bytes (axpy \
             also writes `y`, so it stays below 100% out of cache); for gemm \
             the floor is the FMA peak (independent FMA chains of the widest \
             vectors, as many flops as the call), so `floor` is the fraction \
             of the FMA peak reached.\n"
        );
        for case in &cases {
            let _ = writeln!(md, "### {case}\n");
            let _ = writeln!(
                md,
                "| size | implementation | median | min–max | elem/ns | /dotgrad | faster in | floor |"
            );
            let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|---:|");
            let sizes = ordered(
                self.rows
                    .iter()
                    .filter(|r| &r.case == case)
                    .map(|r| r.size.clone()),
            );
            for size in &sizes {
                let mut cell = self.cell_rows(case, size);
                cell.sort_by_key(|r| r.kind == Kind::Floor);
                let floor = cell.iter().find(|r| r.kind == Kind::Floor);
                for r in &cell {
                    let (vs, wins) = match r.vs_dotgrad {
                        // The reference itself: ratio 1 in every round.
                        Some(q) if r.kind == Kind::Dotgrad && q.ratio == 1.0 && q.wins == 0 => {
                            (String::from("1.00"), String::from("–"))
                        }
                        Some(q) => (
                            format!("{:.2}", q.ratio),
                            format!("{}/{}", q.wins, q.rounds),
                        ),
                        None => (String::from("–"), String::from("–")),
                    };
                    let fl = match (r.vs_floor, floor) {
                        (Some(f), _) => format!("{:.0}%", 100.0 * f),
                        (None, Some(f)) => {
                            format!("{:.0}%", 100.0 * f.stats.median / r.stats.median)
                        }
                        (None, None) => String::from("–"),
                    };
                    let _ = writeln!(
                        md,
                        "| {size} | {} | {} | {} | {} | {vs} | {wins} | {fl} |",
                        r.imp,
                        fmt_time(r.stats.median),
                        range(r.stats.min, r.stats.max),
                        sig3(r.elems / r.stats.median),
                    );
                }
            }
            md.push('\n');
        }
        md
    }
}
