//! Contiguous ranges of the input for each rank, on block boundaries (the
//! only condition dotgrad's partials put on a split).

use core::ops::Range;

/// How the blocks are shared out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// As even as whole blocks allow: rank `r` of `P` gets blocks
    /// `floor(r B / P) .. floor((r + 1) B / P)` of the `B` blocks.
    Even,
    /// Rank `r`'s share grows with `r + 1` (1 : 2 : 3 ... of the blocks,
    /// rounded down to whole blocks): deliberately uneven, and with more
    /// ranks than blocks the first ranks, root included, get nothing.
    Skewed,
}

impl Split {
    /// `"even"` or `"skewed"`.
    pub fn name(self) -> &'static str {
        match self {
            Split::Even => "even",
            Split::Skewed => "skewed",
        }
    }

    /// Parses [`Split::name`].
    pub fn parse(s: &str) -> Option<Split> {
        match s {
            "even" => Some(Split::Even),
            "skewed" => Some(Split::Skewed),
            _ => None,
        }
    }

    /// The range of `total` elements (or rows) that rank `rank` of `ranks`
    /// owns, in blocks of `block`: contiguous, in rank order, covering
    /// `0..total`; each starts on a multiple of `block` and ends on one or
    /// at `total`; some may be empty.
    pub fn range(self, total: usize, block: usize, rank: usize, ranks: usize) -> Range<usize> {
        assert!(block > 0 && rank < ranks, "rank {rank} of {ranks}");
        let blocks = total.div_ceil(block) as u128;
        // The cumulative weight before rank r: r (even) or r (r + 1) / 2.
        let weight = |r: usize| -> u128 {
            let r = r as u128;
            match self {
                Split::Even => r,
                Split::Skewed => r * (r + 1) / 2,
            }
        };
        let edge = |r: usize| {
            let b = blocks * weight(r) / weight(ranks);
            // b <= blocks, so b * block < total + block: no overflow.
            (b as usize * block).min(total)
        };
        edge(rank)..edge(rank + 1)
    }
}
