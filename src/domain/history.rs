//! Units over time (domain.md §7): which years a unit exists in, and a unit's comparable history
//! through the successions that made it. A unit's structure never changes in place: a merged,
//! split, moved or renamed unit ends and its successors are units of their own, so "the tree of
//! a year" is the units valid on some day of that year, and "the same unit before 2025" is the
//! set of its predecessors that passed to it whole.

use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

/// Whether a unit valid from `from` to `to` (inclusive, open when `None`) exists on some day of
/// `year`: a district that ended on 30 June 2025 is in the tree of 2025, not in that of 2026.
pub fn valid_in_year(from: Option<NaiveDate>, to: Option<NaiveDate>, year: i32) -> bool {
    from.is_none_or(|f| f.year() <= year) && to.is_none_or(|t| t.year() >= year)
}

/// One recorded succession: `predecessor` ended and `successor` took over (part of) it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub predecessor: i64,
    pub successor: i64,
}

/// A predecessor that was divided among several units: its figures cannot be given to any one
/// of them without guessing, so they are shown beside the unit's, never added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divided {
    pub unit: i64,
    /// Every unit it passed to, in id order.
    pub successors: Vec<i64>,
}

/// A unit's history through the successions: the predecessors whose packages count with it,
/// and those divided among several units.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lineage {
    /// Predecessors whose every successor is the unit or another of these (merge, rename,
    /// transfer, or a unit split only among the unit's own chain), in id order; the unit itself
    /// is not listed.
    pub whole: Vec<i64>,
    /// Predecessors (of the unit or of a `whole` one) that also passed to units outside the
    /// chain, in id order. Their own predecessors are not followed: what they held was divided.
    pub divided: Vec<Divided>,
}

/// The comparable history of `unit`: walks the successions backwards from it, taking in every
/// predecessor all of whose successors are already taken in, until nothing changes. A cycle in
/// the data (which the successions service refuses) cannot make the walk loop: each round must
/// add a unit, and there are finitely many.
pub fn comparable(unit: i64, edges: &[Edge]) -> Lineage {
    let mut successors: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for e in edges {
        if e.predecessor != e.successor {
            successors
                .entry(e.predecessor)
                .or_default()
                .insert(e.successor);
        }
    }
    let mut chain: BTreeSet<i64> = BTreeSet::from([unit]);
    loop {
        let joining: Vec<i64> = successors
            .iter()
            .filter(|(p, succ)| !chain.contains(p) && succ.iter().all(|s| chain.contains(s)))
            .map(|(p, _)| *p)
            .collect();
        if joining.is_empty() {
            break;
        }
        chain.extend(joining);
    }
    let divided = successors
        .iter()
        .filter(|(p, succ)| !chain.contains(p) && succ.iter().any(|s| chain.contains(s)))
        .map(|(p, succ)| Divided {
            unit: *p,
            successors: succ.iter().copied().collect(),
        })
        .collect();
    chain.remove(&unit);
    Lineage {
        whole: chain.into_iter().collect(),
        divided,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    fn e(predecessor: i64, successor: i64) -> Edge {
        Edge {
            predecessor,
            successor,
        }
    }

    #[test]
    fn validity_by_year_table() {
        // (from, to, year, valid)
        let cases = [
            (None, None, 2019, true),
            (None, d(2025, 6, 30), 2025, true),
            (None, d(2025, 6, 30), 2026, false),
            (None, d(2025, 6, 30), 2019, true),
            (d(2025, 7, 1), None, 2025, true),
            (d(2025, 7, 1), None, 2024, false),
            (d(2025, 7, 1), None, 2026, true),
            (d(2020, 1, 1), d(2020, 12, 31), 2020, true),
            (d(2020, 1, 1), d(2020, 12, 31), 2021, false),
            (d(2020, 12, 31), d(2021, 1, 1), 2019, false),
        ];
        for (from, to, year, want) in cases {
            assert_eq!(
                valid_in_year(from, to, year),
                want,
                "{from:?}–{to:?} in {year}"
            );
        }
    }

    #[test]
    fn merges_are_followed_recursively() {
        // 1 and 2 merged into 3 (2019), 3 and 4 merged into 5 (2025).
        let edges = [e(1, 3), e(2, 3), e(3, 5), e(4, 5)];
        let l = comparable(5, &edges);
        assert_eq!(l.whole, vec![1, 2, 3, 4]);
        assert!(l.divided.is_empty());
        assert_eq!(comparable(3, &edges).whole, vec![1, 2]);
        assert_eq!(comparable(1, &edges), Lineage::default());
    }

    #[test]
    fn a_split_is_shown_not_divided() {
        // District 10 split into wards 20 and 21; wards 11 and 12 merged into 20.
        let edges = [e(10, 20), e(10, 21), e(11, 20), e(12, 20)];
        let l = comparable(20, &edges);
        assert_eq!(l.whole, vec![11, 12]);
        assert_eq!(
            l.divided,
            vec![Divided {
                unit: 10,
                successors: vec![20, 21]
            }]
        );
        // The other successor sees the same split, and nothing whole.
        let l = comparable(21, &edges);
        assert!(l.whole.is_empty());
        assert_eq!(l.divided.len(), 1);
    }

    #[test]
    fn a_split_within_the_chain_counts_whole() {
        // 1 split into 2 and 3, which then merged into 4: everything of 1 reached 4.
        let edges = [e(1, 2), e(1, 3), e(2, 4), e(3, 4)];
        assert_eq!(comparable(4, &edges).whole, vec![1, 2, 3]);
    }

    #[test]
    fn renames_and_transfers_chain_and_cycles_end() {
        let edges = [e(1, 2), e(2, 3)];
        assert_eq!(comparable(3, &edges).whole, vec![1, 2]);
        let cycle = [e(1, 2), e(2, 1), e(2, 2)];
        let l = comparable(1, &cycle);
        assert_eq!(l.whole, vec![2]);
    }
}
