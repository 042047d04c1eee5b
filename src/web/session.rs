//! Signing in and out of the pages: the session cookie (HttpOnly, SameSite=Lax, Secure when the
//! service is behind HTTPS), the signed-in user every page handler takes, CSRF checks on every
//! form that changes something, and what the page frame shows of the user.

use super::page::{Flash, Notice, PageError, Params, form_body, local_path, page, redirect_with};
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
    pub fn check_csrf(&self, form: &Params) -> Result<(), PageError> {
        self.check_csrf_token(form.get("csrf"))
    }

    /// The token a typed form carried.
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

pub async fn login_form(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    flash: Flash,
) -> Result<Response, PageError> {
    let q = Params::query(query.as_deref());
    let next = local_path(q.get("next"), "/".to_owned());
    login_page(&state, StatusCode::OK, String::new(), next, None, &flash)
}

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let p = form_body(body)?;
    let username = p.get("username").to_owned();
    let next = local_path(p.get("next"), "/".to_owned());
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !accounts::csrf_matches(&expected, p.get("csrf")) {
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            username,
            next,
            Some("Trang đăng nhập đã hết hạn. Hãy nhập lại.".to_owned()),
            &Flash::default(),
        );
    }
    let now = Utc::now();
    match accounts::login(
        &state.db,
        &state.passwords,
        &username,
        p.get("password"),
        now,
    )
    .await
    {
        Ok(user) => {
            let (secret, _) = accounts::open_session(&state.db, user.id, now).await?;
            let mut response = redirect_with(
                &next,
                Notice::ok(format!("Xin chào {}.", user.display_name)),
            );
            set_cookie(
                &mut response,
                &format!(
                    "{SESSION_COOKIE}={secret}; {}",
                    cookie_attributes(&state, accounts::SESSION_HOURS * 3600)
                ),
            );
            set_cookie(
                &mut response,
                &format!("{LOGIN_CSRF_COOKIE}=; {}", cookie_attributes(&state, 0)),
            );
            Ok(response)
        }
        Err(e @ (AppError::Unauthenticated { .. } | AppError::TooManyRequests { .. })) => {
            let mut response = login_page(
                &state,
                e.status(),
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
        Err(e) => Err(PageError(e)),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let p = form_body(body)?;
    user.check_csrf(&p)?;
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
