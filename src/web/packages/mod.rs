//! The package register: a filterable, searchable (diacritics optional), sortable, paginated
//! list, through the same service as `GET /api/v1/packages`.

use super::form::Choice;
use super::input::{self, given};
use super::page::{self as shell, Flash, PageError};
use super::session::{Shell, WebUser, WriteScope};
use crate::AppState;
use crate::domain::money::format_vnd;
use crate::error::AppError;
use crate::services::packages::{PackageFilter, PackageSort, PackageView};
use crate::services::units::Units;
use crate::services::{self, PageRequest};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::{Field, Method, PackageStatus};
use serde::Deserialize;
use std::str::FromStr;

const PER_PAGE: u64 = 50;

/// The register's query string (its filter form is a GET form), as sent. The fields are in the
/// order the page's own links repeat them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegisterQuery {
    pub q: String,
    pub unit_id: String,
    pub plan_year: String,
    pub method: String,
    pub field: String,
    pub status: String,
    pub online: String,
    pub in_target_scope: String,
    pub sort: String,
    pub page: String,
}

/// A query read: the service's filter and the page, and what could not be read (the filters
/// by their Vietnamese names; the year on its own, as it is typed rather than chosen).
struct Asked {
    filter: PackageFilter,
    page: u64,
    problems: Vec<&'static str>,
    plan_year_invalid: bool,
}

/// An optional filter: absent when empty, `Err` when it does not read as a `T`.
fn optional<T: FromStr>(raw: &str) -> Result<Option<T>, ()> {
    given(raw).map(str::parse).transpose().map_err(|_| ())
}

impl RegisterQuery {
    fn parse(&self) -> Asked {
        let mut problems = Vec::new();
        let mut read = |ok: bool, name: &'static str| {
            if !ok {
                problems.push(name);
            }
        };
        let unit_id = optional::<i64>(&self.unit_id);
        read(unit_id.is_ok(), "đơn vị");
        let method = optional::<Method>(&self.method);
        read(method.is_ok(), "hình thức");
        let field = optional::<Field>(&self.field);
        read(field.is_ok(), "lĩnh vực");
        let status = optional::<PackageStatus>(&self.status);
        read(status.is_ok(), "trạng thái");
        let online = optional::<bool>(&self.online);
        read(online.is_ok(), "qua mạng");
        let in_target_scope = optional::<bool>(&self.in_target_scope);
        read(in_target_scope.is_ok(), "chỉ tiêu");
        let sort = given(&self.sort).map_or(Some(PackageSort::default()), sort_from_wire);
        read(sort.is_some(), "sắp xếp");
        let page = optional::<u64>(&self.page).map(|p| p.unwrap_or(1));
        let page = page.ok().filter(|p| *p >= 1);
        read(page.is_some(), "trang");
        let plan_year = optional::<i32>(&self.plan_year)
            .ok()
            .flatten()
            .filter(|y| crate::domain::PLAN_YEARS.contains(y));
        Asked {
            filter: PackageFilter {
                unit_id: unit_id.unwrap_or_default(),
                plan_year,
                method: method.unwrap_or_default(),
                field: field.unwrap_or_default(),
                online: online.unwrap_or_default(),
                status: status.unwrap_or_default(),
                in_target_scope: in_target_scope.unwrap_or_default(),
                q: Some(self.q.trim().to_owned()),
                sort,
            },
            page: page.unwrap_or(1),
            problems,
            plan_year_invalid: given(&self.plan_year).is_some() && plan_year.is_none(),
        }
    }

    /// This list at another page, with the same filters.
    fn link(&self, page: u64) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (key, raw) in [
            ("q", &self.q),
            ("unit_id", &self.unit_id),
            ("plan_year", &self.plan_year),
            ("method", &self.method),
            ("field", &self.field),
            ("status", &self.status),
            ("online", &self.online),
            ("in_target_scope", &self.in_target_scope),
            ("sort", &self.sort),
        ] {
            if let Some(v) = given(raw) {
                s.append_pair(key, v);
            }
        }
        s.append_pair("page", &page.to_string());
        format!("/packages?{}", s.finish())
    }
}

fn sort_from_wire(s: &str) -> Option<PackageSort> {
    // serde holds the wire names of PackageSort; read them from there rather than a second list.
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

/// What the register found, or why it did not look.
#[derive(Default)]
struct Found {
    rows: Vec<Line>,
    total: u64,
    error: Option<String>,
}

async fn find(
    state: &AppState,
    user: &WebUser,
    asked: Asked,
    units: &Units,
) -> Result<Found, PageError> {
    if !asked.problems.is_empty() {
        let error = format!(
            "Giá trị không hợp lệ: {}. Hãy chọn lại.",
            asked.problems.join(", ")
        );
        return Ok(Found {
            error: Some(error),
            ..Found::default()
        });
    }
    if asked.plan_year_invalid {
        return Ok(Found::default());
    }
    let page = PageRequest {
        page: Some(asked.page),
        per_page: Some(PER_PAGE),
    };
    match services::packages::list(&state.db, &state.cache, asked.filter, page).await {
        Ok(result) => {
            let scope = WriteScope::of(&state.db, &user.actor).await?;
            Ok(Found {
                total: result.total,
                rows: result
                    .items
                    .into_iter()
                    .map(|v| line(v, units, &scope))
                    .collect(),
                error: None,
            })
        }
        // A unit that does not exist, a page past the end: the officer's to change.
        Err(AppError::Validation(errors)) => Ok(Found {
            error: Some(
                errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ..Found::default()
        }),
        Err(e) => Err(e.into()),
    }
}

pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    RawQuery(raw): RawQuery,
    flash: Flash,
) -> Result<Response, PageError> {
    let q: RegisterQuery = input::query(raw.as_deref())?;
    let asked = q.parse();
    let (page, plan_year_invalid) = (asked.page, asked.plan_year_invalid);
    let wanted: Vec<i64> = asked.filter.unit_id.into_iter().collect();
    let units = services::units::visible(&state.db, &state.cache, &user.actor, &wanted).await?;
    let found = find(&state, &user, asked, &units).await?;
    let status = if found.error.is_some() || plan_year_invalid {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let pages = found.total.div_ceil(PER_PAGE).max(1);
    let view = RegisterPage {
        units: unit_choices(&units, q.unit_id.trim()),
        selects: selects(&q),
        plan_year_invalid,
        total_text: format!("{} gói thầu", found.total),
        rows: found.rows,
        error: found.error,
        page,
        pages,
        prev: (page > 1).then(|| q.link(page - 1)),
        next: (page < pages).then(|| q.link(page + 1)),
        back: raw.map_or_else(|| "/packages".to_owned(), |q| format!("/packages?{q}")),
        q,
        shell: user.shell(&flash),
    };
    Ok(shell::page(status, &view, &flash))
}

pub struct SelectField {
    pub name: &'static str,
    pub label: &'static str,
    pub options: Vec<Choice>,
}

pub struct Line {
    /// The signed-in user may change it.
    pub editable: bool,
    pub id: i64,
    pub version: i32,
    pub online: bool,
    pub name: String,
    pub code: Option<String>,
    pub unit: String,
    pub year: i32,
    pub method: &'static str,
    pub field: &'static str,
    pub price: String,
    pub online_class: &'static str,
    pub online_text: &'static str,
    pub scope_class: &'static str,
    pub scope_text: &'static str,
    pub scope_reason: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "packages.html")]
struct RegisterPage {
    /// What the officer typed, shown back as typed.
    q: RegisterQuery,
    units: Vec<Choice>,
    selects: Vec<SelectField>,
    plan_year_invalid: bool,
    error: Option<String>,
    total_text: String,
    rows: Vec<Line>,
    page: u64,
    pages: u64,
    prev: Option<String>,
    next: Option<String>,
    /// Where a one-click switch returns: this very list.
    back: String,
    shell: Shell,
}

fn unit_choices(units: &Units, current: &str) -> Vec<Choice> {
    units
        .iter()
        .map(|u| Choice {
            value: u.id.to_string(),
            label: format!("{} ({})", u.name, u.code),
            selected: u.id.to_string() == current,
        })
        .collect()
}

const SORTS: &[(&str, &str)] = &[
    ("-updated_at", "Mới cập nhật"),
    ("name", "Tên (A→Z)"),
    ("-package_price_vnd", "Giá cao nhất"),
    ("package_price_vnd", "Giá thấp nhất"),
    ("-plan_year", "Năm mới nhất"),
    ("id", "Thứ tự nhập"),
];

fn selects(q: &RegisterQuery) -> Vec<SelectField> {
    let all = Some("Tất cả");
    let sort = given(&q.sort).unwrap_or("id");
    vec![
        SelectField {
            name: "method",
            label: "Hình thức",
            options: Choice::list(
                q.method.trim(),
                all,
                Method::ALL.iter().map(|m| (m.as_str(), m.label_vi())),
            ),
        },
        SelectField {
            name: "field",
            label: "Lĩnh vực",
            options: Choice::list(
                q.field.trim(),
                all,
                Field::ALL.iter().map(|f| (f.as_str(), f.label_vi())),
            ),
        },
        SelectField {
            name: "status",
            label: "Trạng thái",
            options: Choice::list(
                q.status.trim(),
                all,
                PackageStatus::ALL
                    .iter()
                    .map(|s| (s.as_str(), s.label_vi())),
            ),
        },
        SelectField {
            name: "online",
            label: "Qua mạng",
            options: Choice::list(
                q.online.trim(),
                all,
                [("true", "Qua mạng"), ("false", "Không qua mạng")],
            ),
        },
        SelectField {
            name: "in_target_scope",
            label: "Chỉ tiêu",
            options: Choice::list(
                q.in_target_scope.trim(),
                all,
                [("true", "Thuộc phạm vi"), ("false", "Ngoài phạm vi")],
            ),
        },
        SelectField {
            name: "sort",
            label: "Sắp xếp",
            options: Choice::list(sort, None, SORTS.iter().copied()),
        },
    ]
}

fn line(v: PackageView, units: &Units, scope: &WriteScope) -> Line {
    let p = v.package;
    let (scope_class, scope_text) = match v.derived.in_target_scope {
        Some(true) => ("yes", "Thuộc phạm vi"),
        Some(false) => ("out", "Ngoài phạm vi"),
        None => ("out", "Không có chỉ tiêu"),
    };
    Line {
        editable: scope.allows(p.unit_id),
        id: p.id,
        version: p.version,
        online: p.online,
        unit: units
            .get(p.unit_id)
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        year: p.plan_year,
        method: p.method.label_vi(),
        field: p.field.label_vi(),
        price: format_vnd(p.package_price_vnd),
        online_class: if p.online { "yes" } else { "no" },
        online_text: if p.online {
            "Qua mạng"
        } else {
            "Không qua mạng"
        },
        scope_class,
        scope_text,
        scope_reason: v
            .derived
            .scope_reason
            .map(|r| r.message_vi())
            .unwrap_or_default(),
        status: p.status.label_vi(),
        name: p.name,
        code: p.code,
    }
}
