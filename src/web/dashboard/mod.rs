//! The dashboard (home page): a unit's figures for a year, its standing against every target in
//! force, its children under the targets that apply to each, and the packages that would close
//! the gap. Reads the one compliance computation (`services::compliance::dashboard`); what the
//! page makes of it is in [`view`].

mod view;

use super::input::{self, given};
use super::page::{Flash, PageError, page};
use super::session::WebUser;
use crate::AppState;
use crate::error::AppError;
use crate::services;
use crate::services::units::Units;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use view::{DashboardPage, Summary, unit_options};

use crate::cookies::YEAR as YEAR_COOKIE;

/// The year a page opens on: the user's last choice (cookie), else the service's default (the
/// current year when it has packages, else the latest year with packages and a rule). One
/// officer re-planning a package must not move everybody's default.
pub async fn default_year(state: &AppState, headers: &HeaderMap) -> Result<i32, AppError> {
    if let Some(y) = crate::cookies::get(headers, YEAR_COOKIE)
        .and_then(|v| v.parse::<i32>().ok())
        .filter(|y| crate::domain::PLAN_YEARS.contains(y))
    {
        return Ok(y);
    }
    services::compliance::default_year(&state.db).await
}

/// Remembers a year the user chose, for a year.
pub fn remember_year(response: &mut Response, year: i32) {
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{YEAR_COOKIE}={year}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The dashboard's query string (its picker is a GET form), as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DashboardQuery {
    unit_id: String,
    year: String,
}

/// The unit and year the page shows, or why it shows neither.
struct Chosen {
    unit_id: Option<i64>,
    year: Option<i32>,
    error: Option<String>,
}

impl DashboardQuery {
    fn unit(&self) -> Option<i64> {
        given(&self.unit_id).and_then(|u| u.parse().ok())
    }

    /// Reads the choice against the units there are; an officer first sees their own unit,
    /// everyone else the top of the tree.
    async fn choose(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        units: &Units,
        user: &WebUser,
    ) -> Result<Chosen, AppError> {
        let mut error = None;
        let unit_id = match given(&self.unit_id) {
            None => units.home(&user.actor),
            Some(_) => self.unit().filter(|id| units.get(*id).is_some()),
        };
        if unit_id.is_none() && given(&self.unit_id).is_some() {
            error = Some("Không có đơn vị này; hãy chọn một đơn vị trong danh sách.".to_owned());
        }
        let year = match given(&self.year).map(str::parse::<i32>) {
            None => Some(default_year(state, headers).await?),
            Some(Ok(y)) if crate::domain::PLAN_YEARS.contains(&y) => Some(y),
            Some(_) => {
                error = Some("Năm phải là một số từ 2000 đến 2100.".to_owned());
                None
            }
        };
        if units.is_empty() {
            error = Some("Chưa có đơn vị nào. Quản trị viên cần thêm đơn vị (hoặc chạy `bidtrack demo` để xem thử).".to_owned());
        }
        Ok(Chosen {
            unit_id,
            year,
            error,
        })
    }
}

impl Chosen {
    /// A unit or year that does not parse is the officer's input to fix (422); a year no target
    /// covers has its figures and says so; an empty tree is nobody's mistake.
    fn status(&self, units: &Units) -> StatusCode {
        if self.error.is_some() && !units.is_empty() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        }
    }

    /// The figures of the chosen unit and year, when both were chosen.
    async fn summary(
        &self,
        state: &AppState,
        units: &Units,
        user: &WebUser,
    ) -> Result<Option<Summary>, AppError> {
        let (Some(unit_id), Some(year), None) = (self.unit_id, self.year, &self.error) else {
            return Ok(None);
        };
        let (db, cache) = (&state.db, &state.cache);
        // One data version for the page's five cached results: read once, not five times.
        let at = services::cache::DataVersion::read(db).await?;
        let d = services::compliance::dashboard(db, cache, at, &user.actor, unit_id, year).await?;
        let trend = services::trend::for_dashboard(db, cache, at, unit_id, year).await?;
        Ok(Some(Summary::new(&d, &trend, units, &user.actor, year)))
    }
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    flash: Flash,
) -> Result<Response, PageError> {
    let q: DashboardQuery = input::query(query.as_deref())?;
    let (db, cache) = (&state.db, &state.cache);
    let units = services::units::visible(db, cache, &user.actor, q.unit().as_slice()).await?;
    let chosen = q.choose(&state, &headers, &units, &user).await?;
    let summary = chosen.summary(&state, &units, &user).await?;
    let status = chosen.status(&units);
    let view = DashboardPage {
        units: unit_options(&units, chosen.unit_id, chosen.year),
        year: given(&q.year).map_or_else(
            || chosen.year.map(|y| y.to_string()).unwrap_or_default(),
            str::to_owned,
        ),
        error: chosen.error,
        summary,
        shell: user.shell(&flash),
    };
    let mut response = page(status, &view, &flash);
    if let (Some(y), Some(_)) = (chosen.year, given(&q.year)) {
        remember_year(&mut response, y);
    }
    Ok(response)
}
