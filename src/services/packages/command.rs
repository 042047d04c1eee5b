//! The command types every interface fills (create and patch) and their shape checks
//! (validator): the same refusals, with the same messages, from the API, the forms and the
//! import.

use crate::domain::VIETNAM;
use crate::domain::fields::package::PackageField;
use crate::domain::identifiers::{notice_code, tax_code};
use crate::domain::money::{MAX_VND, format_vnd};
use crate::domain::package_rules::{self, PackageDraft, Warning};
use crate::domain::regime::Regimes;
use crate::domain::text::{Lines, check_code, normalize_code, search_text};
use crate::domain::{date_in_plan_years, date_range_message};
use crate::error::{AppError, FieldError};
use crate::services::{clean, double_option};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use entity::{ContractType, Field, Method, OnlineExemptReason, PackageStatus, Procedure, package};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
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
    /// The contractor selection plan (KHLCNT) the package is in (`/api/v1/plans`), and through
    /// it its project. The plan must exist, and its project's owner unit must be the package's
    /// unit or a unit above it.
    #[serde(default)]
    pub plan_id: Option<i64>,
    /// Notice number on VNEPS (IB + yy + 8 digits; older formats accepted); unique. Stored
    /// upper-case (`ib19…` is `IB19…`): an ASCII letter or digit, then ASCII letters, digits,
    /// `-`, `_`, `.` or `/`.
    #[validate(
        length(max = 64, message = "Số thông báo mời thầu tối đa 64 ký tự"),
        custom(function = "code_shape")
    )]
    #[schema(max_length = 64, example = "IB1900012345")]
    pub code: Option<String>,
    /// Version of the notice on VNEPS (the `-NN` of `IB1900012345-01`). A code sent with its
    /// suffix is split: the code is kept without it and the suffix is this version.
    #[validate(range(
        min = 0,
        max = 99,
        message = "Phiên bản thông báo mời thầu từ 00 đến 99"
    ))]
    #[schema(minimum = 0, maximum = 99)]
    #[serde(default)]
    pub notice_version: Option<i16>,
    /// Date the notice was posted on VNEPS.
    #[validate(custom(function = "notice_date_range"))]
    #[serde(default)]
    pub notice_date: Option<NaiveDate>,
    /// Bid closing time, RFC 3339 (stored and shown in Vietnam's time, +07:00).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime, example = "2019-08-15T09:00:00+07:00")]
    pub bid_closing_at: Option<DateTime<FixedOffset>>,
    /// Bên mời thầu, when it is not the investor (the package's unit).
    #[validate(
        length(max = 500, message = "Bên mời thầu tối đa 500 ký tự"),
        custom(function = "procuring_entity_text")
    )]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub procuring_entity: Option<String>,
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
    /// Number of bidders (số nhà thầu tham dự), recorded at evaluation.
    #[validate(range(
        min = 0,
        max = 100000,
        message = "Số nhà thầu tham dự từ 0 đến 100.000"
    ))]
    #[schema(minimum = 0, maximum = 100000)]
    #[serde(default)]
    pub bidder_count: Option<i32>,
    /// Number of the decision approving the selection result; required to award.
    #[validate(
        length(max = 100, message = "Số quyết định tối đa 100 ký tự"),
        custom(function = "award_decision_text")
    )]
    #[schema(max_length = 100, example = "125/QĐ-UBND")]
    #[serde(default)]
    pub award_decision_no: Option<String>,
    /// The winner's tax code: 10 digits with its check digit, a branch's 10 + `-` + 3 digits,
    /// or an individual's 12-digit citizen id.
    #[validate(custom(function = "tax_code_shape"))]
    #[schema(max_length = 14, example = "0100109106")]
    #[serde(default)]
    pub contractor_tax_code: Option<String>,
    /// Contract duration in days.
    #[validate(range(
        min = 0,
        max = 36500,
        message = "Thời gian thực hiện hợp đồng từ 0 đến 36.500 ngày"
    ))]
    #[schema(minimum = 0, maximum = 36500)]
    #[serde(default)]
    pub contract_duration_days: Option<i32>,
    #[validate(
        length(max = 100, message = "Số quyết định tối đa 100 ký tự"),
        custom(function = "cancellation_decision_text")
    )]
    #[schema(max_length = 100)]
    #[serde(default)]
    pub cancellation_decision_no: Option<String>,
    /// Why the package was cancelled; required to cancel.
    #[validate(
        length(max = 2000, message = "Lý do hủy thầu tối đa 2.000 ký tự"),
        custom(function = "cancellation_reason_text")
    )]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub cancellation_reason: Option<String>,
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
            plan_id: Some(p.plan_id),
            code: Some(p.code),
            notice_version: Some(p.notice_version),
            notice_date: Some(p.notice_date),
            bid_closing_at: Some(p.bid_closing_at),
            procuring_entity: Some(p.procuring_entity),
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
            bidder_count: Some(p.bidder_count),
            award_decision_no: Some(p.award_decision_no),
            contractor_tax_code: Some(p.contractor_tax_code),
            contract_duration_days: Some(p.contract_duration_days),
            cancellation_decision_no: Some(p.cancellation_decision_no),
            cancellation_reason: Some(p.cancellation_reason),
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

fn procuring_entity_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, PackageField::ProcuringEntity.label(), Lines::One)
}

fn award_decision_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, PackageField::AwardDecisionNo.label(), Lines::One)
}

fn cancellation_decision_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, PackageField::CancellationDecisionNo.label(), Lines::One)
}

fn cancellation_reason_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, PackageField::CancellationReason.label(), Lines::One)
}

fn tax_code_shape(v: &str) -> Result<(), ValidationError> {
    crate::domain::identifiers::tax_code(v)
        .map(drop)
        .map_err(|problem| {
            ValidationError::new(problem.code()).with_message(Cow::Owned(
                problem.message_vi(PackageField::ContractorTaxCode.label()),
            ))
        })
}

fn notice_date_range(d: &NaiveDate) -> Result<(), ValidationError> {
    if date_in_plan_years(*d) {
        Ok(())
    } else {
        Err(
            ValidationError::new("range").with_message(Cow::Owned(date_range_message(
                PackageField::NoticeDate.label(),
            ))),
        )
    }
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
    #[schema(value_type = Option<i64>)]
    pub plan_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 64)]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i16>, minimum = 0, maximum = 99)]
    pub notice_version: Option<Option<i16>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub notice_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub bid_closing_at: Option<Option<DateTime<FixedOffset>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub procuring_entity: Option<Option<String>>,
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
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 100000)]
    pub bidder_count: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub award_decision_no: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 14)]
    pub contractor_tax_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 36500)]
    pub contract_duration_days: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub cancellation_decision_no: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub cancellation_reason: Option<Option<String>>,
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
        if let Some(code) = &self.code {
            let split = notice_code(code);
            if split.version.is_some() {
                // The suffix is the version unless a version is given beside it.
                self.notice_version = self.notice_version.or(split.version);
                self.code = Some(split.code);
            }
        }
        self.procuring_entity = clean(self.procuring_entity);
        self.award_decision_no = clean(self.award_decision_no);
        self.contractor_tax_code = clean(self.contractor_tax_code).map(|t| {
            // Stored as the tax authority writes it when it is one; otherwise `validate`
            // refuses it with the reason.
            tax_code(&t).unwrap_or(t)
        });
        self.cancellation_decision_no = clean(self.cancellation_decision_no);
        self.cancellation_reason = clean(self.cancellation_reason);
        self.bid_closing_at = self.bid_closing_at.map(|t| t.with_timezone(&VIETNAM));
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
            plan_id: m.plan_id,
            code: m.code.clone(),
            notice_version: m.notice_version,
            notice_date: m.notice_date,
            bid_closing_at: m
                .bid_closing_at
                .and_then(|t| t.and_local_timezone(VIETNAM).single()),
            procuring_entity: m.procuring_entity.clone(),
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
            bidder_count: m.bidder_count,
            award_decision_no: m.award_decision_no.clone(),
            contractor_tax_code: m.contractor_tax_code.clone(),
            contract_duration_days: m.contract_duration_days,
            cancellation_decision_no: m.cancellation_decision_no.clone(),
            cancellation_reason: m.cancellation_reason.clone(),
            notes: m.notes.clone(),
        }
    }

    pub(super) fn apply(mut self, p: PackagePatch) -> Self {
        fn set<T>(slot: &mut T, v: Option<T>) {
            if let Some(v) = v {
                *slot = v;
            }
        }
        set(&mut self.unit_id, p.unit_id);
        set(&mut self.name, p.name);
        set(&mut self.plan_id, p.plan_id);
        set(&mut self.code, p.code);
        set(&mut self.notice_version, p.notice_version);
        set(&mut self.notice_date, p.notice_date);
        set(&mut self.bid_closing_at, p.bid_closing_at);
        set(&mut self.procuring_entity, p.procuring_entity);
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
        set(&mut self.bidder_count, p.bidder_count);
        set(&mut self.award_decision_no, p.award_decision_no);
        set(&mut self.contractor_tax_code, p.contractor_tax_code);
        set(&mut self.contract_duration_days, p.contract_duration_days);
        set(
            &mut self.cancellation_decision_no,
            p.cancellation_decision_no,
        );
        set(&mut self.cancellation_reason, p.cancellation_reason);
        set(&mut self.notes, p.notes);
        self
    }

    /// The facts the validity rules read.
    pub fn draft(&self) -> PackageDraft {
        PackageDraft {
            field: self.field,
            method: self.method,
            procedure: self.procedure,
            package_price_vnd: self.package_price_vnd,
            plan_year: self.plan_year,
            planned_start_month: self.planned_start_month,
            planned_start_quarter: self.planned_start_quarter,
            online: self.online,
            online_exempt_reason: self.online_exempt_reason,
            status: self.status,
            result_date: self.result_date,
            winning_price_vnd: self.winning_price_vnd,
            evidenced: super::derive::evidenced(self.code.as_deref(), self.notice_date),
        }
    }

    /// The dates the rule that its unit exists on them reads (`domain::unit_validity`).
    pub fn unit_dates(&self) -> crate::domain::unit_validity::PackageDates {
        crate::domain::unit_validity::PackageDates {
            plan_year: self.plan_year,
            planned_start_month: self.planned_start_month,
            planned_start_quarter: self.planned_start_quarter,
            notice_date: self.notice_date,
            result_date: self.result_date,
        }
    }

    /// Shape, domain rules and references; the warnings when all hold.
    pub(super) async fn check(
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
        crate::services::require_unit(db, "unit_id", self.unit_id).await?;
        if let Some(plan) = self.plan_id {
            super::plans::require_plan_of_unit(db, plan, self.unit_id).await?;
        }
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
        let evidenced = super::derive::evidenced(self.code.as_deref(), self.notice_date);
        package::Model {
            id,
            search_text: search_text(&self.name, self.code.as_deref()),
            unit_id: self.unit_id,
            name: self.name,
            plan_id: self.plan_id,
            code: self.code,
            notice_version: self.notice_version,
            notice_date: self.notice_date,
            bid_closing_at: self
                .bid_closing_at
                .map(|t| t.with_timezone(&VIETNAM).naive_local()),
            procuring_entity: self.procuring_entity,
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
            bidder_count: self.bidder_count,
            award_decision_no: self.award_decision_no,
            contractor_tax_code: self.contractor_tax_code,
            contract_duration_days: self.contract_duration_days,
            cancellation_decision_no: self.cancellation_decision_no,
            evidenced,
            cancellation_reason: self.cancellation_reason,
            notes: self.notes,
            version,
            created_at,
            updated_at,
        }
    }

    pub fn write(self, active: &mut package::ActiveModel) {
        active.evidenced = Set(super::derive::evidenced(
            self.code.as_deref(),
            self.notice_date,
        ));
        active.search_text = Set(search_text(&self.name, self.code.as_deref()));
        active.unit_id = Set(self.unit_id);
        active.name = Set(self.name);
        active.plan_id = Set(self.plan_id);
        active.code = Set(self.code);
        active.notice_version = Set(self.notice_version);
        active.notice_date = Set(self.notice_date);
        active.bid_closing_at = Set(self
            .bid_closing_at
            .map(|t| t.with_timezone(&VIETNAM).naive_local()));
        active.procuring_entity = Set(self.procuring_entity);
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
        active.bidder_count = Set(self.bidder_count);
        active.award_decision_no = Set(self.award_decision_no);
        active.contractor_tax_code = Set(self.contractor_tax_code);
        active.contract_duration_days = Set(self.contract_duration_days);
        active.cancellation_decision_no = Set(self.cancellation_decision_no);
        active.cancellation_reason = Set(self.cancellation_reason);

        active.notes = Set(self.notes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package() -> NewPackage {
        NewPackage {
            unit_id: 1,
            name: "Mua sắm máy tính".to_owned(),
            plan_id: None,
            code: None,
            notice_version: None,
            notice_date: None,
            bid_closing_at: None,
            procuring_entity: None,
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
            bidder_count: None,
            award_decision_no: None,
            contractor_tax_code: None,
            contract_duration_days: None,
            cancellation_decision_no: None,
            cancellation_reason: None,
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
