//! Creating packages: the command type every interface fills, its shape checks (validator) and
//! the domain rules, then the insert.

use crate::db;
use crate::domain::package_rules::{self, PackageDraft, Warning};
use crate::error::{AppError, FieldError};
use chrono::{NaiveDate, Utc};
use entity::{ContractType, Field, Method, OnlineExemptReason, PackageStatus, Procedure, package};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, NotSet, SqlErr, TransactionSession, TransactionTrait,
};
use serde::Deserialize;
use validator::Validate;

/// A new package, as entered. Text fields are trimmed and empty text is treated as absent.
#[derive(Debug, Clone, Deserialize, Validate)]
pub struct NewPackage {
    pub unit_id: i64,
    #[validate(length(
        min = 1,
        max = 500,
        message = "Tên gói thầu phải có từ 1 đến 500 ký tự"
    ))]
    pub name: String,
    #[validate(length(max = 64, message = "Số thông báo mời thầu tối đa 64 ký tự"))]
    pub code: Option<String>,
    #[validate(length(max = 64, message = "Số kế hoạch tối đa 64 ký tự"))]
    pub plan_code: Option<String>,
    #[validate(range(
        min = 2000,
        max = 2100,
        message = "Năm kế hoạch phải trong khoảng 2000–2100"
    ))]
    pub plan_year: i32,
    #[validate(range(min = 1, max = 12, message = "Tháng phải từ 1 đến 12"))]
    pub planned_start_month: Option<i16>,
    pub field: Field,
    pub method: Method,
    pub procedure: Option<Procedure>,
    #[serde(default)]
    pub international: bool,
    #[validate(range(min = 1, message = "Giá gói thầu phải lớn hơn 0"))]
    pub package_price_vnd: i64,
    #[validate(length(max = 500, message = "Nguồn vốn tối đa 500 ký tự"))]
    pub funding_source: Option<String>,
    pub contract_type: Option<ContractType>,
    pub online: bool,
    pub online_exempt_reason: Option<OnlineExemptReason>,
    #[serde(default = "default_status")]
    pub status: PackageStatus,
    pub result_date: Option<NaiveDate>,
    #[validate(range(min = 1, message = "Giá trúng thầu phải lớn hơn 0"))]
    pub winning_price_vnd: Option<i64>,
    #[validate(length(max = 500, message = "Tên nhà thầu tối đa 500 ký tự"))]
    pub contractor_name: Option<String>,
    #[validate(length(max = 10000, message = "Ghi chú tối đa 10.000 ký tự"))]
    pub notes: Option<String>,
}

fn default_status() -> PackageStatus {
    PackageStatus::Planned
}

fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl NewPackage {
    fn normalized(mut self) -> Self {
        self.name = self.name.trim().to_owned();
        self.code = clean(self.code);
        self.plan_code = clean(self.plan_code);
        self.funding_source = clean(self.funding_source);
        self.contractor_name = clean(self.contractor_name);
        self.notes = clean(self.notes);
        self
    }

    fn draft(&self) -> PackageDraft {
        PackageDraft {
            field: self.field,
            method: self.method,
            package_price_vnd: self.package_price_vnd,
            plan_year: self.plan_year,
            planned_start_month: self.planned_start_month,
            online: self.online,
            online_exempt_reason: self.online_exempt_reason,
            status: self.status,
            result_date: self.result_date,
            winning_price_vnd: self.winning_price_vnd,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Created {
    pub package: package::Model,
    pub warnings: Vec<Warning>,
}

pub async fn create<C>(db: &C, input: NewPackage) -> Result<Created, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let input = input.normalized();
    input.validate()?;
    let txn = db.begin().await?;
    let regimes = db::reference::regimes(&txn).await?;
    let findings = package_rules::check(&input.draft(), &regimes);
    if !findings.violations.is_empty() {
        return Err(AppError::Validation(
            findings
                .violations
                .iter()
                .map(|v| FieldError::new(v.field(), v.code(), v.message_vi()))
                .collect(),
        ));
    }
    if db::units::find(&txn, input.unit_id).await?.is_none() {
        return Err(AppError::Validation(vec![FieldError::new(
            "unit_id",
            "unknown_unit",
            format!("Không có đơn vị với mã số {}", input.unit_id),
        )]));
    }
    if let Some(code) = &input.code
        && db::packages::find_by_code(&txn, code).await?.is_some()
    {
        return Err(AppError::Conflict {
            code: "duplicate_code",
            message: format!("Số thông báo mời thầu {code} đã có trong hệ thống"),
        });
    }
    let now = Utc::now();
    let model = package::ActiveModel {
        id: NotSet,
        unit_id: Set(input.unit_id),
        name: Set(input.name),
        code: Set(input.code),
        plan_code: Set(input.plan_code),
        plan_year: Set(input.plan_year),
        planned_start_month: Set(input.planned_start_month),
        field: Set(input.field),
        method: Set(input.method),
        procedure: Set(input.procedure),
        international: Set(input.international),
        package_price_vnd: Set(input.package_price_vnd),
        funding_source: Set(input.funding_source),
        contract_type: Set(input.contract_type),
        online: Set(input.online),
        online_exempt_reason: Set(input.online_exempt_reason),
        status: Set(input.status),
        result_date: Set(input.result_date),
        winning_price_vnd: Set(input.winning_price_vnd),
        contractor_name: Set(input.contractor_name),
        notes: Set(input.notes),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    // The check above gives the friendly message; the unique index still decides a race.
    let package = db::packages::insert(&txn, model)
        .await
        .map_err(|e| match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
                code: "duplicate_code",
                message: "Số thông báo mời thầu đã có trong hệ thống".to_owned(),
            },
            _ => AppError::from(e),
        })?;
    txn.commit().await?;
    Ok(Created {
        package,
        warnings: findings.warnings,
    })
}
