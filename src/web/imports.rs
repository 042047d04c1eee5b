//! The import page: upload a CSV or XLSX package list (a dry run first, if the officer wants),
//! see every error in a table (and download it as CSV), or the counts of what was written.
//!
//! The errors' download reads them where the upload kept them (`services::imports::keep_errors`,
//! by id and owner, for a day), not from the browser: a list posted back could say anything and
//! would be served as bidtrack's own.

use super::form::Choice;
use super::page::{Flash, PageError, page, path_id};
use super::session::{Shell, WebUser};
use crate::AppState;
use crate::error::AppError;
use crate::services::imports::{self, ImportOptions, ImportReport};
use crate::services::units;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    units: Vec<Choice>,
    /// The year as typed.
    year: String,
    year_error: Option<String>,
    dry_run: bool,
    report: Option<ImportReport>,
    /// Where the report's plan years come from, in words.
    year_source: &'static str,
    /// Where the errors of `report` download as CSV.
    errors_csv: Option<String>,
    error: Option<String>,
    shell: Shell,
}

impl ImportPage {
    async fn new(
        state: &AppState,
        shell: Shell,
        unit: &str,
        year: &str,
        dry_run: bool,
    ) -> Result<Self, PageError> {
        let units = units::all(&state.db, &state.cache, &[]).await?;
        // The units of the year being imported (all when no year is given), the chosen one kept.
        let kept = units.iter().find(|u| u.code == unit).map(|u| u.id);
        let offered: Vec<(String, String)> = units::in_year(&units, year.trim().parse().ok(), kept)
            .into_iter()
            .map(|(u, mark)| {
                let label = match mark {
                    Some(mark) => format!("{} ({mark})", u.name),
                    None => u.name.clone(),
                };
                (u.code.clone(), label)
            })
            .collect();
        Ok(ImportPage {
            units: Choice::list(
                unit,
                Some("Theo cột «Mã đơn vị» hoặc «Chủ đầu tư» của tệp"),
                offered.iter().map(|(c, l)| (c.as_str(), l.as_str())),
            ),
            year: year.to_owned(),
            year_error: None,
            dry_run,
            report: None,
            year_source: "",
            errors_csv: None,
            error: None,
            shell,
        })
    }
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    flash: Flash,
) -> Result<Response, PageError> {
    imports::require_import(&user.actor)?;
    let view = ImportPage::new(&state, user.shell(&flash), "", "", true).await?;
    Ok(page(StatusCode::OK, &view, &flash))
}

/// The upload form, as sent (multipart: it carries the file).
#[derive(Debug, Default)]
pub(super) struct Upload {
    pub(super) dry_run: bool,
    /// A unit code every row belongs to (or whose subtree the investors' names are looked up
    /// in), or empty.
    unit: String,
    /// The plan year of rows without one, as typed, or empty.
    year: String,
    pub(super) file: Option<Bytes>,
}

impl Upload {
    /// Reads the form part by part. The page sends its token first; a file that arrives before
    /// a valid token is refused unread, so a forged upload costs no more than its headers.
    /// The unit import's page sends the same form without the unit and the year.
    pub(super) async fn read(
        request: Request,
        state: &AppState,
        user: &WebUser,
    ) -> Result<Self, PageError> {
        let limit = state.settings.import_limit_bytes;
        let bad = |status, text| {
            PageError(AppError::unreadable_body(
                status,
                text,
                "invalid_multipart",
                limit,
            ))
        };
        let mut form = Multipart::from_request(request, state)
            .await
            .map_err(|e| bad(e.status(), e.body_text()))?;
        let mut upload = Upload::default();
        let mut token_checked = false;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| bad(e.status(), e.body_text()))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" && !token_checked {
                user.check_csrf_token("")?;
            }
            let value = field
                .bytes()
                .await
                .map_err(|e| bad(e.status(), e.body_text()))?;
            match name.as_str() {
                "csrf" => {
                    user.check_csrf_token(String::from_utf8_lossy(&value).trim())?;
                    token_checked = true;
                }
                "dry_run" => upload.dry_run = true,
                "unit" => upload.unit = String::from_utf8_lossy(&value).trim().to_owned(),
                "year" => upload.year = String::from_utf8_lossy(&value).trim().to_owned(),
                "file" => upload.file = Some(value),
                _ => {}
            }
        }
        if !token_checked {
            user.check_csrf_token("")?;
        }
        Ok(upload)
    }

    /// The year as the import takes it; a year that is not one is the field's error.
    fn year(&self) -> Result<Option<i32>, String> {
        if self.year.is_empty() {
            return Ok(None);
        }
        self.year
            .parse::<i32>()
            .ok()
            .filter(|y| crate::domain::PLAN_YEARS.contains(y))
            .map(Some)
            .ok_or_else(|| "Năm phải là số trong khoảng 2000–2100".to_owned())
    }

    async fn import(
        self,
        state: &AppState,
        user: &WebUser,
        year: Option<i32>,
    ) -> Result<ImportReport, AppError> {
        let Some(bytes) = self.file.filter(|f| !f.is_empty()) else {
            return Err(AppError::Rule {
                code: "missing_file",
                message: "Chưa chọn tệp".to_owned(),
            });
        };
        let sheet = imports::read_file_blocking(bytes, state.settings.import_bounds).await?;
        let options = ImportOptions {
            dry_run: self.dry_run,
            unit: Some(self.unit).filter(|u| !u.is_empty()),
            year,
        };
        imports::import_packages(&state.db, &user.actor, sheet, options, &|_| {}).await
    }
}

pub async fn upload(
    State(state): State<AppState>,
    user: WebUser,
    request: Request,
) -> Result<Response, PageError> {
    // Who may import is known before a byte of the file is read.
    imports::require_import(&user.actor)?;
    let form = Upload::read(request, &state, &user).await?;
    let shell = user.shell(&Flash::default());
    let mut view = ImportPage::new(&state, shell, &form.unit, &form.year, form.dry_run).await?;
    let year = match form.year() {
        Ok(year) => year,
        Err(message) => {
            view.year_error = Some(message);
            return Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &view,
                &Flash::default(),
            ));
        }
    };
    let status = match form.import(&state, &user, year).await {
        Ok(report) if report.errors.is_empty() => {
            view.year_source = report.year_source.label_vi();
            view.report = Some(report);
            StatusCode::OK
        }
        Ok(report) => {
            let kept = imports::keep_errors(&state.db, &user.actor, &report.errors, Utc::now());
            view.errors_csv = Some(format!("/import/{}/errors.csv", kept.await?));
            view.year_source = report.year_source.label_vi();
            view.report = Some(report);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(AppError::Rule { message, .. } | AppError::NotFound { key: message, .. }) => {
            view.error = Some(message);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e) => return Err(PageError(e)),
    };
    Ok(page(status, &view, &Flash::default()))
}

/// The error table of an import as a CSV file, as the upload kept it.
pub async fn errors_csv(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    imports::require_import(&user.actor)?;
    let id = path_id(&id, "danh sách lỗi nhập")?;
    let errors = imports::kept_errors(&state.db, &user.actor, id, Utc::now()).await?;
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
