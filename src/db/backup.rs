//! Backups of the embedded database: `bidtrack backup FILE` copies a SQLite database while the
//! server runs (`VACUUM INTO` reads one consistent snapshot and writes a compact file), and
//! `bidtrack restore FILE` puts such a copy in place of the database, keeping the one it
//! replaces. PostgreSQL has its own tools (pg_dump / pg_restore, README.md).

use anyhow::{Context, bail};
use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::path::{Path, PathBuf};
use std::str::FromStr;

const ON_POSTGRES: &str = "on PostgreSQL use pg_dump -Fc / pg_restore (README.md, Backups)";

/// What a finished backup or restore holds.
pub struct Copy {
    pub path: PathBuf,
    pub bytes: u64,
    pub packages: i64,
}

/// Copies the database `db` is connected to into `to`, which must not exist yet.
pub async fn backup(db: &DatabaseConnection, to: &Path) -> anyhow::Result<Copy> {
    if db.get_database_backend() != DbBackend::Sqlite {
        bail!("bidtrack backup copies a SQLite database; {ON_POSTGRES}");
    }
    if to.exists() {
        bail!("{} exists already; choose a new file name", to.display());
    }
    let target = to
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", to.display()))?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await
    .with_context(|| format!("cannot write the backup to {}", to.display()))?;
    verified(to).await
}

/// Opens a copy read-only and checks it the way SQLite checks itself.
async fn verified(path: &Path) -> anyhow::Result<Copy> {
    let copy = open_read_only(path).await?;
    let check = integrity(&copy).await;
    let packages = match &check {
        Ok(()) => scalar(&copy, "SELECT COUNT(*) FROM packages").await,
        Err(_) => Ok(0),
    };
    copy.close().await.ok();
    check?;
    Ok(Copy {
        path: path.to_owned(),
        bytes: std::fs::metadata(path)?.len(),
        packages: packages.context("the copy has no packages table")?,
    })
}

async fn open_read_only(path: &Path) -> anyhow::Result<DatabaseConnection> {
    if !path.is_file() {
        bail!("{} is not a file", path.display());
    }
    sea_orm::Database::connect(format!("sqlite://{}?mode=ro", path.display()))
        .await
        .with_context(|| format!("cannot open {} as a SQLite database", path.display()))
}

async fn integrity(db: &DatabaseConnection) -> anyhow::Result<()> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .context("not a SQLite database")?;
    let findings: Vec<String> = rows
        .iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect();
    if findings != ["ok"] {
        bail!("the database is damaged: {}", findings.join("; "));
    }
    Ok(())
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
        .await?
        .context("no row")?;
    Ok(row.try_get_by_index(0)?)
}

/// Puts the backup `from` in place of the SQLite database of `database_url`. Every instance
/// serving that database must be stopped first. The database it replaces is renamed, not
/// deleted; the path it went to is returned with the restored copy.
pub async fn restore(database_url: &str, from: &Path) -> anyhow::Result<(Copy, Option<PathBuf>)> {
    if !database_url.starts_with("sqlite:") {
        bail!("bidtrack restore replaces a SQLite database; {ON_POSTGRES}");
    }
    let options = sea_orm::sqlx::sqlite::SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("cannot read the database URL {database_url}"))?;
    let target = options.get_filename().to_owned();
    let backup = open_read_only(from).await?;
    let checked = async {
        integrity(&backup).await?;
        // A backup from a newer bidtrack has migrations this one does not know: its data could
        // not be read correctly. An older one is brought up to date on the next start.
        let known: Vec<String> = migration::Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let applied = backup
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT version FROM seaql_migrations",
            ))
            .await
            .context("not a bidtrack database (no migrations table)")?;
        for row in applied {
            let version: String = row.try_get_by_index(0)?;
            if !known.contains(&version) {
                bail!(
                    "the backup was made by a newer bidtrack (migration {version}); upgrade first"
                );
            }
        }
        let staging = with_suffix(&target, ".restoring");
        let _ = std::fs::remove_file(&staging);
        let staging_text = staging
            .to_str()
            .with_context(|| format!("{} is not a UTF-8 path", staging.display()))?
            .to_owned();
        backup
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "VACUUM INTO ?",
                [staging_text.into()],
            ))
            .await
            .with_context(|| format!("cannot write {}", staging.display()))?;
        anyhow::Ok(staging)
    }
    .await;
    backup.close().await.ok();
    let staging = checked?;
    let set_aside = if target.exists() {
        let aside = with_suffix(
            &target,
            &format!(
                ".before-restore-{}",
                chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
            ),
        );
        // The write-ahead log belongs to the database it sits beside: it moves with it.
        for suffix in ["", "-wal", "-shm"] {
            let from = with_suffix(&target, suffix);
            if from.exists() {
                std::fs::rename(&from, with_suffix(&aside, suffix))
                    .with_context(|| format!("cannot move {} aside", from.display()))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&staging, &target)
        .with_context(|| format!("cannot move {} into place", staging.display()))?;
    Ok((verified(&target).await?, set_aside))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
