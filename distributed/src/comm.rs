//! The two collectives the data-parallel loop needs, with rank 0 as root:
//! a gather of byte strings of any lengths (in rank order) and a broadcast
//! of a byte buffer. Nothing is reduced by the transport: the root combines
//! the partials itself, in rank order, so the bracketing of every sum is
//! dotgrad's block tree and never the transport's choice.
//!
//! [`Threads`] runs the ranks as threads of one process (the tests, and a
//! machine without MPI); the `dotgrad-mpi` binary implements the trait over
//! MPI (`MPI_Gather` of the lengths, `MPI_Gatherv`, `MPI_Bcast`).

use std::sync::{Barrier, Mutex, PoisonError};

/// A group of ranks `0..size()`; every rank calls each method in the same
/// order (they are collective).
pub trait Collective {
    /// This rank.
    fn rank(&self) -> usize;
    /// The number of ranks.
    fn size(&self) -> usize;
    /// Every rank's `bytes`, at the root in rank order (`None` elsewhere).
    fn gather(&self, bytes: &[u8]) -> Option<Vec<Vec<u8>>>;
    /// Copies the root's `buf` into every rank's; `buf.len()` must be the
    /// same on every rank.
    fn broadcast(&self, buf: &mut [u8]);
}

/// Ranks as threads sharing a barrier and two mailboxes.
pub struct Threads<'s> {
    rank: usize,
    shared: &'s Shared,
}

/// What the threads of [`Threads::run`] share.
struct Shared {
    size: usize,
    barrier: Barrier,
    slots: Mutex<Vec<Vec<u8>>>,
    root_buf: Mutex<Vec<u8>>,
}

impl Threads<'_> {
    /// Runs `f` on `size` ranks, one thread each, and returns their results
    /// in rank order. A rank that panics aborts the process (the others
    /// would wait at the barrier for ever).
    pub fn run<R: Send>(size: usize, f: impl Fn(&Threads<'_>) -> R + Sync) -> Vec<R> {
        assert!(size > 0, "at least one rank");
        let shared = Shared {
            size,
            barrier: Barrier::new(size),
            slots: Mutex::new(vec![Vec::new(); size]),
            root_buf: Mutex::new(Vec::new()),
        };
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..size)
                .map(|rank| {
                    let (f, shared) = (&f, &shared);
                    s.spawn(move || {
                        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            f(&Threads { rank, shared })
                        }));
                        out.unwrap_or_else(|_| {
                            eprintln!("rank {rank} panicked; aborting");
                            std::process::abort()
                        })
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| std::process::abort()))
                .collect()
        })
    }
}

impl Collective for Threads<'_> {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.shared.size
    }

    fn gather(&self, bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
        let lock = || {
            self.shared
                .slots
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        lock()[self.rank] = bytes.to_vec();
        self.shared.barrier.wait();
        let out = (self.rank == 0).then(|| std::mem::take(&mut *lock()));
        if let Some(ref v) = out {
            *lock() = vec![Vec::new(); v.len()];
        }
        // Nobody writes the next gather's slot before the root has read this one.
        self.shared.barrier.wait();
        out
    }

    fn broadcast(&self, buf: &mut [u8]) {
        let lock = || {
            self.shared
                .root_buf
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        if self.rank == 0 {
            *lock() = buf.to_vec();
        }
        self.shared.barrier.wait();
        if self.rank != 0 {
            let root = lock();
            assert_eq!(root.len(), buf.len(), "broadcast buffers differ in length");
            buf.copy_from_slice(&root);
        }
        self.shared.barrier.wait();
    }
}
