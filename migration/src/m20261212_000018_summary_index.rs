//! The compliance index carries the winning price too, so that the annual summary (the year's
//! packages grouped by field, method and online, with their package and winning prices) is
//! answered from the index like the check. The packages of a year lie all over the table: the
//! summary of one year read nearly every page of it (44,849 of 46,891 on the generated
//! province's PostgreSQL database), and each page the wider the more a package records.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns of the compliance index as migration 000011 left them.
const COLUMNS: &str = "plan_year, unit_id, method, field, status, online, package_price_vnd, \
                       international, planned_start_month, procedure, online_exempt_reason, \
                       planned_start_quarter";

/// The index each engine has, the one it gets, and what each carries beside its key.
fn indexes(backend: DbBackend) -> [(&'static str, &'static str); 2] {
    match backend {
        // PostgreSQL carries non-key columns in INCLUDE: they cost no comparisons.
        DbBackend::Postgres => [
            ("idx_packages_year_compliance_q_id", " INCLUDE (id)"),
            (
                "idx_packages_year_compliance_w_id",
                " INCLUDE (id, winning_price_vnd)",
            ),
        ],
        _ => [
            ("idx_packages_year_compliance_q", ""),
            ("idx_packages_year_compliance_w", ""),
        ],
    }
}

fn create(backend: DbBackend, (name, include): (&str, &str), winning: bool) -> String {
    // SQLite has no INCLUDE: the winning price ends the key instead.
    let extra = if winning && backend != DbBackend::Postgres {
        ", winning_price_vnd"
    } else {
        ""
    };
    format!("CREATE INDEX {name} ON packages ({COLUMNS}{extra}){include}")
}

/// Builds the index `up` leads to (the winning price's, or back the old one), then drops the
/// other: the aggregate always has one of the two.
async fn swap(manager: &SchemaManager<'_>, up: bool) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let [old, new] = indexes(backend);
    let (build, drop) = if up { (new, old) } else { (old, new) };
    db.execute_unprepared(&create(backend, build, up)).await?;
    db.execute_unprepared(&format!("DROP INDEX {}", drop.0))
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        swap(manager, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        swap(manager, false).await
    }
}
