//! Report benchmarks over a generated province: `cargo bench --bench reports`.
//!
//! Generates (once, then reuses) a scratch database of 1,000,000 packages across 600 units with
//! a fixed seed, and times the compliance report for the whole province and for one district, the
//! province's trend over the nine generated years (uncached and cached), the annual summary, the official annual report with its XLSX, and a package-list export of one plan
//! year (~110,000 rows) as CSV and XLSX: the median of 5 runs after a warm-up, with the process's
//! peak resident memory during each.
//! SQLite always (a file under target/bench-data/); PostgreSQL too when BENCH_DATABASE_URL points
//! at a server where a database may be created. The table is printed and written to
//! BENCHMARKS.md between the `reports` markers.
//!
//! Options: BENCH_PACKAGES (default 1000000), BENCH_RUNS (default 5).

use bidtrack::domain::compliance::View;
use bidtrack::reports::{self, Format};
use bidtrack::seed;
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
        seed::generate::generate(
            &db,
            seed::generate::Spec {
                packages,
                units: UNITS,
                seed: SEED,
            },
        )
        .await?;
        eprintln!("generated in {:.1} s", start.elapsed().as_secs_f64());
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Index-only scans need the visibility map, which only VACUUM sets: a steady-state server
        // has had autovacuum run, a freshly generated database has not (and the machines here
        // run PostgreSQL with autovacuum off).
        db.execute_unprepared("VACUUM ANALYZE").await?;
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
    let commune = bidtrack::db::units::find_by_code(db, "GEN-C0001")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no commune"))?
        .id;
    let mut out = Vec::new();
    let now = chrono::Utc::now();

    out.push(
        measure("compliance report, province, 2019", runs, || async {
            let c = services::compliance::compute(db, province, 2019, View::Plan).await?;
            let t = reports::compliance::tables(&c, 1, now);
            Ok(Some(t.iter().map(|t| t.rows.len() as u64).sum()))
        })
        .await?,
    );
    out.push(
        measure("compliance report, one district, 2019", runs, || async {
            let c = services::compliance::compute(db, district, 2019, View::Plan).await?;
            let t = reports::compliance::tables(&c, 1, now);
            Ok(Some(t.iter().map(|t| t.rows.len() as u64).sum()))
        })
        .await?,
    );
    out.push(
        measure("compliance report, one commune, 2019", runs, || async {
            let c = services::compliance::compute(db, commune, 2019, View::Plan).await?;
            let t = reports::compliance::tables(&c, 1, now);
            Ok(Some(t.iter().map(|t| t.rows.len() as u64).sum()))
        })
        .await?,
    );
    // The trend over the generated years (generate::YEARS, nine), as the API answers it:
    // uncached (the service itself), then from the cache (the second call of the same request
    // while nothing is written).
    let years = seed::generate::YEARS;
    let trend = services::trend::TrendRequest {
        unit_id: province,
        from: *years.start(),
        to: *years.end(),
        view: View::Plan,
        comparable: false,
    };
    out.push(
        measure("trend, province, 9 years, uncached", runs, || async {
            let t = services::trend::trend(db, trend).await?;
            Ok(Some(t.years.len() as u64))
        })
        .await?,
    );
    let cache = services::cache::Cache::new();
    out.push(
        measure("trend, province, 9 years, cached", runs, || async {
            let t = services::trend::trend_cached(db, &cache, trend).await?;
            Ok(Some(t.years.len() as u64))
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
    out.push(
        measure("annual report, province, 2019, xlsx", runs, || async {
            // The official report as the API answers it, uncached: aggregate, comparison
            // (the compliance computation), and the workbook written.
            let r = reports::annual::build(db, province, 2019, reports::annual::Period::Year, now)
                .await?;
            let file = reports::annual::render(&r, Format::Xlsx, Default::default())?;
            std::hint::black_box(&file.bytes);
            Ok(Some(r.tables.iter().map(|t| t.rows.len() as u64).sum()))
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
                    let (file, count) = report.into_xlsx(db).await?;
                    rows += count as u64;
                    bytes += file.metadata()?.len() as usize;
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
        let mut bare = String::new();
        let db = prepare(&sqlite, packages).await?;
        let linked_sqlite: String = db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "SELECT sqlite_version()",
            ))
            .await?
            .map(|r| r.try_get_by_index(0))
            .transpose()?
            .unwrap_or_default();
        results.extend(run_suite("SQLite", &db, runs).await?);
        bare.push_str(&bare_comparison("SQLite", &db, &sqlite, runs, &results).await?);
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
            let url = format!("{base}/{name}");
            let db = prepare(&url, packages).await?;
            results.extend(run_suite("PostgreSQL", &db, runs).await?);
            bare.push_str(&bare_comparison("PostgreSQL", &db, &url, runs, &results).await?);
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
        let sqlite_cli = std::process::Command::new("sqlite3")
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).split_whitespace().next().unwrap_or("?").to_owned())
            .unwrap_or_else(|_| "?".to_owned());
        let bare_table = format!(
            "\n### bidtrack over the bare database\n\nThe whole check as bidtrack runs it (unit, rule, \
             regimes, subtree, the aggregate, the roll-up and the report table) beside the aggregate \
             statement alone, with its values written in, in sqlite3 {sqlite_cli} (the command-line \
             client from Debian; bidtrack links SQLite {}) and psql, on the same database and \
             indexes: median of {runs} after a warm-up.\n\n| engine | unit | bidtrack | bare SQL | ratio |\n|---|---|---:|---:|---:|\n{bare}",
            linked_sqlite,
        );
        table.push_str(&bare_table);
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

/// The compliance aggregate bidtrack runs for `unit`, with its values written in, timed in the
/// engine's own command-line client (sqlite3 or psql) on the same database: the median of
/// `runs` after a warm-up, as the client's timer reports it.
async fn bare_aggregate(
    db: &DatabaseConnection,
    url: &str,
    unit: i64,
    runs: u64,
) -> anyhow::Result<Duration> {
    let rule = services::compliance::rules_in_force(db, unit, 2019)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no target in force for 2019"))?;
    let regimes = bidtrack::db::reference::regimes(db).await?;
    let subtree = bidtrack::db::compliance::Subtree::of(db, unit).await?;
    let backend = db.get_database_backend();
    let statement = bidtrack::db::compliance::tally_statement(
        backend,
        &subtree,
        2019,
        View::Plan,
        &rule.scope,
        &regimes,
        bidtrack::db::compliance::Amounts::Whole,
    )?;
    let sql = format!("{statement};\n");
    let (program, args, script, marker): (&str, Vec<String>, String, &str) = match backend {
        sea_orm::DbBackend::Sqlite => {
            let path = url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned();
            (
                "sqlite3",
                vec![path],
                format!(
                    ".output /dev/null\n.timer on\n{}",
                    sql.repeat(runs as usize + 1)
                ),
                "Run Time: real ",
            )
        }
        _ => (
            "psql",
            vec![url.to_owned(), "-X".into(), "-q".into()],
            format!(
                "\\o /dev/null\n\\timing on\n{}",
                sql.repeat(runs as usize + 1)
            ),
            "Time: ",
        ),
    };
    use std::io::Write;
    let mut child = std::process::Command::new(program)
        .args(&args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| anyhow::anyhow!("{program}: {e}"))?;
    child
        .stdin
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdin"))?
        .write_all(script.as_bytes())?;
    let output = child.wait_with_output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut times: Vec<Duration> = text
        .lines()
        .filter_map(|l| l.find(marker).map(|i| &l[i + marker.len()..]))
        .filter_map(|rest| {
            let number = rest.split_whitespace().next()?;
            let value: f64 = number.parse().ok()?;
            // sqlite3 prints seconds, psql milliseconds.
            Some(if rest.contains("ms") {
                Duration::from_secs_f64(value / 1000.0)
            } else {
                Duration::from_secs_f64(value)
            })
        })
        .collect();
    if times.len() != runs as usize + 1 {
        anyhow::bail!("{program} did not time every run: {text}");
    }
    times.remove(0);
    times.sort();
    Ok(times[times.len() / 2])
}

/// bidtrack's whole check beside the bare aggregate, for the province, a district and a commune.
async fn bare_comparison(
    engine: &str,
    db: &DatabaseConnection,
    url: &str,
    runs: u64,
    measured: &[(String, Measured)],
) -> anyhow::Result<String> {
    let mut out = String::new();
    for (code, label) in [
        ("GEN", "province"),
        ("GEN-D01", "one district"),
        ("GEN-C0001", "one commune"),
    ] {
        let unit = bidtrack::db::units::find_by_code(db, code)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no unit {code}"))?
            .id;
        let bare = bare_aggregate(db, url, unit, runs).await?;
        let ours = measured
            .iter()
            .find(|(e, m)| e == engine && m.name == format!("compliance report, {label}, 2019"))
            .map(|(_, m)| m.median)
            .ok_or_else(|| anyhow::anyhow!("no measurement for {label}"))?;
        // sqlite3's timer counts whole milliseconds: below one, there is no ratio to give.
        let (bare_text, ratio) = if bare < Duration::from_millis(1) {
            ("< 1 ms".to_owned(), "–".to_owned())
        } else {
            (
                format!("{:.1} ms", bare.as_secs_f64() * 1000.0),
                format!("{:.2}", ours.as_secs_f64() / bare.as_secs_f64()),
            )
        };
        out.push_str(&format!(
            "| {engine} | {label} | {:.1} ms | {bare_text} | {ratio} |\n",
            ours.as_secs_f64() * 1000.0,
        ));
    }
    Ok(out)
}
