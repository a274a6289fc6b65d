//! The crate's one error type.
//!
//! Every public function checks its shapes and parameters before it touches
//! any output, so an `Err` always means that no caller buffer was modified.

use core::fmt;

use crate::isa::Isa;

/// Why a dotgrad call was refused. Nothing was written when this is returned.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Two slices that must have equal lengths do not.
    LengthMismatch {
        /// The operation that was called (`"dot"`, `"axpy"`, ...).
        op: &'static str,
        /// Name of the first slice and its length.
        left: (&'static str, usize),
        /// Name of the second slice and its length.
        right: (&'static str, usize),
    },
    /// A matrix argument does not have the shape the other arguments imply.
    Shape {
        /// The operation that was called.
        op: &'static str,
        /// What is wrong, e.g. `"row stride shorter than a row"`.
        what: &'static str,
        /// The length or count that was expected.
        expected: usize,
        /// The length or count that was found.
        found: usize,
    },
    /// A scalar parameter is outside its documented domain.
    InvalidParameter {
        /// The operation that was called.
        op: &'static str,
        /// The parameter's name (`"lr"`, `"beta1"`, ...).
        name: &'static str,
        /// The rejected value, widened to `f64`.
        value: f64,
        /// The domain the parameter must lie in, in words.
        expected: &'static str,
    },
    /// The requested backend exists for this build's target architecture,
    /// but this CPU lacks its features.
    IsaUnavailable(Isa),
    /// The requested backend belongs to another architecture than this
    /// build's target (`neon` on x86-64, `avx2` on aarch64): it can never
    /// run here.
    TargetLacksIsa(Isa),
    /// A degree of parallelism other than [`Par::Seq`](crate::Par::Seq)
    /// was asked of a build without the `rayon` feature.
    ParUnavailable(crate::par::Par),
    /// A backend name (from `DOTGRAD_ISA` or [`Isa::from_str`](core::str::FromStr))
    /// is not one of `scalar`, `avx2`, `avx512`, `neon`.
    UnknownIsa(IsaName),
    /// A class label is not below the number of classes.
    Label {
        /// The operation that was called.
        op: &'static str,
        /// The row whose label it is.
        row: usize,
        /// The label found.
        label: u32,
        /// The number of classes (columns of the logits).
        classes: usize,
    },
    /// A matrix or vector view from another crate (see
    /// [`interop`](crate::interop)) is laid out in memory in a way the
    /// conversion cannot borrow as one slice: gaps between rows or columns,
    /// elements within a row (or a vector) not adjacent, negative strides,
    /// or the wrong orientation for the target type.
    Layout {
        /// The conversion that refused it (`"Matrix::try_from(ArrayView2)"`, ...).
        op: &'static str,
        /// The view's shape, `(rows, cols)` (`(len, 1)` for a vector).
        shape: (usize, usize),
        /// The strides found, `(row stride, column stride)` in elements
        /// (`(stride, 0)` for a vector).
        strides: (isize, isize),
        /// What the conversion needs, and what to do instead, in words.
        expected: &'static str,
    },
}

/// The (possibly truncated) text of an unrecognised backend name, kept
/// without allocation so that the error works in `no_std` builds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IsaName {
    bytes: [u8; 32],
    len: u8,
    truncated: bool,
}

impl IsaName {
    pub(crate) fn new(s: &str) -> Self {
        let mut bytes = [0u8; 32];
        // Cut at a char boundary so that `as_str` stays valid UTF-8.
        let mut len = s.len().min(32);
        while !s.is_char_boundary(len) {
            len -= 1;
        }
        bytes[..len].copy_from_slice(&s.as_bytes()[..len]);
        IsaName {
            bytes,
            len: len as u8,
            truncated: len < s.len(),
        }
    }

    /// The name as given (its first 32 bytes at most).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl fmt::Debug for IsaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for IsaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())?;
        if self.truncated {
            f.write_str("...")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::LengthMismatch { op, left, right } => write!(
                f,
                "{op}: length of `{}` ({}) does not match length of `{}` ({})",
                left.0, left.1, right.0, right.1
            ),
            Error::Shape {
                op,
                what,
                expected,
                found,
            } => write!(f, "{op}: {what}: expected {expected}, found {found}"),
            Error::InvalidParameter {
                op,
                name,
                value,
                expected,
            } => write!(
                f,
                "{op}: parameter `{name}` = {value} is invalid: must be {expected}"
            ),
            Error::IsaUnavailable(isa) => {
                write!(f, "the {isa} backend is not available on this CPU")
            }
            Error::ParUnavailable(par) => write!(
                f,
                "parallelism {par:?} needs dotgrad's `rayon` feature, which this build lacks"
            ),
            Error::TargetLacksIsa(isa) => match isa.arch() {
                Some(arch) if arch == crate::isa::TARGET_ARCH => write!(
                    f,
                    "the {isa} backend needs {arch} with its vector registers; this build \
                     targets {arch} without them (soft-float)"
                ),
                arch => write!(
                    f,
                    "the {isa} backend is for {}; this build targets {}",
                    arch.unwrap_or("every architecture"),
                    crate::isa::TARGET_ARCH
                ),
            },
            Error::Label {
                op,
                row,
                label,
                classes,
            } => write!(
                f,
                "{op}: label {label} of row {row} is not below the number of classes ({classes})"
            ),
            Error::Layout {
                op,
                shape,
                strides,
                expected,
            } => write!(
                f,
                "{op}: a {} x {} view with row stride {} and column stride {} cannot be \
                 borrowed: {expected}",
                shape.0, shape.1, strides.0, strides.1
            ),
            Error::UnknownIsa(name) => write!(
                f,
                "unknown backend {name}: expected one of scalar, avx2, avx512, neon"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

/// Checks that two slices have equal length.
#[inline(always)]
pub(crate) fn same_len(
    op: &'static str,
    left: (&'static str, usize),
    right: (&'static str, usize),
) -> Result<(), Error> {
    if left.1 == right.1 {
        Ok(())
    } else {
        Err(Error::LengthMismatch { op, left, right })
    }
}

/// `Err(Shape)` unless `found == expected`.
#[inline(always)]
pub(crate) fn shape(
    op: &'static str,
    what: &'static str,
    expected: usize,
    found: usize,
) -> Result<(), Error> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::Shape {
            op,
            what,
            expected,
            found,
        })
    }
}

/// [`Error::Shape`] (expected 1, found 0) for an empty dimension that
/// must have at least one element (`what` says which, and why).
#[cfg(feature = "alloc")]
pub(crate) fn at_least_one(
    op: &'static str,
    what: &'static str,
    found: usize,
) -> Result<(), Error> {
    if found == 0 {
        Err(Error::Shape {
            op,
            what,
            expected: 1,
            found,
        })
    } else {
        Ok(())
    }
}
