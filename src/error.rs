//! `AppError`: the one error type of the services, rendered as RFC 9457 problem+json for the API.
//! (The HTML rendering arrives with the web pages.) 5xx responses never echo internals: the cause
//! is logged once, the client gets a generic detail.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A message about one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, query parameter or header the message is about.
    #[schema(example = "package_price_vnd")]
    pub field: String,
    /// Stable snake_case code of the problem with this field.
    #[schema(example = "range")]
    pub code: String,
    /// Vietnamese message for the user.
    #[schema(example = "Giá gói thầu phải lớn hơn 0")]
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
    /// The request itself is malformed (JSON syntax, query string, path).
    #[error("{message}")]
    BadRequest {
        code: &'static str,
        message: String,
        errors: Vec<FieldError>,
    },
    #[error("{message}")]
    UnsupportedMediaType { message: String },
    #[error("{message}")]
    PayloadTooLarge { message: String },
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A write that must name the version it changes (If-Match) did not.
    #[error("{message}")]
    PreconditionRequired { message: String },
    /// The version named by If-Match is not the current one.
    #[error("{message}")]
    PreconditionFailed { message: String },
    /// No valid credentials (API token or session) came with a request that needs them.
    #[error("{message}")]
    Unauthenticated { message: String },
    /// The user is known but their role or unit does not allow this.
    #[error("{message}")]
    Forbidden { message: String },
    /// A login that must wait: too many failures for the username (`too_many_attempts`), or
    /// every password check of this instance taken (`login_busy`).
    #[error("{message}")]
    TooManyRequests {
        code: &'static str,
        message: String,
        retry_after_secs: u64,
    },
    /// The client took longer than the upload limit to send its request body (408, and the
    /// connection is closed: what is left of the body is not worth reading).
    #[error("{message}")]
    RequestTimeout { message: String },
    /// The server cannot take the request now, but may shortly (503 with Retry-After): every
    /// database connection stayed busy for the acquire timeout (`busy`), too many requests are
    /// in flight (`overloaded`), the request ran past the time limit (`timeout`), or the
    /// instance is not ready (`not_ready`).
    #[error("{message}")]
    Busy { code: &'static str, message: String },
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

/// Seconds a client is asked to wait after a 503.
pub const BUSY_RETRY_AFTER_SECS: u64 = 2;

fn summarize(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

tokio::task_local! {
    /// The id of the request being answered on this task, set by the operations layer around
    /// each request. It lives here, not in `ops`, so that errors need nothing from `ops`.
    pub(crate) static CURRENT_REQUEST: std::sync::Arc<str>;
}

/// The id of the request being answered on this task, if any (problem documents carry it).
pub fn request_id() -> Option<String> {
    CURRENT_REQUEST.try_with(|id| id.to_string()).ok()
}

impl AppError {
    /// A body that could not be read: too large for the import limit (413), or malformed (400).
    pub fn unreadable_body(
        status: axum::http::StatusCode,
        text: String,
        code: &'static str,
        limit: usize,
    ) -> AppError {
        if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge {
                message: format!("Tệp lớn hơn giới hạn nhập ({} MB)", limit / (1024 * 1024)),
            }
        } else {
            AppError::BadRequest {
                code,
                message: text,
                errors: Vec::new(),
            }
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        match e {
            sea_orm::DbErr::ConnectionAcquire(cause) => {
                tracing::warn!(%cause, "no database connection free: answering 503");
                AppError::Busy {
                    code: "busy",
                    message: "Máy chủ đang quá tải, vui lòng thử lại sau giây lát".to_owned(),
                }
            }
            other if sqlite_busy(&other) => {
                tracing::warn!(cause = %other, "SQLite write lock still taken after the busy timeout: answering 503");
                AppError::Busy {
                    code: "busy",
                    message: "Máy chủ đang quá tải, vui lòng thử lại sau giây lát".to_owned(),
                }
            }
            other if postgres_refused_text(&other) => {
                tracing::warn!(cause = %other, "PostgreSQL refused a text value: answering 422");
                AppError::Rule {
                    code: "invalid_text",
                    message: "Dữ liệu gửi lên chứa ký tự không lưu được (ví dụ ký tự NUL)"
                        .to_owned(),
                }
            }
            other => AppError::Internal(other.into()),
        }
    }
}

/// PostgreSQL's `character_not_in_repertoire` (22021): a text value held a NUL, which
/// PostgreSQL cannot store. Input checks refuse control characters before any query; this keeps
/// a path they missed a client error (422), as it is on SQLite's side of the same request,
/// instead of a 500.
fn postgres_refused_text(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Exec(RuntimeErr::SqlxError(inner))
    | DbErr::Query(RuntimeErr::SqlxError(inner))
    | DbErr::Conn(RuntimeErr::SqlxError(inner))) = e
    else {
        return false;
    };
    inner.as_database_error().is_some_and(|db| {
        db.try_downcast_ref::<sea_orm::sqlx::postgres::PgDatabaseError>()
            .is_some()
            && db.code().as_deref() == Some("22021")
    })
}

/// SQLITE_BUSY (5) and SQLITE_LOCKED (6), extended codes included: another connection held the
/// lock past the busy timeout. The client may retry; it is not a fault of the server.
fn sqlite_busy(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Exec(RuntimeErr::SqlxError(inner))
    | DbErr::Query(RuntimeErr::SqlxError(inner))
    | DbErr::Conn(RuntimeErr::SqlxError(inner))) = e
    else {
        return false;
    };
    let Some(db) = inner.as_database_error() else {
        return false;
    };
    let sqlite = db
        .try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
        .is_some();
    let code: Option<i64> = db.code().and_then(|c| c.parse().ok());
    sqlite && code.is_some_and(|c| matches!(c & 0xff, 5 | 6))
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
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::PreconditionRequired { .. } => StatusCode::PRECONDITION_REQUIRED,
            AppError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable snake_case code clients can branch on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::Rule { code, .. } | AppError::Conflict { code, .. } => code,
            AppError::NotFound { .. } => "not_found",
            AppError::BadRequest { code, .. } => code,
            AppError::UnsupportedMediaType { .. } => "unsupported_media_type",
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::PreconditionRequired { .. } => "precondition_required",
            AppError::PreconditionFailed { .. } => "stale_version",
            AppError::Unauthenticated { .. } => "unauthenticated",
            AppError::Forbidden { .. } => "forbidden",
            AppError::TooManyRequests { code, .. } => code,
            AppError::RequestTimeout { .. } => "upload_timeout",
            AppError::Busy { code, .. } => code,
            AppError::Internal(_) => "internal",
        }
    }
}

/// An RFC 9457 problem detail, the body of every error response (`application/problem+json`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem: `/problems/{code}`.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation_failed")]
    pub kind: String,
    #[schema(example = "Unprocessable Entity")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong, for a person.
    pub detail: String,
    /// Stable snake_case code clients can branch on.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// One entry per offending field, for validation and malformed-request problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<FieldError>,
    /// The request's id, as in its `X-Request-Id` header and on every log line it wrote: quote
    /// it when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub request_id: Option<String>,
}

impl AppError {
    /// The problem document for this error. Internal causes are logged here, once, and replaced
    /// by a generic message.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let detail = match self {
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.".to_owned()
            }
            AppError::MethodNotAllowed => {
                "Phương thức HTTP không được hỗ trợ cho địa chỉ này".to_owned()
            }
            AppError::NotFound { entity, key } => format!("Không tìm thấy {entity} {key}"),
            other => other.to_string(),
        };
        let errors = match self {
            AppError::Validation(errors) | AppError::BadRequest { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        let code = self.code();
        Problem {
            kind: format!("/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors,
            request_id: request_id(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (
            self.status(),
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        match &self {
            AppError::Unauthenticated { .. } => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer realm=\"bidtrack\""),
                );
            }
            AppError::TooManyRequests {
                retry_after_secs, ..
            } => {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from(*retry_after_secs),
                );
            }
            AppError::Busy { .. } => {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from(BUSY_RETRY_AFTER_SECS),
                );
            }
            // RFC 9110 §15.5.9: the server closes the connection after a 408.
            AppError::RequestTimeout { .. } => {
                response.headers_mut().insert(
                    header::CONNECTION,
                    header::HeaderValue::from_static("close"),
                );
            }
            _ => {}
        }
        response
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
    async fn an_exhausted_pool_is_503_with_retry_after() {
        let e = AppError::from(sea_orm::DbErr::ConnectionAcquire(
            sea_orm::error::ConnAcquireErr::Timeout,
        ));
        let response = e.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "busy");
        // Any other database failure stays an internal error.
        let other = AppError::from(sea_orm::DbErr::Custom("disk I/O error".into()));
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
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
                AppError::BadRequest {
                    code: "invalid_json",
                    message: "x".into(),
                    errors: vec![],
                },
                StatusCode::BAD_REQUEST,
                "invalid_json",
            ),
            (
                AppError::MethodNotAllowed,
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
            ),
            (
                AppError::Unauthenticated {
                    message: "x".into(),
                },
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
            ),
            (
                AppError::Forbidden {
                    message: "x".into(),
                },
                StatusCode::FORBIDDEN,
                "forbidden",
            ),
            (
                AppError::TooManyRequests {
                    code: "too_many_attempts",
                    message: "x".into(),
                    retry_after_secs: 30,
                },
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
            ),
            (
                AppError::PreconditionFailed {
                    message: "x".into(),
                },
                StatusCode::PRECONDITION_FAILED,
                "stale_version",
            ),
            (
                AppError::PreconditionRequired {
                    message: "x".into(),
                },
                StatusCode::PRECONDITION_REQUIRED,
                "precondition_required",
            ),
            (
                AppError::Rule {
                    code: "invalid_file",
                    message: "x".into(),
                },
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_file",
            ),
        ];
        for (e, status, code) in cases {
            let (s, _, body) = render(e).await;
            assert_eq!((s, body["code"].as_str()), (status, Some(code)));
        }
    }
}
