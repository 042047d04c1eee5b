//! The compliance check of a unit for a year (domain.md §6): the single computation behind the
//! CLI, the API, the pages and the reports.

use crate::db;
use crate::domain::compliance::{Percent, Tally, View, assess, evaluate};
use crate::domain::overdue::today_key;
use crate::domain::target::{TargetRule, TargetScope, in_force};
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
    /// The target the rule belongs to: its own code, or the code it replaces for a unit.
    pub target: String,
    pub name: String,
    /// The unit whose subtree the rule was set for; null: the whole system.
    pub unit_id: Option<i64>,
    pub min_count_percent: i32,
    pub min_value_percent: Option<i32>,
}

impl From<&TargetRule> for RuleRef {
    fn from(r: &TargetRule) -> Self {
        RuleRef {
            id: r.id,
            code: r.code.clone(),
            target: r.target_key().to_owned(),
            name: r.name.clone(),
            unit_id: r.unit_id,
            min_count_percent: r.min_count_percent,
            min_value_percent: r.min_value_percent,
        }
    }
}

/// What every package counted in the year adds up to, whatever the targets: the figures a year
/// without a rule still has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Overall {
    /// Packages counted in the year (not cancelled).
    #[schema(example = 10)]
    pub packages: i64,
    /// Of those, selected online.
    #[schema(example = 5)]
    pub online: i64,
    /// online / packages in percent, two decimals, truncated; null when there are none.
    #[schema(value_type = Option<String>, example = "50.00", pattern = "^[0-9]+\\.[0-9]{2}$")]
    pub share_percent: Option<Percent>,
    /// Σ package price (whole đồng).
    pub value_vnd: i128,
    pub value_online_vnd: i128,
    #[schema(value_type = Option<String>, example = "29.70", pattern = "^[0-9]+\\.[0-9]{2}$")]
    pub value_share_percent: Option<Percent>,
}

impl Overall {
    pub fn new(t: &Tally) -> Self {
        Overall {
            packages: t.counted,
            online: t.counted_online,
            share_percent: evaluate(t.counted_online, t.counted, 0).share,
            value_vnd: t.value_counted_vnd,
            value_online_vnd: t.value_counted_online_vnd,
            value_share_percent: evaluate(t.value_counted_online_vnd, t.value_counted_vnd, 0).share,
        }
    }
}

/// A tally judged under one rule, by count and (when the rule has a value threshold) by value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Figures {
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
    pub fn new(tally: Tally, rule: &TargetRule) -> Self {
        let a = assess(&tally, rule.min_count_percent, rule.min_value_percent);
        // The value share is shown even when the rule sets no value threshold.
        let value_share = evaluate(tally.value_online_vnd, tally.value_in_scope_vnd, 0).share;
        Figures {
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

/// One target's figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetFigures {
    pub rule: RuleRef,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitFigures {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    /// True for the row of the unit's own packages (not those of its children).
    pub own: bool,
    /// False for a unit that did not exist in the year (`valid_from`/`valid_to`) yet has
    /// packages of it recorded: listed, so that no figure disappears, and to be corrected.
    pub valid: bool,
    pub overall: Overall,
    /// The targets in force for this unit (a child with a rule of its own is judged under it),
    /// each with the unit's verdict.
    pub targets: Vec<TargetFigures>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MethodFigures {
    pub method: Method,
    pub label: &'static str,
    pub overall: Overall,
    /// Only the targets that count this method.
    pub targets: Vec<TargetFigures>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldFigures {
    pub field: Field,
    pub label: &'static str,
    pub overall: Overall,
    /// Only the targets that can count this field.
    pub targets: Vec<TargetFigures>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Compliance {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub year: i32,
    pub view: View,
    /// Every package counted in the year, whatever the targets.
    pub overall: Overall,
    /// Every target in force for the unit and year, each with its own verdict and shortfall;
    /// empty when no rule covers the year.
    pub targets: Vec<TargetFigures>,
    /// Why there is no verdict, when `targets` is empty.
    #[schema(example = "Chưa có chỉ tiêu cho năm này")]
    pub no_target: Option<String>,
    /// The unit's own packages (when it has any counted) and each child's subtree.
    pub by_unit: Vec<UnitFigures>,
    pub by_method: Vec<MethodFigures>,
    pub by_field: Vec<FieldFigures>,
}

/// Which of the packages behind a figure to list (the API and the pages name it here, not in
/// the database layer).
pub use crate::db::compliance::Behind;

/// What a unit, year and view without any rule in force shows instead of a verdict.
pub fn no_target_message(year: i32) -> String {
    format!(
        "Chưa có chỉ tiêu cho năm {year}: số liệu vẫn được tính, chưa có kết luận đạt hay chưa đạt. \
         Quản trị viên thêm chỉ tiêu tại trang Chỉ tiêu."
    )
}

/// The packages behind a figure of `check`, each explained under the rule the figure used: the
/// target named by `target` (a rule code or the code it replaces), else the first in force; with
/// no target in force, the packages counted, without a scope.
#[allow(clippy::too_many_arguments)]
pub async fn packages_behind(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
    view: View,
    target: Option<&str>,
    behind: db::compliance::Behind,
    page: super::PageRequest,
) -> Result<(Option<RuleRef>, super::Page<PackageView>), AppError> {
    check_year(year)?;
    let (page, per_page) = page.resolve()?;
    db::units::find(db, unit_id)
        .await?
        .ok_or_else(|| AppError::not_found("đơn vị", unit_id))?;
    let rules = rules_in_force(db, unit_id, year).await?;
    let rule = match target {
        Some(code) => Some(
            rules
                .iter()
                .find(|r| r.code == code || r.target_key() == code)
                .cloned()
                .ok_or_else(|| {
                    AppError::Validation(vec![crate::error::FieldError::new(
                        "target",
                        "unknown",
                        format!("Không có chỉ tiêu mã {code} áp dụng cho đơn vị này năm {year}"),
                    )])
                })?,
        ),
        None => rules.first().cloned(),
    };
    if rule.is_none() && behind.in_scope.is_some() {
        return Err(AppError::Validation(vec![crate::error::FieldError::new(
            "in_scope",
            "no_target",
            no_target_message(year),
        )]));
    }
    let scope = rule
        .as_ref()
        .map_or_else(TargetScope::everything, |r| r.scope.clone());
    let regimes = db::reference::regimes(db).await?;
    let subtree = db::compliance::Subtree::of(db, unit_id).await?;
    let (items, total) = db::compliance::packages_behind(
        db, &subtree, year, view, &scope, &regimes, behind, page, per_page,
    )
    .await?;
    let today = super::today_in_vietnam();
    let items = items
        .into_iter()
        .map(|p| {
            let derived = derive(&p, &regimes, rule.as_ref(), today);
            PackageView {
                package: p,
                derived,
            }
        })
        .collect();
    Ok((
        rule.as_ref().map(RuleRef::from),
        super::Page {
            items,
            page,
            per_page,
            total,
        },
    ))
}

/// The packages that would close a unit's gap under its first target: in scope, not online,
/// notice not yet published (status planned), cheapest first. None without a target.
pub async fn candidates(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
    target: Option<&str>,
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
    Ok(
        packages_behind(db, unit_id, year, View::Plan, target, behind, page)
            .await?
            .1,
    )
}

/// How many candidates the dashboard lists.
pub const DASHBOARD_CANDIDATES: u64 = 10;

/// What the dashboard shows of a unit and a year: the figures, the packages that would close the
/// first target's gap (none without a target: there is no gap), and which of them the actor may
/// switch online.
pub struct Dashboard {
    pub compliance: std::sync::Arc<Compliance>,
    pub candidates: std::sync::Arc<super::Page<PackageView>>,
    pub scope: super::accounts::WriteScope,
    /// The subtree's packages of the year overdue today (`domain::overdue`).
    pub overdue: u64,
    /// Its packages of the year declared online past planning without evidence.
    pub unevidenced: u64,
}

/// The dashboard of `unit_id` in `year`, both reused while nothing has been written anywhere
/// (`Cache::versioned`): the home page is the most read page of all.
pub async fn dashboard(
    db: &impl ConnectionTrait,
    cache: &super::cache::Cache,
    at: super::cache::DataVersion,
    actor: &super::accounts::Actor,
    unit_id: i64,
    year: i32,
) -> Result<Dashboard, AppError> {
    let scope = super::accounts::WriteScope::of(db, actor).await?;
    let compliance = check_cached_at(db, cache, at, unit_id, year, View::Plan).await?;
    let candidates = if compliance.targets.is_empty() {
        std::sync::Arc::new(super::Page {
            items: Vec::new(),
            page: 1,
            per_page: DASHBOARD_CANDIDATES,
            total: 0,
        })
    } else {
        let key = format!("candidates/{unit_id}/{year}/{DASHBOARD_CANDIDATES}");
        cache
            .versioned(at, key, || {
                candidates(db, unit_id, year, None, DASHBOARD_CANDIDATES)
            })
            .await?
    };
    // Keyed by today's month too: the count moves when a month ends, with nothing written.
    let today = today_key(super::today_in_vietnam());
    let overdue = cache
        .versioned(at, format!("overdue/{unit_id}/{year}/{today}"), || {
            overdue_count(db, unit_id, year, today)
        })
        .await?;
    let unevidenced = cache
        .versioned(at, format!("unevidenced/{unit_id}/{year}"), || {
            unevidenced_count(db, unit_id, year)
        })
        .await?;
    Ok(Dashboard {
        compliance,
        candidates,
        scope,
        overdue: *overdue,
        unevidenced: *unevidenced,
    })
}

/// How many packages of a unit's subtree planned in `year` are overdue in the month `today`
/// (a month key): counted by the database, on the covering index, without loading a package.
pub async fn overdue_count(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
    today: crate::domain::regime::MonthKey,
) -> Result<u64, AppError> {
    let filter = db::packages::ListFilter {
        units: Some(db::compliance::Subtree::of(db, unit_id).await?),
        plan_year: Some(year),
        overdue: Some((true, today)),
        ..Default::default()
    };
    Ok(db::packages::count(db, &filter).await?)
}

/// How many packages of a unit's subtree planned in `year` are declared online past planning
/// without evidence: "online" the result view will not count until their notice is on the
/// national system.
pub async fn unevidenced_count(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
) -> Result<u64, AppError> {
    let filter = db::packages::ListFilter {
        units: Some(db::compliance::Subtree::of(db, unit_id).await?),
        plan_year: Some(year),
        evidenced: Some(false),
        ..Default::default()
    };
    Ok(db::packages::count(db, &filter).await?)
}

/// One scope's tallies over a subtree: for each unit its own packages and its whole subtree,
/// and the whole by method and by field.
#[derive(Debug, Clone, Default)]
pub struct Tallied {
    own: HashMap<i64, Tally>,
    subtree: HashMap<i64, Tally>,
    pub by_method: BTreeMap<Method, Tally>,
    pub by_field: BTreeMap<Field, Tally>,
}

impl Tallied {
    pub fn own(&self, unit_id: i64) -> Tally {
        self.own.get(&unit_id).copied().unwrap_or_default()
    }

    pub fn subtree_of(&self, unit_id: i64) -> Tally {
        self.subtree.get(&unit_id).copied().unwrap_or_default()
    }
}

/// The tallies of a unit's subtree for a year: every package counted, and each target in force
/// for the root and for any unit below it with rules of its own, one SQL aggregate per rule. The
/// check and every report read their figures from here, so they cannot disagree.
#[derive(Debug, Clone)]
pub struct Computation {
    pub root: unit::Model,
    pub year: i32,
    pub view: View,
    /// The targets in force for the root.
    pub rules: Vec<TargetRule>,
    /// The root and every unit below it, ordered by code.
    pub units: Vec<unit::Model>,
    /// The rules in force for each unit of the subtree, by rule id into `tallied`.
    rules_of: HashMap<i64, Vec<i64>>,
    /// Every rule any unit of the subtree is judged by, with its tallies.
    tallied: HashMap<i64, (TargetRule, Tallied)>,
    /// Every package counted, whatever the scope.
    counted: Tallied,
}

/// A unit of the tree with its depth below the root (0 for the root).
#[derive(Debug, Clone, Copy)]
pub struct TreeRow<'a> {
    pub unit: &'a unit::Model,
    pub depth: u32,
    /// Whether the unit existed in the year (see [`Computation::valid_in_year`]).
    pub valid: bool,
}

impl Computation {
    /// The figures that need no target: of the root's subtree, a unit's subtree, a unit's own.
    pub fn overall(&self) -> Overall {
        Overall::new(&self.counted.subtree_of(self.root.id))
    }

    pub fn overall_of(&self, unit_id: i64) -> Overall {
        Overall::new(&self.counted.subtree_of(unit_id))
    }

    pub fn overall_own(&self, unit_id: i64) -> Overall {
        Overall::new(&self.counted.own(unit_id))
    }

    pub fn overall_by_method(&self) -> impl Iterator<Item = (Method, Overall)> + '_ {
        self.counted
            .by_method
            .iter()
            .map(|(m, t)| (*m, Overall::new(t)))
    }

    pub fn overall_by_field(&self) -> impl Iterator<Item = (Field, Overall)> + '_ {
        self.counted
            .by_field
            .iter()
            .map(|(f, t)| (*f, Overall::new(t)))
    }

    fn tallied(&self, rule: &TargetRule) -> &Tallied {
        self.tallied.get(&rule.id).map_or(&self.counted, |(_, t)| t)
    }

    /// The root's targets over its whole subtree.
    pub fn targets(&self) -> Vec<TargetFigures> {
        self.rules
            .iter()
            .map(|r| figures_of(r, self.tallied(r).subtree_of(self.root.id)))
            .collect()
    }

    /// A unit's subtree under the targets in force for that unit.
    pub fn targets_of(&self, unit_id: i64) -> Vec<TargetFigures> {
        self.rules_for(unit_id)
            .map(|(rule, t)| figures_of(rule, t.subtree_of(unit_id)))
            .collect()
    }

    /// The root's own packages under the root's targets.
    pub fn targets_own(&self) -> Vec<TargetFigures> {
        self.rules
            .iter()
            .map(|r| figures_of(r, self.tallied(r).own(self.root.id)))
            .collect()
    }

    fn rules_for(&self, unit_id: i64) -> impl Iterator<Item = (&TargetRule, &Tallied)> {
        self.rules_of
            .get(&unit_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.tallied.get(id).map(|(r, t)| (r, t)))
    }

    /// The root's targets by method, only where the target counts the method.
    pub fn targets_by_method(&self, method: Method) -> Vec<TargetFigures> {
        self.rules
            .iter()
            .filter(|r| r.scope.counts(method))
            .map(|r| {
                let t = self.tallied(r).by_method.get(&method).copied();
                figures_of(r, t.unwrap_or_default())
            })
            .collect()
    }

    /// The root's targets by field, only where the target can count the field.
    pub fn targets_by_field(&self, field: Field) -> Vec<TargetFigures> {
        self.rules
            .iter()
            .filter(|r| can_count_field(r, field))
            .map(|r| {
                let t = self.tallied(r).by_field.get(&field).copied();
                figures_of(r, t.unwrap_or_default())
            })
            .collect()
    }

    /// Whether a unit existed on some day of the computation's year: the tree of a year is
    /// drawn with these (a 2019 report shows the old districts, a 2026 one the new communes).
    pub fn valid_in_year(&self, u: &unit::Model) -> bool {
        crate::domain::history::valid_in_year(u.valid_from, u.valid_to, self.year)
    }

    /// The children of a unit in the tree of the year: those valid in the year, and any other
    /// that nevertheless has packages of the year below it (bad data, listed and marked rather
    /// than lost). A child left out has no package counted in the year, so the children shown
    /// always add up to the unit's figures, less its own packages, whichever year draws them.
    pub fn children(&self, unit_id: i64) -> impl Iterator<Item = &unit::Model> {
        self.units.iter().filter(move |u| {
            u.parent_id == Some(unit_id)
                && u.id != unit_id
                && (self.valid_in_year(u) || self.counted.subtree_of(u.id).counted > 0)
        })
    }

    /// The root and its descendants down to `max_depth` levels below it, depth-first in code
    /// order.
    pub fn tree(&self, max_depth: u32) -> Vec<TreeRow<'_>> {
        let mut out = Vec::new();
        let mut stack = vec![(&self.root, 0_u32)];
        while let Some((unit, depth)) = stack.pop() {
            out.push(TreeRow {
                unit,
                depth,
                valid: self.valid_in_year(unit),
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

pub(crate) fn figures_of(rule: &TargetRule, tally: Tally) -> TargetFigures {
    TargetFigures {
        rule: RuleRef::from(rule),
        figures: Figures::new(tally, rule),
    }
}

/// Whether any method of the rule can count packages of the field: a ceiling-bound method only
/// the fields with a ceiling.
fn can_count_field(rule: &TargetRule, field: Field) -> bool {
    let s = &rule.scope;
    !s.methods_any_size.is_empty()
        || !s.methods_small_scale.is_empty()
        || (!s.methods_within_ceilings.is_empty() && s.ceilings.max_for(field).is_some())
}

/// Runs the aggregate for one scope over `units` and rolls each unit's own tally up to every
/// ancestor within the subtree rooted at `root_id`.
async fn tally_subtree(
    db: &impl ConnectionTrait,
    root_id: i64,
    units: &[unit::Model],
    year: i32,
    view: View,
    scope: &TargetScope,
    regimes: &crate::domain::regime::Regimes,
) -> Result<Tallied, AppError> {
    let subtree = db::compliance::Subtree::new(root_id, units.iter().map(|u| u.id).collect());
    let db::compliance::Tallies {
        by_unit: own,
        by_method,
        by_field,
    } = db::compliance::tally(db, &subtree, year, view, scope, regimes).await?;
    let parent: HashMap<i64, Option<i64>> = units.iter().map(|u| (u.id, u.parent_id)).collect();
    let mut rolled: HashMap<i64, Tally> = HashMap::new();
    for (unit, tally) in &own {
        let mut current = Some(*unit);
        let mut steps = 0;
        while let Some(id) = current {
            *rolled.entry(id).or_default() += *tally;
            if id == root_id || steps > units.len() {
                break;
            }
            current = parent.get(&id).copied().flatten();
            steps += 1;
        }
    }
    Ok(Tallied {
        own,
        subtree: rolled,
        by_method,
        by_field,
    })
}

/// The units of `units` (a subtree listed root first or in any order) that lie under `top`,
/// `top` included.
fn below(units: &[unit::Model], top: i64) -> Vec<unit::Model> {
    let mut ids = std::collections::HashSet::from([top]);
    // Parents come before children in no guaranteed order: repeat until nothing is added.
    loop {
        let before = ids.len();
        for u in units {
            if u.parent_id.is_some_and(|p| ids.contains(&p)) {
                ids.insert(u.id);
            }
        }
        if ids.len() == before {
            break;
        }
    }
    units
        .iter()
        .filter(|u| ids.contains(&u.id))
        .cloned()
        .collect()
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
    let all_rules = db::reference::target_rules(db).await?;
    let root_lineage = db::units::lineage(db, unit_id).await?;
    let rules: Vec<TargetRule> = in_force(&all_rules, year, &root_lineage)
        .into_iter()
        .cloned()
        .collect();
    let regimes = db::reference::regimes(db).await?;
    let units = db::units::subtree(db, unit_id).await?;

    // Each unit's lineage is its path up to the root, then the root's own.
    let parent: HashMap<i64, Option<i64>> = units.iter().map(|u| (u.id, u.parent_id)).collect();
    let lineage_of = |id: i64| {
        let mut out = Vec::new();
        let mut current = Some(id);
        while let Some(u) = current {
            if u == unit_id || out.len() > units.len() {
                break;
            }
            out.push(u);
            current = parent.get(&u).copied().flatten();
        }
        out.extend_from_slice(&root_lineage);
        out
    };
    // Rules attached inside the subtree are the only way a unit's targets differ from the
    // root's; without any, every unit shares the root's.
    let in_subtree: std::collections::HashSet<i64> = units.iter().map(|u| u.id).collect();
    let local_rules = all_rules.iter().any(|r| {
        r.unit_id
            .is_some_and(|u| u != unit_id && in_subtree.contains(&u))
    });
    let root_ids: Vec<i64> = rules.iter().map(|r| r.id).collect();
    let mut rules_of: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut extra: BTreeMap<i64, &TargetRule> = BTreeMap::new();
    for u in &units {
        if !local_rules || u.id == unit_id {
            rules_of.insert(u.id, root_ids.clone());
            continue;
        }
        let own = in_force(&all_rules, year, &lineage_of(u.id));
        for r in &own {
            if !root_ids.contains(&r.id) {
                extra.insert(r.id, r);
            }
        }
        rules_of.insert(u.id, own.iter().map(|r| r.id).collect());
    }

    let mut tallied = HashMap::new();
    let mut counted = None;
    for rule in &rules {
        let t = tally_subtree(db, unit_id, &units, year, view, &rule.scope, &regimes).await?;
        counted.get_or_insert_with(|| t.clone());
        tallied.insert(rule.id, (rule.clone(), t));
    }
    let counted = match counted {
        Some(c) => c,
        None => {
            tally_subtree(
                db,
                unit_id,
                &units,
                year,
                view,
                &TargetScope::everything(),
                &regimes,
            )
            .await?
        }
    };
    // A rule set inside the subtree is tallied over the subtree of the unit it is attached to:
    // no unit outside it is judged by it.
    for (id, rule) in extra {
        let top = rule
            .unit_id
            .filter(|u| in_subtree.contains(u))
            .unwrap_or(unit_id);
        let part = below(&units, top);
        let t = tally_subtree(db, top, &part, year, view, &rule.scope, &regimes).await?;
        tallied.insert(id, (rule.clone(), t));
    }
    Ok(Computation {
        root,
        year,
        view,
        rules,
        units,
        rules_of,
        tallied,
        counted,
    })
}

pub async fn check(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
    view: View,
) -> Result<Compliance, AppError> {
    let c = compute(db, unit_id, year, view).await?;
    let mut by_unit = Vec::new();
    let root_own = c.overall_own(c.root.id);
    if root_own.packages > 0 {
        by_unit.push(UnitFigures {
            unit_id: c.root.id,
            code: c.root.code.clone(),
            name: c.root.name.clone(),
            own: true,
            valid: c.valid_in_year(&c.root),
            overall: root_own,
            targets: c.targets_own(),
        });
    }
    by_unit.extend(c.children(c.root.id).map(|child| UnitFigures {
        unit_id: child.id,
        code: child.code.clone(),
        name: child.name.clone(),
        own: false,
        valid: c.valid_in_year(child),
        overall: c.overall_of(child.id),
        targets: c.targets_of(child.id),
    }));
    let targets = c.targets();
    Ok(Compliance {
        unit_id: c.root.id,
        unit_code: c.root.code.clone(),
        unit_name: c.root.name.clone(),
        year,
        view,
        overall: c.overall(),
        no_target: targets.is_empty().then(|| no_target_message(year)),
        targets,
        by_method: c
            .overall_by_method()
            .map(|(method, overall)| MethodFigures {
                method,
                label: method.label_vi(),
                overall,
                targets: c.targets_by_method(method),
            })
            .collect(),
        by_field: c
            .overall_by_field()
            .map(|(field, overall)| FieldFigures {
                field,
                label: field.label_vi(),
                overall,
                targets: c.targets_by_field(field),
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
    let at = super::cache::DataVersion::read(db).await?;
    check_cached_at(db, cache, at, unit_id, year, view).await
}

/// As [`check_cached`], at a data version already read. The year is checked here, before the
/// cache is asked, so a refused year never makes a key.
pub async fn check_cached_at(
    db: &impl ConnectionTrait,
    cache: &crate::services::cache::Cache,
    at: super::cache::DataVersion,
    unit_id: i64,
    year: i32,
    view: View,
) -> Result<std::sync::Arc<Compliance>, AppError> {
    check_year(year)?;
    let key = format!("compliance/{unit_id}/{year}/{view}");
    cache
        .versioned(at, key, || check(db, unit_id, year, view))
        .await
}

/// Every target in force for the unit and year (domain.md §5), possibly none.
pub async fn rules_in_force(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
) -> Result<Vec<TargetRule>, AppError> {
    let lineage = db::units::lineage(db, unit_id).await?;
    let rules = db::reference::target_rules(db).await?;
    Ok(in_force(&rules, year, &lineage)
        .into_iter()
        .cloned()
        .collect())
}

/// The year pages open on when the user has not chosen one: the current calendar year when it
/// has packages, else the latest year with both packages and a target rule, else the latest year
/// with packages, else the current year. It depends on the calendar and the rules, not on which
/// package was edited last.
pub async fn default_year(db: &impl ConnectionTrait) -> Result<i32, AppError> {
    // The calendar year in Vietnam (UTC+7, no daylight saving), not in UTC.
    let current =
        chrono::Datelike::year(&chrono::Utc::now().with_timezone(&crate::domain::VIETNAM));
    let years = db::packages::plan_years(db).await?;
    if years.contains(&current) {
        return Ok(current);
    }
    let rules = db::reference::target_rules(db).await?;
    let with_rule = years
        .iter()
        .rev()
        .find(|y| rules.iter().any(|r| r.covers_year(**y)));
    Ok(with_rule.or(years.last()).copied().unwrap_or(current))
}

pub fn check_year(year: i32) -> Result<(), AppError> {
    if crate::domain::PLAN_YEARS.contains(&year) {
        Ok(())
    } else {
        Err(AppError::Validation(vec![crate::error::FieldError::new(
            "year",
            "range",
            format!(
                "Năm phải trong khoảng {}–{}",
                crate::domain::PLAN_YEARS.start(),
                crate::domain::PLAN_YEARS.end(),
            ),
        )]))
    }
}
