//! `bidtrack import`, `import-ocds` and `import-units`: reading the file (with a progress bar
//! for packages), and printing what an import found or did.

use crate::services;
use anyhow::Context;

pub(super) async fn import(
    conn: &sea_orm::DatabaseConnection,
    file: &std::path::Path,
    options: services::imports::ImportOptions,
    bounds: &crate::import::Bounds,
) -> anyhow::Result<()> {
    use services::imports;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let sheet = imports::read_file(&bytes, bounds)?;
    let bar = indicatif::ProgressBar::new(sheet.rows.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} dòng ({per_sec})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let dry_run = options.dry_run;
    let report = imports::import_packages(
        conn,
        &services::accounts::Actor::system(),
        sheet,
        options,
        &|n| bar.set_position(n as u64),
    )
    .await;
    bar.finish_and_clear();
    let report = report?;
    if report.header_row > 1 {
        eprintln!("header found in row {}", report.header_row);
    }
    for column in &report.ignored_columns {
        eprintln!("warning: column «{column}» is not a bidtrack column; not read");
    }
    if report.year_source != imports::YearSource::Column {
        eprintln!("plan year: {}", report.year_source.label_vi());
    }
    for skipped in &report.skipped_rows {
        eprintln!("dòng {}: {}, bỏ qua", skipped.row, skipped.message);
    }
    for n in &report.not_applied {
        eprintln!("dòng {}\t«{}»\t{}", n.row, n.value, n.message);
    }
    print_import(&report, dry_run)?;
    eprintln!("({:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}

/// The errors of an import, one per line, and its summary.
pub(super) fn print_import(
    report: &services::imports::ImportReport,
    dry_run: bool,
) -> anyhow::Result<()> {
    no_errors(&report.errors, report.rows)?;
    println!(
        "{}{} rows: {} created, {} updated, {} unchanged, 0 errors",
        written(dry_run),
        report.rows,
        report.created,
        report.updated,
        report.unchanged,
    );
    Ok(())
}

/// `bidtrack import-units`: the errors one per line, as for packages, then the counts.
pub(super) async fn import_units(
    conn: &sea_orm::DatabaseConnection,
    file: &std::path::Path,
    dry_run: bool,
    bounds: &crate::import::Bounds,
) -> anyhow::Result<()> {
    use services::imports::units;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let sheet = units::read_file(&bytes, bounds)?;
    let report = units::import_units(
        conn,
        &services::accounts::Actor::system(),
        sheet,
        units::UnitImportOptions { dry_run },
    )
    .await?;
    if report.header_row > 1 {
        eprintln!("header found in row {}", report.header_row);
    }
    for column in &report.ignored_columns {
        eprintln!("warning: column «{column}» is not a unit column; not read");
    }
    no_errors(&report.errors, report.rows)?;
    println!(
        "{}{} rows: units {} created, {} updated, {} unchanged; successions {} created, {} unchanged; 0 errors",
        written(dry_run),
        report.rows,
        report.units_created,
        report.units_updated,
        report.units_unchanged,
        report.successions_created,
        report.successions_unchanged,
    );
    Ok(())
}

/// The row errors printed, and an error (a failing exit status) when there is any: an import
/// with errors wrote nothing.
fn no_errors(errors: &[services::imports::RowError], rows: usize) -> anyhow::Result<()> {
    print_errors(errors);
    anyhow::ensure!(
        errors.is_empty(),
        "{} errors in {rows} rows: nothing was imported",
        errors.len(),
    );
    Ok(())
}

/// How a summary starts: a dry run says it wrote nothing.
fn written(dry_run: bool) -> &'static str {
    if dry_run {
        "dry run, nothing written: "
    } else {
        ""
    }
}

/// Row errors one per line: row, column, value, message (tab-separated, for `cut` and a
/// spreadsheet).
fn print_errors(errors: &[services::imports::RowError]) {
    for e in errors {
        println!("dòng {}\t{}\t«{}»\t{}", e.row, e.column, e.value, e.message);
    }
}
