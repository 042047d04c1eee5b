//! Target rules (domain.md §5) and which one applies to a unit in a year: a rule attached to a
//! unit applies to its subtree, and the most specific rule for the year wins.

use entity::{Method, Procedure};

/// Which packages a rule counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetScope {
    /// Methods counted whatever the package's size.
    pub methods_any_size: Vec<Method>,
    /// Methods counted only for small-scale packages.
    pub methods_small_scale: Vec<Method>,
    pub domestic_only: bool,
    pub exclude_two_stage: bool,
    pub exclude_exempt: bool,
}

impl TargetScope {
    pub fn counts_method(&self, method: Method) -> Option<MethodScope> {
        if self.methods_any_size.contains(&method) {
            Some(MethodScope::AnySize)
        } else if self.methods_small_scale.contains(&method) {
            Some(MethodScope::SmallScaleOnly)
        } else {
            None
        }
    }

    pub fn excludes_procedure(&self, procedure: Option<Procedure>) -> bool {
        self.exclude_two_stage && procedure.is_some_and(Procedure::is_two_stage)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodScope {
    AnySize,
    SmallScaleOnly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRule {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit_id: Option<i64>,
    pub year_from: i32,
    pub year_to: Option<i32>,
    pub min_count_percent: i32,
    pub min_value_percent: Option<i32>,
    pub scope: TargetScope,
}

impl TargetRule {
    pub fn covers_year(&self, year: i32) -> bool {
        self.year_from <= year && self.year_to.is_none_or(|to| year <= to)
    }
}

/// The rule for a unit and a year. `lineage` is the unit itself first, then its parent, up to
/// the root. A rule attached to a nearer unit beats one attached further up, which beats a
/// system-wide rule; among equals the one starting later, then the newer one (higher id), wins,
/// so the choice never depends on the order rules were loaded in.
pub fn most_specific<'a>(
    rules: &'a [TargetRule],
    year: i32,
    lineage: &[i64],
) -> Option<&'a TargetRule> {
    rules
        .iter()
        .filter(|r| r.covers_year(year))
        .filter_map(|r| {
            let distance = match r.unit_id {
                None => lineage.len(),
                Some(unit) => lineage.iter().position(|u| *u == unit)?,
            };
            Some((distance, r))
        })
        .min_by(|(da, a), (db, b)| {
            da.cmp(db)
                .then(b.year_from.cmp(&a.year_from))
                .then(b.id.cmp(&a.id))
        })
        .map(|(_, r)| r)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The two founding rules exactly as the seed migration writes them.
    pub(crate) fn nq01_2019() -> TargetRule {
        TargetRule {
            id: 1,
            code: "nq01_2019".into(),
            name: "Nghị quyết 01/NQ-CP (2019)".into(),
            unit_id: None,
            year_from: 2019,
            year_to: Some(2019),
            min_count_percent: 50,
            min_value_percent: Some(15),
            scope: TargetScope {
                methods_any_size: vec![Method::CompetitiveOffers],
                methods_small_scale: vec![Method::OpenBidding, Method::LimitedBidding],
                domestic_only: true,
                exclude_two_stage: false,
                exclude_exempt: false,
            },
        }
    }

    pub(crate) fn law22_2025() -> TargetRule {
        TargetRule {
            id: 2,
            code: "law22_art50_2025".into(),
            name: "Luật 22/2023 Điều 50".into(),
            unit_id: None,
            year_from: 2025,
            year_to: None,
            min_count_percent: 100,
            min_value_percent: None,
            scope: TargetScope {
                methods_any_size: vec![
                    Method::OpenBidding,
                    Method::LimitedBidding,
                    Method::CompetitiveOffers,
                ],
                methods_small_scale: vec![],
                domestic_only: true,
                exclude_two_stage: true,
                exclude_exempt: true,
            },
        }
    }

    fn attached(id: i64, unit: i64, from: i32, to: Option<i32>) -> TargetRule {
        TargetRule {
            id,
            unit_id: Some(unit),
            year_from: from,
            year_to: to,
            ..nq01_2019()
        }
    }

    #[test]
    fn picks_by_year() {
        let rules = [nq01_2019(), law22_2025()];
        let lineage = [30, 20, 10];
        assert_eq!(most_specific(&rules, 2019, &lineage).map(|r| r.id), Some(1));
        assert_eq!(most_specific(&rules, 2018, &lineage), None);
        assert_eq!(most_specific(&rules, 2020, &lineage), None);
        assert_eq!(most_specific(&rules, 2024, &lineage), None);
        assert_eq!(most_specific(&rules, 2025, &lineage).map(|r| r.id), Some(2));
        assert_eq!(most_specific(&rules, 2040, &lineage).map(|r| r.id), Some(2));
    }

    #[test]
    fn nearest_unit_wins() {
        // lineage: commune 30 < district 20 < province 10
        let rules = [
            nq01_2019(),
            attached(5, 10, 2019, Some(2019)),
            attached(6, 20, 2019, None),
        ];
        assert_eq!(
            most_specific(&rules, 2019, &[30, 20, 10]).map(|r| r.id),
            Some(6)
        );
        assert_eq!(
            most_specific(&rules, 2019, &[20, 10]).map(|r| r.id),
            Some(6)
        );
        assert_eq!(most_specific(&rules, 2019, &[10]).map(|r| r.id), Some(5));
        // a rule attached to another branch never applies
        assert_eq!(
            most_specific(&rules, 2019, &[40, 11]).map(|r| r.id),
            Some(1)
        );
        // the district rule is open-ended; the province one is not
        assert_eq!(
            most_specific(&rules, 2021, &[30, 20, 10]).map(|r| r.id),
            Some(6)
        );
        assert_eq!(most_specific(&rules, 2021, &[10]), None);
    }

    #[test]
    fn ties_are_broken_deterministically() {
        let a = attached(7, 20, 2018, None);
        let b = attached(8, 20, 2019, None);
        let c = attached(9, 20, 2019, None);
        for rules in [
            [a.clone(), b.clone(), c.clone()],
            [c.clone(), b.clone(), a.clone()],
        ] {
            assert_eq!(most_specific(&rules, 2019, &[20]).map(|r| r.id), Some(9));
            assert_eq!(most_specific(&rules, 2018, &[20]).map(|r| r.id), Some(7));
        }
    }
}
