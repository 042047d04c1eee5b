//! Import benchmark: `cargo bench --bench import`.
//!
//! Builds a CSV of 100,000 packages (BENCH_IMPORT_ROWS) spread over a generated province of 600
//! units, as an officer's spreadsheet would hold them (Vietnamese headers, national codes,
//! dotted prices, Có/Không), and times the whole import (reading, checking every row, one
//! transaction) into a fresh SQLite database, then the re-import of the same file (every row
//! found unchanged). Median of BENCH_RUNS (3) runs; the table goes into BENCHMARKS.md.

use bidtrack::domain::money::group_thousands;
use bidtrack::seed::generate;
use bidtrack::services::accounts::Actor;
use bidtrack::services::imports;
use std::time::{Duration, Instant};

mod common;
use common::{env_u64, machine, peak_mib, reset_peak, write_section};

const UNITS: u64 = 600;
const SEED: u64 = 7;

fn csv(unit_codes: &[String], rows: u64) -> Vec<u8> {
    let mut rng = generate::Rng::new(SEED);
    let fields = ["HH", "XL", "TV", "PTV"];
    let methods = ["CHCT", "DTRR", "DTHC", "CDT", "MSTT"];
    let mut out = String::from(
        "Mã đơn vị,Tên gói thầu,Số TBMT,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\n",
    );
    for i in 0..rows {
        let unit = &unit_codes[(i % unit_codes.len() as u64) as usize];
        let mut field = fields[rng.below(4) as usize];
        let method = methods[rng.below(5) as usize];
        if method == "CHCT" && field == "TV" {
            field = "PTV"; // consulting cannot use competitive offers
        }
        let price = 20_000_000 + rng.below(5_000_000_000);
        let online = if rng.below(10) < 4 { "Có" } else { "Không" };
        out.push_str(&format!(
            "{unit},Gói thầu số {i} của {unit},IB22{i:08},2022,{field},{method},\"{}\",{online}\n",
            group_thousands(price as i64)
        ));
    }
    out.into_bytes()
}

async fn fresh_db(dir: &std::path::Path, run: u64) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let path = dir.join(format!("import-{run}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let db = bidtrack::db::connect(&format!("sqlite://{}?mode=rwc", path.display())).await?;
    bidtrack::db::migrate(&db).await?;
    generate::generate(
        &db,
        generate::Spec {
            packages: 0,
            units: UNITS,
            seed: SEED,
        },
    )
    .await?;
    Ok(db)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let rows = env_u64("BENCH_IMPORT_ROWS", 100_000);
    let runs = env_u64("BENCH_RUNS", 3).max(1);
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-data");
        std::fs::create_dir_all(&dir)?;
        let system = Actor::system();
        let (mut first, mut again, mut peak) = (Vec::new(), Vec::new(), 0f64);
        let mut file_mib = 0.0;
        for run in 0..runs {
            let db = fresh_db(&dir, run).await?;
            let mut codes: Vec<String> = <entity::unit::Entity as sea_orm::EntityTrait>::find()
                .all(&db)
                .await?
                .into_iter()
                .map(|u| u.code)
                .collect();
            codes.sort();
            let bytes = csv(&codes, rows);
            file_mib = bytes.len() as f64 / 1024.0 / 1024.0;
            reset_peak();
            let start = Instant::now();
            let sheet = imports::read_file(&bytes, &Default::default())?;
            let report = imports::import_packages(&db, &system, sheet, imports::ImportOptions::default(), &|_| {}).await?;
            first.push(start.elapsed());
            anyhow::ensure!(report.errors.is_empty() && report.created as u64 == rows, "import failed: {:?}", report.errors.first());
            let start = Instant::now();
            let sheet = imports::read_file(&bytes, &Default::default())?;
            let report = imports::import_packages(&db, &system, sheet, imports::ImportOptions::default(), &|_| {}).await?;
            again.push(start.elapsed());
            anyhow::ensure!(report.unchanged as u64 == rows, "re-import changed rows");
            peak = peak.max(peak_mib());
            db.close().await?;
        }
        let (first, again) = (median(first), median(again));
        let rate = |d: Duration| rows as f64 / d.as_secs_f64();
        let table = format!(
            "| measurement | median | rows/s | peak RSS |\n|---|---:|---:|---:|\n\
             | import {rows} new packages (CSV, {file_mib:.1} MiB) into SQLite | {:.2} s | {:.0} | {peak:.0} MiB |\n\
             | re-import the same file (all unchanged) | {:.2} s | {:.0} | |\n",
            first.as_secs_f64(), rate(first), again.as_secs_f64(), rate(again)
        );
        println!("{table}");
        let body = format!(
            "## Import\n\n`cargo bench --bench import`, {} on {}: the whole import (read the file, check \
             every row as the API does, write all rows and their audit rows in one transaction), median \
             of {runs} runs, each into a fresh SQLite database holding a generated province of {UNITS} units.\n\n{table}",
            chrono::Utc::now().format("%Y-%m-%d"),
            machine()
        );
        write_section("import", &body)?;
        Ok(())
    })
}
