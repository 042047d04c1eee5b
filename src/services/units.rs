//! Units of the administrative tree: list, read, create, change, and the unit choices the pages
//! offer (every unit, the units a user sees, the units a user may write). Unit codes are
//! normalised (NFKC, trimmed, upper-case) before they are checked and stored, so `hn-hadong` is
//! the existing `HN-HADONG`, not a second unit. Successions (which units took over an ended
//! one) live in [`successions`]; the rule that a package's unit exists on its dates in
//! [`validity`]. Loading a whole structure from a file is `imports::units`.

pub mod successions;
pub mod validity;

use super::accounts::{Actor, WriteScope};
use super::audit::{self, Changes, Snapshot};
use super::cache::{Cache, Reference};
use super::{Page, PageRequest, clean, conflict_on_unique, contains_pattern};
use crate::db;
use crate::domain::text::{Lines, check_code, check_plain, fold, normalize_code, search_text};
use crate::domain::{date_in_plan_years, date_range_message};
use crate::error::{AppError, FieldError};
use chrono::{NaiveDate, Utc};
use entity::{AuditAction, UnitKind, unit};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet,
    QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};

#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub parent_id: Option<i64>,
    pub kind: Option<UnitKind>,
    /// Name or code, with or without diacritics.
    pub q: Option<String>,
    /// Only units valid on some day of this year.
    pub valid_in: Option<i32>,
    /// Only units valid on this day.
    pub valid_on: Option<NaiveDate>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: UnitFilter,
    page: PageRequest,
) -> Result<Page<unit::Model>, AppError> {
    let (page, per_page) = page.resolve()?;
    let mut query = unit::Entity::find();
    let window = match filter.valid_in {
        Some(year) if crate::domain::PLAN_YEARS.contains(&year) => {
            crate::domain::unit_validity::year_window(year)
        }
        Some(_) => {
            return Err(AppError::Validation(vec![FieldError::new(
                "valid_in",
                "range",
                format!(
                    "Năm phải trong khoảng {}–{}",
                    crate::domain::PLAN_YEARS.start(),
                    crate::domain::PLAN_YEARS.end()
                ),
            )]));
        }
        None => None,
    };
    // A unit is valid in a window when it starts before the window ends and ends after it
    // starts; open ends always pass.
    for (first, last) in window.into_iter().chain(filter.valid_on.map(|d| (d, d))) {
        query = query
            .filter(
                sea_orm::Condition::any()
                    .add(unit::Column::ValidFrom.is_null())
                    .add(unit::Column::ValidFrom.lte(last)),
            )
            .filter(
                sea_orm::Condition::any()
                    .add(unit::Column::ValidTo.is_null())
                    .add(unit::Column::ValidTo.gte(first)),
            );
    }
    if let Some(parent) = filter.parent_id {
        query = query.filter(unit::Column::ParentId.eq(parent));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(unit::Column::Kind.eq(kind));
    }
    if let Some(q) = clean(filter.q) {
        let pattern = contains_pattern(&fold(&q));
        query = query
            .filter(Expr::col(unit::Column::SearchText).like(LikeExpr::new(pattern).escape('\\')));
    }
    let ordered = query
        .order_by_asc(unit::Column::Code)
        .order_by_asc(unit::Column::Id);
    Ok(Page::of(ordered, db, page, per_page).await?)
}

/// Every unit, by code, as the reference data of [`Cache`] holds them: no copy per request.
#[derive(Clone)]
pub struct Units(std::sync::Arc<Reference>);

impl std::ops::Deref for Units {
    type Target = [unit::Model];

    fn deref(&self) -> &[unit::Model] {
        self.0.units()
    }
}

impl Units {
    pub fn get(&self, id: i64) -> Option<&unit::Model> {
        self.0.unit(id)
    }

    /// The unit's name, or its id when it is gone (deleted since the cache was filled).
    pub fn name(&self, id: i64) -> String {
        self.get(id)
            .map_or_else(|| id.to_string(), |u| u.name.clone())
    }

    /// The first unit at the top of the tree (by code): where a page for the whole tree opens.
    pub fn top(&self) -> Option<i64> {
        self.iter().find(|u| u.parent_id.is_none()).map(|u| u.id)
    }

    /// Where a page about one unit opens for `actor`: an officer's own unit, else the top of
    /// the tree, else any unit.
    pub fn home(&self, actor: &Actor) -> Option<i64> {
        actor
            .unit_id
            .filter(|own| self.get(*own).is_some())
            .or_else(|| self.top())
            .or_else(|| self.first().map(|u| u.id))
    }
}

/// Every unit, by code. Read on every page, so served from [`Cache`] with the other reference
/// data: a unit created or renamed through this instance shows at once (every write empties the
/// cache), one changed elsewhere within `cache::TTL`, and a unit id in `wanted` that the cached
/// tree does not know reloads it at once (a unit created elsewhere a moment ago and already
/// linked to).
pub async fn all(
    db: &impl ConnectionTrait,
    cache: &Cache,
    wanted: &[i64],
) -> Result<Units, AppError> {
    Ok(Units(cache.reference(db, wanted).await?))
}

/// The units a picker offers for `year`: those valid on some day of it (all when no year is
/// known), each with the mark of a unit that ended or began during the year (`đã kết thúc
/// 30/06/2025`), and the unit `keep` (the one a form already holds) whatever its dates, so an
/// old package's unit is still shown.
pub fn in_year(
    units: &[unit::Model],
    year: Option<i32>,
    keep: Option<i64>,
) -> Vec<(&unit::Model, Option<String>)> {
    use crate::domain::unit_validity::mark_in_year_vi;
    units
        .iter()
        .filter_map(|u| {
            let Some(year) = year else {
                return Some((u, None));
            };
            let v = validity::validity(u);
            (v.in_year(year) || keep == Some(u.id)).then(|| (u, mark_in_year_vi(v, year)))
        })
        .collect()
}

/// The units whose figures and packages `actor` may see: the register's and the reports'
/// choices. Every signed-in role reads the whole tree today; this is the one place a narrower
/// reading right would go.
pub async fn visible(
    db: &impl ConnectionTrait,
    cache: &Cache,
    _actor: &Actor,
    wanted: &[i64],
) -> Result<Units, AppError> {
    all(db, cache, wanted).await
}

/// The units `actor` may file and change packages under, by code: an officer's own unit and
/// the units below it, every unit for an administrator, none for a read-only role. The package
/// form offers no other choice.
pub async fn writable(
    db: &impl ConnectionTrait,
    cache: &Cache,
    actor: &Actor,
) -> Result<Vec<unit::Model>, AppError> {
    let scope = WriteScope::of(db, actor).await?;
    Ok(all(db, cache, &[])
        .await?
        .iter()
        .filter(|u| scope.allows(u.id))
        .cloned()
        .collect())
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<unit::Model, AppError> {
    db::units::find(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("đơn vị", id))
}

/// A unit as entered.
#[derive(Debug, Clone)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<i64>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// Changes to a unit; `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct UnitPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<UnitKind>,
    pub parent_id: Option<Option<i64>>,
    pub valid_from: Option<Option<NaiveDate>>,
    pub valid_to: Option<Option<NaiveDate>>,
}

impl From<NewUnit> for UnitPatch {
    /// Every field replaced: what a form that shows the whole unit sends.
    fn from(u: NewUnit) -> Self {
        UnitPatch {
            code: Some(u.code),
            name: Some(u.name),
            kind: Some(u.kind),
            parent_id: Some(u.parent_id),
            valid_from: Some(u.valid_from),
            valid_to: Some(u.valid_to),
        }
    }
}

/// What a unit code is made of, the start of every message about it.
const CODE_RULE: &str = "Mã đơn vị gồm 1–64 ký tự: chữ cái không dấu, chữ số, '-', '_' hoặc '.', bắt đầu bằng chữ cái hoặc chữ số";

/// Unit codes are identifiers typed in URLs, files and commands: an ASCII letter or digit, then
/// letters, digits, `-`, `_`, `.` (so never `.` or `..`). Checked after [`normalized`].
pub(super) fn check_shape(u: &NewUnit) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(problem) = check_code(&u.code, &['-', '_', '.']) {
        errors.push(FieldError::new(
            "code",
            problem.code(),
            problem.message_vi(CODE_RULE),
        ));
    } else if u.code.len() > 64 {
        errors.push(FieldError::new("code", "invalid", CODE_RULE));
    }
    if !(1..=300).contains(&u.name.chars().count()) {
        errors.push(FieldError::new(
            "name",
            "length",
            "Tên đơn vị phải có từ 1 đến 300 ký tự",
        ));
    } else if let Err(problem) = check_plain(&u.name, Lines::One) {
        errors.push(FieldError::new(
            "name",
            problem.code(),
            problem.message_vi("Tên đơn vị"),
        ));
    }
    for (field, label, date) in [
        ("valid_from", "Hiệu lực từ ngày", u.valid_from),
        ("valid_to", "Hiệu lực đến ngày", u.valid_to),
    ] {
        if date.is_some_and(|d| !date_in_plan_years(d)) {
            errors.push(FieldError::new(field, "range", date_range_message(label)));
        }
    }
    if let (Some(from), Some(to)) = (u.valid_from, u.valid_to)
        && to < from
    {
        errors.push(FieldError::new(
            "valid_to",
            "before_valid_from",
            "Ngày hết hiệu lực phải sau ngày bắt đầu",
        ));
    }
    errors
}

async fn check_parent(
    db: &impl ConnectionTrait,
    id: Option<i64>,
    parent_id: Option<i64>,
) -> Result<(), AppError> {
    let Some(parent_id) = parent_id else {
        return Ok(());
    };
    super::require_unit(db, "parent_id", parent_id).await?;
    // A unit cannot sit under itself or under one of its own descendants.
    if let Some(id) = id
        && db::units::lineage(db, parent_id).await?.contains(&id)
    {
        return Err(AppError::Validation(vec![FieldError::new(
            "parent_id",
            "cycle",
            "Đơn vị cấp trên không được là chính đơn vị này hoặc đơn vị cấp dưới của nó",
        )]));
    }
    Ok(())
}

/// Trimmed name; the code as it is compared and stored (see `domain::text::normalize_code`).
pub(super) fn normalized(mut u: NewUnit) -> NewUnit {
    u.code = normalize_code(&u.code);
    u.name = u.name.trim().to_owned();
    u
}

/// What the audit trail calls units.
pub const AUDIT_ENTITY: &str = "unit";

fn snapshot(u: &unit::Model) -> Snapshot {
    use serde_json::json;
    Snapshot::of([
        ("code", json!(u.code)),
        ("name", json!(u.name)),
        ("kind", json!(u.kind)),
        ("parent_id", json!(u.parent_id)),
        ("valid_from", json!(u.valid_from)),
        ("valid_to", json!(u.valid_to)),
    ])
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    input: NewUnit,
) -> Result<unit::Model, AppError> {
    actor.require_admin()?;
    let input = normalized(input);
    let errors = check_shape(&input);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = crate::db::begin_write(db).await?;
    check_parent(&txn, None, input.parent_id).await?;
    let now = Utc::now();
    let model = unit::ActiveModel {
        id: NotSet,
        search_text: Set(search_text(&input.name, Some(&input.code))),
        code: Set(input.code.clone()),
        name: Set(input.name),
        kind: Set(input.kind),
        parent_id: Set(input.parent_id),
        valid_from: Set(input.valid_from),
        valid_to: Set(input.valid_to),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        conflict_on_unique(
            e,
            "duplicate_code",
            format!("Mã đơn vị {} đã có", input.code),
        )
    })?;
    audit::created(&txn, actor, AUDIT_ENTITY, model.id, &snapshot(&model)).await?;
    txn.commit().await?;
    Ok(model)
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
    patch: UnitPatch,
) -> Result<unit::Model, AppError> {
    actor.require_admin()?;
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, id).await?;
    let before = snapshot(&current);
    let merged = normalized(NewUnit {
        code: patch.code.unwrap_or_else(|| current.code.clone()),
        name: patch.name.unwrap_or_else(|| current.name.clone()),
        kind: patch.kind.unwrap_or(current.kind),
        parent_id: patch.parent_id.unwrap_or(current.parent_id),
        valid_from: patch.valid_from.unwrap_or(current.valid_from),
        valid_to: patch.valid_to.unwrap_or(current.valid_to),
    });
    let errors = check_shape(&merged);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    check_parent(&txn, Some(id), merged.parent_id).await?;
    let mut active: unit::ActiveModel = current.into();
    active.search_text = Set(search_text(&merged.name, Some(&merged.code)));
    active.code = Set(merged.code.clone());
    active.name = Set(merged.name);
    active.kind = Set(merged.kind);
    active.parent_id = Set(merged.parent_id);
    active.valid_from = Set(merged.valid_from);
    active.valid_to = Set(merged.valid_to);
    active.updated_at = Set(Utc::now());
    let model = active.update(&txn).await.map_err(|e| {
        conflict_on_unique(
            e,
            "duplicate_code",
            format!("Mã đơn vị {} đã có", merged.code),
        )
    })?;
    let changes = Changes::between(&before, &snapshot(&model));
    audit::record(&txn, actor, AUDIT_ENTITY, id, AuditAction::Update, changes).await?;
    txn.commit().await?;
    Ok(model)
}
