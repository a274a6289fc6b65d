//! The [`Isa`] enum: the backends dotgrad knows, their names and parsing.
//! Detection, the `DOTGRAD_ISA` cap and the cached choice live in
//! [`crate::dispatch`].

use core::fmt;
use core::str::FromStr;

use crate::error::{Error, IsaName};

/// A SIMD backend ("instruction set architecture" level).
///
/// Every backend evaluates every kernel in the same canonical order (see
/// [`crate::contract`]), so they return bit-identical results; they differ
/// only in speed. More backends may be added in later versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
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
    /// Every backend dotgrad knows, available here or not, from the slowest
    /// (`Scalar`) up within each architecture. Later versions may add more.
    pub const ALL: &'static [Isa] = &[Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon];

    /// The lower-case name used by `DOTGRAD_ISA` and [`FromStr`].
    pub const fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Neon => "neon",
        }
    }

    /// The CPU architecture a backend runs on (`None` for `Scalar`, which
    /// runs everywhere).
    pub const fn arch(self) -> Option<&'static str> {
        match self {
            Isa::Scalar => None,
            Isa::Avx2 | Isa::Avx512 => Some("x86_64"),
            Isa::Neon => Some("aarch64"),
        }
    }

    /// Whether this build's target has the backend at all (a CPU of the
    /// architecture may still lack it: see [`Isa::is_available`]). The SIMD
    /// backends need their architecture with its vector registers enabled:
    /// a soft-float target such as `x86_64-unknown-none` has none of them.
    pub const fn in_target(self) -> bool {
        match self {
            Isa::Scalar => true,
            Isa::Avx2 | Isa::Avx512 => cfg!(all(target_arch = "x86_64", target_feature = "sse2")),
            Isa::Neon => cfg!(all(target_arch = "aarch64", target_feature = "neon")),
        }
    }

    /// Parses a `DOTGRAD_ISA` value: empty (after trimming) means no cap;
    /// an unknown name is [`Error::UnknownIsa`], and a backend of another
    /// architecture than this build's target is [`Error::TargetLacksIsa`]
    /// (it could never take effect, and silently using the scalar
    /// reference instead would make every kernel many times slower).
    pub fn parse_cap(value: &str) -> Result<Option<Isa>, Error> {
        let v = value.trim();
        if v.is_empty() {
            return Ok(None);
        }
        let isa: Isa = v.parse()?;
        if isa.in_target() {
            Ok(Some(isa))
        } else {
            Err(Error::TargetLacksIsa(isa))
        }
    }
}

impl FromStr for Isa {
    type Err = Error;

    /// Accepts `scalar`, `avx2`, `avx512`, `neon` in any case, with surrounding
    /// white space.
    fn from_str(s: &str) -> Result<Isa, Error> {
        let t = s.trim();
        Isa::ALL
            .iter()
            .copied()
            .find(|isa| isa.name().eq_ignore_ascii_case(t))
            .ok_or(Error::UnknownIsa(IsaName::new(s)))
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name of this build's target architecture, for messages.
pub(crate) const TARGET_ARCH: &str = if cfg!(target_arch = "x86_64") {
    "x86_64"
} else if cfg!(target_arch = "aarch64") {
    "aarch64"
} else if cfg!(target_arch = "x86") {
    "x86"
} else if cfg!(target_arch = "arm") {
    "arm"
} else if cfg!(target_arch = "wasm32") {
    "wasm32"
} else if cfg!(target_arch = "riscv64") {
    "riscv64"
} else {
    "this architecture"
};
