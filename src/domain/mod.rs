//! Pure domain rules: regimes and small-scale thresholds, target scope, the compliance
//! arithmetic, package validity, money. No axum, no database, no I/O; table-tested beside the code.
//! The persisted enums come from `entity`, which is data only.

pub mod compliance;
pub mod money;
pub mod package_rules;
pub mod regime;
pub mod scope;
pub mod target;
pub mod text;

/// Plan years the service accepts. Public procurement under the laws modelled here starts in
/// 2014; older years are allowed for historical plans, far-future years are typing mistakes.
pub const PLAN_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;
