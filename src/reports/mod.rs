//! Reports for the finance department: a query, then one pure [`table::Table`], then writers
//! (CSV, XLSX, HTML, JSON) that share that one definition. The figures come from the services
//! (the compliance report from the one compliance computation); writers only present them.

pub mod compliance;
pub mod csv;
pub mod html;
pub mod packages;
pub mod summary;
pub mod table;
pub mod xlsx;

use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::fmt;
use std::str::FromStr;

/// The output formats every report offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    #[default]
    Json,
    Csv,
    Xlsx,
    Html,
}

impl Format {
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Html => "html",
        }
    }

    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            "html" => Ok(Format::Html),
            other => Err(format!(
                "unknown format `{other}` (expected json, csv, xlsx or html)"
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// A rendered report file.
pub struct Rendered {
    pub content_type: &'static str,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Renders a table in a format. `chart` is the HTML report's chart, when the report has one.
pub fn render(
    table: &table::Table,
    format: Format,
    chart: Option<&html::Chart>,
) -> Result<Rendered, AppError> {
    let bytes = match format {
        Format::Json => serde_json::to_vec_pretty(&table.json()).map_err(anyhow::Error::from)?,
        Format::Csv => csv::write(table).map_err(anyhow::Error::from)?,
        Format::Xlsx => xlsx::write(table).map_err(anyhow::Error::from)?,
        Format::Html => html::write(table, chart)
            .map_err(anyhow::Error::from)?
            .into_bytes(),
    };
    Ok(Rendered {
        content_type: format.content_type(),
        file_name: format!("{}.{}", table.file_stem, format.extension()),
        bytes,
    })
}

/// "Đạt", "Chưa đạt", or "Không có gói thuộc phạm vi" when nothing is in scope.
pub fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "Đạt",
        Some(false) => "Chưa đạt",
        None => "Không có gói thuộc phạm vi",
    }
}

/// When a report was made, in Vietnam's time zone (UTC+7, no daylight saving).
pub fn generated_line(at: DateTime<Utc>) -> String {
    at.with_timezone(&table::VIETNAM)
        .format("%d/%m/%Y %H:%M (giờ Việt Nam, UTC+07:00)")
        .to_string()
}
