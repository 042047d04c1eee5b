//! Request extractors for the API whose failures are problem+json like every other error:
//! axum's own `Json`, `Query` and `Path` answer in plain text. JSON and query strings are parsed
//! through `serde_path_to_error`, so a type error names its field.

use crate::AppState;
use crate::error::{AppError, FieldError};
use crate::services::accounts::Actor;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, Method, header, request::Parts};
use chrono::Utc;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

/// A JSON body (`application/json` or any `+json` type, such as `application/merge-patch+json`).
pub struct ApiJson<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + ToSchema,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(AppError::UnsupportedMediaType {
                message: "Nội dung phải là JSON (Content-Type: application/json)".to_owned(),
            });
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        parse_json(&bytes).map(ApiJson)
    }
}

fn body_rejection(r: BytesRejection) -> AppError {
    if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge {
            message: "Nội dung yêu cầu quá lớn".to_owned(),
        }
    } else {
        AppError::BadRequest {
            code: "unreadable_body",
            message: r.body_text(),
            errors: vec![],
        }
    }
}

/// Syntax errors are 400 (not JSON at all); well-formed JSON of the wrong shape is 422 with one
/// entry per missing, mistyped or unknown field, each naming the field and saying in
/// Vietnamese what it should hold.
pub fn parse_json<T: DeserializeOwned + ToSchema>(bytes: &[u8]) -> Result<T, AppError> {
    // The well-formed body takes one pass; the two-step reading below is only for explaining.
    let error = match serde_json::from_slice::<T>(bytes) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    if !error.is_data() {
        return Err(invalid_json(&error));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| invalid_json(&e))?;
    let errors = super::body_errors::explain::<T>(value);
    tracing::info!(error = %error, "request body refused");
    Err(AppError::Validation(errors))
}

/// Not JSON at all: the position, never the parser's English.
fn invalid_json(e: &serde_json::Error) -> AppError {
    let what = if e.is_eof() {
        "nội dung bị cắt ngang (thiếu phần cuối)"
    } else {
        "sai cú pháp"
    };
    tracing::info!(error = %e, "request body is not JSON");
    AppError::BadRequest {
        code: "invalid_json",
        message: format!(
            "Nội dung không phải JSON hợp lệ: {what} ở dòng {}, cột {}",
            e.line(),
            e.column()
        ),
        errors: vec![],
    }
}

/// Query string parameters; a parameter of the wrong type is a 400 naming it.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        refuse_control_characters(query)?;
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let field = e.path().to_string();
                // The parser's English stays in the log; the client reads which parameter.
                tracing::info!(error = %e, "query string refused");
                let (field, message) = if field == "." {
                    (
                        "query".to_owned(),
                        "Thiếu tham số bắt buộc hoặc tham số không đúng kiểu (xem tài liệu API)"
                            .to_owned(),
                    )
                } else {
                    let message = format!("Giá trị của tham số «{field}» không hợp lệ");
                    (field, message)
                };
                AppError::BadRequest {
                    code: "invalid_query",
                    message: message.clone(),
                    errors: vec![FieldError::new(field, "invalid", message)],
                }
            })
    }
}

/// No parameter of a query string may hold a control character once decoded (`q=%00`): no
/// filter or search needs one, and PostgreSQL refuses a NUL in text with an error that would
/// otherwise be a 500.
fn refuse_control_characters(query: &str) -> Result<(), AppError> {
    let bad = form_urlencoded::parse(query.as_bytes())
        .find(|(name, value)| name.chars().chain(value.chars()).any(char::is_control));
    match bad {
        None => Ok(()),
        Some((name, _)) => {
            // The name is echoed back, so it loses its own control characters first.
            let name: String = name.chars().filter(|c| !c.is_control()).collect();
            let message = format!("Tham số {name} chứa ký tự điều khiển không được phép");
            // 422, not 400: the query string parses; one value is not acceptable (and a
            // schema-valid string must never be a 400).
            Err(AppError::Validation(vec![FieldError::new(
                name,
                "control_character",
                message,
            )]))
        }
    }
}

/// Path parameters; `/packages/abc` is a 400, not axum's plain-text rejection.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|r: PathRejection| AppError::BadRequest {
                code: "invalid_path",
                message: format!("Đường dẫn không hợp lệ: {}", r.body_text()),
                errors: vec![],
            })
    }
}

/// The version named by `If-Match` (`"3"`), required for writes that replace or remove.
pub struct IfMatch(pub i32);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Err(AppError::PreconditionRequired {
                message: "Cần gửi tiêu đề If-Match với ETag của phiên bản đang sửa (lấy từ GET)"
                    .to_owned(),
            });
        };
        value
            .to_str()
            .ok()
            .and_then(parse_etag)
            .map(IfMatch)
            .ok_or_else(|| AppError::PreconditionRequired {
                message: "If-Match phải là một ETag do bidtrack cấp, ví dụ \"3\"".to_owned(),
            })
    }
}

/// The user behind a request's `Authorization: Bearer` token. Every `/api/v1` operation but
/// login and the OpenAPI document takes it: 401 without a live token.
pub struct Auth(pub Actor);

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer(&parts.headers) else {
            // A signed-in browser may read (report downloads from the pages); writes need a
            // token, so a cookie alone never changes anything through the API.
            if matches!(parts.method, Method::GET | Method::HEAD)
                && let Some(secret) = crate::cookies::get(&parts.headers, crate::cookies::SESSION)
                && let Some((actor, _)) =
                    state.cache.session(&state.db, &secret, Utc::now()).await?
            {
                return Ok(Auth(actor));
            }
            return Err(AppError::Unauthenticated {
                message: "Cần đăng nhập: gửi tiêu đề Authorization: Bearer <token> (POST /api/v1/auth/login cấp token)".to_owned(),
            });
        };
        let (actor, token) = state
            .cache
            .token(&state.db, token, Utc::now())
            .await?
            .ok_or_else(|| AppError::Unauthenticated {
                message: "Token không hợp lệ, đã hết hạn hoặc đã bị thu hồi".to_owned(),
            })?;
        parts.extensions.insert(TokenId(token.id));
        Ok(Auth(actor))
    }
}

/// The id of the token a request came with (logout revokes it).
#[derive(Clone, Copy)]
pub struct TokenId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for TokenId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<TokenId>()
            .copied()
            .ok_or_else(|| AppError::Unauthenticated {
                message: "Cần đăng nhập".to_owned(),
            })
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The strong ETag of a version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// Reads an ETag we issued. `*` and weak tags are refused: optimistic locking needs the exact
/// version the client saw.
fn parse_etag(value: &str) -> Option<i32> {
    let inner = value.trim().strip_prefix('"')?.strip_suffix('"')?;
    inner.parse().ok().filter(|v| *v >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_round_trip_and_refuse_others() {
        assert_eq!(parse_etag(&etag(3)), Some(3));
        assert_eq!(parse_etag(" \"12\" "), Some(12));
        for bad in ["*", "W/\"3\"", "3", "\"x\"", "\"0\"", "\"-1\"", "\"\""] {
            assert_eq!(parse_etag(bad), None, "{bad}");
        }
    }

    #[test]
    fn json_errors_are_classified() {
        #[derive(serde::Deserialize, Debug, utoipa::ToSchema)]
        #[allow(dead_code)]
        struct T {
            a: i64,
        }
        assert!(matches!(
            parse_json::<T>(b"{"),
            Err(AppError::BadRequest {
                code: "invalid_json",
                ..
            })
        ));
        match parse_json::<T>(br#"{"a": "x"}"#) {
            Err(AppError::Validation(errors)) => assert_eq!(errors[0].field, "a"),
            other => panic!("{other:?}"),
        }
        match parse_json::<T>(b"[]") {
            Err(AppError::Validation(errors)) => assert_eq!(errors[0].field, "body"),
            other => panic!("{other:?}"),
        }
    }
}
