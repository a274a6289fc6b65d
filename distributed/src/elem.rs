//! The two element types and what this crate needs of them beyond
//! [`dotgrad::Float`] (whose [`dotgrad::Element`] gives the name and the
//! contract's `W` and `E`): their bits, in a fixed byte order on the wire.

use core::fmt::{Debug, LowerExp};

/// `f32` or `f64`: a [`dotgrad::Float`] with its bit pattern.
pub trait Elem: dotgrad::Float + LowerExp + Debug + Send + Sync {
    /// Bytes per element on the wire.
    const BYTES: usize;
    /// The bit pattern, widened to `u64`.
    fn bits(self) -> u64;
    /// The element with bit pattern `bits` (the low `8 * BYTES` bits).
    fn from_bits(bits: u64) -> Self;
}

impl Elem for f32 {
    const BYTES: usize = 4;
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
    fn from_bits(bits: u64) -> Self {
        // Truncation intended: the low 32 bits are the f32's.
        f32::from_bits(bits as u32)
    }
}

impl Elem for f64 {
    const BYTES: usize = 8;
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn from_bits(bits: u64) -> Self {
        f64::from_bits(bits)
    }
}

/// Appends the elements' bits, little-endian.
pub fn put<T: Elem>(out: &mut Vec<u8>, xs: &[T]) {
    for &x in xs {
        out.extend_from_slice(&x.bits().to_le_bytes()[..T::BYTES]);
    }
}

/// Reads elements written by [`put`]; `None` unless `bytes` holds a whole
/// number of them.
pub fn get<T: Elem>(bytes: &[u8]) -> Option<Vec<T>> {
    if !bytes.len().is_multiple_of(T::BYTES) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(T::BYTES)
            .map(|c| {
                let mut b = [0u8; 8];
                b[..T::BYTES].copy_from_slice(c);
                T::from_bits(u64::from_le_bytes(b))
            })
            .collect(),
    )
}

/// 64-bit FNV-1a over the elements' little-endian bits: the checksum the
/// runs print (as the single-process examples do).
pub fn fnv1a<T: Elem>(xs: &[T]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &x in xs {
        for &byte in &x.bits().to_le_bytes()[..T::BYTES] {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}
