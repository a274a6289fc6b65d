//! The distributed code with ranks as threads ([`Threads`]): for every rank
//! count from 1 to 7 and both splits, every rank ends with the bits of the
//! single-process run; the deliberately wrong combines are caught. The MPI
//! binary runs the same code over MPI (`scripts/test-mpi.sh`).
//!
//! Only the library's non-generic entry points are called, so this crate
//! does not instantiate dotgrad's kernels again.

use dotgrad::{AdamParams, Kernels, SgdParams};
use dotgrad_distributed::comm::Threads;
use dotgrad_distributed::data::{Model, Problem};
use dotgrad_distributed::job::{self, DotJob, Dtype, Fault, Job, Optimizer, TrainJob};
use dotgrad_distributed::split::Split;
use dotgrad_distributed::{Options, Outcome, Result, run_ranks, run_single};

const SPLITS: [Split; 2] = [Split::Even, Split::Skewed];

/// Small training jobs: a few row blocks, a last block that is not full,
/// and (with 7 ranks) ranks with no rows.
fn small_jobs(dtype: Dtype) -> [Job; 2] {
    let job = |name, model, rows, cols, opt| {
        Job::Train(TrainJob {
            name,
            problem: Problem {
                model,
                rows,
                cols,
                seed: 5,
            },
            dtype,
            epochs: 12,
            opt,
        })
    };
    let sgd = Optimizer::Sgd(SgdParams {
        lr: 0.3,
        weight_decay: 0.0,
    });
    let adam = Optimizer::Adam(AdamParams {
        lr: 0.05,
        ..AdamParams::adam()
    });
    [
        job("linear", Model::Linear, 1500, 7, sgd),
        job("logistic", Model::Logistic, 1300, 9, adam),
    ]
}

/// `dot`s of 5 f32 blocks and 10 f64 blocks, the last one short.
fn dot_jobs() -> [Job; 2] {
    let dot = |len, dtype| {
        Job::Dot(DotJob {
            name: "dot",
            len,
            dtype,
            seed: 3,
        })
    };
    [
        dot(4096 * 4 + 17, Dtype::F32),
        dot(2048 * 9 + 1, Dtype::F64),
    ]
}

fn ranks(n: usize, job: &Job, split: Split, fault: Fault) -> Vec<Result<Outcome>> {
    let k = Kernels::best();
    Threads::run(n, |c| run_ranks(k, job, split, fault, c, false))
}

fn single(job: &Job) -> Outcome {
    run_single(Kernels::best(), job, false).unwrap()
}

/// The bits that must agree: the result, every loss, the result line.
fn key(o: &Outcome) -> (&[u64], &[u64], &str) {
    (&o.bits, &o.loss_bits, &o.line)
}

fn matches_single(jobs: &[Job]) {
    for job in jobs {
        let want = single(job);
        for split in SPLITS {
            for n in 1..=7 {
                for (r, got) in ranks(n, job, split, Fault::None).iter().enumerate() {
                    let got = got.as_ref().unwrap();
                    assert_eq!(key(got), key(&want), "{job:?} {split:?}, rank {r} of {n}");
                    assert_eq!(got.stats.payloads.len(), if r == 0 { n } else { 0 });
                }
            }
        }
    }
}

#[test]
fn train_f32_every_rank_count_matches_single() {
    matches_single(&small_jobs(Dtype::F32));
}

#[test]
fn train_f64_every_rank_count_matches_single() {
    matches_single(&small_jobs(Dtype::F64));
}

#[test]
fn dot_every_rank_count_matches_single() {
    matches_single(&dot_jobs());
}

#[test]
fn the_root_may_hold_no_rows() {
    let job = small_jobs(Dtype::F32)[0];
    let n = 7; // 6 row blocks as 1 : 2 : ... : 7 (of 28): ranks 0 and 1 get nothing
    let want = single(&job);
    let got = ranks(n, &job, Split::Skewed, Fault::None);
    let root = &got[0].as_ref().unwrap().stats;
    let empty: Vec<_> = root
        .payloads
        .iter()
        .filter(|p| p.range.is_empty())
        .collect();
    assert_eq!(empty.len(), 2);
    assert!(empty.iter().all(|p| p.elems == 0 && p.subtrees == 0));
    assert_eq!(root.payloads[0].range, 0..0);
    assert!(got.iter().all(|o| key(o.as_ref().unwrap()) == key(&want)));
}

/// The payload is the canonical subtrees a rank's range covers: at most
/// about 2 log2(blocks) of them, whatever the rank count.
#[test]
fn payload_is_a_few_subtrees_of_width_plus_two() {
    let Job::Train(t) = small_jobs(Dtype::F64)[1] else {
        unreachable!()
    };
    let got = ranks(3, &Job::Train(t), Split::Even, Fault::None);
    let width = t.problem.cols + 2;
    for p in &got[0].as_ref().unwrap().stats.payloads {
        assert!(p.subtrees >= 1 && p.subtrees <= 2 * 3, "{p:?}");
        assert_eq!(p.elems, p.subtrees * width);
        // The wire format: a 48-byte header, 16 bytes and the elements per subtree.
        assert_eq!(p.bytes, 48 + p.subtrees * (16 + width * 8));
    }
}

/// The deliberately wrong combines: handing dotgrad the partials in
/// reverse order is refused on every rank; finishing each rank's rows on
/// their own and adding them in reverse order runs, and the comparison
/// with the single-process run sees other bits.
#[test]
fn wrong_combines_are_caught() {
    let mut jobs = small_jobs(Dtype::F32).to_vec();
    jobs.extend(dot_jobs());
    for job in &jobs {
        let want = single(job);
        let refused = ranks(3, job, Split::Skewed, Fault::ReverseRanks);
        let err = |r: &Result<Outcome>| r.as_ref().err().map(|e| e.to_string());
        assert!(err(&refused[0]).unwrap().contains("not contiguous"));
        assert!(
            refused[1..]
                .iter()
                .all(|r| err(r).unwrap().contains("root stopped"))
        );

        let wrong = ranks(3, job, Split::Skewed, Fault::RankSums);
        for o in &wrong {
            let o = o.as_ref().unwrap();
            assert_ne!(o.line, want.line, "{job:?}");
        }
        // With one rank the naive sum is the whole tree: the same bits.
        let one = ranks(1, job, Split::Skewed, Fault::RankSums);
        assert_eq!(key(one[0].as_ref().unwrap()), key(&want));
    }
}

/// The suite's small jobs, as the binaries run them.
#[test]
fn suite_small_jobs_agree() {
    let jobs: Vec<Job> = job::suite()
        .into_iter()
        .filter(|j| j.name().contains("small"))
        .collect();
    assert_eq!(jobs.len(), 3);
    for job in &jobs {
        let want = single(job);
        assert!(want.line.starts_with(&format!("result {} ", job.name())));
        for n in 1..=5 {
            for got in ranks(n, job, Split::Skewed, Fault::None) {
                assert_eq!(key(&got.unwrap()), key(&want), "{} {n}", job.name());
            }
        }
    }
}

#[test]
fn options_parse_and_reject() {
    let parse = |a: &[&str]| Options::parse(a.iter().map(|s| s.to_string()));
    let o = parse(&["--only", "linear-f32,dot-f64", "--split", "even"])
        .unwrap()
        .unwrap();
    assert_eq!(o.jobs.len(), 2);
    assert_eq!(o.split, Split::Even);
    let o = parse(&["--fault", "rank-sums"]).unwrap().unwrap();
    assert_eq!(o.fault, Fault::RankSums);
    assert_eq!(o.jobs.len(), job::suite().len());
    assert!(parse(&["--only", "nope"]).is_err());
    assert!(parse(&["--fault", "maybe"]).is_err());
    assert!(parse(&["--split"]).is_err());
    assert!(parse(&["--frobnicate"]).is_err());
}
