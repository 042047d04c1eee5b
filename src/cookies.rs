//! The cookies the service sets, named once, and reading one from a request's headers. Shared by
//! the pages (`web`) and the API's session authentication (`api::extract`), which must agree on
//! the session cookie's name.

use axum::http::{HeaderMap, header};

/// The signed-in session (pages, and the API when it is called from a page).
pub const SESSION: &str = "bidtrack_session";
/// The login form's CSRF token, before there is a session.
pub const LOGIN_CSRF: &str = "bidtrack_login_csrf";
/// A one-time notice for the page after a redirect.
pub const FLASH: &str = "bidtrack_flash";
/// The year a user last chose on the dashboard or the report page.
pub const YEAR: &str = "bidtrack_year";

/// The value of cookie `name`, if the request carries it.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}
