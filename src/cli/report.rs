//! Writing report files (`bidtrack report`).

use crate::reports::{self, Format};
use anyhow::Context;

/// Writes a report to `output` (`-`: stdout), or to its own file name in the current directory.
pub(super) fn write_rendered(
    rendered: &reports::Rendered,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    match output {
        Some(path) if path.as_os_str() == "-" => {
            use std::io::Write;
            std::io::stdout()
                .write_all(&rendered.bytes)
                .context("cannot write to stdout")?;
        }
        other => {
            let path = other.unwrap_or_else(|| rendered.file_name.clone().into());
            std::fs::write(&path, &rendered.bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!("{} ({} bytes)", path.display(), rendered.bytes.len());
        }
    }
    Ok(())
}

/// Streams a package list to a file (or stdout) chunk by chunk: memory stays flat.
pub(super) async fn write_package_list(
    conn: &sea_orm::DatabaseConnection,
    mut report: reports::packages::PackageReport,
    format: Format,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let path = output
        .unwrap_or_else(|| format!("{}.{}", report.head.file_stem, format.extension()).into());
    let mut out: Box<dyn Write> = if path.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::io::BufWriter::new(
            std::fs::File::create(&path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ))
    };
    let mut count = 0;
    if format == Format::Csv {
        out.write_all(&reports::csv::header(&report.head)?)?;
        while let Some(rows) = report.next_rows(conn).await? {
            count += rows.len();
            out.write_all(&reports::csv::rows(&rows)?)?;
        }
    } else {
        let (mut file, rows) = report.into_xlsx(conn).await?;
        count = rows;
        std::io::copy(&mut file, &mut out)?;
    }
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    if path.as_os_str() != "-" {
        println!("{} ({count} packages)", path.display());
    }
    Ok(())
}
