//! Report benchmarks over a generated province: `cargo bench --bench reports`.
//!
//! Generates (once, then reuses) a scratch database of 1,000,000 packages across 600 units with
//! a fixed seed, and times the compliance report for the whole province and for one district, the
//! annual summary, and a package-list export of one plan year (~110,000 rows) as CSV and XLSX:
//! the median of 5 runs after a warm-up, with the process's peak resident memory during each.
//! SQLite always (a file under target/bench-data/); PostgreSQL too when BENCH_DATABASE_URL points
//! at a server where a database may be created. The table is printed and written to
//! BENCHMARKS.md between the `reports` markers.
//!
//! Options: BENCH_PACKAGES (default 1000000), BENCH_RUNS (default 5).

use bidtrack::domain::compliance::View;
use bidtrack::reports::{self, Format};
use bidtrack::services::{self, packages::PackageFilter};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
use std::time::{Duration, Instant};

mod common;
use common::{env_u64, machine, peak_mib, reset_peak, write_section};

const SEED: u64 = 1;
const UNITS: u64 = 600;
const EXPORT_YEAR: i32 = 2022;

struct Measured {
    name: String,
    median: Duration,
    peak_mib: f64,
    rows: Option<u64>,
}

async fn measure<F, Fut>(name: &str, runs: u64, mut f: F) -> anyhow::Result<Measured>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Option<u64>>>,
{
    f().await?; // warm-up: caches, prepared statements
    let mut times = Vec::new();
    let mut rows = None;
    let mut peak: f64 = 0.0;
    for _ in 0..runs {
        reset_peak();
        let start = Instant::now();
        rows = f().await?;
        times.push(start.elapsed());
        peak = peak.max(peak_mib());
    }
    times.sort();
    Ok(Measured {
        name: name.to_owned(),
        median: times[times.len() / 2],
        peak_mib: peak,
        rows,
    })
}

async fn prepare(url: &str, packages: u64) -> anyhow::Result<DatabaseConnection> {
    let db = bidtrack::db::connect(url).await?;
    bidtrack::db::migrate(&db).await?;
    let have = entity::package::Entity::find().count(&db).await?;
    if have != packages {
        if have > 0 {
            anyhow::bail!("{url} holds {have} packages, not {packages}: delete it to regenerate");
        }
        let start = Instant::now();
        eprintln!("generating {packages} packages in {url} …");
        services::generate::generate(
            &db,
            services::generate::Spec {
                packages,
                units: UNITS,
                seed: SEED,
            },
        )
        .await?;
        eprintln!("generated in {:.1} s", start.elapsed().as_secs_f64());
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(db)
}

async fn run_suite(
    engine: &str,
    db: &DatabaseConnection,
    runs: u64,
) -> anyhow::Result<Vec<(String, Measured)>> {
    let province = bidtrack::db::units::find_by_code(db, "GEN")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no GEN unit"))?
        .id;
    let district = bidtrack::db::units::find_by_code(db, "GEN-D01")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no district"))?
        .id;
    let mut out = Vec::new();
    let now = chrono::Utc::now();

    out.push(
        measure("compliance report, province, 2019", runs, || async {
            let c = services::compliance::compute(db, province, 2019, View::Plan).await?;
            let t = reports::compliance::table(&c, 1, now);
            Ok(Some(t.rows.len() as u64))
        })
        .await?,
    );
    out.push(
        measure("compliance report, one district, 2019", runs, || async {
            let c = services::compliance::compute(db, district, 2019, View::Plan).await?;
            Ok(Some(
                reports::compliance::table(&c, 1, now).rows.len() as u64
            ))
        })
        .await?,
    );
    out.push(
        measure("annual summary, province, 2019", runs, || async {
            let t = reports::summary::build(
                db,
                province,
                2019,
                View::Plan,
                reports::summary::MoneyUnit::Million,
                now,
            )
            .await?;
            Ok(Some(t.rows.len() as u64))
        })
        .await?,
    );
    for format in [Format::Csv, Format::Xlsx] {
        let name = format!("package list export, {EXPORT_YEAR}, {format}");
        out.push(
            measure(&name, runs.min(3), || async {
                // The path the API and the CLI take: rows read and written chunk by chunk.
                let filter = PackageFilter {
                    unit_id: Some(province),
                    plan_year: Some(EXPORT_YEAR),
                    ..Default::default()
                };
                let mut report = reports::packages::open(db, filter, now).await?;
                let mut rows = 0_u64;
                let mut bytes = 0_usize;
                if format == Format::Csv {
                    bytes += reports::csv::header(&report.head)?.len();
                    while let Some(chunk) = report.next_rows(db).await? {
                        rows += chunk.len() as u64;
                        bytes += reports::csv::rows(&chunk)?.len();
                    }
                } else {
                    let mut xlsx = reports::xlsx::Stream::begin(&report.head)?;
                    while let Some(chunk) = report.next_rows(db).await? {
                        rows += chunk.len() as u64;
                        xlsx.push(&chunk)?;
                    }
                    bytes += xlsx.finish()?.len();
                }
                std::hint::black_box(bytes);
                Ok(Some(rows))
            })
            .await?,
        );
    }
    Ok(out.into_iter().map(|m| (engine.to_owned(), m)).collect())
}

fn main() -> anyhow::Result<()> {
    let packages = env_u64("BENCH_PACKAGES", 1_000_000);
    let runs = env_u64("BENCH_RUNS", 5).max(1);
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-data");
        std::fs::create_dir_all(&dir)?;
        let sqlite = format!("sqlite://{}?mode=rwc", dir.join(format!("reports-{packages}-{SEED}.db")).display());
        let mut results = Vec::new();
        let db = prepare(&sqlite, packages).await?;
        results.extend(run_suite("SQLite", &db, runs).await?);
        db.close().await?;
        if let Ok(admin) = std::env::var("BENCH_DATABASE_URL") {
            let name = format!("bidtrack_bench_{packages}_{SEED}");
            let admin_db = bidtrack::db::connect(&admin).await?;
            let exists = admin_db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
                ))
                .await?
                .is_some();
            if !exists {
                admin_db.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await?;
            }
            admin_db.close().await?;
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            let db = prepare(&format!("{base}/{name}"), packages).await?;
            results.extend(run_suite("PostgreSQL", &db, runs).await?);
            db.close().await?;
        } else {
            eprintln!("BENCH_DATABASE_URL not set: PostgreSQL skipped");
        }

        let mut table = String::from("| engine | measurement | median | rows | rows/s | peak RSS |\n|---|---|---:|---:|---:|---:|\n");
        for (engine, m) in &results {
            let rows = m.rows.map_or_else(String::new, |r| r.to_string());
            let rate = match m.rows {
                Some(r) if m.name.contains("export") => format!("{:.0}", r as f64 / m.median.as_secs_f64()),
                _ => String::new(),
            };
            table.push_str(&format!(
                "| {engine} | {} | {:.1} ms | {rows} | {rate} | {:.0} MiB |\n",
                m.name,
                m.median.as_secs_f64() * 1000.0,
                m.peak_mib
            ));
        }
        println!("{table}");
        let body = format!(
            "## Reports over {packages} packages\n\n`cargo bench --bench reports` \
             (BENCH_DATABASE_URL set for PostgreSQL), {} on {}: median of {runs} runs after a warm-up \
             (exports: of {}), peak RSS of the whole process during the runs.\n\n{table}",
            chrono::Utc::now().format("%Y-%m-%d"),
            machine(),
            runs.min(3)
        );
        write_section("reports", &body)?;
        Ok(())
    })
}
