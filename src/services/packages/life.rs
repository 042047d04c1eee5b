//! The life of a package (`domain::lifecycle`): which status it may enter, the events that
//! record each move and each re-planning, and the two explicit actions, a transition and a
//! re-planning, each an update of the package with its event.

use super::{NewPackage, PackagePatch, PackageView};
use crate::domain::fields::package::PackageField;
use crate::domain::lifecycle::{self, MoveProblem};
use crate::error::{AppError, FieldError};
use crate::services::accounts::Actor;
use chrono::{NaiveDate, Utc};
use entity::{PackageEventKind, PackageStatus, package, package_event};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet,
    QueryFilter, QueryOrder, TransactionTrait,
};
use serde::Deserialize;
use validator::Validate;

impl NewPackage {
    /// Why this input may not enter its status coming from `from` (`None`: a new package),
    /// field by field.
    pub fn move_errors(&self, from: Option<PackageStatus>) -> Vec<FieldError> {
        match lifecycle::check_move(from, self.status, |f| !self.value(f).is_null()) {
            Ok(()) => Vec::new(),
            Err(problem @ MoveProblem::Impossible { .. }) => vec![FieldError::new(
                PackageField::Status.wire(),
                problem.code(),
                problem.message_vi(),
            )],
            Err(MoveProblem::Missing { to, fields }) => fields
                .iter()
                .filter_map(|w| PackageField::from_wire(w))
                .map(|f| {
                    FieldError::new(
                        f.wire(),
                        "missing_for_status",
                        format!(
                            "Cần ghi {} để chuyển gói thầu sang \"{}\"",
                            lower_first(f.label()),
                            to.label_vi()
                        ),
                    )
                })
                .collect(),
        }
    }

    /// The planned start, as the events record it.
    pub(crate) fn planned(&self) -> (i32, Option<i16>, Option<i16>) {
        (
            self.plan_year,
            self.planned_start_month,
            self.planned_start_quarter,
        )
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The planned start of a stored package.
pub(crate) fn planned_of(p: &package::Model) -> (i32, Option<i16>, Option<i16>) {
    (p.plan_year, p.planned_start_month, p.planned_start_quarter)
}

/// A change of planned start made by an edit, refused: re-planning is its own action, with its
/// reason, so the figures of both years can be explained.
pub(crate) fn replanning_by_edit(
    current: &package::Model,
    merged: &NewPackage,
) -> Result<(), AppError> {
    if planned_of(current) == merged.planned() {
        return Ok(());
    }
    Err(AppError::Validation(vec![FieldError::new(
        PackageField::PlanYear.wire(),
        "replan_required",
        "Đổi năm, tháng hoặc quý bắt đầu lựa chọn nhà thầu là điều chỉnh kế hoạch: dùng chức năng \"Điều chỉnh kế hoạch\" và ghi lý do",
    )]))
}

/// The event of a status move: the decision that made it, when the package holds one.
pub(crate) fn status_event(
    package_id: i64,
    actor: &Actor,
    from: Option<PackageStatus>,
    to: &NewPackage,
) -> package_event::ActiveModel {
    let (decision_no, decision_date, reason) = match to.status {
        PackageStatus::Awarded => (to.award_decision_no.clone(), to.result_date, None),
        PackageStatus::Cancelled => (
            to.cancellation_decision_no.clone(),
            None,
            to.cancellation_reason.clone(),
        ),
        _ => (None, None, None),
    };
    package_event::ActiveModel {
        id: NotSet,
        package_id: Set(package_id),
        kind: Set(PackageEventKind::StatusChanged),
        from_status: Set(from),
        to_status: Set(Some(to.status)),
        from_year: Set(None),
        from_month: Set(None),
        from_quarter: Set(None),
        to_year: Set(None),
        to_month: Set(None),
        to_quarter: Set(None),
        reason: Set(reason),
        decision_no: Set(decision_no),
        decision_date: Set(decision_date),
        user_id: Set(actor.user_id),
        at: Set(Utc::now()),
    }
}

/// Writes events; many at once for an import, as plain multi-row inserts: an import writes one
/// event per new package, and sea-orm's `insert_many` built a query tree per row.
pub(crate) async fn record(
    db: &impl ConnectionTrait,
    events: Vec<package_event::ActiveModel>,
) -> Result<(), AppError> {
    use package_event::Column as C;
    use sea_orm::IdenStatic;
    // Every column but the id, which the database gives.
    const COLUMNS: [C; 15] = [
        C::PackageId,
        C::Kind,
        C::FromStatus,
        C::ToStatus,
        C::FromYear,
        C::FromMonth,
        C::FromQuarter,
        C::ToYear,
        C::ToMonth,
        C::ToQuarter,
        C::Reason,
        C::DecisionNo,
        C::DecisionDate,
        C::UserId,
        C::At,
    ];
    let mut rows = Vec::with_capacity(events.len());
    for event in &events {
        let values = COLUMNS.map(|c| event.get(c).into_value());
        if let Some(i) = values.iter().position(Option::is_none) {
            return Err(AppError::Internal(anyhow::anyhow!(
                "package event without {}",
                COLUMNS[i].as_str()
            )));
        }
        rows.push(values.map(|v| v.unwrap_or(sea_orm::Value::Bool(None))));
    }
    let columns = COLUMNS.map(|c| c.as_str()).join(", ");
    crate::db::sql::insert_rows(db, "package_events", &columns, rows).await?;
    Ok(())
}

/// A package's events, oldest first; not found when the package is not.
pub async fn events(
    db: &impl ConnectionTrait,
    package_id: i64,
) -> Result<Vec<package_event::Model>, AppError> {
    crate::db::packages::find(db, package_id)
        .await?
        .ok_or_else(|| AppError::not_found("gói thầu", package_id))?;
    events_of(db, package_id).await
}

/// The events of a package known to exist (its page has read it already).
pub(super) async fn events_of(
    db: &impl ConnectionTrait,
    package_id: i64,
) -> Result<Vec<package_event::Model>, AppError> {
    Ok(package_event::Entity::find()
        .filter(package_event::Column::PackageId.eq(package_id))
        .order_by_asc(package_event::Column::At)
        .order_by_asc(package_event::Column::Id)
        .all(db)
        .await?)
}

/// A move to another status, with what that step needs (a notice's code and date, an award's
/// decision, date, price and contractor, a cancellation's reason) set in the same change.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub to: PackageStatus,
    /// Fields set with the move (a merge patch of the package, without `status`).
    #[serde(default)]
    pub fields: PackagePatch,
}

pub async fn transition<C>(
    db: &C,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    t: Transition,
) -> Result<PackageView, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    if t.fields.status.is_some() {
        return Err(AppError::Validation(vec![FieldError::new(
            "fields.status",
            "invalid",
            "Trạng thái mới ghi ở \"to\", không ghi trong \"fields\"",
        )]));
    }
    let patch = PackagePatch {
        status: Some(t.to),
        ..t.fields
    };
    super::update_with(
        db,
        actor,
        id,
        expected_version,
        patch,
        super::Intent::Transition,
    )
    .await
}

/// A transition that leaves the status where it is, refused: it would pass for a move.
pub(crate) fn must_move(current: &package::Model, merged: &NewPackage) -> Result<(), AppError> {
    if current.status != merged.status {
        return Ok(());
    }
    Err(AppError::Validation(vec![FieldError::new(
        "to",
        "impossible_move",
        format!("Gói thầu đã ở trạng thái \"{}\"", merged.status.label_vi()),
    )]))
}

/// Another planned start for a package: its year, month or quarter, with the reason and, when
/// there is one, the decision adjusting the plan (điều chỉnh KHLCNT).
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Replan {
    #[validate(range(
        min = 2000,
        max = 2100,
        message = "Năm kế hoạch phải trong khoảng 2000–2100"
    ))]
    #[schema(minimum = 2000, maximum = 2100, example = 2020)]
    pub plan_year: i32,
    #[validate(range(min = 1, max = 12, message = "Tháng phải từ 1 đến 12"))]
    #[schema(minimum = 1, maximum = 12)]
    #[serde(default)]
    pub planned_start_month: Option<i16>,
    #[validate(range(min = 1, max = 4, message = "Quý phải từ 1 đến 4"))]
    #[schema(minimum = 1, maximum = 4)]
    #[serde(default)]
    pub planned_start_quarter: Option<i16>,
    /// Why (required).
    #[validate(length(
        min = 1,
        max = 2000,
        message = "Cần ghi lý do điều chỉnh (tối đa 2.000 ký tự)"
    ))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// The decision adjusting the selection plan, when there is one.
    #[validate(length(max = 100, message = "Số quyết định tối đa 100 ký tự"))]
    #[schema(max_length = 100)]
    #[serde(default)]
    pub decision_no: Option<String>,
    #[serde(default)]
    pub decision_date: Option<NaiveDate>,
}

pub async fn replan<C>(
    db: &C,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    r: Replan,
) -> Result<PackageView, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let reason = r.reason.trim().to_owned();
    let r = Replan {
        reason,
        decision_no: crate::services::clean(r.decision_no),
        ..r
    };
    r.validate()?;
    for text in std::iter::once(&r.reason).chain(r.decision_no.as_ref()) {
        crate::domain::text::check_plain(text, crate::domain::text::Lines::One).map_err(
            |problem| {
                AppError::Validation(vec![FieldError::new(
                    "reason",
                    problem.code(),
                    problem.message_vi("Lý do điều chỉnh"),
                )])
            },
        )?;
    }
    if let Some(d) = r.decision_date
        && !crate::domain::date_in_plan_years(d)
    {
        return Err(AppError::Validation(vec![FieldError::new(
            "decision_date",
            "range",
            crate::domain::date_range_message("Ngày quyết định"),
        )]));
    }
    let patch = PackagePatch {
        plan_year: Some(r.plan_year),
        planned_start_month: Some(r.planned_start_month),
        planned_start_quarter: Some(r.planned_start_quarter),
        ..Default::default()
    };
    super::update_with(
        db,
        actor,
        id,
        expected_version,
        patch,
        super::Intent::Replan(&r),
    )
    .await
}

/// What an import records as the reason of the re-planning its file makes.
pub const IMPORT_REPLAN_REASON: &str = "Cập nhật từ tệp nhập";

/// The event of a re-planning.
pub(crate) fn replan_event(
    package_id: i64,
    actor: &Actor,
    from: (i32, Option<i16>, Option<i16>),
    to: &NewPackage,
    r: &Replan,
) -> package_event::ActiveModel {
    let (to_year, to_month, to_quarter) = to.planned();
    package_event::ActiveModel {
        id: NotSet,
        package_id: Set(package_id),
        kind: Set(PackageEventKind::Replanned),
        from_status: Set(None),
        to_status: Set(None),
        from_year: Set(Some(from.0)),
        from_month: Set(from.1),
        from_quarter: Set(from.2),
        to_year: Set(Some(to_year)),
        to_month: Set(to_month),
        to_quarter: Set(to_quarter),
        reason: Set(Some(r.reason.clone())),
        decision_no: Set(r.decision_no.clone()),
        decision_date: Set(r.decision_date),
        user_id: Set(actor.user_id),
        at: Set(Utc::now()),
    }
}
