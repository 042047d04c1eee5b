//! The import page: upload a CSV or XLSX package list (a dry run first, if the officer wants),
//! see every error in a table (and download it as CSV), or the counts of what was written.

use super::page::{Flash, PageError, page};
use super::session::{Shell, WebUser};
use crate::AppState;
use crate::error::AppError;
use crate::services::imports::{self, ImportOptions, ImportReport, RowError};
use askama::Template;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    units: Vec<super::form::Choice>,
    dry_run: bool,
    report: Option<ImportReport>,
    /// The errors as JSON, for the CSV download form.
    errors_json: String,
    error: Option<String>,
    shell: Shell,
}

async fn unit_choices(
    state: &AppState,
    current: &str,
) -> Result<Vec<super::form::Choice>, PageError> {
    let units = crate::db::units::all(&state.db).await?;
    Ok(super::form::Choice::list(
        current,
        Some("Theo cột «Mã đơn vị» của tệp"),
        units.iter().map(|u| (u.code.as_str(), u.name.as_str())),
    ))
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    flash: Flash,
) -> Result<Response, PageError> {
    imports::require_import(&user.actor).map_err(PageError)?;
    let view = ImportPage {
        units: unit_choices(&state, "").await?,
        dry_run: true,
        report: None,
        errors_json: String::new(),
        error: None,
        shell: user.shell(&flash),
    };
    Ok(page(StatusCode::OK, &view, &flash))
}

pub async fn upload(
    State(state): State<AppState>,
    user: WebUser,
    request: Request,
) -> Result<Response, PageError> {
    // Who may import is known before a byte of the file is read.
    imports::require_import(&user.actor).map_err(PageError)?;
    let limit = state.settings.import_limit_bytes;
    let bad = |status, text| {
        PageError(AppError::unreadable_body(
            status,
            text,
            "invalid_multipart",
            limit,
        ))
    };
    let mut form = Multipart::from_request(request, &state)
        .await
        .map_err(|e| bad(e.status(), e.body_text()))?;
    let (mut csrf, mut dry_run, mut unit, mut file) = (String::new(), false, String::new(), None);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| bad(e.status(), e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let value = field
            .bytes()
            .await
            .map_err(|e| bad(e.status(), e.body_text()))?;
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&value).into_owned(),
            "dry_run" => dry_run = true,
            "unit" => unit = String::from_utf8_lossy(&value).trim().to_owned(),
            "file" => file = Some(value),
            _ => {}
        }
    }
    user.check_csrf(&super::page::Params::parse(
        form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf", &csrf)
            .finish()
            .as_bytes(),
    ))?;
    let mut view = ImportPage {
        units: unit_choices(&state, &unit).await?,
        dry_run,
        report: None,
        errors_json: String::new(),
        error: None,
        shell: user.shell(&Flash::default()),
    };
    let outcome = match file.filter(|f| !f.is_empty()) {
        None => Err(AppError::Rule {
            code: "missing_file",
            message: "Chưa chọn tệp".to_owned(),
        }),
        Some(bytes) => match imports::read_file_blocking(bytes, state.settings.import_bounds).await
        {
            Ok(sheet) => {
                imports::import_packages(
                    &state.db,
                    &user.actor,
                    sheet,
                    ImportOptions {
                        dry_run,
                        unit: Some(unit).filter(|u| !u.is_empty()),
                    },
                    &|_| {},
                )
                .await
            }
            Err(e) => Err(e),
        },
    };
    let status = match outcome {
        Ok(report) => {
            let status = if report.errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            view.errors_json = serde_json::to_string(&report.errors).unwrap_or_default();
            view.report = Some(report);
            status
        }
        Err(AppError::Rule { message, .. } | AppError::NotFound { key: message, .. }) => {
            view.error = Some(message);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e) => return Err(PageError(e)),
    };
    Ok(page(status, &view, &Flash::default()))
}

/// The error table of an import as a CSV file (the page posts back what it showed).
pub async fn errors_csv(
    user: WebUser,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, PageError> {
    let p = super::page::form_body(body)?;
    user.check_csrf(&p)?;
    let errors: Vec<RowError> = serde_json::from_str::<Vec<serde_json::Value>>(p.get("errors"))
        .unwrap_or_default()
        .into_iter()
        .map(|v| RowError {
            row: v["row"].as_u64().unwrap_or_default() as usize,
            column: v["column"].as_str().unwrap_or_default().to_owned(),
            value: v["value"].as_str().unwrap_or_default().to_owned(),
            message: v["message"].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    let csv = crate::reports::csv::import_errors(&errors)
        .map_err(|e| PageError(AppError::Internal(e.into())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"loi-nhap-goi-thau.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}
