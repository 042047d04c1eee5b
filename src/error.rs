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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn render(e: AppError) -> (StatusCode, String, serde_json::Value) {
        let response = e.into_response();
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, content_type, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn validation_errors_are_problem_json_with_fields() {
        let e = AppError::Validation(vec![FieldError::new(
            "plan_year",
            "range",
            "Năm không hợp lệ",
        )]);
        let (status, content_type, body) = render(e).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body["type"], "/problems/validation_failed");
        assert_eq!(body["status"], 422);
        assert_eq!(body["code"], "validation_failed");
        assert_eq!(body["errors"][0]["field"], "plan_year");
        assert_eq!(body["errors"][0]["message"], "Năm không hợp lệ");
    }

    #[tokio::test]
    async fn internal_errors_never_leak_details() {
        let e = AppError::Internal(anyhow::anyhow!(
            "password authentication failed for user bid"
        ));
        let (status, _, body) = render(e).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["code"], "internal");
        assert!(!body.to_string().contains("password"));
        assert!(body.get("errors").is_none());
    }

    #[tokio::test]
    async fn each_variant_has_its_status_and_code() {
        let cases = [
            (
                AppError::not_found("unit", 7),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                AppError::Conflict {
                    code: "duplicate_code",
                    message: "x".into(),
                },
                StatusCode::CONFLICT,
                "duplicate_code",
            ),
            (
                AppError::BadRequest("x".into()),
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                AppError::Rule {
                    code: "no_target_rule",
                    message: "x".into(),
                },
                StatusCode::UNPROCESSABLE_ENTITY,
                "no_target_rule",
            ),
        ];
        for (e, status, code) in cases {
            let (s, _, body) = render(e).await;
            assert_eq!((s, body["code"].as_str()), (status, Some(code)));
        }
    }
}
