//! What every page shares: raw form and query values (kept as typed, so a page can show them
//! back), the flash notice that survives a Post/Redirect/Get, and the Vietnamese error page that
//! replaces problem+json outside the API.

use crate::error::AppError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::extract::rejection::BytesRejection;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::convert::Infallible;

/// A one-time message for the next page (after a redirect), such as "Đã lưu gói thầu".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// `ok` or `error`: how the page styles it.
    pub class: &'static str,
    pub text: String,
}

impl Notice {
    pub fn ok(text: impl Into<String>) -> Self {
        Notice {
            class: "ok",
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Notice {
            class: "error",
            text: text.into(),
        }
    }
}

use crate::cookies::FLASH as FLASH_COOKIE;

/// The notice a redirect left in a short-lived cookie, if any. Reading it does not clear it:
/// [`page`] does, on the response that shows it.
#[derive(Debug, Default)]
pub struct Flash(pub Option<Notice>);

impl<S: Send + Sync> FromRequestParts<S> for Flash {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let value = crate::cookies::get(&parts.headers, FLASH_COOKIE);
        Ok(Flash(value.and_then(|v| decode_notice(&v))))
    }
}

fn decode_notice(value: &str) -> Option<Notice> {
    let decoded: String = form_urlencoded::parse(format!("n={value}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    let (class, text) = decoded.split_once(':')?;
    let class = match class {
        "ok" => "ok",
        "error" => "error",
        _ => return None,
    };
    Some(Notice {
        class,
        text: text.chars().take(500).collect(),
    })
}

/// 303 to `location` with a notice for the page found there.
pub fn redirect_with(location: &str, notice: Notice) -> Response {
    let encoded: String =
        form_urlencoded::byte_serialize(format!("{}:{}", notice.class, notice.text).as_bytes())
            .collect();
    let mut response = Redirect::to(location).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={encoded}; Path=/; HttpOnly; SameSite=Lax; Max-Age=120"
    )) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A redirect target from a form: a path on this site, never another host.
pub fn local_path(candidate: &str, fallback: String) -> String {
    let ok = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.contains('\\')
        && !candidate.chars().any(char::is_control);
    if ok { candidate.to_owned() } else { fallback }
}

/// The id in a path such as `/units/{id}`; anything else is a page that does not exist.
pub fn path_id(raw: &str, entity: &'static str) -> Result<i64, PageError> {
    raw.parse()
        .map_err(|_| PageError(AppError::not_found(entity, raw)))
}

/// A posted body's bytes; one that cannot be read is the client's fault, never a 500.
pub fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, PageError> {
    body.map_err(|e| {
        PageError(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge {
                message: "Dữ liệu gửi lên quá lớn".to_owned(),
            }
        } else {
            AppError::BadRequest {
                code: "invalid_form",
                message: "Không đọc được dữ liệu biểu mẫu".to_owned(),
                errors: Vec::new(),
            }
        })
    })
}

/// The messages of a save the officer can fix, to show beside the fields; anything else is an
/// error page.
pub fn field_errors(e: AppError) -> Result<Vec<crate::error::FieldError>, PageError> {
    use crate::error::FieldError;
    match e {
        AppError::Validation(errors) => Ok(errors),
        AppError::Conflict { code, message } if code == "duplicate_code" => {
            Ok(vec![FieldError::new("code", code, message)])
        }
        AppError::Rule { code, message } => Ok(vec![FieldError::new("", code, message)]),
        other => Err(PageError(other)),
    }
}

/// Renders a page with `status`; clears the flash cookie when the page showed its notice.
pub fn page(status: StatusCode, template: &impl Template, flash: &Flash) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            if flash.0.is_some() {
                response.headers_mut().append(
                    header::SET_COOKIE,
                    HeaderValue::from_static(
                        "bidtrack_flash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
                    ),
                );
            }
            response
        }
        Err(e) => PageError(AppError::Internal(e.into())).into_response(),
    }
}

/// An error shown as a Vietnamese page (the API answers problem+json for the same errors).
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl From<sea_orm::DbErr> for PageError {
    fn from(e: sea_orm::DbErr) -> Self {
        PageError(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: &'static str,
    pub detail: String,
    pub shell: Shell,
}

impl ErrorPage {
    pub fn new(status: StatusCode, detail: String) -> Self {
        let title = match status.as_u16() {
            400 => "Yêu cầu không hợp lệ",
            403 => "Bạn không có quyền thực hiện thao tác này",
            404 => "Không tìm thấy trang",
            405 => "Thao tác không được hỗ trợ",
            409 => "Xung đột dữ liệu",
            412 => "Dữ liệu đã được người khác thay đổi",
            413 => "Dữ liệu gửi lên quá lớn",
            422 => "Dữ liệu chưa hợp lệ",
            s if s >= 500 => "Đã xảy ra lỗi hệ thống",
            _ => "Không thực hiện được yêu cầu",
        };
        ErrorPage {
            status: status.as_u16(),
            title,
            detail,
            shell: Shell::anonymous(None),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        // `problem()` logs an internal cause once and gives the generic message in its place.
        let detail = self.0.problem().detail;
        let html = ErrorPage::new(status, detail).render().unwrap_or_else(|_| {
            // The error page itself failed: a fixed page is all that is left.
            "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>Lỗi</title><h1>Đã xảy ra lỗi hệ thống</h1>".to_owned()
        });
        (status, Html(html)).into_response()
    }
}

pub struct ShellUser {
    pub display_name: String,
    pub role: &'static str,
}

/// What the frame of every page shows: the notice, who is signed in (with the logout form and
/// its CSRF token), and which actions to offer. There is no default: a page gets its frame from
/// the signed-in user (`WebUser::shell`) or says it has none (`Shell::anonymous`), so a page
/// re-rendered after an error cannot come back without the user's CSRF token.
pub struct Shell {
    pub flash: Option<Notice>,
    pub user: Option<ShellUser>,
    pub csrf: String,
    pub admin: bool,
    pub writes_packages: bool,
}

impl Shell {
    /// The frame of a page nobody is signed in to (the login page, errors before a session).
    pub fn anonymous(flash: Option<Notice>) -> Self {
        Shell {
            flash,
            user: None,
            csrf: String::new(),
            admin: false,
            writes_packages: false,
        }
    }
}
