//! AVX-512 widening ([`Widen`]): bf16 by shift and mask of 32-bit words, f16
//! by `vcvtph2ps` (AVX-512F), i8/u8 by 16-bit even/odd halves and
//! `vpmaddwd` (AVX-512BW; exact, as on AVX2). `vdpbf16ps` and VNNI are not
//! used: the first flushes subnormals and rounds its pair sums otherwise;
//! `vpdpwssd` would fuse only the add.

use core::arch::x86_64::*;

use half::{bf16, f16};

use super::Avx512;
use crate::widen::Widen;

impl Avx512 {
    /// 64 bytes of `s` (at least 64 bytes long) as one register.
    #[inline(always)]
    fn load_bytes<X>(self, s: &[X]) -> __m512i {
        assert!(core::mem::size_of_val(s) >= 64);
        // SAFETY: at least 64 bytes of `s` are in bounds (checked above);
        // loadu has no alignment need; the token proves AVX-512F.
        unsafe { _mm512_loadu_si512(s.as_ptr().cast()) }
    }
}

impl Widen for Avx512 {
    type I = __m512i;
    const IBYTES: usize = 64;

    #[inline(always)]
    fn widen_bf16(self, s: &[bf16]) -> (__m512, __m512) {
        let f = self.0.avx512f;
        let w = self.load_bytes(&s[..32]);
        let even = f._mm512_slli_epi32::<16>(w);
        let odd = f._mm512_and_si512(w, f._mm512_set1_epi32(0xFFFF_0000u32 as i32));
        (f._mm512_castsi512_ps(even), f._mm512_castsi512_ps(odd))
    }
    #[inline(always)]
    fn widen_f16(self, s: &[f16]) -> __m512 {
        let s = &s[..16];
        // SAFETY: `s` is 16 f16 = 32 bytes in bounds (just sliced); loadu
        // has no alignment need; the token proves AVX.
        let h = unsafe { self.0.avx._mm256_loadu_si256(s.as_ptr().cast()) };
        self.0.avx512f._mm512_cvtph_ps(h)
    }
    #[inline(always)]
    fn izero(self) -> __m512i {
        self.0.avx512f._mm512_setzero_si512()
    }
    #[inline(always)]
    fn madd_i8(self, a: &[i8], b: &[i8], acc: __m512i) -> __m512i {
        let bw = self.0.avx512bw;
        let (x, y) = (self.load_bytes(&a[..64]), self.load_bytes(&b[..64]));
        let xe = bw._mm512_srai_epi16::<8>(bw._mm512_slli_epi16::<8>(x));
        let ye = bw._mm512_srai_epi16::<8>(bw._mm512_slli_epi16::<8>(y));
        let xo = bw._mm512_srai_epi16::<8>(x);
        let yo = bw._mm512_srai_epi16::<8>(y);
        let f = self.0.avx512f;
        let p = f._mm512_add_epi32(bw._mm512_madd_epi16(xe, ye), bw._mm512_madd_epi16(xo, yo));
        f._mm512_add_epi32(acc, p)
    }
    #[inline(always)]
    fn madd_u8(self, a: &[u8], b: &[u8], acc: __m512i) -> __m512i {
        let (f, bw) = (self.0.avx512f, self.0.avx512bw);
        let (x, y) = (self.load_bytes(&a[..64]), self.load_bytes(&b[..64]));
        let lo = f._mm512_set1_epi32(0x00FF_00FF);
        let (xe, ye) = (f._mm512_and_si512(x, lo), f._mm512_and_si512(y, lo));
        let (xo, yo) = (bw._mm512_srli_epi16::<8>(x), bw._mm512_srli_epi16::<8>(y));
        let p = f._mm512_add_epi32(bw._mm512_madd_epi16(xe, ye), bw._mm512_madd_epi16(xo, yo));
        f._mm512_add_epi32(acc, p)
    }
    #[inline(always)]
    fn msq_i8(self, a: &[i8], b: &[i8], acc: __m512i) -> __m512i {
        let (f, bw) = (self.0.avx512f, self.0.avx512bw);
        let (x, y) = (self.load_bytes(&a[..64]), self.load_bytes(&b[..64]));
        let xe = bw._mm512_srai_epi16::<8>(bw._mm512_slli_epi16::<8>(x));
        let ye = bw._mm512_srai_epi16::<8>(bw._mm512_slli_epi16::<8>(y));
        let de = bw._mm512_sub_epi16(xe, ye);
        let d_o = bw._mm512_sub_epi16(bw._mm512_srai_epi16::<8>(x), bw._mm512_srai_epi16::<8>(y));
        let p = f._mm512_add_epi32(bw._mm512_madd_epi16(de, de), bw._mm512_madd_epi16(d_o, d_o));
        f._mm512_add_epi32(acc, p)
    }
    #[inline(always)]
    fn msq_u8(self, a: &[u8], b: &[u8], acc: __m512i) -> __m512i {
        let (f, bw) = (self.0.avx512f, self.0.avx512bw);
        let (x, y) = (self.load_bytes(&a[..64]), self.load_bytes(&b[..64]));
        let lo = f._mm512_set1_epi32(0x00FF_00FF);
        let de = bw._mm512_sub_epi16(f._mm512_and_si512(x, lo), f._mm512_and_si512(y, lo));
        let d_o = bw._mm512_sub_epi16(bw._mm512_srli_epi16::<8>(x), bw._mm512_srli_epi16::<8>(y));
        let p = f._mm512_add_epi32(bw._mm512_madd_epi16(de, de), bw._mm512_madd_epi16(d_o, d_o));
        f._mm512_add_epi32(acc, p)
    }
    #[inline(always)]
    fn isum(self, acc: __m512i) -> i64 {
        let mut out = [0i32; 16];
        // SAFETY: `out` is 64 bytes; storeu has no alignment need; the token
        // proves AVX-512F.
        unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), acc) };
        out.iter().map(|&v| i64::from(v)).sum()
    }
}
