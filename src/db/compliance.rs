//! The compliance aggregate: one SQL statement that tallies a unit's subtree for a year under a
//! target's scope, grouped by the unit a package belongs to, its method and its field. Nothing is
//! loaded row by row; the caller rolls the groups up the tree into totals and breakdowns.
//!
//! The scope condition written here is the SQL twin of `domain::scope::classify`; the
//! integration tests check that both agree on every package of a generated dataset.

use super::sql::Sql;
use crate::domain::compliance::{Tally, View};
use crate::domain::regime::Regimes;
use crate::domain::target::TargetScope;
use chrono::NaiveDate;
use entity::{Field, Method, PackageStatus, Procedure};
use sea_orm::{ConnectionTrait, DbErr};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupTally {
    /// The unit the packages belong to directly (not an ancestor).
    pub unit_id: i64,
    pub method: Method,
    pub field: Field,
    pub tally: Tally,
}

pub async fn tally(
    db: &impl ConnectionTrait,
    root_id: i64,
    year: i32,
    view: View,
    scope: &TargetScope,
    regimes: &Regimes,
) -> Result<Vec<GroupTally>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    super::units::push_subtree_cte(&mut sql, root_id);
    sql.push(
        "SELECT x.unit_id, x.method, x.field, COUNT(*), SUM(x.s), SUM(x.s * x.o), \
         CAST(SUM(x.s * x.price) AS BIGINT), CAST(SUM(x.s * x.o * x.price) AS BIGINT) \
         FROM (SELECT p.unit_id AS unit_id, p.method AS method, p.field AS field, \
         p.package_price_vnd AS price, CASE WHEN p.online THEN 1 ELSE 0 END AS o, CASE WHEN ",
    );
    push_scope(&mut sql, scope, regimes);
    sql.push(
        " THEN 1 ELSE 0 END AS s FROM packages p WHERE p.unit_id IN (SELECT id FROM subtree) AND ",
    );
    push_counted_in_year(&mut sql, year, view)?;
    sql.push(") x GROUP BY x.unit_id, x.method, x.field");

    let rows = db.query_all_raw(sql.build()).await?;
    rows.iter()
        .map(|r| {
            Ok(GroupTally {
                unit_id: r.try_get_by_index(0)?,
                method: enum_at(r, 1, "packages.method")?,
                field: enum_at(r, 2, "packages.field")?,
                tally: Tally {
                    counted: r.try_get_by_index(3)?,
                    in_scope: r.try_get_by_index(4)?,
                    online: r.try_get_by_index(5)?,
                    value_in_scope_vnd: r.try_get_by_index(6)?,
                    value_online_vnd: r.try_get_by_index(7)?,
                },
            })
        })
        .collect()
}

/// A persisted enum read by wire name from a result column.
fn enum_at<T>(row: &sea_orm::QueryResult, index: usize, column: &str) -> Result<T, DbErr>
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
/// packages are never counted in a year at all).
pub fn push_scope(sql: &mut Sql, scope: &TargetScope, regimes: &Regimes) {
    sql.push("((p.method IN ")
        .bind_list(scope.methods_any_size.iter().map(|m| m.as_str()));
    if !scope.methods_small_scale.is_empty() {
        sql.push(" OR (p.method IN ")
            .bind_list(scope.methods_small_scale.iter().map(|m| m.as_str()))
            .push(" AND ");
        push_small_scale(sql, regimes);
        sql.push(")");
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

/// Small-scale under the regime of the package's planned start month: a CASE over the regimes'
/// month ranges, each a CASE over fields. A field with no band is never small-scale, and a month
/// no regime covers is not either (the domain says "no regime": out of scope).
fn push_small_scale(sql: &mut Sql, regimes: &Regimes) {
    sql.push("(CASE");
    for regime in regimes.as_slice() {
        let Some((first, last)) = regime.month_range() else {
            continue;
        };
        sql.push(" WHEN p.plan_year * 100 + COALESCE(p.planned_start_month, 1) BETWEEN ")
            .bind(first)
            .push(" AND ")
            .bind(last)
            .push(" THEN (CASE p.field");
        for field in Field::ALL {
            sql.push(" WHEN ").bind(field.as_str()).push(" THEN ");
            match regime.small_scale.max_for(*field) {
                Some(max) => sql.push("p.package_price_vnd <= ").bind(max),
                None => sql.push("FALSE"),
            };
        }
        sql.push(" ELSE FALSE END)");
    }
    sql.push(" ELSE FALSE END)");
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
    root_id: i64,
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
        super::units::push_subtree_cte(&mut sql, root_id);
        sql.push(select)
            .push(" FROM packages p WHERE p.unit_id IN (SELECT id FROM subtree) AND ");
        push_counted_in_year(&mut sql, year, view)?;
        if let Some(want) = behind.in_scope {
            sql.push(if want {
                " AND COALESCE("
            } else {
                " AND NOT COALESCE("
            });
            push_scope(&mut sql, scope, regimes);
            sql.push(", FALSE)");
        }
        if let Some(o) = behind.online {
            sql.push(if o {
                " AND p.online"
            } else {
                " AND NOT p.online"
            });
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
    pub package_price_vnd: i64,
    /// Over awarded packages.
    pub winning_price_vnd: i64,
    /// Package price − winning price, over awarded packages.
    pub savings_vnd: i64,
}

/// The annual summary's aggregate: the subtree's packages counted in the year, grouped by field,
/// method and online.
pub async fn summary(
    db: &impl ConnectionTrait,
    root_id: i64,
    year: i32,
    view: View,
) -> Result<Vec<SummaryGroup>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    super::units::push_subtree_cte(&mut sql, root_id);
    sql.push("SELECT p.field, p.method, CASE WHEN p.online THEN 1 ELSE 0 END, COUNT(*), CAST(SUM(p.package_price_vnd) AS BIGINT), ");
    sql.push("CAST(COALESCE(SUM(CASE WHEN p.status = ")
        .bind(PackageStatus::Awarded.as_str());
    sql.push(" AND p.winning_price_vnd IS NOT NULL THEN p.winning_price_vnd ELSE 0 END), 0) AS BIGINT), ");
    sql.push("CAST(COALESCE(SUM(CASE WHEN p.status = ")
        .bind(PackageStatus::Awarded.as_str());
    sql.push(
        " AND p.winning_price_vnd IS NOT NULL THEN p.package_price_vnd - p.winning_price_vnd ELSE 0 END), 0) AS BIGINT) \
         FROM packages p WHERE p.unit_id IN (SELECT id FROM subtree) AND ",
    );
    push_counted_in_year(&mut sql, year, view)?;
    sql.push(" GROUP BY p.field, p.method, CASE WHEN p.online THEN 1 ELSE 0 END");
    let rows = db.query_all_raw(sql.build()).await?;
    rows.iter()
        .map(|r| {
            Ok(SummaryGroup {
                field: enum_at(r, 0, "packages.field")?,
                method: enum_at(r, 1, "packages.method")?,
                online: r.try_get_by_index::<i32>(2)? == 1,
                count: r.try_get_by_index(3)?,
                package_price_vnd: r.try_get_by_index(4)?,
                winning_price_vnd: r.try_get_by_index(5)?,
                savings_vnd: r.try_get_by_index(6)?,
            })
        })
        .collect()
}
