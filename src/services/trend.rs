//! A unit's online share year after year: per year the figures of every package counted and
//! each target in force, from the same tallies and arithmetic as the compliance check
//! (`services::compliance`), so a year of the trend and the check of that year agree.
//!
//! With `comparable`, the figures of a unit valid today take in its predecessors that passed to
//! it whole (`domain::history::comparable`): "Phường X và các đơn vị tiền nhiệm". A predecessor
//! divided among several units is never apportioned: its figures are listed apart, labelled with
//! the units it passed to.

use super::compliance::{Overall, TargetFigures, figures_of, no_target_message};
use crate::db;
use crate::db::compliance::Subtree;
use crate::domain::compliance::{Tally, View};
use crate::domain::regime::Regimes;
use crate::domain::target::{TargetRule, TargetScope, in_force};
use crate::error::{AppError, FieldError};
use entity::unit;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use std::collections::BTreeSet;

/// The longest trend asked for at once, in years: three decades of plans is more than any unit
/// has, and bounds the work of one request (one aggregate per year and rule).
pub const MAX_SPAN: i32 = 30;

/// Past this many units, the set a comparable trend covers is refused rather than bound as a
/// list the engines may not take (see `db::compliance::Subtree`).
const MAX_UNITS: usize = 10_000;

/// What a trend is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrendRequest {
    pub unit_id: i64,
    pub from: i32,
    pub to: i32,
    pub view: View,
    /// Count the predecessors that passed to the unit whole with it.
    pub comparable: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitRef {
    pub id: i64,
    pub code: String,
    pub name: String,
}

impl From<&unit::Model> for UnitRef {
    fn from(u: &unit::Model) -> Self {
        UnitRef {
            id: u.id,
            code: u.code.clone(),
            name: u.name.clone(),
        }
    }
}

/// One year of a trend: the figures the compliance check of that year gives the unit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendYear {
    pub year: i32,
    /// Every package counted in the year, whatever the targets.
    pub overall: Overall,
    /// Every target in force that year, each with the rule that applied, its thresholds, the
    /// verdict and the shortfall; empty in a year without a rule.
    pub targets: Vec<TargetFigures>,
    /// Why there is no verdict, when `targets` is empty.
    pub no_target: Option<String>,
}

/// A predecessor divided among several units, shown beside the trend, never added to it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DividedHistory {
    pub unit: UnitRef,
    /// Every unit it passed to.
    pub successors: Vec<UnitRef>,
    /// "Quận Hà Đông (đã chia tách cho: …)".
    #[schema(example = "Quận Hà Đông (đã chia tách cho: Phường Hà Đông, Phường Kiến Hưng)")]
    pub label: String,
    /// Its subtree's packages, less those of units already counted in the trend.
    pub years: Vec<TrendYear>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Trend {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    /// What the figures cover: the unit's name, or "… và các đơn vị tiền nhiệm".
    #[schema(example = "Phường Hà Đông và các đơn vị tiền nhiệm")]
    pub label: String,
    pub from: i32,
    pub to: i32,
    pub view: View,
    pub comparable: bool,
    /// The predecessors counted with the unit (only when `comparable`).
    pub predecessors: Vec<UnitRef>,
    /// One entry per year, `from` to `to`.
    pub years: Vec<TrendYear>,
    /// Predecessors divided among several units (only when `comparable`).
    pub divided: Vec<DividedHistory>,
}

/// Where a trend that ends in `year` starts when nobody says: eight years in all, which
/// reaches back across the 2025 reorganisation from any year up to 2032.
pub fn default_from(year: i32) -> i32 {
    (year - 7).max(*crate::domain::PLAN_YEARS.start())
}

/// Checks a span of years: both in the plan years, `from` not after `to`, at most
/// [`MAX_SPAN`] years.
pub fn check_span(from: i32, to: i32) -> Result<(), AppError> {
    let range = format!(
        "phải trong khoảng {}–{}",
        crate::domain::PLAN_YEARS.start(),
        crate::domain::PLAN_YEARS.end()
    );
    let mut errors = Vec::new();
    if !crate::domain::PLAN_YEARS.contains(&from) {
        errors.push(FieldError::new(
            "from",
            "range",
            format!("Năm bắt đầu {range}"),
        ));
    }
    if !crate::domain::PLAN_YEARS.contains(&to) {
        errors.push(FieldError::new(
            "to",
            "range",
            format!("Năm kết thúc {range}"),
        ));
    }
    if errors.is_empty() && from > to {
        errors.push(FieldError::new(
            "from",
            "order",
            "Năm bắt đầu không được sau năm kết thúc",
        ));
    }
    if errors.is_empty() && to - from + 1 > MAX_SPAN {
        errors.push(FieldError::new(
            "to",
            "span",
            format!("Xu hướng tối đa {MAX_SPAN} năm"),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The trend of `r.unit_id`, one year after another.
pub async fn trend(db: &impl ConnectionTrait, r: TrendRequest) -> Result<Trend, AppError> {
    check_span(r.from, r.to)?;
    let root = db::units::find(db, r.unit_id)
        .await?
        .ok_or_else(|| AppError::not_found("đơn vị", r.unit_id))?;
    let all_rules = db::reference::target_rules(db).await?;
    let regimes = db::reference::regimes(db).await?;
    let lineage = db::units::lineage(db, root.id).await?;

    let own_ids = db::units::subtree_ids(db, root.id).await?;
    let (history, names) = if r.comparable {
        let edges = db::history::edges(db).await?;
        let h = crate::domain::history::comparable(root.id, &edges);
        let mut wanted: BTreeSet<i64> = h.whole.iter().copied().collect();
        for d in &h.divided {
            wanted.insert(d.unit);
            wanted.extend(d.successors.iter().copied());
        }
        let names = db::history::units_by_id(db, &wanted.into_iter().collect::<Vec<_>>()).await?;
        (h, names)
    } else {
        Default::default()
    };
    let mut counted: BTreeSet<i64> = own_ids.iter().copied().collect();
    for p in &history.whole {
        counted.extend(db::units::subtree_ids(db, *p).await?);
    }
    // The unit's own subtree is bound as `compute` binds it (the recursive CTE past the bound);
    // a set with predecessors must be bound whole.
    let units = if history.whole.is_empty() {
        Subtree::new(root.id, own_ids)
    } else {
        bounded(root.id, counted.iter().copied().collect())?
    };
    let years = years_of(db, &units, r, &all_rules, &lineage, &regimes).await?;

    let name_of = |id: &i64| names.get(id).map(UnitRef::from);
    // A divided unit's figures are its subtree's, less the units counted in the trend and any
    // other divided unit below it (shown on its own line): no package is listed twice.
    let mut subtrees: Vec<(i64, BTreeSet<i64>)> = Vec::new();
    for d in &history.divided {
        let ids = db::units::subtree_ids(db, d.unit).await?;
        subtrees.push((d.unit, ids.into_iter().collect()));
    }
    let mut divided = Vec::new();
    for d in &history.divided {
        let Some(unit) = name_of(&d.unit) else {
            continue;
        };
        let Some((_, mine)) = subtrees.iter().find(|(u, _)| *u == d.unit) else {
            continue;
        };
        let ids: Vec<i64> = mine
            .iter()
            .copied()
            .filter(|id| !counted.contains(id))
            .filter(|id| {
                !subtrees.iter().any(|(other, theirs)| {
                    *other != d.unit && mine.contains(other) && theirs.contains(id)
                })
            })
            .collect();
        let successors: Vec<UnitRef> = d.successors.iter().filter_map(name_of).collect();
        let label = format!(
            "{} (đã chia tách cho: {})",
            unit.name,
            successors
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let their_lineage = db::units::lineage(db, d.unit).await?;
        let years = if ids.is_empty() {
            (r.from..=r.to)
                .map(|y| empty_year(y, &all_rules, &their_lineage))
                .collect()
        } else {
            let part = bounded(d.unit, ids)?;
            years_of(db, &part, r, &all_rules, &their_lineage, &regimes).await?
        };
        divided.push(DividedHistory {
            unit,
            successors,
            label,
            years,
        });
    }
    let predecessors: Vec<UnitRef> = history.whole.iter().filter_map(name_of).collect();
    let label = if predecessors.is_empty() {
        root.name.clone()
    } else {
        format!("{} và các đơn vị tiền nhiệm", root.name)
    };
    Ok(Trend {
        unit_id: root.id,
        unit_code: root.code.clone(),
        unit_name: root.name.clone(),
        label,
        from: r.from,
        to: r.to,
        view: r.view,
        comparable: r.comparable,
        predecessors,
        years,
        divided,
    })
}

/// `trend`, reused while nothing has been written anywhere since (`Cache::versioned`), as the
/// compliance figures are.
pub async fn trend_cached(
    db: &impl ConnectionTrait,
    cache: &super::cache::Cache,
    r: TrendRequest,
) -> Result<std::sync::Arc<Trend>, AppError> {
    let at = super::cache::DataVersion::read(db).await?;
    trend_cached_at(db, cache, at, r).await
}

/// As [`trend_cached`], at a data version already read. The span is checked here, before the
/// cache is asked, so a refused span never makes a key.
async fn trend_cached_at(
    db: &impl ConnectionTrait,
    cache: &super::cache::Cache,
    at: super::cache::DataVersion,
    r: TrendRequest,
) -> Result<std::sync::Arc<Trend>, AppError> {
    check_span(r.from, r.to)?;
    let key = format!(
        "trend/{}/{}/{}/{}/{}",
        r.unit_id, r.from, r.to, r.view, r.comparable
    );
    cache.versioned(at, key, || trend(db, r)).await
}

/// The trend the dashboard shows under a unit's figures for `year`: from seven years before,
/// the unit's predecessors counted with it, cached.
pub async fn for_dashboard(
    db: &impl ConnectionTrait,
    cache: &super::cache::Cache,
    at: super::cache::DataVersion,
    unit_id: i64,
    year: i32,
) -> Result<std::sync::Arc<Trend>, AppError> {
    let request = TrendRequest {
        unit_id,
        from: default_from(year),
        to: year,
        view: View::Plan,
        comparable: true,
    };
    trend_cached_at(db, cache, at, request).await
}

fn bounded(root: i64, ids: Vec<i64>) -> Result<Subtree, AppError> {
    if ids.len() > MAX_UNITS {
        return Err(AppError::Validation(vec![FieldError::new(
            "unit_id",
            "too_large",
            format!("Đơn vị và các đơn vị tiền nhiệm vượt quá {MAX_UNITS} đơn vị"),
        )]));
    }
    Ok(Subtree::new(root, ids))
}

/// The figures of `units` for each year of the request, under the rules in force each year for
/// a unit of `lineage`: one aggregate per year and rule, the one the compliance check runs.
async fn years_of(
    db: &impl ConnectionTrait,
    units: &Subtree,
    r: TrendRequest,
    all_rules: &[TargetRule],
    lineage: &[i64],
    regimes: &Regimes,
) -> Result<Vec<TrendYear>, AppError> {
    if r.view == View::Plan {
        // One statement for every year: one pass over the plan years' range of the covering
        // index instead of one per year and rule (the performance target is nine years of a
        // million-package province in under a second).
        let rules: Vec<(i32, Vec<&TargetRule>)> = (r.from..=r.to)
            .map(|y| (y, in_force(all_rules, y, lineage)))
            .collect();
        let scopes: Vec<(i32, Vec<&TargetScope>)> = rules
            .iter()
            .map(|(y, rs)| (*y, rs.iter().map(|rule| &rule.scope).collect()))
            .collect();
        if let Some(mut tallies) =
            db::compliance::tally_plan_years(db, units, &scopes, regimes).await?
        {
            return Ok(rules
                .iter()
                .map(|(year, rs)| {
                    let (counted, scoped) = tallies.remove(year).unwrap_or_default();
                    let targets: Vec<TargetFigures> = rs
                        .iter()
                        .enumerate()
                        .map(|(j, rule)| {
                            figures_of(rule, scoped.get(j).copied().unwrap_or_default())
                        })
                        .collect();
                    TrendYear {
                        year: *year,
                        overall: Overall::new(&counted),
                        no_target: targets.is_empty().then(|| no_target_message(*year)),
                        targets,
                    }
                })
                .collect());
        }
    }
    let mut out = Vec::new();
    for year in r.from..=r.to {
        let rules = in_force(all_rules, year, lineage);
        let mut counted: Option<Tally> = None;
        let mut targets = Vec::new();
        for rule in &rules {
            let t = total(db, units, year, r.view, &rule.scope, regimes).await?;
            counted.get_or_insert(t);
            targets.push(figures_of(rule, t));
        }
        let counted = match counted {
            Some(c) => c,
            None => {
                let everything = TargetScope::everything();
                total(db, units, year, r.view, &everything, regimes).await?
            }
        };
        out.push(TrendYear {
            year,
            overall: Overall::new(&counted),
            no_target: targets.is_empty().then(|| no_target_message(year)),
            targets,
        });
    }
    Ok(out)
}

fn empty_year(year: i32, all_rules: &[TargetRule], lineage: &[i64]) -> TrendYear {
    let targets: Vec<TargetFigures> = in_force(all_rules, year, lineage)
        .into_iter()
        .map(|rule| figures_of(rule, Tally::default()))
        .collect();
    TrendYear {
        year,
        overall: Overall::new(&Tally::default()),
        no_target: targets.is_empty().then(|| no_target_message(year)),
        targets,
    }
}

/// The whole of `units` under one scope: the sum of the per-unit tallies the check rolls up.
async fn total(
    db: &impl ConnectionTrait,
    units: &Subtree,
    year: i32,
    view: View,
    scope: &TargetScope,
    regimes: &Regimes,
) -> Result<Tally, AppError> {
    let tallies = db::compliance::tally(db, units, year, view, scope, regimes).await?;
    let mut sum = Tally::default();
    for t in tallies.by_unit.values() {
        sum += *t;
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_checked() {
        assert!(check_span(2019, 2026).is_ok());
        assert!(check_span(2019, 2019).is_ok());
        assert!(check_span(2000, 2029).is_ok());
        let code = |from, to| match check_span(from, to) {
            Err(AppError::Validation(e)) => e.iter().map(|f| f.code.clone()).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(code(2026, 2019), vec!["order"]);
        assert_eq!(code(2000, 2030), vec!["span"]);
        assert_eq!(code(1999, 2019), vec!["range"]);
        assert_eq!(code(1999, 2101), vec!["range", "range"]);
    }
}
