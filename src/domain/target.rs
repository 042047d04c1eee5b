//! Target rules (domain.md §5) and which ones apply to a unit in a year: a rule attached to a
//! unit applies to its subtree; several targets may be in force at once, and for each target the
//! most specific rule wins.

use super::regime::SmallScaleBands;
use entity::{Method, Procedure};

/// Per-field price ceilings of a rule's own, not the small-scale bands (2021 counted consulting
/// up to 10 bn, which is never small-scale). Same shape as the bands: `None` is "not counted".
pub type PriceCeilings = SmallScaleBands;

/// Which packages a rule counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetScope {
    /// Methods counted whatever the package's size.
    pub methods_any_size: Vec<Method>,
    /// Methods counted only for small-scale packages.
    pub methods_small_scale: Vec<Method>,
    /// Methods counted only up to `ceilings`.
    pub methods_within_ceilings: Vec<Method>,
    pub ceilings: PriceCeilings,
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
        } else if self.methods_within_ceilings.contains(&method) {
            Some(MethodScope::WithinCeilings)
        } else {
            None
        }
    }

    /// Every package counted in the year: the figures shown when no target is in force.
    pub fn everything() -> Self {
        TargetScope {
            methods_any_size: Method::ALL.to_vec(),
            methods_small_scale: Vec::new(),
            methods_within_ceilings: Vec::new(),
            ceilings: PriceCeilings::default(),
            domestic_only: false,
            exclude_two_stage: false,
            exclude_exempt: false,
        }
    }

    pub fn counts(&self, method: Method) -> bool {
        self.counts_method(method).is_some()
    }

    pub fn excludes_procedure(&self, procedure: Option<Procedure>) -> bool {
        self.exclude_two_stage && procedure.is_some_and(Procedure::is_two_stage)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodScope {
    AnySize,
    SmallScaleOnly,
    WithinCeilings,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRule {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit_id: Option<i64>,
    /// The target this rule stands in for (`None`: its own code).
    pub replaces_code: Option<String>,
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

    /// The target the rule belongs to: rules of one target compete, other targets stand beside.
    pub fn target_key(&self) -> &str {
        self.replaces_code.as_deref().unwrap_or(&self.code)
    }
}

/// Every target in force for a unit and a year, one rule each: for each target, the most
/// specific of its rules (`most_specific`'s order). Targets come in the order they were first
/// entered (the lowest rule id of each), as the seed lists them, so the list is stable.
pub fn in_force<'a>(rules: &'a [TargetRule], year: i32, lineage: &[i64]) -> Vec<&'a TargetRule> {
    let mut keys: Vec<(i64, &str)> = Vec::new();
    for r in rules.iter().filter(|r| r.covers_year(year)) {
        match keys.iter_mut().find(|(_, k)| *k == r.target_key()) {
            Some((first, _)) => *first = (*first).min(r.id),
            None => keys.push((r.id, r.target_key())),
        }
    }
    keys.sort_unstable();
    keys.into_iter()
        .map(|(_, key)| key)
        .filter_map(|key| {
            let group: Vec<&TargetRule> = rules.iter().filter(|r| r.target_key() == key).collect();
            pick(group, year, lineage)
        })
        .collect()
}

/// The rule for a unit and a year. `lineage` is the unit itself first, then its parent, up to
/// the root. A rule attached to a nearer unit beats one attached further up, which beats a
/// system-wide rule; among equals the one starting later, then the newer one (higher id), wins,
/// so the choice never depends on the order rules were loaded in.
#[cfg(test)]
pub fn most_specific<'a>(
    rules: &'a [TargetRule],
    year: i32,
    lineage: &[i64],
) -> Option<&'a TargetRule> {
    pick(rules.iter().collect(), year, lineage)
}

fn pick<'a>(rules: Vec<&'a TargetRule>, year: i32, lineage: &[i64]) -> Option<&'a TargetRule> {
    rules
        .into_iter()
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
            replaces_code: None,
            year_from: 2019,
            year_to: Some(2019),
            min_count_percent: 50,
            min_value_percent: Some(15),
            scope: TargetScope {
                methods_any_size: vec![Method::CompetitiveOffers],
                methods_small_scale: vec![Method::OpenBidding, Method::LimitedBidding],
                methods_within_ceilings: vec![],
                ceilings: PriceCeilings::default(),
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
            replaces_code: None,
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
                methods_within_ceilings: vec![],
                ceilings: PriceCeilings::default(),
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

    /// 2021 as seeded: a 100% target on packages under per-field ceilings beside a 70% target
    /// on all of them.
    pub(crate) fn tt11_2021() -> [TargetRule; 2] {
        const BN: i64 = 1_000_000_000;
        let small = TargetRule {
            id: 5,
            code: "tt11_2019_2021_small".into(),
            name: "2021 small".into(),
            year_from: 2021,
            year_to: Some(2021),
            min_count_percent: 100,
            min_value_percent: None,
            scope: TargetScope {
                methods_any_size: vec![],
                methods_small_scale: vec![],
                methods_within_ceilings: vec![Method::OpenBidding, Method::CompetitiveOffers],
                ceilings: PriceCeilings {
                    goods: Some(10 * BN),
                    works: Some(20 * BN),
                    consulting: Some(10 * BN),
                    non_consulting: Some(10 * BN),
                    mixed: None,
                },
                domestic_only: true,
                exclude_two_stage: false,
                exclude_exempt: true,
            },
            ..nq01_2019()
        };
        let all = TargetRule {
            id: 6,
            code: "tt11_2019_2021_all".into(),
            name: "2021 all".into(),
            year_from: 2021,
            year_to: Some(2021),
            min_count_percent: 70,
            min_value_percent: Some(35),
            scope: TargetScope {
                methods_any_size: vec![Method::OpenBidding, Method::CompetitiveOffers],
                methods_small_scale: vec![],
                methods_within_ceilings: vec![],
                ceilings: PriceCeilings::default(),
                domestic_only: true,
                exclude_two_stage: false,
                exclude_exempt: false,
            },
            ..nq01_2019()
        };
        [small, all]
    }

    #[test]
    fn several_targets_stand_beside_each_other() {
        let [small, all] = tt11_2021();
        let rules = [nq01_2019(), small, all, law22_2025()];
        let codes = |year| {
            in_force(&rules, year, &[30, 20, 10])
                .iter()
                .map(|r| r.code.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(2021), ["tt11_2019_2021_small", "tt11_2019_2021_all"]);
        assert_eq!(codes(2019), ["nq01_2019"]);
        assert!(codes(2022).is_empty());
    }

    #[test]
    fn a_unit_rule_replaces_only_the_target_it_names() {
        let [small, all] = tt11_2021();
        let stricter = TargetRule {
            id: 9,
            code: "phuc_tho_2021".into(),
            unit_id: Some(20),
            replaces_code: Some("tt11_2019_2021_all".into()),
            min_count_percent: 80,
            ..all.clone()
        };
        let extra = TargetRule {
            id: 10,
            code: "phuc_tho_extra".into(),
            unit_id: Some(20),
            ..small.clone()
        };
        let rules = [small, all, stricter, extra];
        let ids = |lineage: &[i64]| {
            in_force(&rules, 2021, lineage)
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        };
        // In the district's subtree: its stricter "all", the national "small", and its extra.
        assert_eq!(ids(&[30, 20, 10]), [5, 9, 10]);
        // Elsewhere: the national ones only.
        assert_eq!(ids(&[40, 10]), [5, 6]);
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
