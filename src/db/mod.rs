//! Database access: connecting (with the SQLite settings the service relies on), migrating, and
//! the queries and aggregates the services call. Entity ↔ domain conversions live here too.

pub mod annual;
pub mod backup;
pub mod compliance;
pub mod history;
pub mod package_rows;
pub mod packages;
pub mod reference;
pub mod sql;
pub mod units;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// Opens a pool on `url` (`sqlite://…` or `postgres://…`).
///
/// SQLite gets WAL (readers never wait for the writer), `synchronous=NORMAL` (durable at each
/// checkpoint, safe against corruption in WAL mode), foreign keys on, and a busy timeout so that
/// concurrent writers wait for each other instead of failing with "database is locked".
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.connect_timeout(Duration::from_secs(5))
        // Past this a request gets 503 with Retry-After (AppError::Busy) rather than waiting on.
        .acquire_timeout(Duration::from_secs(30))
        // sea-orm pings every connection it hands out by default: a second round trip for every
        // query. Only a connection idle long enough for a server or proxy to have dropped it
        // is checked.
        .test_before_acquire(false)
        .test_before_acquire_if_idle_for(Duration::from_secs(60))
        .sqlx_logging_level(tracing::log::LevelFilter::Debug)
        .max_connections(max_connections(url))
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // Writers queue for SQLite's one write lock (BEGIN IMMEDIATE) this long, as long
                // as a request waits for a connection; past it the client gets 503 `busy`.
                .busy_timeout(Duration::from_secs(30))
                // The worker thread sends rows one by one and stopped every 50 to wait for the
                // reader: an export's 1,000-row reads went 11% faster with room for a whole one.
                .row_buffer_size(1024)
        });
    Database::connect(opts).await
}

/// Connections per pool: `BIDTRACK_DB_MAX_CONNECTIONS`, else 4 for SQLite and 10 for PostgreSQL.
/// SQLite in WAL mode reads on every connection at once while writes take turns (see
/// `begin_write`); on two cores 4 connections served the most requests (BENCHMARKS.md; 1, the
/// sea-orm default, serialised every request, and 8 was slower again).
fn max_connections(url: &str) -> u32 {
    std::env::var("BIDTRACK_DB_MAX_CONNECTIONS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(if url.starts_with("sqlite:") { 4 } else { 10 })
}

/// Starts a transaction that will write. On SQLite it takes the write lock at once (BEGIN
/// IMMEDIATE), waiting up to the busy timeout behind other writers: a deferred transaction that
/// reads first and writes later fails with "database is locked" when another connection wrote in
/// between, and no timeout can save it. PostgreSQL ignores the mode.
///
/// Its first statement counts it in `data_version`, inside the transaction: the count moves if
/// and only if the writes commit, which is what makes cached figures safe (`data_version`).
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr>
where
    C::Transaction: ConnectionTrait,
{
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    txn.execute_unprepared("UPDATE data_version SET version = version + 1 WHERE id = 1")
        .await?;
    Ok(txn)
}

/// How many write transactions have committed (`None` if the counter row is missing, in which
/// case nothing may be cached on it).
pub async fn data_version(db: &impl ConnectionTrait) -> Result<Option<i64>, DbErr> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM data_version WHERE id = 1",
        ))
        .await?;
    row.map(|r| r.try_get_by_index::<i64>(0)).transpose()
}

/// Applies every pending migration, in one transaction that holds the database's migration
/// lock (PostgreSQL: an advisory lock; SQLite: the write lock), so that instances starting
/// together apply each migration once: the others wait, then find nothing pending.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(hashtext('bidtrack migrations'))")
            .await?;
    }
    Migrator::up(&txn, None).await?;
    sea_orm::TransactionSession::commit(txn).await
}
