//! Reports for the finance department: a query, then one pure [`table::Table`], then writers
//! (CSV, XLSX, HTML, JSON) that share that one definition. The figures come from the services
//! (the compliance report from the one compliance computation); writers only present them.

pub mod annual;
pub mod compliance;
pub mod csv;
pub mod html;
pub mod packages;
pub mod summary;
pub mod table;
pub mod trend;
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

/// Renders a report of several tables (`(part key, sheet name, table)`): JSON has them all,
/// XLSX a sheet each, HTML one after another; CSV, flat by nature, the one named by `part`
/// (the first when none is).
pub fn render_parts(
    parts: &[(&str, &str, table::Table)],
    format: Format,
    chart: Option<&html::Chart>,
    part: Option<&str>,
) -> Result<Rendered, AppError> {
    let Some((_, _, first)) = parts.first() else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "a report without tables"
        )));
    };
    let chosen = match part {
        None => first,
        Some(key) => {
            &parts
                .iter()
                .find(|(k, _, _)| *k == key)
                .ok_or_else(|| {
                    AppError::Validation(vec![crate::error::FieldError::new(
                        "part",
                        "unknown",
                        format!(
                            "Phần báo cáo phải là một trong: {}",
                            parts
                                .iter()
                                .map(|(k, _, _)| *k)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )])
                })?
                .2
        }
    };
    let stem = &chosen.file_stem;
    let bytes = match format {
        Format::Json => {
            let all: Vec<serde_json::Value> = parts
                .iter()
                .map(|(key, _, t)| {
                    let mut v = t.json();
                    v["part"] = serde_json::Value::from(*key);
                    v
                })
                .collect();
            serde_json::to_vec_pretty(&serde_json::json!({ "parts": all }))
                .map_err(anyhow::Error::from)?
        }
        Format::Csv => csv::write(chosen).map_err(anyhow::Error::from)?,
        Format::Xlsx => xlsx::write_parts(
            &parts
                .iter()
                .map(|(_, sheet, t)| (*sheet, t))
                .collect::<Vec<_>>(),
        )
        .map_err(anyhow::Error::from)?,
        Format::Html => html::write_parts(
            &parts.iter().map(|(_, _, t)| t.clone()).collect::<Vec<_>>(),
            chart,
        )
        .map_err(anyhow::Error::from)?
        .into_bytes(),
    };
    // One file for the whole report, except a CSV, which holds one part.
    let file_stem = match format {
        Format::Csv => stem.clone(),
        _ => stem
            .rsplit_once('_')
            .map_or_else(|| stem.clone(), |(s, _)| s.to_owned()),
    };
    Ok(Rendered {
        content_type: format.content_type(),
        file_name: format!("{file_stem}.{}", format.extension()),
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
