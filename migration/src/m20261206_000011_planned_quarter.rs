//! A package's planned start may be a quarter (plans often say "Quý II") instead of a month.
//! The regime of a quarter is that of its first month, so the compliance aggregate reads the
//! quarter where it reads the month; the covering index carries it too, or PostgreSQL would
//! leave the index for the table in the year a regime changes (2025) and SQLite likewise.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Packages {
    Table,
    PlannedStartQuarter,
}

/// The columns of the compliance index (migrations 000004 and 000006), and now the quarter.
const COLUMNS: &str = "plan_year, unit_id, method, field, status, online, package_price_vnd, \
                       international, planned_start_month, procedure, online_exempt_reason";

/// The index each engine has, and the one it gets.
fn indexes(backend: DbBackend) -> (&'static str, &'static str, &'static str) {
    match backend {
        DbBackend::Postgres => (
            "idx_packages_year_compliance_id",
            "idx_packages_year_compliance_q_id",
            " INCLUDE (id)",
        ),
        _ => (
            "idx_packages_year_compliance",
            "idx_packages_year_compliance_q",
            "",
        ),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Packages::Table)
                    .add_column(
                        ColumnDef::new(Packages::PlannedStartQuarter)
                            .small_integer()
                            .null()
                            .check(
                                Expr::col(Packages::PlannedStartQuarter)
                                    .gte(1)
                                    .and(Expr::col(Packages::PlannedStartQuarter).lte(4)),
                            ),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let (old, new, include) = indexes(db.get_database_backend());
        db.execute_unprepared(&format!(
            "CREATE INDEX {new} ON packages ({COLUMNS}, planned_start_quarter){include}"
        ))
        .await?;
        db.execute_unprepared(&format!("DROP INDEX {old}")).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let (old, new, include) = indexes(db.get_database_backend());
        db.execute_unprepared(&format!(
            "CREATE INDEX {old} ON packages ({COLUMNS}){include}"
        ))
        .await?;
        db.execute_unprepared(&format!("DROP INDEX {new}")).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Packages::Table)
                    .drop_column(Packages::PlannedStartQuarter)
                    .to_owned(),
            )
            .await
    }
}
