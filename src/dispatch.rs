//! Backends at run time: CPU detection, the `DOTGRAD_ISA` cap, the cached
//! handle, and the one entry through which every kernel runs.
//!
//! A kernel family is an op struct (its arguments and the [`Kernels`]
//! handle) implementing [`Kernel`]: a scalar path, which runs the contract
//! literally ([`crate::scalar`]), and a path generic over the register
//! operations of a backend ([`Lanes`]), which runs the one kernel body of
//! [`crate::kernels`]. [`run!`] picks the path for the handle's backend and
//! enters the backend's target-feature context. The families' per-type
//! entry points (see [`crate::element::Family`]) are concrete functions
//! made by [`float_family!`], each a `run!` on its op struct, so every
//! kernel is compiled inside dotgrad, at dotgrad's optimisation level.
//!
//! Detection runs once per process and is cached in atomics; many threads
//! making their first call together all compute and store the same value,
//! so the cache is race free without locks.

use core::sync::atomic::{AtomicU8, Ordering};

use crate::element::Float;
use crate::error::Error;
use crate::isa::Isa;
use crate::lanes::{Lanes, Simd};
use crate::par::Par;
use crate::widen::Widen;

/// The backend a [`Kernels`] handle runs on, holding the token that proves
/// the CPU has its features.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Backend {
    Scalar,
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    Avx2(crate::arch::x86_64::Avx2),
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    Avx512(crate::arch::x86_64::Avx512),
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    Neon(crate::arch::aarch64::Neon),
}

impl Backend {
    fn isa(self) -> Isa {
        match self {
            Backend::Scalar => Isa::Scalar,
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            Backend::Avx2(_) => Isa::Avx2,
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            Backend::Avx512(_) => Isa::Avx512,
            #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
            Backend::Neon(_) => Isa::Neon,
        }
    }

    /// Runs the CPU detection for `isa`: `Some` with its token when this
    /// CPU and target can run it.
    #[inline]
    fn detect(isa: Isa) -> Option<Backend> {
        match isa {
            Isa::Scalar => Some(Backend::Scalar),
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            Isa::Avx2 => crate::arch::x86_64::Avx2::try_new().map(Backend::Avx2),
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            Isa::Avx512 => crate::arch::x86_64::Avx512::try_new().map(Backend::Avx512),
            #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
            Isa::Neon => crate::arch::aarch64::Neon::try_new().map(Backend::Neon),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The backend of cache index `i` (an `Isa` as `u8`), without detection.
    ///
    /// # Safety
    /// [`Backend::detect`] must have succeeded for that `Isa` in this process.
    #[inline(always)]
    unsafe fn assume(i: u8) -> Backend {
        match i {
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            1 => {
                // SAFETY: the caller's contract: AVX2 detection succeeded.
                Backend::Avx2(unsafe { crate::arch::x86_64::Avx2::new_unchecked() })
            }
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            2 => {
                // SAFETY: the caller's contract: AVX-512 detection succeeded.
                Backend::Avx512(unsafe { crate::arch::x86_64::Avx512::new_unchecked() })
            }
            #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
            3 => {
                // SAFETY: the caller's contract: NEON detection succeeded.
                Backend::Neon(unsafe { crate::arch::aarch64::Neon::new_unchecked() })
            }
            _ => Backend::Scalar,
        }
    }
}

// The cache stores `Isa as u8`; `Backend::assume` decodes these values.
const _: () = {
    assert!(Isa::Scalar as u8 == 0 && Isa::Avx2 as u8 == 1);
    assert!(Isa::Avx512 as u8 == 2 && Isa::Neon as u8 == 3);
};

/// What every SIMD backend token offers a kernel body: its target-feature
/// context, the register operations on `f32` and `f64`, and the widening
/// of the reduced-precision types ([`Widen`]).
pub(crate) trait Backends: Simd + Lanes<f32> + Lanes<f64> + Widen {}
impl<S: Simd + Lanes<f32> + Lanes<f64> + Widen> Backends for S {}

/// A kernel family's op struct: one call's arguments (and the handle it
/// runs on, the field `k`), with the two ways to compute it, which must
/// give the same bits. [`run!`] chooses between them.
pub(crate) trait Kernel: Sized {
    /// The element type of the registers the SIMD path computes in.
    type T: Float;
    /// What the call returns.
    type Output;
    /// The call split over threads, when the handle's [`Par`] allows more
    /// than one and the work pays for them: `Ok` with the result (the same
    /// bits as the sequential call: pieces follow the contract's block
    /// tree), or `Err(self)` to run sequentially. The default never splits.
    #[inline(always)]
    fn parallel(self) -> Result<Self::Output, Self> {
        Err(self)
    }
    /// The contract, literally (the scalar backend, and the tests' oracle).
    fn scalar(self) -> Self::Output;
    /// The kernel body on backend `s`, inside its target-feature context.
    fn simd<S: Backends + Lanes<Self::T>>(self, s: S) -> Self::Output;
}

/// Runs op struct `$op` (a [`Kernel`] with a field `k: Kernels`) on its
/// handle's backend: the scalar path, or the SIMD path inside the
/// backend's `#[target_feature]` context.
///
/// The closure must be `#[inline(always)]`: a closure is compiled with the
/// features of the function that defines it (none, here), so if LLVM
/// declined to inline a large kernel body into `vectorize`, every intrinsic
/// would become a call. That happened to `gemv` on AVX-512 (20x slower).
macro_rules! run {
    ($op:expr) => {{
        let op = $op;
        // A sequential handle goes straight to its backend (one compare);
        // the split's bookkeeping is out of line, so that the entry point
        // stays small enough to inline and the op's fields stay in
        // registers up to the backend's call.
        if op.k.is_seq() {
            $crate::dispatch::run_seq!(op)
        } else {
            $crate::dispatch::outline(move || match $crate::dispatch::Kernel::parallel(op) {
                Ok(out) => out,
                Err(op) => $crate::dispatch::run_seq!(op),
            })
        }
    }};
}
pub(crate) use run;

/// [`run!`] without the parallel split: the scalar path, or the SIMD path
/// inside the backend's target-feature context.
macro_rules! run_seq {
    ($op:expr) => {{
        let op = $op;
        match op.k.backend {
            // Out of line, like the SIMD paths (each a call into its
            // target-feature function): the literal contract is long.
            $crate::dispatch::Backend::Scalar => {
                $crate::dispatch::outline(move || $crate::dispatch::Kernel::scalar(op))
            }
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            $crate::dispatch::Backend::Avx2(s) => $crate::lanes::Simd::vectorize(
                s,
                #[inline(always)]
                move || $crate::dispatch::Kernel::simd(op, s),
            ),
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            $crate::dispatch::Backend::Avx512(s) => $crate::lanes::Simd::vectorize(
                s,
                #[inline(always)]
                move || $crate::dispatch::Kernel::simd(op, s),
            ),
            #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
            $crate::dispatch::Backend::Neon(s) => $crate::lanes::Simd::vectorize(
                s,
                #[inline(always)]
                move || $crate::dispatch::Kernel::simd(op, s),
            ),
        }
    }};
}
pub(crate) use run_seq;

/// Runs `f` in a function of its own: the parts of [`run!`] that must not
/// be inlined into every entry point (the scalar path, the split).
#[inline(never)]
pub(crate) fn outline<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Runs `$simd` with `$s` bound to the handle `$k`'s backend token inside
/// its target-feature context, or `$scalar` on the scalar backend: the
/// low-level form of [`run!`], for the crate's own register-level tests.
#[cfg(test)]
macro_rules! with_backend {
    ($k:expr, $s:ident => $simd:expr, scalar => $scalar:expr) => {
        match $k.backend {
            $crate::dispatch::Backend::Scalar => $scalar,
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            $crate::dispatch::Backend::Avx2($s) => $crate::lanes::Simd::vectorize(
                $s,
                #[inline(always)]
                || $simd,
            ),
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            $crate::dispatch::Backend::Avx512($s) => $crate::lanes::Simd::vectorize(
                $s,
                #[inline(always)]
                || $simd,
            ),
            #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
            $crate::dispatch::Backend::Neon($s) => $crate::lanes::Simd::vectorize(
                $s,
                #[inline(always)]
                || $simd,
            ),
        }
    };
}
#[cfg(test)]
pub(crate) use with_backend;

/// Declares family marker `$fam` for op struct `$op<'a, T>` returning
/// `$out` (a type in `$t`), and its per-type entry points: concrete
/// (non-generic) functions.
///
/// Built with debug assertions (the `dev` profile) they are not
/// `#[inline]`, so each kernel is compiled inside dotgrad, at dotgrad's own
/// optimisation level, whatever crate calls it: a user's debug build with
/// `[profile.dev.package.dotgrad] opt-level = 3` runs optimised kernels.
/// In release builds they are `#[inline(always)]`: the call through a
/// non-inlined entry cost about 10 ns on a 1Ki `scale` (32 vs 42 ns on
/// AVX2, measured in one process against the inlined one), and an entry
/// that is not inlined receives its op struct through memory (a 16-element
/// `dot` took 11 ns instead of 5). What they inline is small: the check
/// for a sequential handle, the match on the backend, and a call (the
/// scalar path and the split are out of line, see [`outline`]).
macro_rules! float_family {
    ($(#[$meta:meta])* $fam:ident<$t:ident>: $op:ident => $out:ty) => {
        $(#[$meta])*
        pub(crate) enum $fam {}
        impl $crate::element::sealed::SealedFamily for $fam {}
        impl $crate::element::FloatFamily for $fam {
            type Op<'a, $t: $crate::element::Float> = $op<'a, $t>;
            type Out<$t: $crate::element::Float> = $out;
            #[cfg_attr(not(debug_assertions), inline(always))]
            fn f32(op: $op<'_, f32>) -> <Self as $crate::element::FloatFamily>::Out<f32> {
                $crate::dispatch::run!(op)
            }
            #[cfg_attr(not(debug_assertions), inline(always))]
            fn f64(op: $op<'_, f64>) -> <Self as $crate::element::FloatFamily>::Out<f64> {
                $crate::dispatch::run!(op)
            }
        }
    };
}
pub(crate) use float_family;

/// As [`float_family!`], for a family over every [`crate::Element`]: the
/// op struct implements [`Kernel`] for each reduced-precision type too
/// (computing in `f32` registers, [`Kernel::T`] = `f32`).
macro_rules! element_family {
    ($(#[$meta:meta])* $fam:ident<$t:ident>: $op:ident => $out:ty) => {
        $(#[$meta])*
        pub(crate) enum $fam {}
        impl $crate::element::sealed::SealedFamily for $fam {}
        impl $crate::element::Family for $fam {
            type Op<'a, $t: $crate::element::Element> = $op<'a, $t>;
            type Out<$t: $crate::element::Element> = $out;
            #[cfg_attr(not(debug_assertions), inline(always))]
            fn f32(op: $op<'_, f32>) -> <Self as $crate::element::Family>::Out<f32> {
                $crate::dispatch::run!(op)
            }
            #[cfg_attr(not(debug_assertions), inline(always))]
            fn f64(op: $op<'_, f64>) -> <Self as $crate::element::Family>::Out<f64> {
                $crate::dispatch::run!(op)
            }
            #[cfg_attr(not(debug_assertions), inline(always))]
            fn bf16(
                op: $op<'_, half::bf16>,
            ) -> <Self as $crate::element::Family>::Out<half::bf16> {
                $crate::dispatch::run!(op)
            }
            #[cfg_attr(not(debug_assertions), inline(always))]
            fn f16(op: $op<'_, half::f16>) -> <Self as $crate::element::Family>::Out<half::f16> {
                $crate::dispatch::run!(op)
            }
            #[cfg_attr(not(debug_assertions), inline(always))]
            fn i8(op: $op<'_, i8>) -> <Self as $crate::element::Family>::Out<i8> {
                $crate::dispatch::run!(op)
            }
            #[cfg_attr(not(debug_assertions), inline(always))]
            fn u8(op: $op<'_, u8>) -> <Self as $crate::element::Family>::Out<u8> {
                $crate::dispatch::run!(op)
            }
        }
    };
}
pub(crate) use element_family;

impl Isa {
    /// Whether this CPU (and this build's target) can run the backend.
    pub fn is_available(self) -> bool {
        Backend::detect(self).is_some()
    }

    /// The backends this CPU can run, from the slowest (`Scalar`) up.
    pub fn available() -> impl Iterator<Item = Isa> + Clone {
        Isa::ALL.iter().copied().filter(|isa| isa.is_available())
    }

    /// The fastest backend this CPU has, ignoring `DOTGRAD_ISA`.
    pub fn detected() -> Isa {
        Isa::available().last().unwrap_or(Isa::Scalar)
    }

    /// The backend the free functions use: [`Isa::detected`], capped by
    /// `DOTGRAD_ISA` when the `std` feature is on and the variable names a
    /// backend of this target (see [`Isa::from_env`] and [`Isa::capped`]).
    /// Computed once and cached. A `DOTGRAD_ISA` that cannot take effect
    /// (an unknown name, or a backend of another architecture) is *not*
    /// applied here; [`Isa::from_env`] reports it (the speed report and the
    /// benches print it).
    #[inline]
    pub fn best() -> Isa {
        Kernels::best().isa()
    }

    /// The best available backend not above `self`: `self` if this CPU has it,
    /// else the next one down the chain `Avx512 -> Avx2 -> Scalar`
    /// (`Neon -> Scalar`). This is how `DOTGRAD_ISA` caps the choice.
    pub fn capped(self) -> Isa {
        let mut isa = self;
        loop {
            if isa.is_available() {
                return isa;
            }
            isa = match isa {
                Isa::Avx512 => Isa::Avx2,
                Isa::Scalar | Isa::Avx2 | Isa::Neon => Isa::Scalar,
            };
        }
    }

    /// Reads `DOTGRAD_ISA` as [`Isa::parse_cap`] does: `Ok(None)` when it
    /// is unset or empty, `Ok(Some(isa))` for a backend of this target, and
    /// [`Error::UnknownIsa`] or [`Error::TargetLacksIsa`] otherwise. Without
    /// the `std` feature there is no environment and this is `Ok(None)`.
    pub fn from_env() -> Result<Option<Isa>, Error> {
        #[cfg(feature = "std")]
        {
            match std::env::var("DOTGRAD_ISA") {
                Ok(v) => Isa::parse_cap(&v),
                Err(std::env::VarError::NotPresent) => Ok(None),
                Err(std::env::VarError::NotUnicode(_)) => Err(Error::UnknownIsa(
                    crate::error::IsaName::new("<not unicode>"),
                )),
            }
        }
        #[cfg(not(feature = "std"))]
        {
            Ok(None)
        }
    }
}

/// A handle that runs every kernel on one backend.
///
/// Obtain one with [`Kernels::new`] for a chosen [`Isa`] (an error if this
/// CPU or target lacks it) or [`Kernels::best`] for the cached automatic
/// choice. The handle is `Copy` and costs nothing to pass around; the free
/// functions of the crate are `Kernels::best().op(...)`.
///
/// ```
/// use dotgrad::{Isa, Kernels};
/// let a = [1.0f32, 2.0, 3.0];
/// let b = [4.0f32, 5.0, 6.0];
/// for isa in Isa::available() {
///     let k = Kernels::new(isa).unwrap();
///     assert_eq!(k.dot(&a, &b).unwrap(), 32.0);
/// }
/// ```
#[derive(Clone, Copy)]
pub struct Kernels {
    pub(crate) backend: Backend,
    /// [`Par`]'s variant ([`SEQ`], [`THREADS`], [`ALL`]), beside the
    /// backend's tag, and its thread count in `threads`: a handle is three
    /// words, so that a small call's op struct (the handle and its
    /// arguments) fits the eight registers of pulp's by-register call.
    par_kind: u8,
    threads: usize,
    /// The least input, in bytes, a parallel task should read.
    pub(crate) task_bytes: usize,
}

const SEQ: u8 = 0;
const THREADS: u8 = 1;
const ALL: u8 = 2;

// A `dot` op (the handle and two slices) and an `axpy` op (and `alpha`)
// fit pulp's eight-word by-register call (`Simd::vectorize`).
const _: () = assert!(core::mem::size_of::<Kernels>() <= 3 * core::mem::size_of::<usize>());

impl core::fmt::Debug for Kernels {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Kernels")
            .field("backend", &self.backend)
            .field("par", &self.par())
            .field("task_bytes", &self.task_bytes)
            .finish()
    }
}

/// The default least input of a parallel task: smaller calls, and smaller
/// pieces of a call, stay on one thread (a rayon fork and join costs
/// microseconds; one core reads this much in a few tens of them).
const TASK_BYTES: usize = 256 * 1024;

/// `Kernels::best()`'s backend as `Isa as u8`, or `UNSET`.
static BEST: AtomicU8 = AtomicU8::new(UNSET);
const UNSET: u8 = u8::MAX;

impl Kernels {
    /// A handle for `isa`: [`Error::TargetLacksIsa`] when this build's
    /// target architecture has no such backend (`Neon` on x86-64), and
    /// [`Error::IsaUnavailable`] when this CPU lacks its features.
    pub fn new(isa: Isa) -> Result<Kernels, Error> {
        if !isa.in_target() {
            return Err(Error::TargetLacksIsa(isa));
        }
        Backend::detect(isa)
            .map(|backend| Kernels {
                backend,
                par_kind: SEQ,
                threads: 0,
                task_bytes: TASK_BYTES,
            })
            .ok_or(Error::IsaUnavailable(isa))
    }

    /// The handle for [`Isa::best`]: detected once per process, then a
    /// cached constant (one atomic load per call).
    #[inline]
    pub fn best() -> Kernels {
        let mut i = BEST.load(Ordering::Relaxed);
        if i == UNSET {
            // The cold path returns the index, not a handle, so that both
            // paths build the handle here, in registers: a handle returned
            // through memory cost a failed store-to-load forward per call.
            i = Kernels::init_best();
        }
        // SAFETY: `BEST` only ever holds `UNSET` or the index of a backend
        // whose detection succeeded in this process (`init_best`), and `i`
        // is not `UNSET` here.
        let backend = unsafe { Backend::assume(i) };
        Kernels {
            backend,
            par_kind: SEQ,
            threads: 0,
            task_bytes: TASK_BYTES,
        }
    }

    /// Detects [`Kernels::best`]'s backend, caches it in `BEST`, and
    /// returns its index (an `Isa` whose detection succeeded, as `u8`).
    #[cold]
    fn init_best() -> u8 {
        let isa = match Isa::from_env() {
            Ok(Some(cap)) => cap.capped(),
            _ => Isa::detected(),
        };
        let i = Kernels::new(isa).map_or(Isa::Scalar, Kernels::isa) as u8;
        BEST.store(i, Ordering::Relaxed);
        i
    }

    /// The handle for `DOTGRAD_ISA` capped to this CPU, or for the detected
    /// best backend when the variable is unset; a value that cannot take
    /// effect is an error (see [`Isa::from_env`]).
    pub fn from_env() -> Result<Kernels, Error> {
        let isa = match Isa::from_env()? {
            Some(cap) => cap.capped(),
            None => Isa::detected(),
        };
        Kernels::new(isa)
    }

    /// The backend this handle runs on.
    pub fn isa(self) -> Isa {
        self.backend.isa()
    }

    /// The degree of parallelism this handle's calls may use ([`Par::Seq`]
    /// unless [`Kernels::with_par`] set another).
    pub fn par(self) -> Par {
        match self.par_kind {
            THREADS => Par::Threads(self.threads),
            ALL => Par::All,
            _ => Par::Seq,
        }
    }

    /// Whether this handle is [`Par::Seq`] (one compare).
    #[inline(always)]
    pub(crate) fn is_seq(self) -> bool {
        self.par_kind == SEQ
    }

    /// How many parallel tasks a call on this handle aims for ([`Par::budget`]).
    #[inline]
    pub(crate) fn budget(self) -> usize {
        self.par().budget()
    }

    /// This handle with degree of parallelism `par`. Every result keeps its
    /// bits: reductions are split on the contract's block tree, so any
    /// thread count, and the sequential call, build the same tree. Calls
    /// too small to pay for a thread stay sequential.
    ///
    /// # Errors
    /// [`Error::ParUnavailable`] for anything but [`Par::Seq`] when the
    /// crate is built without the `rayon` feature (it could not take
    /// effect); [`Error::InvalidParameter`] for `Par::Threads(0)`.
    pub fn with_par(self, par: Par) -> Result<Kernels, Error> {
        if let Par::Threads(0) = par {
            return Err(Error::InvalidParameter {
                op: "Kernels::with_par",
                name: "threads",
                value: 0.0,
                expected: ">= 1",
            });
        }
        if !cfg!(feature = "rayon") && par != Par::Seq && par != Par::Threads(1) {
            return Err(Error::ParUnavailable(par));
        }
        let (par_kind, threads) = match par {
            Par::Seq => (SEQ, 0),
            Par::Threads(n) => (THREADS, n),
            Par::All => (ALL, 0),
        };
        Ok(Kernels {
            par_kind,
            threads,
            ..self
        })
    }

    /// This handle with `bytes` as the least input a parallel task reads
    /// (default 256 KiB; at least 1): a call is split over threads only
    /// into pieces of at least this much (for reductions, whole subtrees of
    /// the block tree). The results do not depend on it; only the speed
    /// does. A smaller value helps a machine whose threads start quickly.
    pub fn with_task_bytes(self, bytes: usize) -> Kernels {
        Kernels {
            task_bytes: bytes.max(1),
            ..self
        }
    }

    /// The least input a parallel task reads (see [`Kernels::with_task_bytes`]).
    pub fn task_bytes(self) -> usize {
        self.task_bytes
    }

    /// This handle, sequential: what the pieces of a parallel call run on.
    #[inline(always)]
    pub(crate) fn seq(self) -> Kernels {
        Kernels {
            par_kind: SEQ,
            ..self
        }
    }
}
