//! `gemm` over [`Lanes`]: BLIS-style packing of `op(A)` and `op(B)` into
//! panels, and one register-blocked microkernel of `MR` rows by `NRV`
//! registers of `C` (6 x 2 registers, 12 accumulators, on the 16-register
//! ISAs; 12 x 2, 24 accumulators, on the 32-register ones). Narrow `C`
//! (at most two registers wide), and on the 32-register ISAs any `C` of a
//! row-major `A` of at most 1 MiB, skip the packing of `A` ([`direct`],
//! [`direct_t`]); with a transposed `A` and at most 14 columns (12 on
//! AVX2) it is vectorised across the rows of `C` instead ([`direct_tc`]),
//! so no lane is idle.
//!
//! Every accumulator holds one element `C[i][j]` and receives exactly its
//! FMAs `fma(A[i][p], B[p][j], c)` in increasing `p`; a block of `k` is
//! finished by storing the accumulators to `C` and continued by loading
//! them back, which is exact. So the blocking sizes, the tile shape and
//! the padding of edge panels never change a result: padded rows and
//! columns of the panels feed only lanes that are never stored.

use alloc::vec;

use crate::element::Float;
use crate::lanes::{Lanes, load_row, store_row};
use crate::matrix_mut::{MatrixMut, Operand};

/// Bytes of a packed `B` micro-panel (`KC x NR`), which the microkernel
/// reads once per `A` micro-panel, on a 16-register ISA: half of a
/// 32 KiB L1 (`KC = 256` for f32 and f64 on AVX2).
const B_PANEL_BYTES_16: usize = 16 * 1024;
/// As [`B_PANEL_BYTES_16`] on a 32-register ISA, whose tile is twice as
/// tall (`KC = 256` on AVX-512): measured on AVX-512 (48 KiB L1) against
/// 16 KiB, 1024^3 f32 135-137 -> 150-152 GFLOP/s, 2048^3 137-145 ->
/// 146-154, 1024^3 f64 67 -> 73.
const B_PANEL_BYTES_32: usize = 32 * 1024;
/// Bytes of the packed `A` block (`MC x KC`), reread for every `B`
/// micro-panel: a part of L2.
const A_BLOCK_BYTES: usize = 192 * 1024;
/// Bytes of the packed `B` block (`KC x NC`).
const B_BLOCK_BYTES: usize = 2 * 1024 * 1024;
/// Elements of the scratch tile through which edge tiles of `C` pass.
const TILE_MAX: usize = 512;

/// `C = op(A) op(B)` (`acc == false`) or `C += op(A) op(B)`: `a` is
/// `m x K`, `b` is `K x n`, `c` is `m x n` (checked by the caller).
#[inline(always)]
pub(crate) fn gemm<T: Float, S: Lanes<T>>(
    s: S,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    c: MatrixMut<'_, T>,
    acc: bool,
) {
    const {
        assert!(S::REGISTERS == 16 || S::REGISTERS == 32);
        // The chosen tile's accumulators, the `B` registers of one step and
        // a broadcast `A` element fit the register file.
        let (mr, nmr) = if S::REGISTERS >= 32 {
            (MR_32, NARROW_MR_32)
        } else {
            (MR_16, NARROW_MR_16)
        };
        assert!(mr * NRV + NRV < S::REGISTERS);
        assert!(nmr + 1 < S::REGISTERS);
        // The unpacked tiles: accumulators, `B` registers and a broadcast.
        assert!(DIRECT_MR + 1 + 1 < S::REGISTERS);
        assert!(DIRECT_MR_2 * 2 + 2 + 1 < S::REGISTERS);
        assert!(S::REGISTERS < 32 || DIRECT_MR_32 * 2 + 2 + 1 < S::REGISTERS);
    }
    let narrow = b.cols <= S::LANES;
    let a_bytes = a
        .rows
        .saturating_mul(a.cols)
        .saturating_mul(core::mem::size_of::<T>());
    if S::REGISTERS >= 32 && a.cs == 1 && b.cols > 2 * S::LANES && a_bytes <= IN_PLACE_A_BYTES {
        return direct::<T, S, DIRECT_MR_32, 2>(s, a, b, c, acc);
    }
    if a.cs == 1 && b.cols <= 2 * S::LANES {
        return if narrow {
            direct::<T, S, DIRECT_MR, 1>(s, a, b, c, acc)
        } else {
            direct::<T, S, DIRECT_MR_2, 2>(s, a, b, c, acc)
        };
    }
    if a.rs == 1 && a.rows >= S::LANES {
        // Columns of `C` rounded up to even: one instantiation per two widths.
        macro_rules! across_rows {
            ($ni:literal; $($nj:literal)*) => {
                match b.cols.next_multiple_of(2) {
                    $($nj => return direct_tc::<T, S, $ni, $nj>(s, a, b, c, acc),)*
                    _ => {}
                }
            };
        }
        if S::REGISTERS >= 32 {
            across_rows!(2; 2 4 6 8 10 12 14);
        } else {
            across_rows!(1; 2 4 6 8 10 12);
        }
    }
    if a.rs == 1 && b.cols <= 2 * S::LANES {
        return match (S::REGISTERS >= 32, narrow) {
            (true, true) => direct_t::<T, S, NARROW_MR_32, 1>(s, a, b, c, acc),
            (false, true) => direct_t::<T, S, NARROW_MR_16, 1>(s, a, b, c, acc),
            (true, false) => direct_t::<T, S, MR_32, 2>(s, a, b, c, acc),
            (false, false) => direct_t::<T, S, MR_16, 2>(s, a, b, c, acc),
        };
    }
    match (S::REGISTERS >= 32, narrow) {
        (true, false) => blocked::<T, S, MR_32, NRV>(s, a, b, c, acc),
        (false, false) => blocked::<T, S, MR_16, NRV>(s, a, b, c, acc),
        (true, true) => blocked::<T, S, NARROW_MR_32, 1>(s, a, b, c, acc),
        (false, true) => blocked::<T, S, NARROW_MR_16, 1>(s, a, b, c, acc),
    }
}

/// The largest row-major `A` that a 32-register ISA reads in place
/// ([`direct`] with [`DIRECT_MR_32`] rows) at any width of `C`, instead of
/// packing it ([`blocked`]). Measured on AVX-512 (f32 and f64): reading
/// in place is faster up to 512^3 f32 (1 MiB of `A`), as fast at 768^3
/// and 20% slower at 1024^3 (4 MiB, more than L2), where the tile's eight
/// rows of `A` stream from L3; on AVX2, with six rows and 16 registers,
/// packing is faster at every size.
const IN_PLACE_A_BYTES: usize = 1024 * 1024;

/// Rows of `A` (and tile rows) the unpacked narrow tile runs at once:
/// enough independent FMA chains to cover the FMA latency on two ports,
/// few enough that their row pointers stay in general registers.
const DIRECT_MR: usize = 8;
/// As [`DIRECT_MR`] for the two-register tile (12 accumulators, which the
/// 16-register ISAs hold with both `B` registers).
const DIRECT_MR_2: usize = 6;
/// As [`DIRECT_MR_2`] on a 32-register ISA for `C` wider than two
/// registers (16 accumulators): eight rows of `A` read in place, and so
/// eight broadcasts and two loads of `B` per 16 FMAs.
const DIRECT_MR_32: usize = 8;

/// Bytes of the one `B` panel of [`direct`] for narrow `C` (at most `NRV`
/// registers wide), packed at once (the whole `K` for the usual shapes):
/// a part of L2, reread by every tile of rows.
const DIRECT_B_BYTES: usize = 256 * 1024;

/// Steps of `k` per pass of [`direct_t`] over the rows of `C`: each pass
/// walks `DIRECT_T_KC` rows of the stored `A` side by side, so they stream
/// (a longer walk down the rows, one cache line each, waits on L2).
const DIRECT_T_KC: usize = 64;

/// `C = A B` (or `+=`) for `A` stored by rows (`a.cs == 1`) that is not
/// worth packing: `C` at most `NRV` registers wide (every element of `A`
/// meets only `NRV` registers of `B`, so packing `A` would cost more than
/// the product), or an `A` small enough to stay near the core
/// ([`IN_PLACE_A_BYTES`]). `B` is packed one panel of `NRV` registers at a
/// time per block of `k`, and for each panel the tile reads `MR` rows of
/// `A` in place, for the panel's columns of `C` from `jr`. The chains are
/// those of [`blocked`]: one accumulator lane per element of `C`, one FMA
/// per `p` in increasing `p`, a block of `k` finished by storing `C` and
/// continued from it.
#[inline(always)]
fn direct<T: Float, S: Lanes<T>, const MR: usize, const NRV: usize>(
    s: S,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    mut c: MatrixMut<'_, T>,
    acc: bool,
) {
    const {
        // Checked against this ISA's registers in [`gemm`], which
        // instantiates the 32-register tile for every ISA.
        assert!(MR * NRV + NRV + 1 < 32);
        assert!(MR <= 16 && NRV <= 16);
    }
    let nr = NRV * S::LANES;
    let (m, n, k) = (a.rows, b.cols, a.cols);
    debug_assert!(a.cs == 1);
    if nothing_to_multiply((m, n, k), &mut c, acc) {
        return;
    }
    // One panel (narrow `C`) stays in L2 for every tile of rows; the
    // panels of a wider `C` are cut to stay in L1, as [`blocked`]'s are
    // (measured on AVX-512 against whole-`B` blocks of `DIRECT_B_BYTES`:
    // 256x128 * (784x128)^T 118 -> 138 GFLOP/s, 128^3 to 512^3 and
    // 256x784 * 784x128 as fast or faster, 64^3 4-10% slower).
    let kc_max = if n <= nr {
        (DIRECT_B_BYTES / (nr * core::mem::size_of::<T>())).max(64)
    } else {
        panel_kc::<T, S>(nr)
    };
    let mut pb = vec![T::ZERO; nr * kc_max.min(k)];
    for pc in (0..k).step_by(kc_max) {
        let kc = kc_max.min(k - pc);
        let load = acc || pc > 0;
        for jr in (0..n).step_by(nr) {
            let w = nr.min(n - jr);
            pack_b(b, pc, kc, jr, w, nr, &mut pb);
            let bp = &pb[..nr * kc];
            for i0 in (0..m).step_by(MR) {
                let h = MR.min(m - i0);
                tile_rows::<T, S, MR, NRV>(s, a, bp, &mut c, (i0, h), (pc, kc), (jr, w), load);
            }
        }
    }
}

/// As [`direct`] for a transposed `A` (`a.rs == 1`): the `MR` elements of
/// `op(A)` that one step `p` broadcasts are contiguous in memory (a row of
/// the stored `A`), so the stored matrix already is a micro-panel with
/// a step of `a.cs` between `p`s, and only a last tile of fewer than `MR`
/// rows is packed (its row past the matrix would not exist).
#[inline(always)]
fn direct_t<T: Float, S: Lanes<T>, const MR: usize, const NRV: usize>(
    s: S,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    mut c: MatrixMut<'_, T>,
    acc: bool,
) {
    const {
        assert!(MR * NRV + NRV < 32);
        assert!(MR <= 16 && NRV <= 16);
        assert!(MR * NRV * 16 <= TILE_MAX);
    }
    let nr = NRV * S::LANES;
    let (m, n, k) = (a.rows, b.cols, a.cols);
    debug_assert!(n <= nr && a.rs == 1);
    if nothing_to_multiply((m, n, k), &mut c, acc) {
        return;
    }
    let kc_max = DIRECT_T_KC;
    let kc0 = kc_max.min(k);
    let mut pb = vec![T::ZERO; nr * kc0];
    let mut pa = vec![T::ZERO; if m % MR == 0 { 0 } else { MR * kc0 }];
    for pc in (0..k).step_by(kc_max) {
        let kc = kc_max.min(k - pc);
        let load = acc || pc > 0;
        pack_b(b, pc, kc, 0, n, nr, &mut pb);
        let bp = &pb[..nr * kc];
        for i0 in (0..m).step_by(MR) {
            let h = MR.min(m - i0);
            let (ap, step) = if h == MR {
                (&a.from(i0, pc)[..(kc - 1) * a.cs + MR], a.cs)
            } else {
                pack_a::<T, MR>(a, i0, h, pc, kc, &mut pa);
                (&pa[..MR * kc], MR)
            };
            tile_strided::<T, S, MR, NRV>(s, (ap, step), bp, &mut c, (i0, h), n, load);
        }
    }
}

/// `C = A B` (or `+=`) for a transposed `A` (`a.rs == 1`) and `C` of at
/// most 14 columns (12 on a 16-register ISA), vectorised across the rows
/// of `C`: one step `p` loads `NI` registers of consecutive rows of `C`'s
/// column from the stored `A`'s row `p` and broadcasts each of `B`'s
/// `NJ >= n` elements `B[p][j]`, so every lane is an element of `C` (a
/// tile across the columns would leave `LANES - n` lanes idle). `B` is
/// packed as `k` rows of `NJ` (`+0.0` past `n`); the accumulators, a
/// transposed tile of `C`, pass through a scratch tile to reach `C`'s
/// rows. Each element of `C` is still one accumulator lane with one FMA
/// per `p` in increasing `p`, from `+0.0` or from `C`: the chains of
/// [`blocked`].
#[inline(always)]
fn direct_tc<T: Float, S: Lanes<T>, const NI: usize, const NJ: usize>(
    s: S,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    mut c: MatrixMut<'_, T>,
    acc: bool,
) {
    const {
        // The accumulators, the `A` registers and a broadcast fit 32
        // registers (the dispatch gives 16-register ISAs `NI = 1`,
        // `NJ <= 12`), and the transposed tile fits the scratch.
        assert!(NJ * NI + NI < 32);
        assert!(NI <= 16 && NJ <= 16);
        assert!(NJ * NI * 16 <= TILE_MAX);
    }
    let l = S::LANES;
    let wi = NI * l;
    let (m, n, k) = (a.rows, b.cols, a.cols);
    debug_assert!(n <= NJ && a.rs == 1);
    if nothing_to_multiply((m, n, k), &mut c, acc) {
        return;
    }
    // A row-major `B` of exactly `NJ` columns is read in place.
    let in_place = b.cs == 1 && n == NJ;
    let mut pb = vec![T::ZERO; if in_place { 0 } else { k * NJ }];
    if !in_place {
        // One micro-panel of `NJ` columns: row `p` at `p * NJ`.
        pack_b(b, 0, k, 0, n, NJ, &mut pb);
    }
    let (bdata, bstep) = if in_place {
        (b.from(0, 0), b.rs)
    } else {
        (&pb[..], NJ)
    };
    let mut t = [T::ZERO; TILE_MAX];
    for i0 in (0..m).step_by(wi) {
        let h = wi.min(m - i0);
        let mut accs = [[s.zero(); NI]; NJ];
        if acc {
            for r in 0..h {
                for (j, &x) in c.at_mut(i0 + r)[..n].iter().enumerate() {
                    t[j * wi + r] = x;
                }
            }
            per_register!(NJ, j, {
                per_register!(NI, v, {
                    accs[j][v] = s.load(&t[j * wi + v * l..]);
                });
            });
        }
        for p in 0..k {
            let bp = &bdata[p * bstep..][..NJ];
            let row = &a.from(i0, p)[..h];
            let mut av = [s.zero(); NI];
            per_register!(NI, v, {
                av[v] = load_row(s, row, h, v);
            });
            per_register!(NJ, j, {
                let x = s.splat(bp[j]);
                per_register!(NI, v, {
                    accs[j][v] = s.fma(av[v], x, accs[j][v]);
                });
            });
        }
        per_register!(NJ, j, {
            per_register!(NI, v, {
                s.store(&mut t[j * wi + v * l..], accs[j][v]);
            });
        });
        for r in 0..h {
            for (j, x) in c.at_mut(i0 + r)[..n].iter_mut().enumerate() {
                *x = t[j * wi + r];
            }
        }
    }
}

/// The microkernel of [`direct_t`]: as [`tile`] at column 0 with the whole
/// width `w <= NRV * LANES`, the `A` panel's step `p` at `ap[p * step..]`.
#[inline(always)]
fn tile_strided<T: Float, S: Lanes<T>, const MR: usize, const NRV: usize>(
    s: S,
    (ap, step): (&[T], usize),
    bp: &[T],
    c: &mut MatrixMut<'_, T>,
    (i0, h): (usize, usize),
    w: usize,
    load: bool,
) {
    let l = S::LANES;
    let nr = NRV * l;
    let mut acc = [[s.zero(); NRV]; MR];
    if load {
        per_register!(MR, r, {
            if r < h {
                let row = &c.at_mut(i0 + r)[..w];
                per_register!(NRV, v, {
                    acc[r][v] = load_row(s, row, w, v);
                });
            }
        });
    }
    for (av, bv) in ap.chunks(step).zip(bp.chunks_exact(nr)) {
        let av = &av[..MR];
        let mut breg = [s.zero(); NRV];
        per_register!(NRV, v, {
            breg[v] = s.load(&bv[v * l..]);
        });
        per_register!(MR, r, {
            let x = s.splat(av[r]);
            per_register!(NRV, v, {
                acc[r][v] = s.fma(x, breg[v], acc[r][v]);
            });
        });
    }
    per_register!(MR, r, {
        if r < h {
            let row = &mut c.at_mut(i0 + r)[..w];
            per_register!(NRV, v, {
                store_row(s, row, w, v, acc[r][v]);
            });
        }
    });
}

/// The unpacked microkernel: rows `i0..i0 + h` (`h <= MR`) of `C`, its
/// `w <= NRV * LANES` columns from `j0`, from columns `pc..pc + kc` of `A`
/// read in place and the packed `B` panel `bp` (`kc x NRV * LANES`). Tile
/// row `r >= h` reads `A`'s row `i0 + h - 1` again into accumulators that
/// are never stored; lanes past `w` are never stored either.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tile_rows<T: Float, S: Lanes<T>, const MR: usize, const NRV: usize>(
    s: S,
    a: Operand<'_, T>,
    bp: &[T],
    c: &mut MatrixMut<'_, T>,
    (i0, h): (usize, usize),
    (pc, kc): (usize, usize),
    (j0, w): (usize, usize),
    load: bool,
) {
    let l = S::LANES;
    let nr = NRV * l;
    let rows: [&[T]; MR] = core::array::from_fn(|r| &a.from(i0 + r.min(h - 1), pc)[..kc]);
    let mut acc = [[s.zero(); NRV]; MR];
    if load {
        per_register!(MR, r, {
            if r < h {
                let row = &c.at_mut(i0 + r)[j0..][..w];
                per_register!(NRV, v, {
                    acc[r][v] = load_row(s, row, w, v);
                });
            }
        });
    }
    for (p, bv) in bp.chunks_exact(nr).enumerate().take(kc) {
        let mut breg = [s.zero(); NRV];
        per_register!(NRV, v, {
            breg[v] = s.load(&bv[v * l..]);
        });
        per_register!(MR, r, {
            let x = s.splat(rows[r][p]);
            per_register!(NRV, v, {
                acc[r][v] = s.fma(x, breg[v], acc[r][v]);
            });
        });
    }
    per_register!(MR, r, {
        if r < h {
            let row = &mut c.at_mut(i0 + r)[j0..][..w];
            per_register!(NRV, v, {
                store_row(s, row, w, v, acc[r][v]);
            });
        }
    });
}

/// Tile rows of the one-register tile that `C` of at most one register's
/// width gets (`n <= LANES`, e.g. the 10 classes of a softmax): a
/// two-register tile would be mostly padding.
const NARROW_MR_32: usize = 16;
/// As [`NARROW_MR_32`] on a 16-register ISA.
const NARROW_MR_16: usize = 12;

/// Tile rows on a 16-register ISA (AVX2).
const MR_16: usize = 6;
/// Tile rows on a 32-register ISA (AVX-512, NEON).
const MR_32: usize = 12;
/// Registers per tile row.
const NRV: usize = 2;

/// The three cache loops around the microkernel (`jc` over `NC` columns,
/// `pc` over `KC` of `k`, `ic` over `MC` rows), then the tiles of one
/// packed block.
#[inline(always)]
fn blocked<T: Float, S: Lanes<T>, const MR: usize, const NRV: usize>(
    s: S,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    mut c: MatrixMut<'_, T>,
    acc: bool,
) {
    const {
        assert!(MR * NRV + NRV < 32);
        assert!(MR <= 16 && NRV <= 16);
        assert!(S::LANES <= 16);
        assert!(MR * NRV * 16 <= TILE_MAX);
    }
    let nr = NRV * S::LANES;
    let (m, n, k) = (a.rows, b.cols, a.cols);
    if nothing_to_multiply((m, n, k), &mut c, acc) {
        return;
    }
    let size = core::mem::size_of::<T>();
    let kc_max = panel_kc::<T, S>(nr);
    let mc_max = (A_BLOCK_BYTES / (kc_max * size) / MR).max(1) * MR;
    let nc_max = (B_BLOCK_BYTES / (kc_max * size) / nr).max(1) * nr;
    let kc0 = kc_max.min(k);
    let mut pa = vec![T::ZERO; mc_max.min(m.next_multiple_of(MR)) * kc0];
    let mut pb = vec![T::ZERO; nc_max.min(n.next_multiple_of(nr)) * kc0];
    for jc in (0..n).step_by(nc_max) {
        let nc = nc_max.min(n - jc);
        for pc in (0..k).step_by(kc_max) {
            let kc = kc_max.min(k - pc);
            // The first block of `k` starts the chains (from `+0.0`, or
            // from `C` for `+=`); later blocks continue them from `C`.
            let load = acc || pc > 0;
            pack_b(b, pc, kc, jc, nc, nr, &mut pb);
            for ic in (0..m).step_by(mc_max) {
                let mc = mc_max.min(m - ic);
                pack_a::<T, MR>(a, ic, mc, pc, kc, &mut pa);
                for jr in (0..nc).step_by(nr) {
                    let bp = &pb[jr * kc..][..nr * kc];
                    for ir in (0..mc).step_by(MR) {
                        let ap = &pa[ir * kc..][..MR * kc];
                        let (h, w) = ((mc - ir).min(MR), (nc - jr).min(nr));
                        tile::<T, S, MR, NRV>(s, ap, bp, &mut c, (ic + ir, jc + jr), (h, w), load);
                    }
                }
            }
        }
    }
}

/// Steps of `k` per packed `B` micro-panel `nr` wide: the panel fills
/// [`B_PANEL_BYTES_16`] or [`B_PANEL_BYTES_32`], within 64..=512 steps.
#[inline(always)]
fn panel_kc<T: Float, S: Lanes<T>>(nr: usize) -> usize {
    let panel = if S::REGISTERS >= 32 {
        B_PANEL_BYTES_32
    } else {
        B_PANEL_BYTES_16
    };
    (panel / (nr * core::mem::size_of::<T>())).clamp(64, 512)
}

/// The products with an empty dimension: `true` when `m`, `n` or `k` is
/// 0, after writing the `+0.0` of an empty sum into `C` for `k == 0`
/// (`gemm`; `gemm_acc` leaves `C` as it is).
#[inline(always)]
fn nothing_to_multiply<T: Float>(
    (m, n, k): (usize, usize, usize),
    c: &mut MatrixMut<'_, T>,
    acc: bool,
) -> bool {
    if m == 0 || n == 0 {
        return true;
    }
    if k == 0 && !acc {
        for i in 0..m {
            c.at_mut(i).fill(T::ZERO);
        }
    }
    k == 0
}

/// Packs rows `ic..ic + mc`, columns `pc..pc + kc` of `op(A)` into
/// micro-panels of `MR` rows: panel `q`, element `(r, p)` at
/// `q * MR * kc + p * MR + r`; rows past `mc` are `+0.0`.
#[inline(always)]
fn pack_a<T: Float, const MR: usize>(
    a: Operand<'_, T>,
    ic: usize,
    mc: usize,
    pc: usize,
    kc: usize,
    pa: &mut [T],
) {
    for (q, panel) in pa
        .chunks_exact_mut(MR * kc)
        .take(mc.div_ceil(MR))
        .enumerate()
    {
        let i0 = ic + q * MR;
        let h = MR.min(ic + mc - i0);
        if a.rs == 1 {
            // `op(A)` columns are contiguous (a transposed `A`).
            for (p, dst) in panel.chunks_exact_mut(MR).enumerate() {
                dst[..h].copy_from_slice(&a.from(i0, pc + p)[..h]);
                dst[h..].fill(T::ZERO);
            }
        } else if a.cs == 1 && h == MR {
            // `op(A)` rows are contiguous: read the MR rows side by side so
            // that the panel is written in order (writing it with a stride
            // of MR cost more than the microkernel on narrow products).
            let rows: [&[T]; MR] = core::array::from_fn(|r| &a.from(i0 + r, pc)[..kc]);
            for (p, dst) in panel.chunks_exact_mut(MR).enumerate() {
                for (d, row) in dst.iter_mut().zip(&rows) {
                    *d = row[p];
                }
            }
        } else {
            for r in 0..MR {
                if r < h {
                    let src = a.from(i0 + r, pc);
                    for p in 0..kc {
                        panel[p * MR + r] = src[p * a.cs];
                    }
                } else {
                    for p in 0..kc {
                        panel[p * MR + r] = T::ZERO;
                    }
                }
            }
        }
    }
}

/// Packs rows `pc..pc + kc`, columns `jc..jc + nc` of `op(B)` into
/// micro-panels of `nr` columns: panel `q`, element `(p, l)` at
/// `q * nr * kc + p * nr + l`; columns past `nc` are `+0.0`.
#[inline(always)]
fn pack_b<T: Float>(
    b: Operand<'_, T>,
    pc: usize,
    kc: usize,
    jc: usize,
    nc: usize,
    nr: usize,
    pb: &mut [T],
) {
    for (q, panel) in pb
        .chunks_exact_mut(nr * kc)
        .take(nc.div_ceil(nr))
        .enumerate()
    {
        let j0 = jc + q * nr;
        let w = nr.min(jc + nc - j0);
        if b.cs == 1 {
            // `op(B)` rows are contiguous (an untransposed `B`).
            for (p, dst) in panel.chunks_exact_mut(nr).enumerate() {
                dst[..w].copy_from_slice(&b.from(pc + p, j0)[..w]);
                dst[w..].fill(T::ZERO);
            }
        } else {
            for l in 0..nr {
                if l < w {
                    let src = b.from(pc, j0 + l);
                    for p in 0..kc {
                        panel[p * nr + l] = src[p * b.rs];
                    }
                } else {
                    for p in 0..kc {
                        panel[p * nr + l] = T::ZERO;
                    }
                }
            }
        }
    }
}

/// The microkernel: the `h x w` tile of `C` at `(i0, j0)` (`h <= MR`,
/// `w <= NRV * LANES`) from one packed `A` micro-panel and one packed `B`
/// micro-panel of the same `kc`. Accumulator `(r, v)` holds
/// `C[i0 + r][j0 + v * LANES ..][..LANES]`; it starts at `+0.0`, or at
/// `C` when `load`, and takes one FMA per `p` in increasing `p`. An edge
/// tile goes through a scratch tile, so nothing outside the `h x w` tile
/// of `C` is read or written.
#[inline(always)]
fn tile<T: Float, S: Lanes<T>, const MR: usize, const NRV: usize>(
    s: S,
    ap: &[T],
    bp: &[T],
    c: &mut MatrixMut<'_, T>,
    (i0, j0): (usize, usize),
    (h, w): (usize, usize),
    load: bool,
) {
    let l = S::LANES;
    let nr = NRV * l;
    let full = h == MR && w == nr;
    let mut acc = [[s.zero(); NRV]; MR];
    let mut scratch = [T::ZERO; TILE_MAX];
    if load {
        if full {
            per_register!(MR, r, {
                let row = &c.at_mut(i0 + r)[j0..];
                per_register!(NRV, v, {
                    acc[r][v] = s.load(&row[v * l..]);
                });
            });
        } else {
            for r in 0..h {
                scratch[r * nr..][..w].copy_from_slice(&c.at_mut(i0 + r)[j0..][..w]);
            }
            per_register!(MR, r, {
                per_register!(NRV, v, {
                    acc[r][v] = s.load(&scratch[r * nr + v * l..]);
                });
            });
        }
    }
    for (av, bv) in ap.chunks_exact(MR).zip(bp.chunks_exact(nr)) {
        let mut breg = [s.zero(); NRV];
        per_register!(NRV, v, {
            breg[v] = s.load(&bv[v * l..]);
        });
        per_register!(MR, r, {
            let x = s.splat(av[r]);
            per_register!(NRV, v, {
                acc[r][v] = s.fma(x, breg[v], acc[r][v]);
            });
        });
    }
    if full {
        per_register!(MR, r, {
            let row = &mut c.at_mut(i0 + r)[j0..];
            per_register!(NRV, v, {
                s.store(&mut row[v * l..], acc[r][v]);
            });
        });
    } else {
        per_register!(MR, r, {
            per_register!(NRV, v, {
                s.store(&mut scratch[r * nr + v * l..], acc[r][v]);
            });
        });
        for r in 0..h {
            c.at_mut(i0 + r)[j0..][..w].copy_from_slice(&scratch[r * nr..][..w]);
        }
    }
}
