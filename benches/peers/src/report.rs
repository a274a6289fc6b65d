//! Result rows, the line format children send back, and the markdown report.

use std::fmt::Write as _;

use crate::harness::Stats;

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
}

impl Row {
    /// The tab-separated line a child prints for the parent.
    pub fn to_line(&self) -> String {
        let s = &self.stats;
        format!(
            "ROW\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            self.case,
            self.size,
            self.elems,
            self.imp,
            self.kind.code(),
            s.median,
            s.min,
            s.max,
            s.samples
        )
    }

    /// Parses [`Row::to_line`]'s output.
    pub fn from_line(line: &str) -> Option<Row> {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 10 || f[0] != "ROW" {
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
             implementation of the row (the read floor excluded). `vs dotgrad` \
             is time(fastest peer) / time(dotgrad's fastest backend): above 1 \
             means dotgrad is faster.\n"
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
            let _ = writeln!(md, " vs dotgrad |");
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
                let best = best_dotgrad(&cell);
                let peer = cell
                    .iter()
                    .filter(|r| r.kind == Kind::Peer)
                    .min_by(|a, b| a.stats.median.total_cmp(&b.stats.median));
                match (best, peer) {
                    (Some(d), Some(p)) => {
                        let _ = writeln!(md, " {:.2} |", p.stats.median / d.stats.median);
                    }
                    _ => {
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
        let mut any = false;
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
                for p in cell
                    .iter()
                    .filter(|r| r.kind == Kind::Peer && r.stats.median < d.stats.median)
                {
                    any = true;
                    let clear = if p.stats.max < d.stats.min {
                        "clear: ranges do not overlap"
                    } else {
                        "ranges overlap"
                    };
                    let _ = writeln!(
                        md,
                        "- {case} {size}: {} {} vs dotgrad {} {} ({:.2}x; {clear})",
                        p.imp,
                        fmt_time(p.stats.median),
                        d.imp.trim_start_matches("dotgrad "),
                        fmt_time(d.stats.median),
                        d.stats.median / p.stats.median,
                    );
                }
            }
        }
        if !any {
            let _ = writeln!(md, "- none");
        }

        // Details.
        let _ = writeln!(md, "\n## Details\n");
        let _ = writeln!(
            md,
            "Time per call: median over samples, and the fastest and slowest \
             sample. `/dotgrad` is time / time(dotgrad's fastest backend) \
             (above 1: slower than dotgrad). `floor` is time(read floor) / \
             time: the fraction of the fastest possible read of the same bytes \
             (axpy also writes `y`, so it stays below 1 out of cache).\n"
        );
        for case in &cases {
            let _ = writeln!(md, "### {case}\n");
            let _ = writeln!(
                md,
                "| size | implementation | median | min–max | elem/ns | /dotgrad | floor |"
            );
            let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|");
            let sizes = ordered(
                self.rows
                    .iter()
                    .filter(|r| &r.case == case)
                    .map(|r| r.size.clone()),
            );
            for size in &sizes {
                let mut cell = self.cell_rows(case, size);
                cell.sort_by_key(|r| r.kind == Kind::Floor);
                let best = best_dotgrad(&cell);
                let floor = cell.iter().find(|r| r.kind == Kind::Floor);
                for r in &cell {
                    let vs = match best {
                        Some(d) => format!("{:.2}", r.stats.median / d.stats.median),
                        None => String::from("–"),
                    };
                    let fl = match floor {
                        Some(f) => format!("{:.0}%", 100.0 * f.stats.median / r.stats.median),
                        None => String::from("–"),
                    };
                    let _ = writeln!(
                        md,
                        "| {size} | {} | {} | {} | {} | {vs} | {fl} |",
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
