//! Signing in and out of the pages: the session cookie (HttpOnly, SameSite=Lax, Secure when the
//! service is behind HTTPS), the signed-in user every page handler takes, CSRF checks on every
//! form that changes something, and what the page frame shows of the user.

use super::input;
use super::page::{Flash, Notice, PageError, body_bytes, local_path, page, redirect_with};
use crate::AppState;
use crate::error::AppError;
pub use crate::services::accounts::WriteScope;
use crate::services::accounts::{self, Actor};
use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::cookies::{LOGIN_CSRF as LOGIN_CSRF_COOKIE, SESSION as SESSION_COOKIE, get as cookie};

fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn cookie_attributes(state: &AppState, max_age: i64) -> String {
    let secure = if state.settings.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    format!("Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// The signed-in user of a page request, and the session's CSRF token. Without a live session
/// the request goes to the login page, which comes back here afterwards.
pub struct WebUser {
    pub actor: Actor,
    pub csrf: String,
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let found = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(secret) => state
                .cache
                .session(&state.db, &secret, Utc::now())
                .await
                .map_err(|e| PageError(e).into_response())?,
            None => None,
        };
        match found {
            Some((actor, csrf)) => Ok(WebUser { actor, csrf }),
            None => {
                let here = parts
                    .uri
                    .path_and_query()
                    .map_or("/", |pq| pq.as_str())
                    .to_owned();
                // A form posted after the session ended cannot be replayed; its page can.
                let next = if parts.method == axum::http::Method::GET {
                    here
                } else {
                    "/".to_owned()
                };
                let target: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", &next)
                    .finish();
                Err(Redirect::to(&format!("/login?{target}")).into_response())
            }
        }
    }
}

impl WebUser {
    /// Every form that changes something carries the session's token; a form from elsewhere
    /// does not have it.
    pub fn check_csrf_token(&self, submitted: &str) -> Result<(), PageError> {
        if accounts::csrf_matches(&self.csrf, submitted) {
            Ok(())
        } else {
            Err(PageError(AppError::Forbidden {
                message:
                    "Biểu mẫu đã hết hạn hoặc không đến từ bidtrack. Hãy tải lại trang rồi thử lại."
                        .to_owned(),
            }))
        }
    }

    /// A posted form of this user as its struct of raw strings: the body read, then its CSRF
    /// token checked, and only then the form itself deserialized.
    pub fn form<T: DeserializeOwned>(
        &self,
        body: Result<Bytes, BytesRejection>,
    ) -> Result<T, PageError> {
        let bytes = body_bytes(body)?;
        self.check_csrf_token(input::form::<input::Token>(&bytes)?.csrf.trim())?;
        input::form(&bytes)
    }

    pub fn shell(&self, flash: &Flash) -> Shell {
        Shell {
            flash: flash.0.clone(),
            user: Some(ShellUser {
                display_name: self.actor.display_name.clone(),
                role: self.actor.role.label_vi(),
            }),
            csrf: self.csrf.clone(),
            admin: self.actor.is_admin(),
            writes_packages: self.actor.writes_packages(),
        }
    }
}

pub use super::page::{Shell, ShellUser};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    username: String,
    next: String,
    csrf: String,
    error: Option<String>,
    shell: Shell,
}

fn login_page(
    state: &AppState,
    status: StatusCode,
    username: String,
    next: String,
    error: Option<String>,
    flash: &Flash,
) -> Result<Response, PageError> {
    // Login CSRF: a token in a cookie and in the form, which another site cannot read to copy.
    let csrf = accounts::new_secret("")?;
    let view = LoginPage {
        username,
        next,
        csrf: csrf.clone(),
        error,
        shell: Shell::anonymous(flash.0.clone()),
    };
    let mut response = page(status, &view, flash);
    set_cookie(
        &mut response,
        &format!(
            "{LOGIN_CSRF_COOKIE}={csrf}; {}",
            cookie_attributes(state, 3600)
        ),
    );
    Ok(response)
}

/// Where the login page returns to afterwards.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LoginQuery {
    next: String,
}

/// The login form, as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LoginForm {
    csrf: String,
    username: String,
    password: String,
    next: String,
}

pub async fn login_form(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    flash: Flash,
) -> Result<Response, PageError> {
    let q: LoginQuery = input::query(query.as_deref())?;
    let next = local_path(q.next.trim(), "/".to_owned());
    login_page(&state, StatusCode::OK, String::new(), next, None, &flash)
}

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let f: LoginForm = input::form(&body_bytes(body)?)?;
    let username = input::text(&f.username);
    let next = local_path(f.next.trim(), "/".to_owned());
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !accounts::csrf_matches(&expected, f.csrf.trim()) {
        let message = "Trang đăng nhập đã hết hạn. Hãy nhập lại.".to_owned();
        return refused(&state, AppError::Forbidden { message }, username, next);
    }
    let now = Utc::now();
    let password = f.password.trim();
    match accounts::login(&state.db, &state.passwords, &username, password, now).await {
        Ok(user) => signed_in(&state, &user, &next).await,
        Err(e @ (AppError::Unauthenticated { .. } | AppError::TooManyRequests { .. })) => {
            refused(&state, e, username, next)
        }
        Err(e) => Err(PageError(e)),
    }
}

/// Opens the session and goes where the user was headed.
async fn signed_in(
    state: &AppState,
    user: &entity::user::Model,
    next: &str,
) -> Result<Response, PageError> {
    let (secret, _) = accounts::open_session(&state.db, user.id, Utc::now()).await?;
    let greeting = Notice::ok(format!("Xin chào {}.", user.display_name));
    let mut response = redirect_with(next, greeting);
    let hours = accounts::SESSION_HOURS * 3600;
    let session = format!(
        "{SESSION_COOKIE}={secret}; {}",
        cookie_attributes(state, hours)
    );
    set_cookie(&mut response, &session);
    let used = format!("{LOGIN_CSRF_COOKIE}=; {}", cookie_attributes(state, 0));
    set_cookie(&mut response, &used);
    Ok(response)
}

/// An expired login page, a wrong password or too many of them: the login page again, with
/// why.
fn refused(
    state: &AppState,
    e: AppError,
    username: String,
    next: String,
) -> Result<Response, PageError> {
    let status = e.status();
    let mut response = login_page(
        state,
        status,
        username,
        next,
        Some(e.to_string()),
        &Flash::default(),
    )?;
    // The page says how long in words; the header says it to whatever retries for them.
    if let AppError::TooManyRequests {
        retry_after_secs, ..
    } = e
    {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    }
    Ok(response)
}

/// The logout form carries nothing but its token.
#[derive(Debug, Default, Deserialize)]
struct LogoutForm {}

pub async fn logout(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let LogoutForm {} = user.form(body)?;
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        accounts::close_session(&state.db, &secret).await?;
    }
    let mut response = redirect_with("/login", Notice::ok("Đã đăng xuất."));
    set_cookie(
        &mut response,
        &format!("{SESSION_COOKIE}=; {}", cookie_attributes(&state, 0)),
    );
    Ok(response)
}
