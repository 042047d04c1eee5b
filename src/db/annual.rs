//! The annual report's aggregate: a unit's subtree's packages of a plan year, grouped by what
//! they were procured for (project kind and group, through their plan), field, method, domestic
//! or international, online, and whether they have a result by the end of the period. One
//! statement; the report places the groups on its form's rows, and the groups it cannot place
//! (no project, no result, cancelled) in its reconciliation note.

use super::compliance::{Amounts, SPLIT_SQL, Subtree, enum_at, overflowed};
use super::sql::Sql;
use chrono::NaiveDate;
use entity::{Field, Method, PackageStatus, ProjectGroup, ProjectKind};
use sea_orm::{ConnectionTrait, DbErr};

/// Where a package stands at the end of the report's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standing {
    /// Awarded with a result dated on or before the period's end (awarded packages always have
    /// a result date and a winning price: `domain::package_rules`).
    Result,
    /// Not cancelled, and no result by the period's end.
    Pending,
    Cancelled,
}

/// One group of packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnnualGroup {
    /// `None`: not linked to a plan (so to no project).
    pub kind: Option<ProjectKind>,
    pub group: Option<ProjectGroup>,
    pub field: Field,
    pub method: Method,
    pub international: bool,
    pub online: bool,
    pub standing: Standing,
    pub count: i64,
    pub package_price_vnd: i128,
    /// Σ winning price; meaningful for [`Standing::Result`] groups only.
    pub winning_price_vnd: i128,
}

/// The groups of the subtree's packages of `plan_year`, results counted up to `period_end`.
pub async fn groups(
    db: &impl ConnectionTrait,
    units: &Subtree,
    plan_year: i32,
    period_end: NaiveDate,
) -> Result<Vec<AnnualGroup>, DbErr> {
    // Amounts summed whole (64-bit) first, as the compliance aggregate does; only a sum past
    // i64, which real data never reaches, takes the split statement.
    let whole = statement(db, units, plan_year, period_end, Amounts::Whole);
    let (rows, amounts) = match db.query_all_raw(whole).await {
        Err(e) if overflowed(&e) => {
            let split = statement(db, units, plan_year, period_end, Amounts::Split);
            (db.query_all_raw(split).await?, Amounts::Split)
        }
        other => (other?, Amounts::Whole),
    };
    rows.iter().map(|r| read(r, amounts)).collect()
}

fn statement(
    db: &impl ConnectionTrait,
    units: &Subtree,
    plan_year: i32,
    period_end: NaiveDate,
    amounts: Amounts,
) -> sea_orm::Statement {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT pr.kind, pr.project_group, p.field, p.method, ");
    sql.push("CASE WHEN p.international THEN 1 ELSE 0 END, CASE WHEN p.online THEN 1 ELSE 0 END, ");
    let standing = |sql: &mut Sql| {
        sql.push("CASE WHEN p.status = ")
            .bind(PackageStatus::Cancelled.as_str())
            .push(" THEN 2 WHEN p.status = ")
            .bind(PackageStatus::Awarded.as_str())
            .push(" AND p.result_date <= ")
            .bind(period_end)
            .push(" THEN 0 ELSE 1 END");
    };
    standing(&mut sql);
    sql.push(", COUNT(*)");
    // Each amount as a pair of columns: whole and 0, or split in two parts (`AMOUNT_SPLIT`),
    // whose sums cannot overflow.
    for amount in ["p.package_price_vnd", "COALESCE(p.winning_price_vnd, 0)"] {
        match amounts {
            Amounts::Whole => {
                sql.push(", CAST(COALESCE(SUM(")
                    .push(amount)
                    .push("), 0) AS BIGINT), 0");
            }
            Amounts::Split => {
                for part in ["/", "%"] {
                    sql.push(", CAST(COALESCE(SUM(")
                        .push(amount)
                        .push(" ")
                        .push(part)
                        .push(" ")
                        .push(SPLIT_SQL)
                        .push("), 0) AS BIGINT)");
                }
            }
        }
    }
    // A package reaches its project through its plan; LEFT JOINs keep the unlinked ones, which
    // the report must show rather than drop.
    sql.push(
        " FROM packages p LEFT JOIN selection_plans sp ON sp.id = p.plan_id \
         LEFT JOIN projects pr ON pr.id = sp.project_id WHERE p.plan_year = ",
    )
    .bind(plan_year);
    units.push_filter(&mut sql);
    // By position: PostgreSQL would not see the standing's CASE, with placeholders of its
    // own, as the selected one.
    sql.push(" GROUP BY 1, 2, 3, 4, 5, 6, 7");
    sql.build()
}

fn read(r: &sea_orm::QueryResult, amounts: Amounts) -> Result<AnnualGroup, DbErr> {
    let kind: Option<String> = r.try_get_by_index(0)?;
    let group: Option<String> = r.try_get_by_index(1)?;
    Ok(AnnualGroup {
        kind: kind
            .map(|k| {
                k.parse()
                    .map_err(|e| DbErr::Type(format!("projects.kind: {e}")))
            })
            .transpose()?,
        group: group
            .map(|g| {
                g.parse()
                    .map_err(|e| DbErr::Type(format!("projects.project_group: {e}")))
            })
            .transpose()?,
        field: enum_at(r, 2, "packages.field")?,
        method: enum_at(r, 3, "packages.method")?,
        international: r.try_get_by_index::<i32>(4)? == 1,
        online: r.try_get_by_index::<i32>(5)? == 1,
        standing: match r.try_get_by_index::<i32>(6)? {
            0 => Standing::Result,
            1 => Standing::Pending,
            _ => Standing::Cancelled,
        },
        count: r.try_get_by_index(7)?,
        package_price_vnd: amounts.read(r, 8)?,
        winning_price_vnd: amounts.read(r, 10)?,
    })
}
