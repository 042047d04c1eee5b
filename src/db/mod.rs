//! Database access: connecting (with the SQLite settings the service relies on), migrating, and
//! the queries and aggregates the services call. Entity ↔ domain conversions live here too.

pub mod compliance;
pub mod packages;
pub mod reference;
pub mod sql;
pub mod units;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// Opens a pool on `url` (`sqlite://…` or `postgres://…`).
///
/// SQLite gets WAL (readers never wait for the writer), `synchronous=NORMAL` (durable at each
/// checkpoint, safe against corruption in WAL mode), foreign keys on, and a busy timeout so that
/// concurrent writers wait for each other instead of failing with "database is locked".
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging_level(tracing::log::LevelFilter::Debug)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
        });
    Database::connect(opts).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}
