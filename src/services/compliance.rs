//! The compliance check of a unit for a year (domain.md §6): the single computation behind the
//! CLI, the API, the pages and the reports.

use crate::db;
use crate::domain::compliance::{Percent, Tally, View, assess, evaluate};
use crate::domain::target::{TargetRule, most_specific};
use crate::error::AppError;
use crate::services::packages::{PackageView, derive};
use entity::{Field, Method, unit};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub min_count_percent: i32,
    pub min_value_percent: Option<i32>,
}

impl From<&TargetRule> for RuleRef {
    fn from(r: &TargetRule) -> Self {
        RuleRef {
            id: r.id,
            code: r.code.clone(),
            name: r.name.clone(),
            min_count_percent: r.min_count_percent,
            min_value_percent: r.min_value_percent,
        }
    }
}

/// A tally with its verdicts, by count and (when the rule has a value threshold) by value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// Packages counted in the year (not cancelled), in scope or not.
    #[schema(example = 10)]
    pub counted: i64,
    /// Packages the target counts: the denominator.
    #[schema(example = 8)]
    pub in_scope: i64,
    /// In-scope packages selected online: the numerator.
    #[schema(example = 4)]
    pub online: i64,
    /// online / in_scope in percent, two decimals, truncated; null when nothing is in scope.
    #[schema(value_type = Option<String>, example = "50.00", pattern = "^[0-9]+\\.[0-9]{2}$")]
    pub share_percent: Option<Percent>,
    /// Whether the count target is met; null when nothing is in scope.
    pub met: Option<bool>,
    /// How many more in-scope packages must go online to meet the count target.
    #[schema(example = 0)]
    pub shortfall: i64,
    /// Σ package price in scope (whole đồng; an integer that may exceed 64 bits in theory).
    #[schema(example = 35850000000_i64)]
    pub value_in_scope_vnd: i128,
    #[schema(example = 10650000000_i64)]
    pub value_online_vnd: i128,
    /// value_online / value_in_scope in percent, two decimals, truncated.
    #[schema(value_type = Option<String>, example = "29.70", pattern = "^[0-9]+\\.[0-9]{2}$")]
    pub value_share_percent: Option<Percent>,
    /// Whether the value target is met; null when nothing is in scope or the rule has none.
    pub value_met: Option<bool>,
    /// How many more đồng must go online to meet the value target; null when the rule has none.
    pub value_shortfall_vnd: Option<i128>,
}

impl Figures {
    fn new(tally: Tally, rule: &TargetRule) -> Self {
        let a = assess(&tally, rule.min_count_percent, rule.min_value_percent);
        // The value share is shown even when the rule sets no value threshold.
        let value_share = evaluate(tally.value_online_vnd, tally.value_in_scope_vnd, 0).share;
        Figures {
            counted: tally.counted,
            in_scope: tally.in_scope,
            online: tally.online,
            share_percent: a.count.share,
            met: a.count.met,
            // A count's shortfall is at most the count itself.
            shortfall: i64::try_from(a.count.shortfall).unwrap_or(i64::MAX),
            value_in_scope_vnd: tally.value_in_scope_vnd,
            value_online_vnd: tally.value_online_vnd,
            value_share_percent: value_share,
            value_met: a.value.and_then(|v| v.met),
            value_shortfall_vnd: a.value.map(|v| v.shortfall),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitFigures {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    /// True for the row of the unit's own packages (not those of its children).
    pub own: bool,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MethodFigures {
    pub method: Method,
    pub label: &'static str,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldFigures {
    pub field: Field,
    pub label: &'static str,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Compliance {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub year: i32,
    pub view: View,
    pub rule: RuleRef,
    #[serde(flatten)]
    pub figures: Figures,
    /// The unit's own packages (when it has any counted) and each child's subtree, all judged
    /// under the unit's rule so that the rows add up to the total.
    pub by_unit: Vec<UnitFigures>,
    pub by_method: Vec<MethodFigures>,
    pub by_field: Vec<FieldFigures>,
}

/// The packages behind a figure of `check`, each explained under the rule the check used (the
/// checked unit's rule, even for packages of a child with a rule of its own: that is how they
/// were counted).
#[allow(clippy::too_many_arguments)]
pub async fn packages_behind(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
    view: View,
    behind: db::compliance::Behind,
    page: super::PageRequest,
) -> Result<(RuleRef, super::Page<PackageView>), AppError> {
    check_year(year)?;
    let (page, per_page) = page.resolve()?;
    db::units::find(db, unit_id)
        .await?
        .ok_or_else(|| AppError::not_found("đơn vị", unit_id))?;
    let rule = applicable_rule(db, unit_id, year).await?;
    let regimes = db::reference::regimes(db).await?;
    let subtree = db::compliance::Subtree::of(db, unit_id).await?;
    let (items, total) = db::compliance::packages_behind(
        db,
        &subtree,
        year,
        view,
        &rule.scope,
        &regimes,
        behind,
        page,
        per_page,
    )
    .await?;
    let items = items
        .into_iter()
        .map(|p| {
            let derived = derive(&p, &regimes, Some(&rule));
            PackageView {
                package: p,
                derived,
            }
        })
        .collect();
    Ok((
        RuleRef::from(&rule),
        super::Page {
            items,
            page,
            per_page,
            total,
        },
    ))
}

/// The packages that would close a unit's gap: in scope, not online, notice not yet published
/// (status planned), cheapest first.
pub async fn candidates(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
    limit: u64,
) -> Result<super::Page<PackageView>, AppError> {
    let behind = db::compliance::Behind {
        in_scope: Some(true),
        online: Some(false),
        status: Some(entity::PackageStatus::Planned),
        cheapest_first: true,
    };
    let page = super::PageRequest {
        page: Some(1),
        per_page: Some(limit),
    };
    Ok(packages_behind(db, unit_id, year, View::Plan, behind, page)
        .await?
        .1)
}

/// The tallies of a unit's subtree for a year under one rule, from one SQL aggregate: for each
/// unit its own packages and its whole subtree, and the whole by method and by field. The check
/// and every report read their figures from here, so they cannot disagree.
#[derive(Debug, Clone)]
pub struct Computation {
    pub root: unit::Model,
    pub year: i32,
    pub view: View,
    pub rule: TargetRule,
    /// The root and every unit below it, ordered by code.
    pub units: Vec<unit::Model>,
    own: HashMap<i64, Tally>,
    subtree: HashMap<i64, Tally>,
    pub by_method: BTreeMap<Method, Tally>,
    pub by_field: BTreeMap<Field, Tally>,
}

/// A unit of the tree with its depth below the root (0 for the root).
#[derive(Debug, Clone, Copy)]
pub struct TreeRow<'a> {
    pub unit: &'a unit::Model,
    pub depth: u32,
    /// The unit's whole subtree.
    pub tally: Tally,
}

impl Computation {
    pub fn total(&self) -> Tally {
        self.subtree_of(self.root.id)
    }

    pub fn own(&self, unit_id: i64) -> Tally {
        self.own.get(&unit_id).copied().unwrap_or_default()
    }

    pub fn subtree_of(&self, unit_id: i64) -> Tally {
        self.subtree.get(&unit_id).copied().unwrap_or_default()
    }

    pub fn figures(&self, tally: Tally) -> Figures {
        Figures::new(tally, &self.rule)
    }

    pub fn children(&self, unit_id: i64) -> impl Iterator<Item = &unit::Model> {
        self.units
            .iter()
            .filter(move |u| u.parent_id == Some(unit_id) && u.id != unit_id)
    }

    /// The root and its descendants down to `max_depth` levels below it, depth-first in code
    /// order, each with its subtree's tally.
    pub fn tree(&self, max_depth: u32) -> Vec<TreeRow<'_>> {
        let mut out = Vec::new();
        let mut stack = vec![(&self.root, 0_u32)];
        while let Some((unit, depth)) = stack.pop() {
            out.push(TreeRow {
                unit,
                depth,
                tally: self.subtree_of(unit.id),
            });
            if depth < max_depth {
                let mut children: Vec<_> = self.children(unit.id).collect();
                children.reverse();
                stack.extend(children.into_iter().map(|c| (c, depth + 1)));
            }
        }
        out
    }
}

pub async fn compute(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
    view: View,
) -> Result<Computation, AppError> {
    check_year(year)?;
    let root = db::units::find(db, unit_id)
        .await?
        .ok_or_else(|| AppError::not_found("đơn vị", unit_id))?;
    let rule = applicable_rule(db, unit_id, year).await?;
    let regimes = db::reference::regimes(db).await?;
    let units = db::units::subtree(db, unit_id).await?;
    let subtree = db::compliance::Subtree::new(unit_id, units.iter().map(|u| u.id).collect());
    let db::compliance::Tallies {
        by_unit: own,
        by_method,
        by_field,
    } = db::compliance::tally(db, &subtree, year, view, &rule.scope, &regimes).await?;
    // Roll each unit's own tally up to every ancestor within the subtree.
    let parent: HashMap<i64, Option<i64>> = units.iter().map(|u| (u.id, u.parent_id)).collect();
    let mut subtree: HashMap<i64, Tally> = HashMap::new();
    for (unit, tally) in &own {
        let mut current = Some(*unit);
        let mut steps = 0;
        while let Some(id) = current {
            *subtree.entry(id).or_default() += *tally;
            if id == unit_id || steps > units.len() {
                break;
            }
            current = parent.get(&id).copied().flatten();
            steps += 1;
        }
    }
    Ok(Computation {
        root,
        year,
        view,
        rule,
        units,
        own,
        subtree,
        by_method,
        by_field,
    })
}

pub async fn check(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
    view: View,
) -> Result<Compliance, AppError> {
    let c = compute(db, unit_id, year, view).await?;
    let unit_row = |u: &unit::Model, own: bool, tally: Tally| UnitFigures {
        unit_id: u.id,
        code: u.code.clone(),
        name: u.name.clone(),
        own,
        figures: c.figures(tally),
    };
    let mut by_unit = Vec::new();
    let root_own = c.own(c.root.id);
    if root_own.counted > 0 {
        by_unit.push(unit_row(&c.root, true, root_own));
    }
    by_unit.extend(
        c.children(c.root.id)
            .map(|child| unit_row(child, false, c.subtree_of(child.id))),
    );
    Ok(Compliance {
        unit_id: c.root.id,
        unit_code: c.root.code.clone(),
        unit_name: c.root.name.clone(),
        year,
        view,
        rule: RuleRef::from(&c.rule),
        figures: c.figures(c.total()),
        by_method: c
            .by_method
            .iter()
            .map(|(method, tally)| MethodFigures {
                method: *method,
                label: method.label_vi(),
                figures: c.figures(*tally),
            })
            .collect(),
        by_field: c
            .by_field
            .iter()
            .map(|(field, tally)| FieldFigures {
                field: *field,
                label: field.label_vi(),
                figures: c.figures(*tally),
            })
            .collect(),
        by_unit,
    })
}

/// `check`, reused while nothing has been written anywhere since (`Cache::versioned`): the
/// dashboard and the API ask for the same figures far more often than packages change.
pub async fn check_cached(
    db: &impl ConnectionTrait,
    cache: &crate::services::cache::Cache,
    unit_id: i64,
    year: i32,
    view: View,
) -> Result<std::sync::Arc<Compliance>, AppError> {
    check_year(year)?;
    let key = format!("compliance/{unit_id}/{year}/{view}");
    cache
        .versioned(db, key, || check(db, unit_id, year, view))
        .await
}

/// The most specific target rule for the unit and year (domain.md §5).
pub async fn applicable_rule(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
) -> Result<TargetRule, AppError> {
    let lineage = db::units::lineage(db, unit_id).await?;
    let rules = db::reference::target_rules(db).await?;
    most_specific(&rules, year, &lineage).cloned().ok_or_else(|| AppError::Rule {
        code: "no_target_rule",
        message: format!(
            "Không có chỉ tiêu nào áp dụng cho năm {year}: quản trị viên cần thêm chỉ tiêu cho năm này \
             (no target rule applies to {year})"
        ),
    })
}

pub fn check_year(year: i32) -> Result<(), AppError> {
    if crate::domain::PLAN_YEARS.contains(&year) {
        Ok(())
    } else {
        Err(AppError::Validation(vec![crate::error::FieldError::new(
            "year",
            "range",
            format!(
                "Năm phải trong khoảng {}–{} (year must be between {} and {})",
                crate::domain::PLAN_YEARS.start(),
                crate::domain::PLAN_YEARS.end(),
                crate::domain::PLAN_YEARS.start(),
                crate::domain::PLAN_YEARS.end()
            ),
        )]))
    }
}
