//! What follows from a stored package and the rules in force: its regime, small scale, its
//! scope under the targets of its unit and year, and its warnings.

use crate::domain::package_rules::{self, PackageDraft, Warning};
use crate::domain::regime::Regimes;
use crate::domain::scope::{PackageFacts, ScopeReason, classify};
use crate::domain::target::{TargetRule, in_force};
use crate::error::AppError;
use crate::services::cache::{Cache, Reference};
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
        package_price_vnd: p.package_price_vnd,
        plan_year: p.plan_year,
        planned_start_month: p.planned_start_month,
        planned_start_quarter: p.planned_start_quarter,
        online: p.online,
        online_exempt_reason: p.online_exempt_reason,
        status: p.status,
        result_date: p.result_date,
        winning_price_vnd: p.winning_price_vnd,
        evidenced: evidenced(p.code.as_deref(), p.notice_date),
    }
}

/// Whether a package's selection online is evidenced: its notice is on the national system
/// under an e-GP notice code, with its posting date (domain.md §10).
pub fn evidenced(code: Option<&str>, notice_date: Option<chrono::NaiveDate>) -> bool {
    code.is_some_and(crate::domain::identifiers::is_egp_notice) && notice_date.is_some()
}

/// Derives the facts of `p` under `rule` (one target, if any).
pub fn derive(p: &package::Model, regimes: &Regimes, rule: Option<&TargetRule>) -> Derived {
    derive_under(p, regimes, rule.as_slice())
}

/// Derives the facts of `p` under every target in force for it: in the targets' scope when any
/// counts it; the reason given is the first target's that counts it, else the first target's.
pub fn derive_under(p: &package::Model, regimes: &Regimes, rules: &[&TargetRule]) -> Derived {
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
    }
}

/// Derives packages' facts under the targets of their own unit and plan year.
pub(super) struct Describer {
    pub(super) reference: Arc<Reference>,
}

impl Describer {
    pub(super) async fn load(
        db: &impl ConnectionTrait,
        cache: &Cache,
        packages: &[package::Model],
    ) -> Result<Self, AppError> {
        let mut units: Vec<i64> = packages.iter().map(|p| p.unit_id).collect();
        units.sort_unstable();
        units.dedup();
        Ok(Describer {
            reference: cache.reference(db, &units).await?,
        })
    }

    pub(super) fn view(&self, p: package::Model) -> PackageView {
        let lineage = self.reference.lineage(p.unit_id);
        let rules = in_force(&self.reference.rules, p.plan_year, &lineage);
        let derived = derive_under(&p, &self.reference.regimes, &rules);
        PackageView {
            package: p,
            derived,
        }
    }
}

/// Derives each package under the target of its own unit and plan year.
pub async fn describe(
    db: &impl ConnectionTrait,
    cache: &Cache,
    packages: Vec<package::Model>,
) -> Result<Vec<PackageView>, AppError> {
    let describer = Describer::load(db, cache, &packages).await?;
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
    describe(db, cache, vec![p])
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("package vanished")))
}
