//! The compliance aggregate: one SQL statement that tallies a unit's subtree for a year under a
//! target's scope, per unit the packages belong to, per method and per field. Nothing is loaded
//! row by row; the caller rolls the units' tallies up the tree into totals and breakdowns.
//!
//! The scope condition written here is the SQL twin of `domain::scope::classify`; the
//! integration tests check that both agree on every package of a generated dataset.

use super::sql::Sql;
use crate::domain::compliance::{Tally, View};
use crate::domain::regime::{MonthKey, Regimes, month_key};
use crate::domain::target::TargetScope;
use chrono::NaiveDate;
use entity::{Field, Method, PackageStatus, Procedure};
use sea_orm::{ConnectionTrait, DbErr};
use std::collections::{BTreeMap, HashMap};

/// The tallies of a subtree's packages: by the unit they belong to directly (not an ancestor),
/// and over the whole subtree by method and by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tallies {
    pub by_unit: HashMap<i64, Tally>,
    pub by_method: BTreeMap<Method, Tally>,
    pub by_field: BTreeMap<Field, Tally>,
}

pub async fn tally(
    db: &impl ConnectionTrait,
    units: &Subtree,
    year: i32,
    view: View,
    scope: &TargetScope,
    regimes: &Regimes,
) -> Result<Tallies, DbErr> {
    let backend = db.get_database_backend();
    let whole = tally_statement(backend, units, year, view, scope, regimes, Amounts::Whole)?;
    // Amounts are summed whole (64-bit) first: splitting every price costs a fifth of the
    // province's check. Only a sum past i64, which real data never reaches, takes the split
    // statement, whose sums cannot overflow.
    let (rows, amounts) = match db.query_all_raw(whole).await {
        Err(e) if overflowed(&e) => {
            let split =
                tally_statement(backend, units, year, view, scope, regimes, Amounts::Split)?;
            (db.query_all_raw(split).await?, Amounts::Split)
        }
        other => (other?, Amounts::Whole),
    };
    let mut out = Tallies::default();
    for r in rows {
        let tally = Tally {
            counted: r.try_get_by_index(3)?,
            in_scope: r.try_get_by_index(4)?,
            online: r.try_get_by_index(5)?,
            value_in_scope_vnd: amounts.read(&r, 6)?,
            value_online_vnd: amounts.read(&r, 8)?,
            counted_online: r.try_get_by_index(10)?,
            value_counted_vnd: amounts.read(&r, 11)?,
            value_counted_online_vnd: amounts.read(&r, 13)?,
        };
        match r.try_get_by_index::<i32>(0)? {
            0 => {
                out.by_unit.insert(r.try_get_by_index(1)?, tally);
            }
            1 => {
                out.by_method
                    .insert(enum_at(&r, 2, "packages.method")?, tally);
            }
            _ => {
                out.by_field
                    .insert(enum_at(&r, 2, "packages.field")?, tally);
            }
        }
    }
    Ok(out)
}

/// A 64-bit SUM of amounts overflows past 9.2·10^18 đồng, ten thousand packages at the ceiling
/// (`MAX_VND`, 10^15): SQLite raises "integer overflow", PostgreSQL's cast of its (numeric) sum
/// back to BIGINT fails with 22003.
pub(super) fn overflowed(e: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let (DbErr::Exec(RuntimeErr::SqlxError(inner)) | DbErr::Query(RuntimeErr::SqlxError(inner))) =
        e
    else {
        return false;
    };
    inner.as_database_error().is_some_and(|db| {
        db.code().as_deref() == Some("22003") || db.message().contains("integer overflow")
    })
}

/// How a statement sums amounts: whole, or in two parts, whole millions of đồng and the rest,
/// put together in `i128`. Split, the millions part of a sum stays in range for nine billion
/// packages at the ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amounts {
    Whole,
    Split,
}

impl Amounts {
    /// The amount in columns `i` and `i + 1` (the second is 0 when whole).
    pub(super) fn read(self, r: &sea_orm::QueryResult, i: usize) -> Result<i128, DbErr> {
        let first: i64 = r.try_get_by_index(i)?;
        Ok(match self {
            Amounts::Whole => i128::from(first),
            Amounts::Split => amount(first, r.try_get_by_index(i + 1)?),
        })
    }
}

/// Where [`Amounts::Split`] cuts an amount: whole millions of đồng, and the rest.
pub const AMOUNT_SPLIT: i64 = 1_000_000;
/// [`AMOUNT_SPLIT`] as the statements write it (a test keeps the two equal).
pub(super) const SPLIT_SQL: &str = "1000000";

fn amount(millions: i64, rest: i64) -> i128 {
    i128::from(millions) * i128::from(AMOUNT_SPLIT) + i128::from(rest)
}

/// The statement `tally` runs (`Amounts::Whole` first; the benchmarks run that one in sqlite3
/// and psql too).
pub fn tally_statement(
    backend: sea_orm::DbBackend,
    units: &Subtree,
    year: i32,
    view: View,
    scope: &TargetScope,
    regimes: &Regimes,
    amounts: Amounts,
) -> Result<sea_orm::Statement, DbErr> {
    // The inner GROUP BY follows the covering index's order (plan year, unit, method, field), so
    // it streams without sorting; its few thousand groups are then summed three ways. Returning
    // the groups themselves cost more than the scan: the driver hands rows over one at a time.
    // Both forms give amount columns in pairs (svh, svl, …); whole, the second of each pair is
    // 0. Beside the scope's figures, the same sums over every package counted (o, vh, vl, ovh,
    // ovl): the figures that need no target, at the cost of three more sums, not a second scan.
    // Measured on the province (BENCHMARKS.md): +21% on SQLite, +4% on PostgreSQL. Grouping by
    // status and online instead, to sum fewer terms a row, was slower still (+55%).
    let mut sql = Sql::new(backend);
    sql.push(
        "WITH g(unit_id, method, field, n, s, so, svh, svl, sovh, sovl, o, vh, vl, ovh, ovl) AS (\
         SELECT x.unit_id, x.method, x.field, COUNT(*), SUM(x.s), SUM(x.s * x.o), ",
    );
    match amounts {
        Amounts::Whole => sql.push(
            "SUM(x.s * x.ph), 0, SUM(x.s * x.o * x.ph), 0, SUM(x.o), SUM(x.ph), 0, \
             SUM(x.o * x.ph), 0 ",
        ),
        Amounts::Split => sql.push(
            "SUM(x.s * x.ph), SUM(x.s * x.pl), SUM(x.s * x.o * x.ph), SUM(x.s * x.o * x.pl), \
             SUM(x.o), SUM(x.ph), SUM(x.pl), SUM(x.o * x.ph), SUM(x.o * x.pl) ",
        ),
    };
    sql.push("FROM (SELECT p.unit_id AS unit_id, p.method AS method, p.field AS field, ");
    match amounts {
        Amounts::Whole => sql.push("p.package_price_vnd AS ph, "),
        Amounts::Split => sql
            .push("p.package_price_vnd / ")
            .push(SPLIT_SQL)
            .push(" AS ph, p.package_price_vnd % ")
            .push(SPLIT_SQL)
            .push(" AS pl, "),
    };
    sql.push("CASE WHEN ")
        .push(view.online_sql())
        .push(" THEN 1 ELSE 0 END AS o, CASE WHEN ");
    push_scope(&mut sql, scope, regimes, year_months(year, view));
    sql.push(" THEN 1 ELSE 0 END AS s FROM packages p WHERE ");
    push_counted_in_year(&mut sql, year, view)?;
    units.push_filter(&mut sql);
    const SUMS: &str = "CAST(SUM(n) AS BIGINT), CAST(SUM(s) AS BIGINT), CAST(SUM(so) AS BIGINT), \
                        CAST(SUM(svh) AS BIGINT), CAST(SUM(svl) AS BIGINT), \
                        CAST(SUM(sovh) AS BIGINT), CAST(SUM(sovl) AS BIGINT), \
                        CAST(SUM(o) AS BIGINT), CAST(SUM(vh) AS BIGINT), CAST(SUM(vl) AS BIGINT), \
                        CAST(SUM(ovh) AS BIGINT), CAST(SUM(ovl) AS BIGINT) FROM g";
    sql.push(") x GROUP BY x.unit_id, x.method, x.field) ");
    sql.push("SELECT 0, unit_id, NULL, ")
        .push(SUMS)
        .push(" GROUP BY unit_id");
    sql.push(" UNION ALL SELECT 1, NULL, method, ")
        .push(SUMS)
        .push(" GROUP BY method");
    sql.push(" UNION ALL SELECT 2, NULL, field, ")
        .push(SUMS)
        .push(" GROUP BY field");
    Ok(sql.build())
}

/// The plan view's tallies of `units` for several years in one statement (one scan of the
/// covering index's plan-year range instead of one per year and rule): for each year, the
/// packages counted, and one tally per scope of `years` (the rules in force that year, in their
/// order). The scope conditions are `tally`'s, each tested only on its own year's packages, so
/// the figures are those `tally` gives year by year. `None` when a 64-bit sum overflowed: the
/// caller then asks `tally` year by year, which knows how to split amounts.
pub async fn tally_plan_years(
    db: &impl ConnectionTrait,
    units: &Subtree,
    years: &[(i32, Vec<&TargetScope>)],
    regimes: &Regimes,
) -> Result<Option<HashMap<i32, (Tally, Vec<Tally>)>>, DbErr> {
    let (Some(first), Some(last)) = (
        years.iter().map(|(y, _)| *y).min(),
        years.iter().map(|(y, _)| *y).max(),
    ) else {
        return Ok(Some(HashMap::new()));
    };
    let width = years.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
    let mut sql = Sql::new(db.get_database_backend());
    const SUM: &str = "CAST(COALESCE(SUM(";
    const END: &str = "), 0) AS BIGINT)";
    sql.push("SELECT x.y, COUNT(*), ")
        .push(SUM)
        .push("x.o")
        .push(END)
        .push(", ")
        .push(SUM)
        .push("x.ph")
        .push(END)
        .push(", ")
        .push(SUM)
        .push("x.o * x.ph")
        .push(END);
    for j in 0..width {
        for term in ["", " * x.o", " * x.ph", " * x.o * x.ph"] {
            sql.push(", ")
                .push(SUM)
                .push(&format!("x.s{j}{term}"))
                .push(END);
        }
    }
    sql.push(
        " FROM (SELECT p.plan_year AS y, p.package_price_vnd AS ph, \
         CASE WHEN p.online THEN 1 ELSE 0 END AS o",
    );
    for j in 0..width {
        sql.push(", CASE");
        let mut any = false;
        for (year, scopes) in years {
            if let Some(scope) = scopes.get(j) {
                any = true;
                sql.push(" WHEN p.plan_year = ").bind(*year).push(" AND ");
                push_scope(&mut sql, scope, regimes, year_months(*year, View::Plan));
                sql.push(" THEN 1");
            }
        }
        if !any {
            sql.push(" WHEN FALSE THEN 1");
        }
        sql.push(&format!(" ELSE 0 END AS s{j}"));
    }
    sql.push(" FROM packages p WHERE p.plan_year BETWEEN ")
        .bind(first)
        .push(" AND ")
        .bind(last)
        .push(" AND p.status <> ")
        .bind(PackageStatus::Cancelled.as_str());
    units.push_filter(&mut sql);
    sql.push(") x GROUP BY x.y");
    let rows = match db.query_all_raw(sql.build()).await {
        Err(e) if overflowed(&e) => return Ok(None),
        other => other?,
    };
    let mut out = HashMap::new();
    for r in rows {
        let year: i32 = r.try_get_by_index(0)?;
        let get = |i: usize| -> Result<i64, DbErr> { r.try_get_by_index(i) };
        let counted = get(1)?;
        let counted_online = get(2)?;
        let value_counted_vnd = i128::from(get(3)?);
        let value_counted_online_vnd = i128::from(get(4)?);
        let whole = Tally {
            counted,
            counted_online,
            value_counted_vnd,
            value_counted_online_vnd,
            ..Tally::default()
        };
        let mut scoped = Vec::new();
        for j in 0..width {
            let at = 5 + 4 * j;
            scoped.push(Tally {
                in_scope: get(at)?,
                online: get(at + 1)?,
                value_in_scope_vnd: i128::from(get(at + 2)?),
                value_online_vnd: i128::from(get(at + 3)?),
                ..whole
            });
        }
        out.insert(year, (whole, scoped));
    }
    Ok(Some(out))
}

/// The units whose packages a figure covers: a unit and everything below it, by id. Read first
/// and bound as a list, because neither engine plans a recursive CTE joined to a million packages
/// well (BENCHMARKS.md): SQLite then scans a whole plan year even for one commune, and PostgreSQL
/// cannot estimate the CTE's size. With the ids bound, both seek `(plan_year, unit_id)` directly.
#[derive(Debug, Clone)]
pub struct Subtree {
    root_id: i64,
    ids: Vec<i64>,
}

/// Past this many units the list would near the engines' limits on bound values; the recursive
/// CTE is used instead (no real administrative tree is that large below one unit).
const MAX_BOUND_UNITS: usize = 10_000;

impl Subtree {
    /// `ids` must be the root and every unit below it.
    pub fn new(root_id: i64, mut ids: Vec<i64>) -> Self {
        ids.sort_unstable();
        ids.dedup();
        Subtree { root_id, ids }
    }

    pub async fn of(db: &impl ConnectionTrait, root_id: i64) -> Result<Self, DbErr> {
        Ok(Subtree::new(
            root_id,
            super::units::subtree_ids(db, root_id).await?,
        ))
    }

    /// Writes ` AND p.unit_id IN (…)`.
    pub fn push_filter(&self, sql: &mut Sql) {
        sql.push(" AND p.unit_id IN ");
        if self.ids.len() <= MAX_BOUND_UNITS {
            sql.bind_list(self.ids.iter().copied());
        } else {
            sql.push("(");
            super::units::push_subtree_cte(sql, self.root_id);
            sql.push("SELECT id FROM subtree)");
        }
    }
}

/// The planned start months a view can meet: any for the result view (counted by result date),
/// those of the plan year for the plan view.
fn year_months(year: i32, view: View) -> (MonthKey, MonthKey) {
    match view {
        View::Plan => (month_key(year, 1), month_key(year, 12)),
        View::Result => (MonthKey::MIN, MonthKey::MAX),
    }
}

/// A persisted enum read by wire name from a result column.
pub(super) fn enum_at<T>(row: &sea_orm::QueryResult, index: usize, column: &str) -> Result<T, DbErr>
where
    T: std::str::FromStr<Err = entity::UnknownWireName>,
{
    let wire: String = row.try_get_by_index(index)?;
    wire.parse()
        .map_err(|e| DbErr::Type(format!("{column}: {e}")))
}

/// Counted in year Y: by plan year (not cancelled), or by the year of the result date (awarded).
pub fn push_counted_in_year(sql: &mut Sql, year: i32, view: View) -> Result<(), DbErr> {
    match view {
        View::Plan => {
            sql.push("p.plan_year = ").bind(year);
            sql.push(" AND p.status <> ")
                .bind(PackageStatus::Cancelled.as_str());
        }
        View::Result => {
            let bound = |y| {
                NaiveDate::from_ymd_opt(y, 1, 1)
                    .ok_or_else(|| DbErr::Custom(format!("year {y} out of range")))
            };
            sql.push("p.status = ")
                .bind(PackageStatus::Awarded.as_str());
            sql.push(" AND p.result_date >= ").bind(bound(year)?);
            sql.push(" AND p.result_date < ").bind(bound(year + 1)?);
        }
    }
    Ok(())
}

/// The scope condition of `domain::scope::classify`, less the cancelled check (cancelled
/// packages are never counted in a year at all), for packages whose planned start falls in
/// `months`.
pub fn push_scope(
    sql: &mut Sql,
    scope: &TargetScope,
    regimes: &Regimes,
    months: (MonthKey, MonthKey),
) {
    // A method list left empty must give FALSE, not `IN (NULL)`: NULL would survive a NOT.
    sql.push("((");
    let mut terms = 0;
    let mut methods = |sql: &mut Sql, list: &[entity::Method]| {
        if terms > 0 {
            sql.push(" OR ");
        }
        terms += 1;
        sql.push("(p.method IN ")
            .bind_list(list.iter().map(|m| m.as_str()));
    };
    if !scope.methods_any_size.is_empty() {
        methods(sql, &scope.methods_any_size);
        sql.push(")");
    }
    if !scope.methods_small_scale.is_empty() {
        methods(sql, &scope.methods_small_scale);
        sql.push(" AND ");
        push_small_scale(sql, regimes, months);
        sql.push(")");
    }
    if !scope.methods_within_ceilings.is_empty() {
        methods(sql, &scope.methods_within_ceilings);
        sql.push(" AND ");
        push_under_bands(sql, &scope.ceilings);
        sql.push(")");
    }
    if terms == 0 {
        sql.push("FALSE");
    }
    sql.push(")");
    if scope.domestic_only {
        sql.push(" AND NOT p.international");
    }
    if scope.exclude_two_stage {
        let two_stage = Procedure::ALL
            .iter()
            .filter(|p| p.is_two_stage())
            .map(|p| p.as_str());
        sql.push(" AND (p.procedure IS NULL OR p.procedure NOT IN ")
            .bind_list(two_stage)
            .push(")");
    }
    if scope.exclude_exempt {
        sql.push(" AND p.online_exempt_reason IS NULL");
    }
    sql.push(")");
}

/// Small-scale under the regime of the package's planned start month. One branch per range of
/// months with the same bands (`Regimes::band_segments`), and no month test when a single range
/// covers `months`; within a range, one price test per distinct band. A field with no band is
/// never small-scale, and a month no regime covers is not either (the domain says "no regime":
/// out of scope). Measured: the per-regime, per-field CASE this replaces doubled the province
/// check's time on SQLite.
fn push_small_scale(sql: &mut Sql, regimes: &Regimes, months: (MonthKey, MonthKey)) {
    let segments = regimes.band_segments(months);
    match segments.as_slice() {
        [] => {
            sql.push("FALSE");
        }
        [only] if only.first <= months.0 && only.last >= months.1 => {
            push_under_bands(sql, &only.bands);
        }
        _ => {
            sql.push("(CASE");
            for segment in &segments {
                // As `domain::regime::start_month`: the month, else the quarter's first month.
                sql.push(" WHEN p.plan_year * 100 + COALESCE(p.planned_start_month, p.planned_start_quarter * 3 - 2, 1) BETWEEN ")
                    .bind(segment.first)
                    .push(" AND ")
                    .bind(segment.last)
                    .push(" THEN ");
                push_under_bands(sql, &segment.bands);
            }
            sql.push(" ELSE FALSE END)");
        }
    }
}

/// `(p.field IN (…) AND p.package_price_vnd <= max) OR …`, one term per distinct band.
fn push_under_bands(sql: &mut Sql, bands: &crate::domain::regime::SmallScaleBands) {
    let mut by_max: Vec<(i64, Vec<Field>)> = Vec::new();
    for field in Field::ALL {
        if let Some(max) = bands.max_for(*field) {
            match by_max.iter_mut().find(|(m, _)| *m == max) {
                Some((_, fields)) => fields.push(*field),
                None => by_max.push((max, vec![*field])),
            }
        }
    }
    if by_max.is_empty() {
        sql.push("FALSE");
        return;
    }
    sql.push("(");
    for (i, (max, fields)) in by_max.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push("(p.field IN ")
            .bind_list(fields.iter().map(|f| f.as_str()))
            .push(" AND p.package_price_vnd <= ")
            .bind(*max)
            .push(")");
    }
    sql.push(")");
}

/// Which of the packages counted in a check to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct Behind {
    /// In (true) or out of (false) the target's scope.
    pub in_scope: Option<bool>,
    pub online: Option<bool>,
    pub status: Option<PackageStatus>,
    /// Cheapest first (candidates to switch online) instead of by id.
    pub cheapest_first: bool,
}

/// The packages behind a figure of the check: the subtree's packages counted in the year,
/// narrowed by `behind`, one page of them and how many there are.
#[allow(clippy::too_many_arguments)]
pub async fn packages_behind(
    db: &impl ConnectionTrait,
    units: &Subtree,
    year: i32,
    view: View,
    scope: &TargetScope,
    regimes: &Regimes,
    behind: Behind,
    page: u64,
    per_page: u64,
) -> Result<(Vec<entity::package::Model>, u64), DbErr> {
    let build = |select: &str| -> Result<Sql, DbErr> {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push(select).push(" FROM packages p WHERE ");
        push_counted_in_year(&mut sql, year, view)?;
        units.push_filter(&mut sql);
        if let Some(want) = behind.in_scope {
            sql.push(if want {
                " AND COALESCE("
            } else {
                " AND NOT COALESCE("
            });
            push_scope(&mut sql, scope, regimes, year_months(year, view));
            sql.push(", FALSE)");
        }
        if let Some(o) = behind.online {
            sql.push(if o { " AND " } else { " AND NOT " })
                .push(view.online_sql());
        }
        if let Some(status) = behind.status {
            sql.push(" AND p.status = ").bind(status.as_str());
        }
        Ok(sql)
    };
    let count = build("SELECT COUNT(*)")?;
    let total: i64 = db
        .query_one_raw(count.build())
        .await?
        .map(|r| r.try_get_by_index(0))
        .transpose()?
        .unwrap_or(0);
    let mut sql = build("SELECT p.*")?;
    sql.push(if behind.cheapest_first {
        " ORDER BY p.package_price_vnd, p.id"
    } else {
        " ORDER BY p.id"
    });
    sql.push(" LIMIT ")
        .bind(per_page as i64)
        .push(" OFFSET ")
        .bind(((page - 1) * per_page) as i64);
    use sea_orm::EntityTrait;
    let items = entity::package::Entity::find()
        .from_raw_sql(sql.build())
        .all(db)
        .await?;
    Ok((items, u64::try_from(total).unwrap_or(0)))
}

/// One line of the annual summary: the packages of one field, method and online flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryGroup {
    pub field: Field,
    pub method: Method,
    pub online: bool,
    pub count: i64,
    /// Σ package price over every package of the line.
    pub package_price_vnd: i128,
    /// Packages with a result (awarded, winning price known): how many, Σ package price and
    /// Σ winning price over the same packages, so that their difference is the savings.
    pub awarded_count: i64,
    pub awarded_package_price_vnd: i128,
    pub winning_price_vnd: i128,
}

/// The annual summary's aggregate: the subtree's packages counted in the year, grouped by field,
/// method and online.
pub async fn summary(
    db: &impl ConnectionTrait,
    units: &Subtree,
    year: i32,
    view: View,
) -> Result<Vec<SummaryGroup>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT p.field, p.method, CASE WHEN p.online THEN 1 ELSE 0 END, COUNT(*)");
    let awarded = |sql: &mut Sql| {
        sql.push("CASE WHEN p.status = ")
            .bind(PackageStatus::Awarded.as_str());
        sql.push(" AND p.winning_price_vnd IS NOT NULL THEN ");
    };
    sql.push(", SUM(");
    awarded(&mut sql);
    sql.push("1 ELSE 0 END)");
    // Each sum in two parts, as `tally` does (see `AMOUNT_SPLIT`).
    for (amount, awarded_only) in [
        ("p.package_price_vnd", false),
        ("p.package_price_vnd", true),
        ("p.winning_price_vnd", true),
    ] {
        for part in ["/", "%"] {
            sql.push(", CAST(COALESCE(SUM(");
            if awarded_only {
                awarded(&mut sql);
            }
            sql.push(amount)
                .push(" ")
                .push(part)
                .push(" ")
                .push(SPLIT_SQL);
            if awarded_only {
                sql.push(" ELSE 0 END");
            }
            sql.push("), 0) AS BIGINT)");
        }
    }
    sql.push(" FROM packages p WHERE ");
    push_counted_in_year(&mut sql, year, view)?;
    units.push_filter(&mut sql);
    sql.push(" GROUP BY p.field, p.method, CASE WHEN p.online THEN 1 ELSE 0 END");
    let rows = db.query_all_raw(sql.build()).await?;
    rows.iter()
        .map(|r| {
            Ok(SummaryGroup {
                field: enum_at(r, 0, "packages.field")?,
                method: enum_at(r, 1, "packages.method")?,
                online: r.try_get_by_index::<i32>(2)? == 1,
                count: r.try_get_by_index(3)?,
                awarded_count: r.try_get_by_index(4)?,
                package_price_vnd: amount(r.try_get_by_index(5)?, r.try_get_by_index(6)?),
                awarded_package_price_vnd: amount(r.try_get_by_index(7)?, r.try_get_by_index(8)?),
                winning_price_vnd: amount(r.try_get_by_index(9)?, r.try_get_by_index(10)?),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_split_as_written_and_put_back_exactly() {
        assert_eq!(SPLIT_SQL.parse::<i64>(), Ok(AMOUNT_SPLIT));
        // The ceiling's millions part, summed over nine billion packages, still fits i64.
        let ceiling = crate::domain::money::MAX_VND;
        assert!(
            (ceiling / AMOUNT_SPLIT)
                .checked_mul(9_000_000_000)
                .is_some()
        );
        assert!((AMOUNT_SPLIT - 1).checked_mul(9_000_000_000).is_some());
        let price = 987_654_321_012_345_i64;
        assert_eq!(
            amount(price / AMOUNT_SPLIT, price % AMOUNT_SPLIT),
            i128::from(price)
        );
    }
}
