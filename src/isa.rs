//! Backends: the [`Isa`] enum, CPU detection, the `DOTGRAD_ISA` cap, and the
//! [`Kernels`] handle that runs every kernel on one chosen backend.
//!
//! Detection runs once per process and is cached in atomics; many threads
//! making their first call together all compute and store the same value, so
//! the cache is race free without locks.

use core::fmt;
use core::str::FromStr;
use core::sync::atomic::{AtomicU8, Ordering};

use crate::error::{Error, IsaName};

/// A SIMD backend ("instruction set architecture" level).
///
/// Every backend evaluates every kernel in the same canonical order (see
/// [`crate::contract`]), so they return bit-identical results; they differ
/// only in speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
    /// The portable reference: the contract written out literally. Always available.
    Scalar,
    /// x86-64 AVX2 + FMA: 16 ymm registers, 8 f32 / 4 f64 lanes each.
    Avx2,
    /// x86-64 AVX-512 F/BW/DQ/VL: 32 zmm registers, 16 f32 / 8 f64 lanes each.
    Avx512,
    /// aarch64 Advanced SIMD (NEON): 32 q registers, 4 f32 / 2 f64 lanes each.
    Neon,
}

impl Isa {
    /// Every backend dotgrad knows, available here or not.
    pub const ALL: [Isa; 4] = [Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon];

    /// The lower-case name used by `DOTGRAD_ISA` and [`FromStr`].
    pub const fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Neon => "neon",
        }
    }

    /// Whether this CPU (and this build's target) can run the backend.
    pub fn is_available(self) -> bool {
        Kernels::detect(self).is_some()
    }

    /// The backends this CPU can run, from the slowest (`Scalar`) up.
    pub fn available() -> impl Iterator<Item = Isa> + Clone {
        Isa::ALL.into_iter().filter(|isa| isa.is_available())
    }

    /// The fastest backend this CPU has, ignoring `DOTGRAD_ISA`.
    pub fn detected() -> Isa {
        Isa::available().last().unwrap_or(Isa::Scalar)
    }

    /// The backend the free functions use: [`Isa::detected`], capped by
    /// `DOTGRAD_ISA` when the `std` feature is on and the variable is set to a
    /// valid name (see [`Isa::from_env`] and [`Isa::capped`]). Computed once
    /// and cached. An invalid `DOTGRAD_ISA` is *not* applied here; call
    /// [`Isa::from_env`] (as the speed report and benches do) to report it.
    pub fn best() -> Isa {
        static BEST: AtomicU8 = AtomicU8::new(u8::MAX);
        let cached = BEST.load(Ordering::Relaxed);
        if let Some(isa) = Isa::from_index(cached) {
            return isa;
        }
        let isa = match Isa::from_env() {
            Ok(Some(cap)) => cap.capped(),
            _ => Isa::detected(),
        };
        BEST.store(isa as u8, Ordering::Relaxed);
        isa
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

    /// Reads `DOTGRAD_ISA`: `Ok(None)` when it is unset or empty,
    /// `Ok(Some(isa))` for a valid name, and [`Error::UnknownIsa`] otherwise.
    /// Without the `std` feature there is no environment and this is `Ok(None)`.
    pub fn from_env() -> Result<Option<Isa>, Error> {
        #[cfg(feature = "std")]
        {
            match std::env::var("DOTGRAD_ISA") {
                Ok(v) => Isa::parse_cap(&v),
                Err(std::env::VarError::NotPresent) => Ok(None),
                Err(std::env::VarError::NotUnicode(_)) => {
                    Err(Error::UnknownIsa(IsaName::new("<not unicode>")))
                }
            }
        }
        #[cfg(not(feature = "std"))]
        {
            Ok(None)
        }
    }

    /// Parses a `DOTGRAD_ISA` value: empty (after trimming) means no cap.
    pub fn parse_cap(value: &str) -> Result<Option<Isa>, Error> {
        let v = value.trim();
        if v.is_empty() {
            Ok(None)
        } else {
            v.parse().map(Some)
        }
    }

    fn from_index(i: u8) -> Option<Isa> {
        Isa::ALL.get(usize::from(i)).copied()
    }
}

impl FromStr for Isa {
    type Err = Error;

    /// Accepts `scalar`, `avx2`, `avx512`, `neon` in any case, with surrounding
    /// white space.
    fn from_str(s: &str) -> Result<Isa, Error> {
        let t = s.trim();
        Isa::ALL
            .into_iter()
            .find(|isa| isa.name().eq_ignore_ascii_case(t))
            .ok_or(Error::UnknownIsa(IsaName::new(s)))
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The backend a [`Kernels`] handle runs on, holding the token that proves
/// the CPU has its features.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Backend {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2(crate::arch::x86_64::Avx2),
    #[cfg(target_arch = "x86_64")]
    Avx512(crate::arch::x86_64::Avx512),
    #[cfg(target_arch = "aarch64")]
    Neon(crate::arch::aarch64::Neon),
}

/// A handle that runs every kernel on one backend.
///
/// Obtain one with [`Kernels::new`] for a chosen [`Isa`] (an error if this
/// CPU lacks it) or [`Kernels::best`] for the cached automatic choice. The
/// handle is `Copy` and costs nothing to pass around; the free functions of
/// the crate are `Kernels::best().op(...)`.
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
#[derive(Clone, Copy, Debug)]
pub struct Kernels {
    pub(crate) backend: Backend,
}

impl Kernels {
    /// A handle for `isa`, or [`Error::IsaUnavailable`] when this CPU or
    /// target cannot run it.
    pub fn new(isa: Isa) -> Result<Kernels, Error> {
        Kernels::detect(isa).ok_or(Error::IsaUnavailable(isa))
    }

    /// The handle for [`Isa::best`].
    #[inline]
    pub fn best() -> Kernels {
        Kernels::detect(Isa::best()).unwrap_or(Kernels {
            backend: Backend::Scalar,
        })
    }

    /// The handle for `DOTGRAD_ISA` capped to this CPU, or for the detected
    /// best backend when the variable is unset; an unknown name is an error.
    pub fn from_env() -> Result<Kernels, Error> {
        let isa = match Isa::from_env()? {
            Some(cap) => cap.capped(),
            None => Isa::detected(),
        };
        Kernels::new(isa)
    }

    /// The backend this handle runs on.
    pub fn isa(self) -> Isa {
        match self.backend {
            Backend::Scalar => Isa::Scalar,
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2(_) => Isa::Avx2,
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512(_) => Isa::Avx512,
            #[cfg(target_arch = "aarch64")]
            Backend::Neon(_) => Isa::Neon,
        }
    }

    #[inline]
    fn detect(isa: Isa) -> Option<Kernels> {
        let backend = match isa {
            Isa::Scalar => Some(Backend::Scalar),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => crate::arch::x86_64::Avx2::try_new().map(Backend::Avx2),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => crate::arch::x86_64::Avx512::try_new().map(Backend::Avx512),
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => crate::arch::aarch64::Neon::try_new().map(Backend::Neon),
            #[allow(unreachable_patterns)]
            _ => None,
        };
        backend.map(|backend| Kernels { backend })
    }
}

/// Runs `$simd` with `$s` bound to the backend's token inside the token's
/// `#[target_feature]` context, or `$scalar` for the scalar reference.
///
/// The closure must be `#[inline(always)]`: a closure is compiled with the
/// features of the function that defines it (none, here), so if LLVM
/// declined to inline a large kernel body into `vectorize`, every intrinsic
/// would become a call. That happened to `gemv` on AVX-512 (20x slower).
macro_rules! dispatch {
    ($k:expr, $s:ident => $simd:expr, scalar => $scalar:expr) => {
        match $k.backend {
            $crate::isa::Backend::Scalar => $scalar,
            #[cfg(target_arch = "x86_64")]
            $crate::isa::Backend::Avx2($s) => $crate::lanes::Simd::vectorize(
                $s,
                #[inline(always)]
                || $simd,
            ),
            #[cfg(target_arch = "x86_64")]
            $crate::isa::Backend::Avx512($s) => $crate::lanes::Simd::vectorize(
                $s,
                #[inline(always)]
                || $simd,
            ),
            #[cfg(target_arch = "aarch64")]
            $crate::isa::Backend::Neon($s) => $crate::lanes::Simd::vectorize(
                $s,
                #[inline(always)]
                || $simd,
            ),
        }
    };
}
pub(crate) use dispatch;
