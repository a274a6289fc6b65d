//! NEON widening ([`Widen`]): bf16 by shift and mask of 32-bit words, f16
//! by `fcvtl` (base Armv8 Advanced SIMD; written as `asm!` because the
//! `float16x4_t` intrinsics are not stable Rust), i8/u8 by the exact
//! widening multiply `smull`/`umull` (8-bit by 8-bit into 16 bits) and the
//! pairwise add-accumulate `sadalp`/`uadalp` into 32-bit lanes. `sdot` /
//! `udot` (dotprod) are not used yet.

use core::arch::aarch64::*;
use core::arch::asm;

use half::{bf16, f16};

use super::Neon;
use crate::widen::Widen;

impl Widen for Neon {
    type I = int32x4_t;
    const IBYTES: usize = 16;

    #[inline(always)]
    fn widen_bf16(self, s: &[bf16]) -> (float32x4_t, float32x4_t) {
        let n = self.0.neon;
        let s = &s[..8];
        // SAFETY: `s` is 8 bf16 = 16 bytes in bounds (just sliced); byte
        // loads have no alignment need; the token proves neon.
        let w = n.vreinterpretq_u32_u8(unsafe { n.vld1q_u8(s.as_ptr().cast()) });
        let even = n.vshlq_n_u32::<16>(w);
        let odd = n.vandq_u32(w, n.vdupq_n_u32(0xFFFF_0000));
        (n.vreinterpretq_f32_u32(even), n.vreinterpretq_f32_u32(odd))
    }
    #[inline(always)]
    fn widen_f16(self, s: &[f16]) -> float32x4_t {
        let n = self.0.neon;
        let s = &s[..4];
        // SAFETY: `s` is 4 f16 = 8 bytes in bounds (just sliced); byte loads
        // have no alignment need; the token proves neon.
        let h = unsafe { n.vld1_u8(s.as_ptr().cast()) };
        let r: float32x4_t;
        // SAFETY: `fcvtl` is a register-only instruction of every aarch64
        // CPU with Advanced SIMD (the token); it reads and writes no memory.
        unsafe {
            asm!(
                "fcvtl {r:v}.4s, {h:v}.4h",
                h = in(vreg) h,
                r = lateout(vreg) r,
                options(pure, nomem, nostack, preserves_flags)
            );
        }
        r
    }
    #[inline(always)]
    fn izero(self) -> int32x4_t {
        self.0.neon.vdupq_n_s32(0)
    }
    #[inline(always)]
    fn madd_i8(self, a: &[i8], b: &[i8], acc: int32x4_t) -> int32x4_t {
        let n = self.0.neon;
        let (a, b) = (&a[..16], &b[..16]);
        // SAFETY: `a` and `b` are 16 bytes in bounds (just sliced); the
        // token proves neon.
        let (x, y) = unsafe { (n.vld1q_s8(a.as_ptr()), n.vld1q_s8(b.as_ptr())) };
        let lo = n.vmull_s8(n.vget_low_s8(x), n.vget_low_s8(y));
        let hi = n.vmull_high_s8(x, y);
        n.vpadalq_s16(n.vpadalq_s16(acc, lo), hi)
    }
    #[inline(always)]
    fn madd_u8(self, a: &[u8], b: &[u8], acc: int32x4_t) -> int32x4_t {
        let n = self.0.neon;
        let (a, b) = (&a[..16], &b[..16]);
        // SAFETY: `a` and `b` are 16 bytes in bounds (just sliced); the
        // token proves neon.
        let (x, y) = unsafe { (n.vld1q_u8(a.as_ptr()), n.vld1q_u8(b.as_ptr())) };
        let lo = n.vmull_u8(n.vget_low_u8(x), n.vget_low_u8(y));
        let hi = n.vmull_high_u8(x, y);
        // Lanes stay below 2^31 (IBLOCK), so u32 and i32 hold the same bits.
        let acc = n.vreinterpretq_u32_s32(acc);
        n.vreinterpretq_s32_u32(n.vpadalq_u16(n.vpadalq_u16(acc, lo), hi))
    }
    #[inline(always)]
    fn msq_i8(self, a: &[i8], b: &[i8], acc: int32x4_t) -> int32x4_t {
        let n = self.0.neon;
        let (a, b) = (&a[..16], &b[..16]);
        // SAFETY: `a` and `b` are 16 bytes in bounds (just sliced); the
        // token proves neon.
        let (x, y) = unsafe { (n.vld1q_s8(a.as_ptr()), n.vld1q_s8(b.as_ptr())) };
        // Exact 16-bit differences (`ssubl`), squared into 32 bits (`smlal`).
        let lo = n.vsubl_s8(n.vget_low_s8(x), n.vget_low_s8(y));
        let hi = n.vsubl_high_s8(x, y);
        let acc = n.vmlal_s16(acc, n.vget_low_s16(lo), n.vget_low_s16(lo));
        let acc = n.vmlal_high_s16(acc, lo, lo);
        let acc = n.vmlal_s16(acc, n.vget_low_s16(hi), n.vget_low_s16(hi));
        n.vmlal_high_s16(acc, hi, hi)
    }
    #[inline(always)]
    fn msq_u8(self, a: &[u8], b: &[u8], acc: int32x4_t) -> int32x4_t {
        let n = self.0.neon;
        let (a, b) = (&a[..16], &b[..16]);
        // SAFETY: `a` and `b` are 16 bytes in bounds (just sliced); the
        // token proves neon.
        let (x, y) = unsafe { (n.vld1q_u8(a.as_ptr()), n.vld1q_u8(b.as_ptr())) };
        // `usubl` wraps modulo 2^16; read as i16 it is the exact difference
        // (within -255..=255).
        let lo = n.vreinterpretq_s16_u16(n.vsubl_u8(n.vget_low_u8(x), n.vget_low_u8(y)));
        let hi = n.vreinterpretq_s16_u16(n.vsubl_high_u8(x, y));
        let acc = n.vmlal_s16(acc, n.vget_low_s16(lo), n.vget_low_s16(lo));
        let acc = n.vmlal_high_s16(acc, lo, lo);
        let acc = n.vmlal_s16(acc, n.vget_low_s16(hi), n.vget_low_s16(hi));
        n.vmlal_high_s16(acc, hi, hi)
    }
    #[inline(always)]
    fn isum(self, acc: int32x4_t) -> i64 {
        self.0.neon.vaddlvq_s32(acc)
    }
}
