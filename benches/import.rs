//! Import benchmark: `cargo bench --bench import`.
//!
//! Builds 100,000 packages (BENCH_IMPORT_ROWS) spread over a generated province of 600 units and
//! writes them three ways: the template as officers fill it (a CSV with Vietnamese headers,
//! national codes, dotted prices, Có/Không); the same template saved as XLSX with the posting
//! date added (the national list's one extra fact, so the two workbooks differ by shape only);
//! and a list in the national e-procurement system's shape (an XLSX with a title row, a blank
//! row, an STT column, the system's own headers and words, the investor by name, notice codes
//! with their version, amounts with "VND", the plan year from the posting date, a total row).
//! Each is timed as a whole import (reading, checking every row, one transaction) into a fresh
//! SQLite database, then re-imported (every row found unchanged). The three shapes take turns
//! within each run, so a machine shared with other work weighs on them alike. Median of
//! BENCH_RUNS (3) runs; the table goes into BENCHMARKS.md. BENCH_IMPORT_FILES (a comma list
//! among csv, xlsx, national) runs only those shapes, for a profile, and leaves BENCHMARKS.md as
//! it is.

use bidtrack::domain::money::group_thousands;
use bidtrack::seed::generate;
use bidtrack::services::accounts::Actor;
use bidtrack::services::imports;
use std::time::{Duration, Instant};

mod common;
use common::{env_u64, machine, peak_mib, reset_peak, write_section};

const UNITS: u64 = 600;
const SEED: u64 = 7;

/// One package as the files carry it.
struct Package {
    unit: usize,
    field: usize,
    method: usize,
    price: u64,
    online: bool,
}

const FIELD_CODES: [&str; 4] = ["HH", "XL", "TV", "PTV"];
const FIELD_WORDS: [&str; 4] = ["Hàng hóa", "Xây lắp", "Tư vấn", "Phi tư vấn"];
const METHOD_CODES: [&str; 5] = ["CHCT", "DTRR", "DTHC", "CDT", "MSTT"];
const METHOD_WORDS: [&str; 5] = [
    "Chào hàng cạnh tranh trong nước",
    "Đấu thầu rộng rãi trong nước",
    "Đấu thầu hạn chế trong nước",
    "Chỉ định thầu",
    "Mua sắm trực tiếp",
];

fn packages(units: usize, rows: u64) -> Vec<Package> {
    let mut rng = generate::Rng::new(SEED);
    (0..rows)
        .map(|i| {
            let mut field = rng.below(4) as usize;
            let method = rng.below(5) as usize;
            if method == 0 && field == 2 {
                field = 3; // consulting cannot use competitive offers
            }
            Package {
                unit: (i % units as u64) as usize,
                field,
                method,
                price: 20_000_000 + rng.below(5_000_000_000),
                online: rng.below(10) < 4,
            }
        })
        .collect()
}

const TEMPLATE_HEADERS: [&str; 8] = [
    "Mã đơn vị",
    "Tên gói thầu",
    "Số TBMT",
    "Năm kế hoạch",
    "Lĩnh vực",
    "Hình thức lựa chọn nhà thầu",
    "Giá gói thầu",
    "Qua mạng",
];

fn template_row(units: &[(String, String)], i: usize, p: &Package) -> [String; 8] {
    let unit = &units[p.unit].0;
    [
        unit.clone(),
        format!("Gói thầu số {i} của {unit}"),
        format!("IB22{i:08}"),
        "2022".to_owned(),
        FIELD_CODES[p.field].to_owned(),
        METHOD_CODES[p.method].to_owned(),
        group_thousands(p.price as i64),
        if p.online { "Có" } else { "Không" }.to_owned(),
    ]
}

/// The template as a CSV: what the import benchmark has always measured.
fn template_csv(units: &[(String, String)], pkgs: &[Package]) -> Vec<u8> {
    let mut out = TEMPLATE_HEADERS.join(",") + "\n";
    for (i, p) in pkgs.iter().enumerate() {
        let row = template_row(units, i, p);
        out.push_str(&format!(
            "{},{},{},{},{},{},\"{}\",{}\n",
            row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7]
        ));
    }
    out.into_bytes()
}

/// The posting date the national-system list gives each package (its plan year comes from it).
fn posted(i: usize) -> String {
    format!("{:02}/03/2022", 1 + i % 28)
}

/// The template as XLSX, with the posting date the national-system list carries too: the two
/// workbooks hold the same facts of the same packages, so what they cost apart is their shape.
fn template_xlsx(units: &[(String, String)], pkgs: &[Package]) -> anyhow::Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in TEMPLATE_HEADERS
        .iter()
        .chain(&["Ngày đăng tải"])
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h)?;
    }
    for (i, p) in pkgs.iter().enumerate() {
        let row = template_row(units, i, p);
        for (c, v) in row.iter().chain(&[posted(i)]).enumerate() {
            sheet.write_string(i as u32 + 1, c as u16, v)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

/// A list in the national system's shape, of the same packages (the same names, so the two
/// shapes do the same work).
fn national_xlsx(units: &[(String, String)], pkgs: &[Package]) -> anyhow::Result<Vec<u8>> {
    const HEADERS: [&str; 9] = [
        "STT",
        "Số TBMT",
        "Tên gói thầu",
        "Chủ đầu tư",
        "Lĩnh vực",
        "Hình thức lựa chọn nhà thầu",
        "Hình thức dự thầu",
        "Giá gói thầu (VND)",
        "Ngày đăng tải",
    ];
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "DANH SÁCH THÔNG BÁO MỜI THẦU")?;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string(2, c as u16, *h)?;
    }
    let mut total: u128 = 0;
    for (i, p) in pkgs.iter().enumerate() {
        let row = i as u32 + 3;
        total += u128::from(p.price);
        let (code, name) = &units[p.unit];
        sheet.write_number(row, 0, (i + 1) as f64)?;
        let cells = [
            format!("IB22{i:08}-00"),
            format!("Gói thầu số {i} của {code}"),
            name.clone(),
            FIELD_WORDS[p.field].to_owned(),
            METHOD_WORDS[p.method].to_owned(),
            if p.online {
                "Qua mạng"
            } else {
                "Không qua mạng"
            }
            .to_owned(),
            format!("{} VND", group_thousands(p.price as i64)),
            format!("{} 09:00", posted(i)),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(row, c as u16 + 1, v)?;
        }
    }
    let last = pkgs.len() as u32 + 3;
    sheet.write_string(last, 2, "Tổng cộng")?;
    sheet.write_string(last, 7, format!("{total} VND"))?;
    Ok(book.save_to_buffer()?)
}

async fn fresh_db(
    dir: &std::path::Path,
    name: &str,
) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let path = dir.join(format!("import-{name}.db"));
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

/// One shape's figures over the runs.
#[derive(Default)]
struct Figures {
    first: Vec<Duration>,
    again: Vec<Duration>,
    peak: f64,
    mib: f64,
}

/// Imports `bytes` into a fresh database, then again; checks every row was created, then found
/// unchanged.
async fn measure(
    dir: &std::path::Path,
    name: &str,
    bytes: &[u8],
    rows: u64,
    f: &mut Figures,
) -> anyhow::Result<()> {
    let system = Actor::system();
    let db = fresh_db(dir, name).await?;
    f.mib = bytes.len() as f64 / 1024.0 / 1024.0;
    reset_peak();
    // The whole import as the API runs it: the file read, every row checked, one transaction.
    let timed = || async {
        let start = Instant::now();
        let sheet = imports::read_file(bytes, &Default::default())?;
        let report = imports::import_packages(
            &db,
            &system,
            sheet,
            imports::ImportOptions::default(),
            &|_| {},
        )
        .await?;
        anyhow::Ok((start.elapsed(), report))
    };
    let (took, report) = timed().await?;
    f.first.push(took);
    anyhow::ensure!(
        report.errors.is_empty() && report.created as u64 == rows,
        "{name}: import failed: {} created, {:?}",
        report.created,
        report.errors.first()
    );
    let (took, report) = timed().await?;
    f.again.push(took);
    anyhow::ensure!(
        report.unchanged as u64 == rows,
        "{name}: re-import changed rows"
    );
    f.peak = f.peak.max(peak_mib());
    db.close().await?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let rows = env_u64("BENCH_IMPORT_ROWS", 100_000);
    let runs = env_u64("BENCH_RUNS", 3).max(1);
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-data");
        std::fs::create_dir_all(&dir)?;
        let units: Vec<(String, String)> = {
            let db = fresh_db(&dir, "units").await?;
            let mut units: Vec<(String, String)> = <entity::unit::Entity as sea_orm::EntityTrait>::find()
                .all(&db)
                .await?
                .into_iter()
                .map(|u| (u.code, u.name))
                .collect();
            units.sort();
            db.close().await?;
            units
        };
        let pkgs = packages(units.len(), rows);
        let only = std::env::var("BENCH_IMPORT_FILES").ok();
        let wanted = |key: &str| {
            only.as_deref()
                .is_none_or(|o| o.split(',').any(|k| k.trim() == key))
        };
        let mut files = Vec::new();
        if wanted("csv") {
            files.push(("template CSV", template_csv(&units, &pkgs)));
        }
        if wanted("xlsx") {
            files.push(("template XLSX", template_xlsx(&units, &pkgs)?));
        }
        if wanted("national") {
            files.push(("national-system XLSX", national_xlsx(&units, &pkgs)?));
        }
        anyhow::ensure!(
            !files.is_empty(),
            "BENCH_IMPORT_FILES={only:?} selects nothing (choose among csv,xlsx,national)"
        );
        let mut figures: Vec<Figures> = files.iter().map(|_| Figures::default()).collect();
        for run in 0..runs {
            for ((name, bytes), f) in files.iter().zip(&mut figures) {
                measure(&dir, &format!("{run}"), bytes, rows, f).await?;
                eprintln!("run {run}: {name} {:.2} s", f.first.last().map_or(0.0, Duration::as_secs_f64));
            }
        }
        let mut table = String::from(
            "| file | import (median) | rows/s | µs a row | peak RSS | re-import (all unchanged) | rows/s |\n|---|---:|---:|---:|---:|---:|---:|\n",
        );
        for ((name, _), f) in files.iter().zip(figures) {
            let (first, again) = (median(f.first), median(f.again));
            table.push_str(&format!(
                "| {rows} packages, {name} ({:.1} MiB) | {:.2} s | {:.0} | {:.1} | {:.0} MiB | {:.2} s | {:.0} |\n",
                f.mib,
                first.as_secs_f64(),
                rows as f64 / first.as_secs_f64(),
                first.as_secs_f64() * 1e6 / rows as f64,
                f.peak,
                again.as_secs_f64(),
                rows as f64 / again.as_secs_f64(),
            ));
        }
        println!("{table}");
        let body = format!(
            "## Import\n\n`cargo bench --bench import`, {} on {}: the whole import (read the file, check \
             every row as the API does, write all rows and their audit rows in one transaction), median \
             of {runs} runs, each into a fresh SQLite database holding a generated province of {UNITS} units; \
             the three files take turns within each run.\n\n{table}",
            chrono::Utc::now().format("%Y-%m-%d"),
            machine()
        );
        // A partial run (a profile of one shape, say) leaves the recorded table alone.
        if only.is_none() {
            write_section("import", &body)?;
        }
        Ok(())
    })
}
