//! Package reads and writes, and the filtered list query.

use super::compliance::Subtree;
use super::compliance::push_scope;
use super::sql::Sql;
use crate::domain::regime::Regimes;
use crate::domain::regime::{MonthKey, month_key};
use crate::domain::target::TargetRule;
use chrono::{DateTime, Utc};
use entity::{Field, Method, PackageStatus, ProjectGroup, ProjectKind, deleted_package, package};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Value};

pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<package::Model>, DbErr> {
    // By position (package_rows), as every read of whole packages that the API answers often.
    Ok(
        super::package_rows::matching(db, package::Column::Id.eq(id))
            .await?
            .pop(),
    )
}

pub async fn find_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<package::Model>, DbErr> {
    package::Entity::find()
        .filter(package::Column::Code.eq(code))
        .one(db)
        .await
}

/// The stored columns, in the order of `stored_values`.
const STORED_COLUMNS: [&str; 38] = [
    "id",
    "unit_id",
    "plan_id",
    "name",
    "code",
    "plan_code",
    "plan_year",
    "planned_start_month",
    "planned_start_quarter",
    "field",
    "method",
    "procedure",
    "international",
    "package_price_vnd",
    "funding_source",
    "contract_type",
    "online",
    "online_exempt_reason",
    "status",
    "result_date",
    "winning_price_vnd",
    "contractor_name",
    "notes",
    "notice_version",
    "procuring_entity",
    "notice_date",
    "bid_closing_at",
    "bidder_count",
    "award_decision_no",
    "contractor_tax_code",
    "contract_duration_days",
    "cancellation_decision_no",
    "cancellation_reason",
    "evidenced",
    "version",
    "search_text",
    "created_at",
    "updated_at",
];

fn stored_values(p: package::Model) -> [Value; 38] {
    [
        p.id.into(),
        p.unit_id.into(),
        p.plan_id.into(),
        p.name.into(),
        p.code.into(),
        p.plan_code.into(),
        p.plan_year.into(),
        p.planned_start_month.into(),
        p.planned_start_quarter.into(),
        p.field.as_str().into(),
        p.method.as_str().into(),
        p.procedure.map(|x| x.as_str()).into(),
        p.international.into(),
        p.package_price_vnd.into(),
        p.funding_source.into(),
        p.contract_type.map(|x| x.as_str()).into(),
        p.online.into(),
        p.online_exempt_reason.map(|x| x.as_str()).into(),
        p.status.as_str().into(),
        p.result_date.into(),
        p.winning_price_vnd.into(),
        p.contractor_name.into(),
        p.notes.into(),
        p.notice_version.into(),
        p.procuring_entity.into(),
        p.notice_date.into(),
        p.bid_closing_at.into(),
        p.bidder_count.into(),
        p.award_decision_no.into(),
        p.contractor_tax_code.into(),
        p.contract_duration_days.into(),
        p.cancellation_decision_no.into(),
        p.cancellation_reason.into(),
        p.evidenced.into(),
        p.version.into(),
        p.search_text.into(),
        p.created_at.into(),
        p.updated_at.into(),
    ]
}

/// `n` package ids no other writer will use. `db` must be a write transaction (`begin_write`):
/// on SQLite it holds the only write lock, so the ids after the highest ever given are free
/// (AUTOINCREMENT never reuses one, hence `sqlite_sequence`); on PostgreSQL they come from the
/// table's sequence, which is safe under any concurrency.
pub async fn reserve_ids(db: &impl ConnectionTrait, n: usize) -> Result<Vec<i64>, DbErr> {
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        let mut sql = Sql::new(backend);
        sql.push(
            "SELECT nextval(pg_get_serial_sequence('packages', 'id')) FROM generate_series(1, ",
        )
        .bind(n as i64)
        .push(")");
        return db
            .query_all_raw(sql.build())
            .await?
            .iter()
            .map(|r| r.try_get_by_index::<i64>(0))
            .collect();
    }
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'packages'), 0), \
             COALESCE((SELECT MAX(id) FROM packages), 0))",
        ))
        .await?;
    let last = row
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    Ok((last + 1..=last + n as i64).collect())
}

/// Writes new packages, their ids already set (`reserve_ids`), without reading anything back.
pub async fn insert_many(
    db: &impl ConnectionTrait,
    packages: impl IntoIterator<Item = package::Model>,
) -> Result<(), DbErr> {
    let columns = STORED_COLUMNS.join(", ");
    super::sql::insert_rows(
        db,
        "packages",
        &columns,
        packages.into_iter().map(stored_values),
    )
    .await
}

/// Overwrites a stored package with `p` (all but its id and creation time) if it is still at
/// version `expected`; false when someone changed it since. One statement text for every
/// package, prepared once.
pub async fn overwrite(
    db: &impl ConnectionTrait,
    p: package::Model,
    expected: i32,
) -> Result<bool, DbErr> {
    let id = p.id;
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("UPDATE packages SET ");
    let set = STORED_COLUMNS
        .iter()
        .zip(stored_values(p))
        .filter(|(column, _)| !matches!(**column, "id" | "created_at"));
    for (i, (column, value)) in set.enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push(column).push(" = ").bind(value);
    }
    sql.push(" WHERE id = ")
        .bind(id)
        .push(" AND version = ")
        .bind(expected);
    Ok(db.execute_raw(sql.build()).await?.rows_affected() == 1)
}

/// The rule that decides a package's scope in a part of the tree for some years: packages of
/// `units` (every unit when `None`) planned in `year_from..=year_to`.
#[derive(Debug, Clone)]
pub struct ScopeSegment<'a> {
    pub units: Option<Vec<i64>>,
    pub rule: &'a TargetRule,
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter<'a> {
    /// A unit and everything below it.
    pub units: Option<Subtree>,
    pub plan_year: Option<i32>,
    pub method: Option<Method>,
    pub field: Option<Field>,
    pub online: Option<bool>,
    pub status: Option<PackageStatus>,
    /// The package's plan, or the project it is procured for through its plan.
    pub plans: PlanFilter,
    /// Already folded (lower case, no diacritics) and turned into a LIKE pattern.
    pub search_pattern: Option<String>,
    /// Keep packages in (true: some target in force counts them) or out of (false: a target
    /// covers them, none counts them) the targets' scope. Segments are in precedence order:
    /// for each target, the first of its segments that matches a package decides.
    pub in_target_scope: Option<(bool, Vec<ScopeSegment<'a>>, &'a Regimes)>,
    /// Keep packages overdue (true) or not (false) in the month of today's date (its month key,
    /// `domain::overdue::today_key`).
    pub overdue: Option<(bool, MonthKey)>,
    /// Keep packages evidenced online (true), or declared online past planning without the
    /// evidence (false: the `online_not_evidenced` warning).
    pub evidenced: Option<bool>,
    /// Only packages after this (`updated_at`, `id`) position, in that order (a change feed).
    pub after: Option<(DateTime<Utc>, i64)>,
}

/// Which plans a package's must be among: any of the set conditions, all of them at once;
/// packages without a plan never match a set one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanFilter {
    pub plan_id: Option<i64>,
    pub project_id: Option<i64>,
    pub project_kind: Option<ProjectKind>,
    pub project_group: Option<ProjectGroup>,
}

impl PlanFilter {
    /// ` AND p.plan_id …`: the plan itself by the plan index; a project's, a kind's or a group's
    /// plans as the ids of a subquery over the small plan and project tables, which the same
    /// index then looks up (no join of the packages table).
    fn push(&self, sql: &mut Sql) {
        if let Some(plan) = self.plan_id {
            sql.push(" AND p.plan_id = ").bind(plan);
        }
        if self.project_id.is_none() && self.project_kind.is_none() && self.project_group.is_none()
        {
            return;
        }
        sql.push(
            " AND p.plan_id IN (SELECT s.id FROM selection_plans s \
             JOIN projects j ON j.id = s.project_id WHERE 1 = 1",
        );
        if let Some(project) = self.project_id {
            sql.push(" AND s.project_id = ").bind(project);
        }
        if let Some(kind) = self.project_kind {
            sql.push(" AND j.kind = ").bind(kind.as_str());
        }
        if let Some(group) = self.project_group {
            sql.push(" AND j.project_group = ").bind(group.as_str());
        }
        sql.push(")");
    }
}

/// `ORDER BY` column, from a fixed list so nothing a client sends reaches the SQL text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Id,
    Name,
    Code,
    PlanYear,
    PackagePriceVnd,
    WinningPriceVnd,
    ResultDate,
    Status,
    Method,
    Field,
    CreatedAt,
    UpdatedAt,
}

impl SortColumn {
    const fn sql(self) -> &'static str {
        match self {
            SortColumn::Id => "p.id",
            SortColumn::Name => "p.name",
            SortColumn::Code => "p.code",
            SortColumn::PlanYear => "p.plan_year",
            SortColumn::PackagePriceVnd => "p.package_price_vnd",
            SortColumn::WinningPriceVnd => "p.winning_price_vnd",
            SortColumn::ResultDate => "p.result_date",
            SortColumn::Status => "p.status",
            SortColumn::Method => "p.method",
            SortColumn::Field => "p.field",
            SortColumn::CreatedAt => "p.created_at",
            SortColumn::UpdatedAt => "p.updated_at",
        }
    }
}

/// ` FROM packages p WHERE …`.
fn push_where(sql: &mut Sql, f: &ListFilter<'_>) {
    sql.push(" FROM packages p WHERE 1 = 1");
    if let Some(units) = &f.units {
        units.push_filter(sql);
    }
    if let Some(y) = f.plan_year {
        sql.push(" AND p.plan_year = ").bind(y);
    }
    if let Some(m) = f.method {
        sql.push(" AND p.method = ").bind(m.as_str());
    }
    if let Some(fl) = f.field {
        sql.push(" AND p.field = ").bind(fl.as_str());
    }
    if let Some(o) = f.online {
        sql.push(if o {
            " AND p.online"
        } else {
            " AND NOT p.online"
        });
    }
    if let Some(s) = f.status {
        sql.push(" AND p.status = ").bind(s.as_str());
    }
    f.plans.push(sql);
    if let Some((want, today)) = f.overdue {
        push_overdue(sql, want, today);
    }
    match f.evidenced {
        Some(true) => {
            sql.push(" AND p.evidenced");
        }
        Some(false) => {
            sql.push(" AND p.online AND NOT p.evidenced AND p.status IN ")
                .bind_list(
                    [
                        PackageStatus::NoticePublished,
                        PackageStatus::UnderEvaluation,
                        PackageStatus::Awarded,
                    ]
                    .map(|s| s.as_str()),
                );
        }
        None => {}
    }
    if let Some(pattern) = &f.search_pattern {
        sql.push(" AND p.search_text LIKE ")
            .bind(pattern.as_str())
            .push(" ESCAPE '\\'");
    }
    if let Some((at, id)) = f.after {
        // SQLite keeps stamps as RFC 3339 text written by one encoder (UTC, `+00:00`, the
        // fraction only as long as needed): such texts sort as the instants they stand for,
        // and the bound value is written by the same encoder, so the comparison is exact to
        // the nanosecond there as to the microsecond on PostgreSQL.
        sql.push(" AND (p.updated_at, p.id) > (")
            .bind(at)
            .push(", ")
            .bind(id)
            .push(")");
    }
    if let Some((want, segments, regimes)) = &f.in_target_scope {
        // Per target, the first segment matching a package decides whether that target counts
        // it (NULL: no rule of the target covers it). A package is in "the target scope" when
        // any target counts it, out of it when some target covers it and none counts it.
        let mut keys: Vec<&str> = Vec::new();
        for seg in segments {
            if !keys.contains(&seg.rule.target_key()) {
                keys.push(seg.rule.target_key());
            }
        }
        let push_verdicts = |sql: &mut Sql, test: &str| {
            sql.push("(");
            if keys.is_empty() {
                sql.push("FALSE");
            }
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    sql.push(" OR ");
                }
                sql.push("(CASE");
                for seg in segments.iter().filter(|s| s.rule.target_key() == *key) {
                    sql.push(" WHEN p.plan_year >= ").bind(seg.rule.year_from);
                    if let Some(to) = seg.rule.year_to {
                        sql.push(" AND p.plan_year <= ").bind(to);
                    }
                    if let Some(units) = &seg.units {
                        sql.push(" AND p.unit_id IN ")
                            .bind_list(units.iter().copied());
                    }
                    sql.push(" THEN COALESCE((p.status <> ")
                        .bind(PackageStatus::Cancelled.as_str())
                        .push(" AND ");
                    let months = (
                        month_key(seg.rule.year_from, 1),
                        seg.rule.year_to.map_or(MonthKey::MAX, |y| month_key(y, 12)),
                    );
                    push_scope(sql, &seg.rule.scope, regimes, months);
                    sql.push("), FALSE)");
                }
                sql.push(" ELSE NULL END) ").push(test);
            }
            sql.push(")");
        };
        if *want {
            sql.push(" AND ");
            push_verdicts(sql, "IS TRUE");
        } else {
            sql.push(" AND NOT ");
            push_verdicts(sql, "IS TRUE");
            // No rule for the year: neither in nor out of scope.
            sql.push(" AND ");
            push_verdicts(sql, "IS NOT NULL");
        }
    }
}

/// The last month of a package's planned start period as a month key: the SQL twin of
/// `domain::overdue::period_end_key` (the month, else the quarter's third month, else December).
/// Never NULL (the plan year is required), so its negation below is exact. PostgreSQL widens the
/// smallint columns to integer here, as SQLite's integers already are.
const PERIOD_END_KEY: &str =
    "p.plan_year * 100 + COALESCE(p.planned_start_month, p.planned_start_quarter * 3, 12)";

/// ` AND` packages overdue (`want`) or not in the month `today`, as `domain::overdue::is_overdue`
/// decides. Every column read is in the compliance covering index, so the test is made on the
/// index; overdue ones also lie in plan years up to today's (the period ends in its plan year),
/// a range the index's leading column can seek.
fn push_overdue(sql: &mut Sql, want: bool, today: MonthKey) {
    let planned = PackageStatus::Planned.as_str();
    if want {
        sql.push(" AND p.plan_year <= ")
            .bind(today / 100)
            .push(" AND p.status = ")
            .bind(planned)
            .push(" AND ")
            .push(PERIOD_END_KEY)
            .push(" < ")
            .bind(today);
    } else {
        sql.push(" AND (p.status <> ")
            .bind(planned)
            .push(" OR ")
            .push(PERIOD_END_KEY)
            .push(" >= ")
            .bind(today)
            .push(")");
    }
}

/// How many packages the filter matches.
pub async fn count(db: &impl ConnectionTrait, filter: &ListFilter<'_>) -> Result<u64, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    prefix_select(&mut sql, filter, "SELECT COUNT(*)");
    let row = db.query_one_raw(sql.build()).await?;
    let total = row
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    Ok(u64::try_from(total).unwrap_or(0))
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ListFilter<'_>,
    sort: (SortColumn, bool),
    page: u64,
    per_page: u64,
) -> Result<(Vec<package::Model>, u64), DbErr> {
    let backend = db.get_database_backend();
    let total = {
        let mut sql = Sql::new(backend);
        prefix_select(&mut sql, filter, "SELECT COUNT(*)");
        let row = db.query_one_raw(sql.build()).await?;
        row.map(|r| r.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(0)
    };
    // The page's ids first, from the index where it covers the filter, then only those rows:
    // sorting whole rows to keep 50 of them cost six times as much (a district's year on SQLite).
    // Read by position (package_rows): a page of the list is the API's most asked answer.
    let mut sql = Sql::new(backend);
    sql.push("SELECT ")
        .push(&super::package_rows::select_list("p"))
        .push(" FROM packages p WHERE p.id IN (");
    prefix_select(&mut sql, filter, "SELECT p.id");
    push_order(&mut sql, sort);
    sql.push(" LIMIT ")
        .bind(per_page as i64)
        .push(" OFFSET ")
        .bind(((page - 1) * per_page) as i64)
        .push(")");
    push_order(&mut sql, sort);
    let items = super::package_rows::read_all(db, sql.build()).await?;
    Ok((items, u64::try_from(total).unwrap_or(0)))
}

/// The first `limit` packages the filter matches in (`updated_at`, `id`) order: a page of the
/// change feed, its ids from the index first as in [`list`].
pub async fn list_after(
    db: &impl ConnectionTrait,
    filter: &ListFilter<'_>,
    limit: u64,
) -> Result<Vec<package::Model>, DbErr> {
    let order = (SortColumn::UpdatedAt, false);
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT ")
        .push(&super::package_rows::select_list("p"))
        .push(" FROM packages p WHERE p.id IN (");
    prefix_select(&mut sql, filter, "SELECT p.id");
    push_order(&mut sql, order);
    sql.push(" LIMIT ").bind(limit as i64).push(")");
    push_order(&mut sql, order);
    super::package_rows::read_all(db, sql.build()).await
}

/// The first `limit` deleted packages after the (`deleted_at`, `id`) position, in that order,
/// of a subtree's units when one is given.
pub async fn deletions(
    db: &impl ConnectionTrait,
    units: Option<&Subtree>,
    after: Option<(DateTime<Utc>, i64)>,
    limit: u64,
) -> Result<Vec<deleted_package::Model>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT p.* FROM deleted_packages p WHERE 1 = 1");
    if let Some(units) = units {
        units.push_filter(&mut sql);
    }
    if let Some((at, id)) = after {
        // Text on SQLite, compared as in `push_where`.
        sql.push(" AND (p.deleted_at, p.id) > (")
            .bind(at)
            .push(", ")
            .bind(id)
            .push(")");
    }
    sql.push(" ORDER BY p.deleted_at, p.id LIMIT ")
        .bind(limit as i64);
    deleted_package::Entity::find()
        .from_raw_sql(sql.build())
        .all(db)
        .await
}

/// The ids of every package the filter matches, in order: an export reads the packages in
/// chunks by these, so its memory does not grow with the rows.
pub async fn ids(
    db: &(impl ConnectionTrait + sea_orm::StreamTrait),
    filter: &ListFilter<'_>,
    sort: (SortColumn, bool),
) -> Result<Vec<i64>, DbErr> {
    use futures_util::TryStreamExt;
    let mut sql = Sql::new(ConnectionTrait::get_database_backend(db));
    prefix_select(&mut sql, filter, "SELECT p.id");
    push_order(&mut sql, sort);
    // Streamed: an export of a province's year is a hundred thousand ids, and the driver's rows,
    // held whole until the last arrived, cost some 250 bytes each where an id costs 8.
    let mut rows = std::pin::pin!(db.stream_raw(sql.build()).await?);
    let mut ids = Vec::new();
    while let Some(row) = rows.try_next().await? {
        ids.push(row.try_get_by_index::<i64>(0)?);
    }
    Ok(ids)
}

/// The packages with these ids, in the order of `ids`.
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<package::Model>, DbErr> {
    let mut found: std::collections::HashMap<i64, package::Model> =
        super::package_rows::by_ids_unordered(db, ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// ` ORDER BY <column> [DESC] NULLS LAST, p.id`: ties by id, so pages never overlap.
fn push_order(sql: &mut Sql, (column, descending): (SortColumn, bool)) {
    sql.push(" ORDER BY ").push(column.sql());
    sql.push(if descending {
        " DESC NULLS LAST"
    } else {
        " ASC NULLS LAST"
    });
    sql.push(", p.id ASC");
}

/// `SELECT <what> FROM packages p WHERE …`.
fn prefix_select(sql: &mut Sql, f: &ListFilter<'_>, select: &str) {
    sql.push(select);
    push_where(sql, f);
}

/// The plan years that have a package that is not cancelled, ascending. The covering index
/// leads with the plan year, so this reads the index, not the table.
pub async fn plan_years(db: &impl ConnectionTrait) -> Result<Vec<i32>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT DISTINCT plan_year FROM packages WHERE status <> ")
        .bind(PackageStatus::Cancelled.as_str())
        .push(" ORDER BY plan_year");
    let rows = db.query_all_raw(sql.build()).await?;
    rows.iter().map(|r| r.try_get_by_index::<i32>(0)).collect()
}

#[cfg(test)]
mod tests {
    use super::STORED_COLUMNS;
    use sea_orm::{IdenStatic, Iterable};

    /// A column the bulk insert does not name is written NULL without a word.
    #[test]
    fn the_bulk_insert_names_every_column() {
        let mut entity: Vec<&str> = entity::package::Column::iter()
            .map(|c| c.as_str())
            .collect();
        let mut stored = STORED_COLUMNS.to_vec();
        entity.sort_unstable();
        stored.sort_unstable();
        assert_eq!(stored, entity);
    }
}
