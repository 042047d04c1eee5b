//! What follows from a stored package and the rules in force: its regime, small scale, its
//! scope under the targets of its unit and year, and its warnings.

use crate::domain::overdue::is_overdue;
use crate::domain::package_rules::{self, PackageDraft, Warning};
use crate::domain::regime::Regimes;
use crate::domain::scope::{PackageFacts, ScopeReason, classify};
use crate::domain::target::{TargetRule, in_force};
use crate::error::AppError;
use crate::services::cache::{Cache, Reference};
use chrono::NaiveDate;
use entity::package;
use sea_orm::ConnectionTrait;
use std::sync::Arc;

/// What follows from a package and the rules in force, shown beside its stored fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    /// The regime of its planned start, when one covers it.
    pub regime: Option<String>,
    /// Small-scale under that regime; `None` without a regime.
    pub small_scale: Option<bool>,
    /// In the scope of the target that applies; `None` when no target covers its year.
    pub in_target_scope: Option<bool>,
    pub scope_reason: Option<ScopeReason>,
    pub warnings: Vec<Warning>,
    /// Still planned after its planned start period ended (`domain::overdue`), on the day the
    /// package was read.
    pub overdue: bool,
}

#[derive(Debug, Clone)]
pub struct PackageView {
    pub package: package::Model,
    pub derived: Derived,
}

/// The facts of a stored package that decide its scope.
pub fn facts(p: &package::Model) -> PackageFacts {
    PackageFacts {
        method: p.method,
        field: p.field,
        package_price_vnd: p.package_price_vnd,
        international: p.international,
        procedure: p.procedure,
        online_exempt_reason: p.online_exempt_reason,
        status: p.status,
        plan_year: p.plan_year,
        planned_start_month: p.planned_start_month,
        planned_start_quarter: p.planned_start_quarter,
    }
}

/// The facts the validity rules read, from a stored package (without cloning its text).
pub fn draft_of(p: &package::Model) -> PackageDraft {
    PackageDraft {
        field: p.field,
        method: p.method,
        procedure: p.procedure,
        package_price_vnd: p.package_price_vnd,
        plan_year: p.plan_year,
        planned_start_month: p.planned_start_month,
        planned_start_quarter: p.planned_start_quarter,
        online: p.online,
        online_exempt_reason: p.online_exempt_reason,
        status: p.status,
        result_date: p.result_date,
        winning_price_vnd: p.winning_price_vnd,
        evidenced: p.evidenced,
    }
}

/// Whether a package's selection online is evidenced: its notice is on the national system
/// under an e-GP notice code, with its posting date (domain.md §10).
pub fn evidenced(code: Option<&str>, notice_date: Option<chrono::NaiveDate>) -> bool {
    code.is_some_and(crate::domain::identifiers::is_egp_notice) && notice_date.is_some()
}

/// Derives the facts of `p` under `rule` (one target, if any), on `today` (Vietnam's date).
pub fn derive(
    p: &package::Model,
    regimes: &Regimes,
    rule: Option<&TargetRule>,
    today: NaiveDate,
) -> Derived {
    derive_under(p, regimes, rule.as_slice(), today)
}

/// Derives the facts of `p` under every target in force for it: in the targets' scope when any
/// counts it; the reason given is the first target's that counts it, else the first target's.
/// `today` (Vietnam's date) decides whether it is overdue.
pub fn derive_under(
    p: &package::Model,
    regimes: &Regimes,
    rules: &[&TargetRule],
    today: NaiveDate,
) -> Derived {
    let regime = regimes.for_package(
        p.plan_year,
        crate::domain::regime::start_month(p.planned_start_month, p.planned_start_quarter),
    );
    let reasons: Vec<ScopeReason> = rules
        .iter()
        .map(|r| classify(&r.scope, regimes, &facts(p)))
        .collect();
    let scope_reason = match reasons.iter().position(ScopeReason::in_scope) {
        Some(i) => reasons.into_iter().nth(i),
        None => reasons.into_iter().next(),
    };
    Derived {
        regime: regime.map(|r| r.code.clone()),
        small_scale: regime.map(|r| r.is_small_scale(p.field, p.package_price_vnd)),
        in_target_scope: scope_reason.as_ref().map(ScopeReason::in_scope),
        scope_reason,
        warnings: package_rules::check(&draft_of(p), regimes).warnings,
        overdue: is_overdue(
            p.status,
            p.plan_year,
            p.planned_start_month,
            p.planned_start_quarter,
            today,
        ),
    }
}

/// Derives packages' facts under the targets of their own unit and plan year, on one day.
pub(super) struct Describer {
    pub(super) reference: Arc<Reference>,
    /// Vietnam's date, the same for every package described (and for the filter that found
    /// them).
    pub(super) today: NaiveDate,
}

impl Describer {
    pub(super) async fn load(
        db: &impl ConnectionTrait,
        cache: &Cache,
        packages: &[package::Model],
        today: NaiveDate,
    ) -> Result<Self, AppError> {
        let mut units: Vec<i64> = packages.iter().map(|p| p.unit_id).collect();
        units.sort_unstable();
        units.dedup();
        Ok(Describer {
            reference: cache.reference(db, &units).await?,
            today,
        })
    }

    pub(super) fn view(&self, p: package::Model) -> PackageView {
        let lineage = self.reference.lineage(p.unit_id);
        let rules = in_force(&self.reference.rules, p.plan_year, &lineage);
        let derived = derive_under(&p, &self.reference.regimes, &rules, self.today);
        PackageView {
            package: p,
            derived,
        }
    }
}

/// Derives each package under the target of its own unit and plan year, on `today`.
pub async fn describe(
    db: &impl ConnectionTrait,
    cache: &Cache,
    packages: Vec<package::Model>,
    today: NaiveDate,
) -> Result<Vec<PackageView>, AppError> {
    let describer = Describer::load(db, cache, &packages, today).await?;
    Ok(packages.into_iter().map(|p| describer.view(p)).collect())
}

/// One package described from the database itself: inside a write's transaction the cache
/// could predate the change.
pub(super) async fn view(
    db: &impl ConnectionTrait,
    p: package::Model,
) -> Result<PackageView, AppError> {
    describe_one(db, &Cache::default(), p).await
}

pub(super) async fn describe_one(
    db: &impl ConnectionTrait,
    cache: &Cache,
    p: package::Model,
) -> Result<PackageView, AppError> {
    describe(db, cache, vec![p], crate::services::today_in_vietnam())
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("package vanished")))
}
