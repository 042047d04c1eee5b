//! Packages read by position, for the reads that go through many packages (exports, imports).
//!
//! sea-orm's derived reader looks each column up by name (a hashed lookup per cell) and, for each
//! NULL, builds and drops an error carrying the column's formatted name before it becomes `None`.
//! Once a package had a dozen mostly empty columns (issue 19's procurement record), that was a
//! third of an export's reading. This reader asks the driver for each column by its position in
//! an explicit select list instead. It yields the same models as the derived one
//! (`tests/app/reports.rs`: `positional_reader_equals_the_derived_one`).

use entity::package::{self, Column as C};
use sea_orm::sqlx::{self, Postgres, Row as _, Sqlite};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, QueryFilter,
    QueryResult, QuerySelect, QueryTrait,
};

/// Every column of `packages`, in the order they are read below.
const COLUMNS: [C; 38] = [
    C::Id,
    C::UnitId,
    C::PlanId,
    C::Name,
    C::Code,
    C::NoticeVersion,
    C::PlanCode,
    C::PlanYear,
    C::PlannedStartMonth,
    C::PlannedStartQuarter,
    C::Field,
    C::Method,
    C::Procedure,
    C::International,
    C::PackagePriceVnd,
    C::FundingSource,
    C::ContractType,
    C::Online,
    C::OnlineExemptReason,
    C::Status,
    C::ResultDate,
    C::WinningPriceVnd,
    C::ContractorName,
    C::ProcuringEntity,
    C::NoticeDate,
    C::BidClosingAt,
    C::BidderCount,
    C::AwardDecisionNo,
    C::ContractorTaxCode,
    C::ContractDurationDays,
    C::CancellationDecisionNo,
    C::CancellationReason,
    C::Evidenced,
    C::Notes,
    C::Version,
    C::SearchText,
    C::CreatedAt,
    C::UpdatedAt,
];

/// A driver error as sea-orm reports a failed read.
fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(sea_orm::RuntimeErr::SqlxError(std::sync::Arc::new(e)))
}

/// A value both engines decode.
trait Decodable:
    for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
{
}

impl<T> Decodable for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
{
}

/// The columns of one row, read left to right.
struct Reader<'a> {
    row: &'a QueryResult,
    at: usize,
}

impl Reader<'_> {
    fn opt<T: Decodable>(&mut self) -> Result<Option<T>, DbErr> {
        let i = self.at;
        self.at += 1;
        if let Some(r) = self.row.try_as_sqlite_row() {
            r.try_get::<Option<T>, _>(i).map_err(query_err)
        } else if let Some(r) = self.row.try_as_pg_row() {
            r.try_get::<Option<T>, _>(i).map_err(query_err)
        } else {
            // Every connection bidtrack opens is SQLite or PostgreSQL.
            Err(DbErr::Custom(
                "packages are read from SQLite or PostgreSQL".to_owned(),
            ))
        }
    }

    /// A local date and time. On SQLite, sqlx tries a dozen strftime patterns in turn, each
    /// parsed anew for every value, before the one sea-orm writes (`2019-03-05 14:30:00`)
    /// matches; that pattern is parsed once here and tried first. Anything else goes the
    /// driver's way.
    fn local_datetime_opt(&mut self) -> Result<Option<chrono::NaiveDateTime>, DbErr> {
        static WRITTEN: std::sync::LazyLock<Option<Vec<chrono::format::Item<'static>>>> =
            std::sync::LazyLock::new(|| {
                chrono::format::StrftimeItems::new("%F %T%.f")
                    .parse_to_owned()
                    .ok()
            });
        if let Some(r) = self.row.try_as_sqlite_row()
            && let Some(items) = WRITTEN.as_ref()
            && let Ok(Some(text)) = r.try_get::<Option<&str>, _>(self.at)
        {
            let mut parsed = chrono::format::Parsed::new();
            if chrono::format::parse(&mut parsed, text, items.iter()).is_ok()
                && let Ok(at) = parsed.to_naive_datetime_with_offset(0)
            {
                self.at += 1;
                return Ok(Some(at));
            }
        }
        self.opt()
    }

    fn req<T: Decodable>(&mut self) -> Result<T, DbErr> {
        let column = COLUMNS.get(self.at).copied();
        self.opt()?.ok_or_else(|| {
            DbErr::Type(format!("packages.{:?} is NULL", column.map(|c| c.as_str())))
        })
    }

    fn enum_opt<E: ActiveEnum<Value = String>>(&mut self) -> Result<Option<E>, DbErr> {
        self.opt::<String>()?
            .map(|s| E::try_from_value(&s))
            .transpose()
    }

    fn enum_req<E: ActiveEnum<Value = String>>(&mut self) -> Result<E, DbErr> {
        E::try_from_value(&self.req::<String>()?)
    }

    fn package(mut self) -> Result<package::Model, DbErr> {
        Ok(package::Model {
            id: self.req()?,
            unit_id: self.req()?,
            plan_id: self.opt()?,
            name: self.req()?,
            code: self.opt()?,
            notice_version: self.opt()?,
            plan_code: self.opt()?,
            plan_year: self.req()?,
            planned_start_month: self.opt()?,
            planned_start_quarter: self.opt()?,
            field: self.enum_req()?,
            method: self.enum_req()?,
            procedure: self.enum_opt()?,
            international: self.req()?,
            package_price_vnd: self.req()?,
            funding_source: self.opt()?,
            contract_type: self.enum_opt()?,
            online: self.req()?,
            online_exempt_reason: self.enum_opt()?,
            status: self.enum_req()?,
            result_date: self.opt()?,
            winning_price_vnd: self.opt()?,
            contractor_name: self.opt()?,
            procuring_entity: self.opt()?,
            notice_date: self.opt()?,
            bid_closing_at: self.local_datetime_opt()?,
            bidder_count: self.opt()?,
            award_decision_no: self.opt()?,
            contractor_tax_code: self.opt()?,
            contract_duration_days: self.opt()?,
            cancellation_decision_no: self.opt()?,
            cancellation_reason: self.opt()?,
            evidenced: self.req()?,
            notes: self.opt()?,
            version: self.req()?,
            search_text: self.req()?,
            created_at: self.req()?,
            updated_at: self.req()?,
        })
    }
}

/// The packages with these ids, in no particular order.
pub async fn by_ids_unordered(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<package::Model>, DbErr> {
    matching(db, C::Id.is_in(ids.iter().copied())).await
}

/// The packages matching a condition, in no particular order.
pub async fn matching(
    db: &impl ConnectionTrait,
    condition: impl sea_orm::sea_query::IntoCondition,
) -> Result<Vec<package::Model>, DbErr> {
    let statement = package::Entity::find()
        .select_only()
        .columns(COLUMNS)
        .filter(condition)
        .build(db.get_database_backend());
    read_all(db, statement).await
}

/// `alias."id", alias."unit_id", …`: every column in the reader's order, for a statement
/// written by hand (quoted: `procedure` is a keyword in SQL).
pub fn select_list(alias: &str) -> String {
    COLUMNS
        .iter()
        .map(|c| format!("{alias}.\"{}\"", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The packages a statement selects, its columns those of [`select_list`], in its order.
pub async fn read_all(
    db: &impl ConnectionTrait,
    statement: sea_orm::Statement,
) -> Result<Vec<package::Model>, DbErr> {
    db.query_all_raw(statement)
        .await?
        .iter()
        .map(|row| Reader { row, at: 0 }.package())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::COLUMNS;
    use sea_orm::Iterable;

    #[test]
    fn every_column_is_read_in_the_entity_order() {
        // The reader fills the model field by field in this order; a column added to the entity
        // and not here fails to compile (the struct literal), one here out of order fails this.
        use sea_orm::IdenStatic;
        let entity: Vec<&str> = entity::package::Column::iter()
            .map(|c| c.as_str())
            .collect();
        let read: Vec<&str> = COLUMNS.iter().map(|c| c.as_str()).collect();
        assert_eq!(read, entity);
    }
}
