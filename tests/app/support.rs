//! Test databases and fixtures.

use bidtrack::services::packages::{self, NewPackage};
use chrono::Utc;
use entity::{Field, Method, PackageStatus, UnitKind, unit};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};

pub enum Engine {
    Sqlite,
    Postgres,
}

/// A fresh, migrated database, removed when dropped.
pub struct TestDb {
    pub conn: DatabaseConnection,
    pub url: String,
    /// Shared by every client of this database, as one server instance shares it.
    pub cache: std::sync::Arc<bidtrack::services::cache::Cache>,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    /// `sqlite` or `postgres`, for file names.
    pub fn engine_name(&self) -> &'static str {
        match self.cleanup {
            Cleanup::Sqlite(_) => "sqlite",
            Cleanup::Postgres { .. } => "postgres",
        }
    }

    /// `None` when the engine is not available here (PostgreSQL without `TEST_DATABASE_URL`).
    pub async fn new(engine: Engine) -> Option<TestDb> {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("bidtrack.db").display()
                );
                let conn = bidtrack::db::connect(&url).await.expect("open sqlite");
                bidtrack::db::migrate(&conn).await.expect("migrate sqlite");
                Some(TestDb {
                    cache: bidtrack::services::cache::Cache::new(),
                    conn,
                    url,
                    cleanup: Cleanup::Sqlite(dir),
                })
            }
            Engine::Postgres => {
                let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
                    if std::env::var("CI").is_ok_and(|v| v == "true") {
                        panic!(
                            "CI=true but TEST_DATABASE_URL is not set: the PostgreSQL tests cannot run"
                        );
                    }
                    // Straight to the process's stderr: the test harness captures eprintln!, and
                    // a skip must be seen.
                    let _ = std::io::stderr().write_all(
                        b"!!! SKIPPED on PostgreSQL: TEST_DATABASE_URL is not set \
                          (e.g. postgres://postgres@127.0.0.1:5432/postgres)\n",
                    );
                    return None;
                };
                let name = format!(
                    "bidtrack_t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    Utc::now().timestamp_micros()
                );
                let admin = bidtrack::db::connect(&admin_url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let url = replace_database(&admin_url, &name);
                let conn = bidtrack::db::connect(&url)
                    .await
                    .expect("open test database");
                bidtrack::db::migrate(&conn)
                    .await
                    .expect("migrate postgres");
                Some(TestDb {
                    cache: bidtrack::services::cache::Cache::new(),
                    conn,
                    url,
                    cleanup: Cleanup::Postgres { admin_url, name },
                })
            }
        }
    }
}

/// `postgres://u@h:p/db?x` with the database name replaced.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            // Drop runs outside any async context we could await in: use a runtime of our own on
            // a plain thread. FORCE ends the pool's connections still open.
            let admin_url = admin_url.clone();
            let name = name.clone();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(admin) = bidtrack::db::connect(&admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Runs a test body on SQLite and on PostgreSQL: `db_test!(name, |db| async move { ... })`.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::support::TestDb::new($crate::support::Engine::Sqlite)
                    .await
                    .expect("sqlite is always available");
                ($body)(db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) =
                    $crate::support::TestDb::new($crate::support::Engine::Postgres).await
                {
                    ($body)(db).await;
                }
            }
        }
    };
}

pub async fn add_unit(
    db: &DatabaseConnection,
    code: &str,
    kind: UnitKind,
    parent: Option<i64>,
) -> unit::Model {
    bidtrack::services::units::create(
        db,
        &bidtrack::services::accounts::Actor::system(),
        bidtrack::services::units::NewUnit {
            code: code.to_owned(),
            name: format!("Đơn vị {code}"),
            kind,
            parent_id: parent,
            valid_from: None,
            valid_to: None,
        },
    )
    .await
    .expect("create unit")
}

/// A valid planned package; adjust fields with struct update syntax.
pub fn new_package(
    unit_id: i64,
    name: &str,
    method: Method,
    field: Field,
    price: i64,
    online: bool,
) -> NewPackage {
    NewPackage {
        unit_id,
        name: name.to_owned(),
        plan_id: None,
        code: None,
        notice_version: None,
        notice_date: None,
        bid_closing_at: None,
        procuring_entity: None,
        plan_code: None,
        plan_year: 2019,
        planned_start_month: None,
        planned_start_quarter: None,
        field,
        method,
        procedure: None,
        international: false,
        package_price_vnd: price,
        funding_source: None,
        contract_type: None,
        online,
        online_exempt_reason: None,
        status: PackageStatus::Planned,
        result_date: None,
        winning_price_vnd: None,
        contractor_name: None,
        bidder_count: None,
        award_decision_no: None,
        contractor_tax_code: None,
        contract_duration_days: None,
        cancellation_decision_no: None,
        cancellation_reason: None,
        notes: None,
    }
}

pub async fn create(db: &DatabaseConnection, p: NewPackage) -> entity::package::Model {
    packages::create(db, &bidtrack::services::accounts::Actor::system(), p)
        .await
        .expect("create package")
        .package
}

pub const BN: i64 = 1_000_000_000;

/// The JSON of a valid package of `unit` (a small competitive offer of 2019), for the API.
pub fn package_body(unit: i64, name: &str) -> serde_json::Value {
    serde_json::json!({"unit_id": unit, "name": name, "plan_year": 2019, "field": "goods",
           "method": "competitive_offers", "package_price_vnd": 500_000_000i64, "online": false})
}

/// The year the pages open on over the demo data: the current year (the demo has packages up
/// to `demo::LATER_YEARS`' end), else the demo's last year (with the Law 22 rule).
pub fn demo_default_year() -> i32 {
    let this_year =
        chrono::Datelike::year(&chrono::Utc::now().with_timezone(&bidtrack::domain::VIETNAM));
    this_year.min(*bidtrack::seed::demo::LATER_YEARS.end())
}
