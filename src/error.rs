//! `AppError`: the one error type of the services, rendered as RFC 9457 problem+json for the API.
//! (The HTML rendering arrives with the web pages.) 5xx responses never echo internals: the cause
//! is logged once, the client gets a generic detail.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A message about one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input does not have the right shape or breaks a domain rule; one message per field.
    #[error("invalid input: {}", summarize(.0))]
    Validation(Vec<FieldError>),
    /// A domain rule that is not about one field (for example: no target applies to the year).
    #[error("{message}")]
    Rule { code: &'static str, message: String },
    #[error("{entity} {key} not found")]
    NotFound { entity: &'static str, key: String },
    /// A unique key is taken, or the record changed since it was read.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{0}")]
    BadRequest(String),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

fn summarize(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<validator::ValidationErrors> for AppError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut out: Vec<FieldError> = errors
            .field_errors()
            .into_iter()
            .flat_map(|(field, errs)| {
                errs.iter().map(move |e| {
                    let message = e
                        .message
                        .as_ref()
                        .map_or_else(|| e.code.to_string(), |m| m.to_string());
                    FieldError::new(field.to_string(), e.code.to_string(), message)
                })
            })
            .collect();
        out.sort_by(|a, b| a.field.cmp(&b.field));
        AppError::Validation(out)
    }
}

impl AppError {
    pub fn not_found(entity: &'static str, key: impl ToString) -> Self {
        AppError::NotFound {
            entity,
            key: key.to_string(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Validation(_) | AppError::Rule { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable snake_case code clients can branch on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::Rule { code, .. } | AppError::Conflict { code, .. } => code,
            AppError::NotFound { .. } => "not_found",
            AppError::BadRequest(_) => "bad_request",
            AppError::Internal(_) => "internal",
        }
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    code: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [FieldError],
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = match &self {
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.".to_owned()
            }
            other => other.to_string(),
        };
        let errors = match &self {
            AppError::Validation(errors) => errors.as_slice(),
            _ => &[],
        };
        let code = self.code();
        let problem = Problem {
            kind: format!("/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail,
            code,
            errors,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}
