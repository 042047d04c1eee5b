//! Packages: the command types every interface fills (create and patch), their shape checks
//! (validator) and domain rules, the filtered list, optimistic locking on change and delete, and
//! the derived facts shown with each package (regime, small-scale, scope under its target,
//! warnings).

mod fields;
mod page;

pub use fields::snapshot;
pub use page::{PackagePage, page};

use super::accounts::Actor;
use super::audit::{self, Changes};
use super::cache::{Cache, Reference};
use super::sync::{self, FeedPage, Position};
use super::{Page, PageRequest, clean, conflict_on_unique, contains_pattern, double_option};
use crate::db;
use crate::db::packages::{ListFilter, ScopeSegment, SortColumn};
use crate::domain::fields::package::PackageField;
use crate::domain::money::{MAX_VND, format_vnd};
use crate::domain::package_rules::{self, PackageDraft, Warning};
use crate::domain::regime::Regimes;
use crate::domain::scope::{PackageFacts, ScopeReason, classify};
use crate::domain::target::{TargetRule, in_force};
use crate::domain::text::{Lines, check_code, fold, normalize_code, search_text};
use crate::domain::{date_in_plan_years, date_range_message};
use crate::error::{AppError, FieldError};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    AuditAction, ContractType, Field, Method, OnlineExemptReason, PackageStatus, Procedure, package,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use validator::{Validate, ValidationError};

/// A package as entered. Text fields are trimmed and empty text is treated as absent; codes are
/// normalised (compatibility forms folded, trimmed, upper-cased). Text may not hold control
/// characters (line breaks and tabs only in `notes`) nor characters that hide or reorder text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPackage {
    pub unit_id: i64,
    #[validate(
        length(
            min = 1,
            max = 500,
            message = "Tên gói thầu phải có từ 1 đến 500 ký tự"
        ),
        custom(function = "name_text")
    )]
    #[schema(
        min_length = 1,
        max_length = 500,
        example = "Mua sắm thiết bị tin học cho UBND phường"
    )]
    pub name: String,
    /// Notice number on VNEPS (IB + yy + 8 digits; older formats accepted); unique. Stored
    /// upper-case (`ib19…` is `IB19…`): an ASCII letter or digit, then ASCII letters, digits,
    /// `-`, `_`, `.` or `/`.
    #[validate(
        length(max = 64, message = "Số thông báo mời thầu tối đa 64 ký tự"),
        custom(function = "code_shape")
    )]
    #[schema(max_length = 64, example = "IB1900012345")]
    pub code: Option<String>,
    /// Selection plan number (PL + yy + 8 digits); normalised like `code`.
    #[validate(
        length(max = 64, message = "Số kế hoạch tối đa 64 ký tự"),
        custom(function = "plan_code_shape")
    )]
    #[schema(max_length = 64, example = "PL1900001234")]
    pub plan_code: Option<String>,
    #[validate(range(
        min = 2000,
        max = 2100,
        message = "Năm kế hoạch phải trong khoảng 2000–2100"
    ))]
    #[schema(minimum = 2000, maximum = 2100, example = 2019)]
    pub plan_year: i32,
    /// Month the selection is planned to start; its regime follows from it.
    #[validate(range(min = 1, max = 12, message = "Tháng phải từ 1 đến 12"))]
    #[schema(minimum = 1, maximum = 12)]
    pub planned_start_month: Option<i16>,
    /// Quarter the selection is planned to start (1–4), when the plan gives a quarter instead
    /// of a month ("Quý II"); never both. Its regime is that of the quarter's first month.
    #[validate(range(min = 1, max = 4, message = "Quý phải từ 1 đến 4"))]
    #[schema(minimum = 1, maximum = 4)]
    #[serde(default)]
    pub planned_start_quarter: Option<i16>,
    pub field: Field,
    pub method: Method,
    pub procedure: Option<Procedure>,
    #[serde(default)]
    pub international: bool,
    /// Package price in whole đồng, VAT included; at most 10^15 đồng.
    #[validate(custom(function = "package_price"))]
    #[schema(minimum = 1, maximum = 1000000000000000_i64, example = 1200000000)]
    pub package_price_vnd: i64,
    #[validate(
        length(max = 500, message = "Nguồn vốn tối đa 500 ký tự"),
        custom(function = "funding_source_text")
    )]
    #[schema(max_length = 500, example = "Ngân sách quận")]
    pub funding_source: Option<String>,
    pub contract_type: Option<ContractType>,
    /// The contractor is (or will be) selected online on VNEPS.
    pub online: bool,
    /// Why the package is not selected online; only for packages with `online: false`.
    pub online_exempt_reason: Option<OnlineExemptReason>,
    #[serde(default = "default_status")]
    #[schema(default = "planned")]
    pub status: PackageStatus,
    /// Date the selection result was approved; required when awarded; 2000-01-01 to
    /// 2100-12-31.
    #[validate(custom(function = "result_date_range"))]
    pub result_date: Option<NaiveDate>,
    /// Required when awarded; not above the package price (so at most 10^15 đồng).
    #[validate(custom(function = "winning_price"))]
    #[schema(minimum = 1, maximum = 1000000000000000_i64)]
    pub winning_price_vnd: Option<i64>,
    #[validate(
        length(max = 500, message = "Tên nhà thầu tối đa 500 ký tự"),
        custom(function = "contractor_name_text")
    )]
    #[schema(max_length = 500)]
    pub contractor_name: Option<String>,
    /// Multi-line: the one text field where line breaks and tabs are allowed.
    #[validate(
        length(max = 10000, message = "Ghi chú tối đa 10.000 ký tự"),
        custom(function = "notes_text")
    )]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
}

/// Every field set: an edit that replaces the whole package (a form sends every field).
impl From<NewPackage> for PackagePatch {
    fn from(p: NewPackage) -> Self {
        PackagePatch {
            unit_id: Some(p.unit_id),
            name: Some(p.name),
            code: Some(p.code),
            plan_code: Some(p.plan_code),
            plan_year: Some(p.plan_year),
            planned_start_month: Some(p.planned_start_month),
            planned_start_quarter: Some(p.planned_start_quarter),
            field: Some(p.field),
            method: Some(p.method),
            procedure: Some(p.procedure),
            international: Some(p.international),
            package_price_vnd: Some(p.package_price_vnd),
            funding_source: Some(p.funding_source),
            contract_type: Some(p.contract_type),
            online: Some(p.online),
            online_exempt_reason: Some(p.online_exempt_reason),
            status: Some(p.status),
            result_date: Some(p.result_date),
            winning_price_vnd: Some(p.winning_price_vnd),
            contractor_name: Some(p.contractor_name),
            notes: Some(p.notes),
        }
    }
}

fn default_status() -> PackageStatus {
    PackageStatus::Planned
}

// The field checks `validator` runs beyond lengths. They live here, beside the fields, and not
// in the handlers, so that the API, the forms and the import (which all build a `NewPackage`)
// refuse the same input with the same message.

/// A text field's content rule as a validation error naming the field by its `label`.
fn text_rule(value: &str, label: &str, lines: Lines) -> Result<(), ValidationError> {
    crate::domain::text::check_plain(value, lines).map_err(|problem| {
        ValidationError::new(problem.code()).with_message(Cow::Owned(problem.message_vi(label)))
    })
}

fn name_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, PackageField::Name.label(), Lines::One)
}

fn funding_source_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, PackageField::FundingSource.label(), Lines::One)
}

fn contractor_name_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, PackageField::ContractorName.label(), Lines::One)
}

fn notes_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, PackageField::Notes.label(), Lines::Many)
}

/// Punctuation a notice or plan code may hold after its first letter or digit; `/` appears in
/// older numbering.
const PACKAGE_CODE_PUNCTUATION: &[char] = &['-', '_', '.', '/'];

fn package_code_rule(v: &str, rule: &str) -> Result<(), ValidationError> {
    check_code(v, PACKAGE_CODE_PUNCTUATION).map_err(|problem| {
        ValidationError::new(problem.code()).with_message(Cow::Owned(problem.message_vi(rule)))
    })
}

fn code_shape(v: &str) -> Result<(), ValidationError> {
    package_code_rule(
        v,
        "Số thông báo mời thầu chỉ gồm chữ cái không dấu, chữ số và '-', '_', '.', '/', bắt đầu bằng chữ cái hoặc chữ số (ví dụ IB1900012345)",
    )
}

fn plan_code_shape(v: &str) -> Result<(), ValidationError> {
    package_code_rule(
        v,
        "Số kế hoạch chỉ gồm chữ cái không dấu, chữ số và '-', '_', '.', '/', bắt đầu bằng chữ cái hoặc chữ số (ví dụ PL1900001234)",
    )
}

/// 1 đồng to [`MAX_VND`], with a message for each end.
fn amount_rule(v: i64, label: &str) -> Result<(), ValidationError> {
    let message = if v < 1 {
        format!("{label} phải lớn hơn 0")
    } else if v > MAX_VND {
        format!("{label} tối đa {}", format_vnd(MAX_VND))
    } else {
        return Ok(());
    };
    Err(ValidationError::new("range").with_message(Cow::Owned(message)))
}

fn package_price(v: i64) -> Result<(), ValidationError> {
    amount_rule(v, PackageField::PackagePrice.label())
}

fn winning_price(v: i64) -> Result<(), ValidationError> {
    amount_rule(v, PackageField::WinningPrice.label())
}

fn result_date_range(d: &NaiveDate) -> Result<(), ValidationError> {
    if date_in_plan_years(*d) {
        Ok(())
    } else {
        Err(
            ValidationError::new("range").with_message(Cow::Owned(date_range_message(
                PackageField::ResultDate.label(),
            ))),
        )
    }
}

/// Changes to a package (a JSON merge patch): an absent field is unchanged, `null` clears an
/// optional field.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackagePatch {
    pub unit_id: Option<i64>,
    #[schema(min_length = 1, max_length = 500)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 64)]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 64)]
    pub plan_code: Option<Option<String>>,
    #[schema(minimum = 2000, maximum = 2100)]
    pub plan_year: Option<i32>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i16>, minimum = 1, maximum = 12)]
    pub planned_start_month: Option<Option<i16>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i16>, minimum = 1, maximum = 4)]
    pub planned_start_quarter: Option<Option<i16>>,
    pub field: Option<Field>,
    pub method: Option<Method>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Procedure>)]
    pub procedure: Option<Option<Procedure>>,
    pub international: Option<bool>,
    #[schema(minimum = 1, maximum = 1000000000000000_i64)]
    pub package_price_vnd: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub funding_source: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<ContractType>)]
    pub contract_type: Option<Option<ContractType>>,
    pub online: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<OnlineExemptReason>)]
    pub online_exempt_reason: Option<Option<OnlineExemptReason>>,
    pub status: Option<PackageStatus>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub result_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000000000000000_i64)]
    pub winning_price_vnd: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub contractor_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub notes: Option<Option<String>>,
}

impl NewPackage {
    /// Trimmed text; empty optional text is absent. Codes are compared as they are stored, so
    /// they are normalised before any uniqueness check: compatibility forms folded (NFKC),
    /// trimmed, upper-cased (`ib19…` and `IB19…` are one notice code); what is left that is not
    /// ASCII is refused by `validate`.
    pub fn normalized(mut self) -> Self {
        self.name = self.name.trim().to_owned();
        self.code = clean(self.code.as_deref().map(normalize_code));
        self.plan_code = clean(self.plan_code.as_deref().map(normalize_code));
        self.funding_source = clean(self.funding_source);
        self.contractor_name = clean(self.contractor_name);
        self.notes = clean(self.notes);
        self
    }

    /// The package as it would be entered again: the start of an edit.
    pub fn from_model(m: &package::Model) -> Self {
        NewPackage {
            unit_id: m.unit_id,
            name: m.name.clone(),
            code: m.code.clone(),
            plan_code: m.plan_code.clone(),
            plan_year: m.plan_year,
            planned_start_month: m.planned_start_month,
            planned_start_quarter: m.planned_start_quarter,
            field: m.field,
            method: m.method,
            procedure: m.procedure,
            international: m.international,
            package_price_vnd: m.package_price_vnd,
            funding_source: m.funding_source.clone(),
            contract_type: m.contract_type,
            online: m.online,
            online_exempt_reason: m.online_exempt_reason,
            status: m.status,
            result_date: m.result_date,
            winning_price_vnd: m.winning_price_vnd,
            contractor_name: m.contractor_name.clone(),
            notes: m.notes.clone(),
        }
    }

    fn apply(mut self, p: PackagePatch) -> Self {
        fn set<T>(slot: &mut T, v: Option<T>) {
            if let Some(v) = v {
                *slot = v;
            }
        }
        set(&mut self.unit_id, p.unit_id);
        set(&mut self.name, p.name);
        set(&mut self.code, p.code);
        set(&mut self.plan_code, p.plan_code);
        set(&mut self.plan_year, p.plan_year);
        set(&mut self.planned_start_month, p.planned_start_month);
        set(&mut self.planned_start_quarter, p.planned_start_quarter);
        set(&mut self.field, p.field);
        set(&mut self.method, p.method);
        set(&mut self.procedure, p.procedure);
        set(&mut self.international, p.international);
        set(&mut self.package_price_vnd, p.package_price_vnd);
        set(&mut self.funding_source, p.funding_source);
        set(&mut self.contract_type, p.contract_type);
        set(&mut self.online, p.online);
        set(&mut self.online_exempt_reason, p.online_exempt_reason);
        set(&mut self.status, p.status);
        set(&mut self.result_date, p.result_date);
        set(&mut self.winning_price_vnd, p.winning_price_vnd);
        set(&mut self.contractor_name, p.contractor_name);
        set(&mut self.notes, p.notes);
        self
    }

    /// The facts the validity rules read.
    pub fn draft(&self) -> PackageDraft {
        PackageDraft {
            field: self.field,
            method: self.method,
            package_price_vnd: self.package_price_vnd,
            plan_year: self.plan_year,
            planned_start_month: self.planned_start_month,
            planned_start_quarter: self.planned_start_quarter,
            online: self.online,
            online_exempt_reason: self.online_exempt_reason,
            status: self.status,
            result_date: self.result_date,
            winning_price_vnd: self.winning_price_vnd,
        }
    }

    /// Shape, domain rules and references; the warnings when all hold.
    async fn check(
        &self,
        db: &impl ConnectionTrait,
        regimes: &Regimes,
    ) -> Result<Vec<Warning>, AppError> {
        self.validate()?;
        let findings = package_rules::check(&self.draft(), regimes);
        if !findings.violations.is_empty() {
            return Err(AppError::Validation(
                findings
                    .violations
                    .iter()
                    .map(|v| FieldError::new(v.field(), v.code(), v.message_vi()))
                    .collect(),
            ));
        }
        super::require_unit(db, "unit_id", self.unit_id).await?;
        Ok(findings.warnings)
    }

    /// Sets every stored column (and the search text) from this input.
    /// The stored package this input becomes, with its bookkeeping fields.
    pub fn into_model(
        self,
        id: i64,
        version: i32,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    ) -> package::Model {
        package::Model {
            id,
            search_text: search_text(&self.name, self.code.as_deref()),
            unit_id: self.unit_id,
            name: self.name,
            code: self.code,
            plan_code: self.plan_code,
            plan_year: self.plan_year,
            planned_start_month: self.planned_start_month,
            planned_start_quarter: self.planned_start_quarter,
            field: self.field,
            method: self.method,
            procedure: self.procedure,
            international: self.international,
            package_price_vnd: self.package_price_vnd,
            funding_source: self.funding_source,
            contract_type: self.contract_type,
            online: self.online,
            online_exempt_reason: self.online_exempt_reason,
            status: self.status,
            result_date: self.result_date,
            winning_price_vnd: self.winning_price_vnd,
            contractor_name: self.contractor_name,
            notes: self.notes,
            version,
            created_at,
            updated_at,
        }
    }

    pub fn write(self, active: &mut package::ActiveModel) {
        active.search_text = Set(search_text(&self.name, self.code.as_deref()));
        active.unit_id = Set(self.unit_id);
        active.name = Set(self.name);
        active.code = Set(self.code);
        active.plan_code = Set(self.plan_code);
        active.plan_year = Set(self.plan_year);
        active.planned_start_month = Set(self.planned_start_month);
        active.planned_start_quarter = Set(self.planned_start_quarter);
        active.field = Set(self.field);
        active.method = Set(self.method);
        active.procedure = Set(self.procedure);
        active.international = Set(self.international);
        active.package_price_vnd = Set(self.package_price_vnd);
        active.funding_source = Set(self.funding_source);
        active.contract_type = Set(self.contract_type);
        active.online = Set(self.online);
        active.online_exempt_reason = Set(self.online_exempt_reason);
        active.status = Set(self.status);
        active.result_date = Set(self.result_date);
        active.winning_price_vnd = Set(self.winning_price_vnd);
        active.contractor_name = Set(self.contractor_name);
        active.notes = Set(self.notes);
    }
}

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
    }
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
struct Describer {
    reference: Arc<Reference>,
}

impl Describer {
    async fn load(
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

    fn view(&self, p: package::Model) -> PackageView {
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
async fn view(db: &impl ConnectionTrait, p: package::Model) -> Result<PackageView, AppError> {
    describe_one(db, &Cache::default(), p).await
}

async fn describe_one(
    db: &impl ConnectionTrait,
    cache: &Cache,
    p: package::Model,
) -> Result<PackageView, AppError> {
    describe(db, cache, vec![p])
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("package vanished")))
}

pub async fn get(
    db: &impl ConnectionTrait,
    cache: &Cache,
    id: i64,
) -> Result<PackageView, AppError> {
    let p = db::packages::find(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("gói thầu", id))?;
    describe_one(db, cache, p).await
}

fn duplicate_code(code: Option<&str>) -> String {
    format!(
        "Số thông báo mời thầu {} đã có trong hệ thống",
        code.unwrap_or_default()
    )
}

pub async fn create<C>(db: &C, actor: &Actor, input: NewPackage) -> Result<PackageView, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    if !actor.writes_packages() {
        actor.require_package_write(db, input.unit_id).await?;
    }
    let input = input.normalized();
    input.validate()?;
    let txn = crate::db::begin_write(db).await?;
    let regimes = db::reference::regimes(&txn).await?;
    input.check(&txn, &regimes).await?;
    actor.require_package_write(&txn, input.unit_id).await?;
    if let Some(code) = &input.code
        && db::packages::find_by_code(&txn, code).await?.is_some()
    {
        return Err(AppError::Conflict {
            code: "duplicate_code",
            message: duplicate_code(Some(code)),
        });
    }
    let code = input.code.clone();
    let now = Utc::now();
    let mut active = package::ActiveModel {
        id: NotSet,
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    input.write(&mut active);
    // The check above gives the friendly message; the unique index still decides a race.
    let model = sea_orm::ActiveModelTrait::insert(active, &txn)
        .await
        .map_err(|e| conflict_on_unique(e, "duplicate_code", duplicate_code(code.as_deref())))?;
    audit::created(&txn, actor, AUDIT_ENTITY, model.id, &snapshot(&model)).await?;
    let view = view(&txn, model).await?;
    txn.commit().await?;
    Ok(view)
}

/// Applies `patch` if the package is still at `expected_version`; the version then increases.
pub async fn update<C>(
    db: &C,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    patch: PackagePatch,
) -> Result<PackageView, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = crate::db::begin_write(db).await?;
    let current = db::packages::find(&txn, id)
        .await?
        .ok_or_else(|| AppError::not_found("gói thầu", id))?;
    actor.require_package_write(&txn, current.unit_id).await?;
    if current.version != expected_version {
        return Err(stale(current.version));
    }
    let merged = NewPackage::from_model(&current).apply(patch).normalized();
    let regimes = db::reference::regimes(&txn).await?;
    merged.check(&txn, &regimes).await?;
    if merged.unit_id != current.unit_id {
        // Moving a package needs the right to write at both ends.
        actor.require_package_write(&txn, merged.unit_id).await?;
    }
    if let Some(code) = &merged.code
        && db::packages::find_by_code(&txn, code)
            .await?
            .is_some_and(|other| other.id != id)
    {
        return Err(AppError::Conflict {
            code: "duplicate_code",
            message: duplicate_code(Some(code)),
        });
    }
    let code = merged.code.clone();
    let mut active = package::ActiveModel {
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    merged.write(&mut active);
    // The version in the WHERE clause makes the check and the write one step, so two writers
    // that read the same version cannot both succeed.
    let result = package::Entity::update_many()
        .set(active)
        .col_expr(
            package::Column::Version,
            Expr::col(package::Column::Version).add(1),
        )
        .filter(package::Column::Id.eq(id))
        .filter(package::Column::Version.eq(expected_version))
        .exec(&txn)
        .await
        .map_err(|e| conflict_on_unique(e, "duplicate_code", duplicate_code(code.as_deref())))?;
    if result.rows_affected == 0 {
        return Err(stale(expected_version));
    }
    let updated = db::packages::find(&txn, id)
        .await?
        .ok_or_else(|| AppError::not_found("gói thầu", id))?;
    let changes = Changes::between(&snapshot(&current), &snapshot(&updated));
    audit::record(&txn, actor, AUDIT_ENTITY, id, AuditAction::Update, changes).await?;
    let view = view(&txn, updated).await?;
    txn.commit().await?;
    Ok(view)
}

/// Deletes the package if it is still at `expected_version`: it moves to `deleted_packages`
/// (out of every list and figure, kept whole) and the audit trail records every field.
pub async fn delete<C>(
    db: &C,
    actor: &Actor,
    id: i64,
    expected_version: i32,
) -> Result<(), AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = crate::db::begin_write(db).await?;
    let current = db::packages::find(&txn, id)
        .await?
        .ok_or_else(|| AppError::not_found("gói thầu", id))?;
    actor.require_package_write(&txn, current.unit_id).await?;
    if current.version != expected_version {
        return Err(stale(current.version));
    }
    let before = snapshot(&current);
    let mut data = serde_json::Map::new();
    data.insert("id".to_owned(), serde_json::json!(current.id));
    for (field, value) in before.fields() {
        data.insert((*field).to_owned(), value.clone());
    }
    data.insert("version".to_owned(), serde_json::json!(current.version));
    data.insert(
        "created_at".to_owned(),
        serde_json::json!(current.created_at),
    );
    data.insert(
        "updated_at".to_owned(),
        serde_json::json!(current.updated_at),
    );
    sea_orm::ActiveModelTrait::insert(
        entity::deleted_package::ActiveModel {
            id: Set(current.id),
            unit_id: Set(current.unit_id),
            data: Set(serde_json::Value::Object(data).to_string()),
            deleted_at: Set(Utc::now()),
            deleted_by: Set(actor.user_id),
        },
        &txn,
    )
    .await?;
    let result = package::Entity::delete_many()
        .filter(package::Column::Id.eq(id))
        .filter(package::Column::Version.eq(expected_version))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(stale(expected_version));
    }
    audit::record(
        &txn,
        actor,
        AUDIT_ENTITY,
        id,
        AuditAction::Delete,
        Changes::deleted(&before),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What the audit trail calls packages.
pub const AUDIT_ENTITY: &str = "package";

fn stale(current: i32) -> AppError {
    AppError::PreconditionFailed {
        message: format!(
            "Gói thầu đã được người khác sửa (phiên bản hiện tại: {current}); hãy tải lại rồi sửa tiếp"
        ),
    }
}

/// `sort` values: a column, descending with a leading `-`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub enum PackageSort {
    #[default]
    #[serde(rename = "id")]
    IdAsc,
    #[serde(rename = "-id")]
    IdDesc,
    #[serde(rename = "name")]
    NameAsc,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "code")]
    CodeAsc,
    #[serde(rename = "-code")]
    CodeDesc,
    #[serde(rename = "plan_year")]
    PlanYearAsc,
    #[serde(rename = "-plan_year")]
    PlanYearDesc,
    #[serde(rename = "package_price_vnd")]
    PriceAsc,
    #[serde(rename = "-package_price_vnd")]
    PriceDesc,
    #[serde(rename = "winning_price_vnd")]
    WinningPriceAsc,
    #[serde(rename = "-winning_price_vnd")]
    WinningPriceDesc,
    #[serde(rename = "result_date")]
    ResultDateAsc,
    #[serde(rename = "-result_date")]
    ResultDateDesc,
    #[serde(rename = "status")]
    StatusAsc,
    #[serde(rename = "-status")]
    StatusDesc,
    #[serde(rename = "method")]
    MethodAsc,
    #[serde(rename = "-method")]
    MethodDesc,
    #[serde(rename = "field")]
    FieldAsc,
    #[serde(rename = "-field")]
    FieldDesc,
    #[serde(rename = "created_at")]
    CreatedAtAsc,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
    #[serde(rename = "updated_at")]
    UpdatedAtAsc,
    #[serde(rename = "-updated_at")]
    UpdatedAtDesc,
}

impl PackageSort {
    /// (column, descending)
    pub const fn column(self) -> (SortColumn, bool) {
        use PackageSort::*;
        match self {
            IdAsc => (SortColumn::Id, false),
            IdDesc => (SortColumn::Id, true),
            NameAsc => (SortColumn::Name, false),
            NameDesc => (SortColumn::Name, true),
            CodeAsc => (SortColumn::Code, false),
            CodeDesc => (SortColumn::Code, true),
            PlanYearAsc => (SortColumn::PlanYear, false),
            PlanYearDesc => (SortColumn::PlanYear, true),
            PriceAsc => (SortColumn::PackagePriceVnd, false),
            PriceDesc => (SortColumn::PackagePriceVnd, true),
            WinningPriceAsc => (SortColumn::WinningPriceVnd, false),
            WinningPriceDesc => (SortColumn::WinningPriceVnd, true),
            ResultDateAsc => (SortColumn::ResultDate, false),
            ResultDateDesc => (SortColumn::ResultDate, true),
            StatusAsc => (SortColumn::Status, false),
            StatusDesc => (SortColumn::Status, true),
            MethodAsc => (SortColumn::Method, false),
            MethodDesc => (SortColumn::Method, true),
            FieldAsc => (SortColumn::Field, false),
            FieldDesc => (SortColumn::Field, true),
            CreatedAtAsc => (SortColumn::CreatedAt, false),
            CreatedAtDesc => (SortColumn::CreatedAt, true),
            UpdatedAtAsc => (SortColumn::UpdatedAt, false),
            UpdatedAtDesc => (SortColumn::UpdatedAt, true),
        }
    }
}

/// Which packages to list; also the query parameters of the list and its report.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PackageFilter {
    /// The unit's whole subtree.
    pub unit_id: Option<i64>,
    pub plan_year: Option<i32>,
    pub method: Option<Method>,
    pub field: Option<Field>,
    pub online: Option<bool>,
    pub status: Option<PackageStatus>,
    /// In (true) or out of (false) the scope of the target that applies to each package;
    /// packages of years without a target match neither.
    pub in_target_scope: Option<bool>,
    /// Name or notice code, with or without diacritics (`ha dong` finds `Hà Đông`).
    pub q: Option<String>,
    /// A column, descending with a leading `-`; ties by id. Default: by id.
    pub sort: Option<PackageSort>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    cache: &Cache,
    filter: PackageFilter,
    page: PageRequest,
) -> Result<Page<PackageView>, AppError> {
    let (page, per_page) = page.resolve()?;
    let reference = filter_context(db, cache, &filter).await?;
    let segments = scope_segments_if(db, &filter, &reference.rules).await?;
    let list_filter = list_filter(&filter, segments, &reference);
    let (items, total) = db::packages::list(
        db,
        &list_filter,
        filter.sort.unwrap_or_default().column(),
        page,
        per_page,
    )
    .await?;
    Ok(Page {
        items: describe(db, cache, items).await?,
        page,
        per_page,
        total,
    })
}

/// The change feed: packages the filter matches changed after `from`, in (`updated_at`, `id`)
/// order, a page at a time. No total: counting every remaining row on every page would cost
/// a scan of them per page of a first full copy.
pub async fn changes(
    db: &impl ConnectionTrait,
    cache: &Cache,
    filter: PackageFilter,
    page: PageRequest,
    from: Position,
) -> Result<FeedPage<PackageView>, AppError> {
    if filter.sort.is_some_and(|s| s != PackageSort::UpdatedAtAsc) {
        return Err(AppError::Validation(vec![FieldError::new(
            "sort",
            "not_with_cursor",
            "Khi đọc theo updated_since hoặc cursor, danh sách luôn theo thứ tự updated_at rồi id \
             (sort chỉ có thể là updated_at)",
        )]));
    }
    let per_page = sync::feed_page(page)?;
    let reference = filter_context(db, cache, &filter).await?;
    let segments = scope_segments_if(db, &filter, &reference.rules).await?;
    let mut list_filter = list_filter(&filter, segments, &reference);
    list_filter.after = Some((from.at, from.id));
    let rows = db::packages::list_after(db, &list_filter, per_page + 1).await?;
    let changes = FeedPage::from_rows(rows, per_page, from, |p: &package::Model| Position {
        at: p.updated_at,
        id: p.id,
    });
    let FeedPage {
        items,
        per_page,
        next,
        has_more,
    } = changes;
    Ok(FeedPage {
        items: describe(db, cache, items).await?,
        per_page,
        next,
        has_more,
    })
}

/// Every package the filter matches, read in chunks so an export's memory does not grow with
/// its rows: the ordered ids first (8 bytes a package), then the packages chunk by chunk.
pub struct Export {
    ids: Vec<i64>,
    next: usize,
    describer: Describer,
}

/// Packages per chunk of an export.
const EXPORT_CHUNK: usize = 1_000;

impl Export {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The next chunk, or `None` when every package has been read.
    pub async fn next_chunk(
        &mut self,
        db: &impl ConnectionTrait,
    ) -> Result<Option<Vec<PackageView>>, AppError> {
        if self.next >= self.ids.len() {
            return Ok(None);
        }
        let end = (self.next + EXPORT_CHUNK).min(self.ids.len());
        let models = db::packages::by_ids(db, &self.ids[self.next..end]).await?;
        self.next = end;
        Ok(Some(
            models.into_iter().map(|p| self.describer.view(p)).collect(),
        ))
    }
}

pub async fn export(
    db: &impl ConnectionTrait,
    cache: &Cache,
    filter: PackageFilter,
) -> Result<Export, AppError> {
    let reference = filter_context(db, cache, &filter).await?;
    let segments = scope_segments_if(db, &filter, &reference.rules).await?;
    let list_filter = list_filter(&filter, segments, &reference);
    let ids = db::packages::ids(db, &list_filter, filter.sort.unwrap_or_default().column()).await?;
    Ok(Export {
        ids,
        next: 0,
        describer: Describer {
            reference: reference.clone(),
        },
    })
}

/// The reference data a filter needs, after checking that its unit exists.
async fn filter_context(
    db: &impl ConnectionTrait,
    cache: &Cache,
    filter: &PackageFilter,
) -> Result<Arc<Reference>, AppError> {
    let units: Vec<i64> = filter.unit_id.into_iter().collect();
    let reference = cache.reference(db, &units).await?;
    if let Some(unit) = filter.unit_id
        && !reference.knows_unit(unit)
    {
        super::require_unit(db, "unit_id", unit).await?;
    }
    Ok(reference)
}

async fn scope_segments_if<'a>(
    db: &impl ConnectionTrait,
    filter: &PackageFilter,
    rules: &'a [TargetRule],
) -> Result<Vec<ScopeSegment<'a>>, AppError> {
    match filter.in_target_scope {
        Some(_) => scope_segments(db, rules).await,
        None => Ok(Vec::new()),
    }
}

fn list_filter<'a>(
    filter: &PackageFilter,
    segments: Vec<ScopeSegment<'a>>,
    reference: &'a Reference,
) -> ListFilter<'a> {
    let regimes = &reference.regimes;
    ListFilter {
        units: filter
            .unit_id
            .map(|root| db::compliance::Subtree::new(root, reference.subtree(root))),
        plan_year: filter.plan_year,
        method: filter.method,
        field: filter.field,
        online: filter.online,
        status: filter.status,
        search_pattern: clean(filter.q.clone()).map(|q| contains_pattern(&fold(&q))),
        in_target_scope: filter.in_target_scope.map(|want| (want, segments, regimes)),
        after: None,
    }
}

/// The target rules in the order `most_specific` prefers them, each with the units it can
/// apply to: rules attached to deeper units first, then national ones; among rules of one unit,
/// the later start, then the newer rule. For each target, the first of its segments matching a
/// package's unit and year is the rule `in_force` picks for it.
async fn scope_segments<'a>(
    db: &impl ConnectionTrait,
    rules: &'a [TargetRule],
) -> Result<Vec<ScopeSegment<'a>>, AppError> {
    let mut keyed = Vec::with_capacity(rules.len());
    let attached: Vec<i64> = rules.iter().filter_map(|r| r.unit_id).collect();
    let lineages = db::units::lineages(db, &attached).await?;
    let mut subtrees: HashMap<i64, Vec<i64>> = HashMap::new();
    for rule in rules {
        let depth = match rule.unit_id {
            Some(unit) => {
                if let std::collections::hash_map::Entry::Vacant(slot) = subtrees.entry(unit) {
                    slot.insert(db::units::subtree_ids(db, unit).await?);
                }
                lineages.get(&unit).map_or(0, Vec::len) as i64
            }
            None => -1,
        };
        keyed.push((depth, rule));
    }
    keyed.sort_by(|(da, a), (db_, b)| {
        db_.cmp(da)
            .then(b.year_from.cmp(&a.year_from))
            .then(b.id.cmp(&a.id))
    });
    Ok(keyed
        .into_iter()
        .map(|(_, rule)| ScopeSegment {
            units: rule.unit_id.and_then(|u| subtrees.get(&u).cloned()),
            rule,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package() -> NewPackage {
        NewPackage {
            unit_id: 1,
            name: "Mua sắm máy tính".to_owned(),
            code: None,
            plan_code: None,
            plan_year: 2019,
            planned_start_month: None,
            planned_start_quarter: None,
            field: Field::Goods,
            method: Method::OpenBidding,
            procedure: None,
            international: false,
            package_price_vnd: 1_000_000_000,
            funding_source: None,
            contract_type: None,
            online: true,
            online_exempt_reason: None,
            status: PackageStatus::Planned,
            result_date: None,
            winning_price_vnd: None,
            contractor_name: None,
            notes: None,
        }
    }

    /// The (field, code) pairs `validate` reports after `normalized`.
    fn refused(p: NewPackage) -> Vec<(String, String)> {
        match p.normalized().validate().map_err(AppError::from) {
            Ok(()) => Vec::new(),
            Err(AppError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn amounts_and_dates_within_bounds() {
        let pair = |f: &str, c: &str| vec![(f.to_owned(), c.to_owned())];
        let cases: Vec<(NewPackage, Vec<(String, String)>)> = vec![
            (package(), vec![]),
            (
                NewPackage {
                    package_price_vnd: MAX_VND,
                    ..package()
                },
                vec![],
            ),
            (
                NewPackage {
                    package_price_vnd: 1,
                    ..package()
                },
                vec![],
            ),
            (
                NewPackage {
                    package_price_vnd: 0,
                    ..package()
                },
                pair("package_price_vnd", "range"),
            ),
            (
                NewPackage {
                    package_price_vnd: MAX_VND + 1,
                    ..package()
                },
                pair("package_price_vnd", "range"),
            ),
            (
                NewPackage {
                    package_price_vnd: i64::MAX,
                    ..package()
                },
                pair("package_price_vnd", "range"),
            ),
            (
                NewPackage {
                    winning_price_vnd: Some(i64::MAX),
                    ..package()
                },
                pair("winning_price_vnd", "range"),
            ),
            (
                NewPackage {
                    winning_price_vnd: Some(0),
                    ..package()
                },
                pair("winning_price_vnd", "range"),
            ),
            (
                NewPackage {
                    result_date: NaiveDate::from_ymd_opt(-1, 1, 1),
                    ..package()
                },
                pair("result_date", "range"),
            ),
            (
                NewPackage {
                    result_date: NaiveDate::from_ymd_opt(2101, 1, 1),
                    ..package()
                },
                pair("result_date", "range"),
            ),
            (
                NewPackage {
                    result_date: NaiveDate::from_ymd_opt(2100, 12, 31),
                    ..package()
                },
                vec![],
            ),
        ];
        for (p, expected) in cases {
            let label = format!(
                "{:?} {:?} {:?}",
                p.package_price_vnd, p.winning_price_vnd, p.result_date
            );
            assert_eq!(refused(p), expected, "{label}");
        }
    }

    #[test]
    fn codes_are_normalised_then_checked() {
        let p = NewPackage {
            code: Some(" ib1900012345 ".to_owned()),
            plan_code: Some("ＰＬ１９００００１２３４".to_owned()),
            ..package()
        }
        .normalized();
        assert_eq!(p.code.as_deref(), Some("IB1900012345"));
        assert_eq!(p.plan_code.as_deref(), Some("PL1900001234"));
        let code = |c: &str| NewPackage {
            code: Some(c.to_owned()),
            ..package()
        };
        assert_eq!(
            refused(code("I\u{0411}1900012345")),
            [("code".to_owned(), "not_ascii".to_owned())]
        );
        assert_eq!(
            refused(code("IB19\u{200b}")),
            [("code".to_owned(), "hidden_character".to_owned())]
        );
        assert_eq!(
            refused(code("=1+1")),
            [("code".to_owned(), "invalid".to_owned())]
        );
        assert!(refused(code("20150812345-00")).is_empty());
        assert_eq!(code("   ").normalized().code, None, "blank is absent");
    }

    #[test]
    fn text_fields_refuse_control_and_hidden_characters() {
        let cases = [
            (
                NewPackage {
                    name: "a\u{0}b".to_owned(),
                    ..package()
                },
                "name",
                "control_character",
            ),
            (
                NewPackage {
                    name: "a\u{202e}b".to_owned(),
                    ..package()
                },
                "name",
                "hidden_character",
            ),
            (
                NewPackage {
                    funding_source: Some("a\nb".to_owned()),
                    ..package()
                },
                "funding_source",
                "line_break",
            ),
            (
                NewPackage {
                    contractor_name: Some("a\u{2066}b".to_owned()),
                    ..package()
                },
                "contractor_name",
                "hidden_character",
            ),
            (
                NewPackage {
                    notes: Some("a\u{0}".to_owned()),
                    ..package()
                },
                "notes",
                "control_character",
            ),
        ];
        for (p, field, code) in cases {
            assert_eq!(refused(p), [(field.to_owned(), code.to_owned())], "{field}");
        }
        let notes = NewPackage {
            notes: Some("dòng 1\r\n\tdòng 2".to_owned()),
            ..package()
        };
        assert!(refused(notes).is_empty());
    }

    #[test]
    fn the_documented_ceiling_is_the_enforced_one() {
        use utoipa::PartialSchema;
        let new = serde_json::to_value(NewPackage::schema()).unwrap_or_default();
        let patch = serde_json::to_value(PackagePatch::schema()).unwrap_or_default();
        for schema in [new, patch] {
            for field in ["package_price_vnd", "winning_price_vnd"] {
                let maximum = &schema["properties"][field]["maximum"];
                assert_eq!(maximum.as_f64(), Some(MAX_VND as f64), "{field}: {schema}");
            }
        }
    }
}
