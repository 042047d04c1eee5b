//! The package register: a filterable, searchable (diacritics optional), sortable, paginated
//! list, through the same service as `GET /api/v1/packages`. Its query string is read in
//! [`query`].

mod query;

use super::form::Choice;
use super::input::{self, given};
use super::page::{self as shell, Flash, PageError};
use super::session::{Shell, WebUser, WriteScope};
use crate::AppState;
use crate::domain::fields::package::PackageField;
use crate::domain::fields::plan_label;
use crate::domain::money::format_vnd;
use crate::domain::overdue;
use crate::error::AppError;
use crate::services::packages::PackageView;
use crate::services::units::Units;
use crate::services::{self, PageRequest};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::{Field, Method, PackageStatus, ProjectGroup, ProjectKind};
use query::{Asked, RegisterQuery};

const PER_PAGE: u64 = 50;

/// What the register found, or why it did not look.
#[derive(Default)]
struct Found {
    rows: Vec<Line>,
    total: u64,
    /// The page asked for.
    page: u64,
    error: Option<String>,
    plan_year_invalid: bool,
}

impl Found {
    /// A list of filters the officer must change (422), or the page of what they match.
    fn status(&self) -> StatusCode {
        if self.error.is_some() || self.plan_year_invalid {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        }
    }
}

async fn find(
    state: &AppState,
    user: &WebUser,
    asked: Asked,
    units: &Units,
) -> Result<Found, PageError> {
    let (page, plan_year_invalid) = (asked.page, asked.plan_year_invalid);
    let refused = |error| Found {
        page,
        error,
        plan_year_invalid,
        ..Found::default()
    };
    if !asked.problems.is_empty() {
        let problems = asked.problems.join(", ");
        return Ok(refused(Some(format!(
            "Giá trị không hợp lệ: {problems}. Hãy chọn lại."
        ))));
    }
    if plan_year_invalid {
        return Ok(refused(None));
    }
    let request = PageRequest {
        page: Some(page),
        per_page: Some(PER_PAGE),
    };
    match services::packages::list(&state.db, &state.cache, asked.filter, request).await {
        Ok(result) => {
            let scope = WriteScope::of(&state.db, &user.actor).await?;
            let rows = result.items.into_iter();
            Ok(Found {
                rows: rows.map(|v| line(v, units, &scope)).collect(),
                total: result.total,
                ..refused(None)
            })
        }
        // A unit that does not exist, a page past the end: the officer's to change.
        Err(AppError::Validation(errors)) => {
            let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
            Ok(refused(Some(messages.join("; "))))
        }
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
    let wanted: Vec<i64> = asked.filter.unit_id.into_iter().collect();
    let (db, cache) = (&state.db, &state.cache);
    let units = services::units::visible(db, cache, &user.actor, &wanted).await?;
    let chosen = Chosen::of(&state, &asked).await?;
    let found = find(&state, &user, asked, &units).await?;
    let status = found.status();
    let back = raw.map_or_else(|| "/packages".to_owned(), |q| format!("/packages?{q}"));
    let view = RegisterPage::new(q, &units, &chosen, found, back, user.shell(&flash));
    Ok(shell::page(status, &view, &flash))
}

/// The project and the plan the register is filtered by, by name: they are reached from their
/// own pages (a link to their packages), so the filter shows the one chosen, to keep or drop.
#[derive(Default)]
struct Chosen {
    project: Option<String>,
    plan: Option<String>,
}

impl Chosen {
    async fn of(state: &AppState, asked: &Asked) -> Result<Self, PageError> {
        let mut chosen = Chosen::default();
        if let Some(id) = asked.filter.project_id {
            // One that does not exist is the list's to report (422), not the page's.
            chosen.project =
                services::projects::get(&state.db, id)
                    .await
                    .ok()
                    .map(|p| match p.code {
                        Some(code) => format!("{} ({code})", p.name),
                        None => p.name,
                    });
        }
        if let Some(id) = asked.filter.plan_id {
            chosen.plan = services::projects::plans::get(&state.db, id)
                .await
                .ok()
                .map(|v| plan_label(v.plan.code.as_deref(), &v.plan.name));
        }
        Ok(chosen)
    }
}

impl RegisterPage {
    fn new(
        q: RegisterQuery,
        units: &Units,
        chosen: &Chosen,
        found: Found,
        back: String,
        shell: Shell,
    ) -> Self {
        let (page, pages) = (found.page, found.total.div_ceil(PER_PAGE).max(1));
        RegisterPage {
            units: super::units::choices(
                units,
                q.plan_year.trim().parse().ok(),
                q.unit_id.trim(),
                None,
            ),
            selects: selects(&q, chosen),
            plan_year_invalid: found.plan_year_invalid,
            total_text: format!("{} gói thầu", found.total),
            rows: found.rows,
            error: found.error,
            page,
            pages,
            prev: (page > 1).then(|| q.link(page - 1)),
            next: (page < pages).then(|| q.link(page + 1)),
            back,
            q,
            c: COLUMNS,
            shell,
        }
    }
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
    /// The overdue flag shown beside the status, when the package is overdue.
    pub overdue: Option<&'static str>,
    /// Declared online past planning, without evidence.
    pub unevidenced: Option<&'static str>,
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
    c: Columns,
    shell: Shell,
}

/// The register's column headings. On a phone the rows become cards and each cell carries its
/// heading as its label, so a heading is written here once for both.
pub struct Columns {
    pub package: &'static str,
    pub unit: &'static str,
    pub year: &'static str,
    pub method: &'static str,
    pub field: &'static str,
    pub price: &'static str,
    pub online: &'static str,
    pub scope: &'static str,
    pub status: &'static str,
}

const COLUMNS: Columns = Columns {
    package: "Gói thầu",
    unit: PackageField::UnitId.short(),
    year: "Năm",
    method: "Hình thức",
    field: PackageField::Field.short(),
    price: PackageField::PackagePrice.short(),
    online: PackageField::Online.short(),
    scope: "Chỉ tiêu",
    status: PackageField::Status.short(),
};

/// The register's filter choice for overdue packages (LCNT: lựa chọn nhà thầu, as officers
/// abbreviate it where space is short).
const OVERDUE_SHORT: &str = "Quá hạn tổ chức LCNT";

/// A package declared online past planning without its notice on the national system.
const UNEVIDENCED: &str = "Ghi qua mạng, chưa có bằng chứng";

const SORTS: &[(&str, &str)] = &[
    ("-updated_at", "Mới cập nhật"),
    ("name", "Tên (A→Z)"),
    ("-package_price_vnd", "Giá cao nhất"),
    ("package_price_vnd", "Giá thấp nhất"),
    ("-plan_year", "Năm mới nhất"),
    ("id", "Thứ tự nhập"),
];

/// A filter by one record named `label`, reached by a link: that record, or every one.
fn chosen_select(
    name: &'static str,
    label: &'static str,
    raw: &str,
    chosen: Option<&String>,
) -> Option<SelectField> {
    let id = given(raw)?;
    let shown = chosen.map_or_else(|| format!("Mã số {id}"), String::clone);
    Some(SelectField {
        name,
        label,
        options: Choice::list(id, Some("Tất cả"), [(id, shown.as_str())]),
    })
}

fn selects(q: &RegisterQuery, chosen: &Chosen) -> Vec<SelectField> {
    let all = Some("Tất cả");
    let sort = given(&q.sort).unwrap_or("id");
    let picked = [
        chosen_select(
            "project_id",
            "Dự án",
            &q.project_id,
            chosen.project.as_ref(),
        ),
        chosen_select("plan_id", "Kế hoạch LCNT", &q.plan_id, chosen.plan.as_ref()),
    ];
    let mut out: Vec<SelectField> = picked.into_iter().flatten().collect();
    out.extend([
        SelectField {
            name: "project_kind",
            label: "Loại dự án",
            options: Choice::list(
                q.project_kind.trim(),
                all,
                ProjectKind::ALL.iter().map(|k| (k.as_str(), k.label_vi())),
            ),
        },
        SelectField {
            name: "project_group",
            label: "Nhóm dự án",
            options: Choice::list(
                q.project_group.trim(),
                all,
                ProjectGroup::ALL.iter().map(|g| (g.as_str(), g.label_vi())),
            ),
        },
    ]);
    out.extend(vec![
        SelectField {
            name: "method",
            label: COLUMNS.method,
            options: Choice::list(
                q.method.trim(),
                all,
                Method::ALL.iter().map(|m| (m.as_str(), m.label_vi())),
            ),
        },
        SelectField {
            name: "field",
            label: COLUMNS.field,
            options: Choice::list(
                q.field.trim(),
                all,
                Field::ALL.iter().map(|f| (f.as_str(), f.label_vi())),
            ),
        },
        SelectField {
            name: "status",
            label: COLUMNS.status,
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
            label: COLUMNS.online,
            options: Choice::list(
                q.online.trim(),
                all,
                [("true", "Qua mạng"), ("false", "Không qua mạng")],
            ),
        },
        SelectField {
            name: "in_target_scope",
            label: COLUMNS.scope,
            options: Choice::list(
                q.in_target_scope.trim(),
                all,
                [("true", "Thuộc phạm vi"), ("false", "Ngoài phạm vi")],
            ),
        },
        SelectField {
            name: "overdue",
            label: "Tiến độ",
            options: Choice::list(
                q.overdue.trim(),
                all,
                [("true", OVERDUE_SHORT), ("false", "Chưa quá hạn")],
            ),
        },
        SelectField {
            name: "evidenced",
            label: "Bằng chứng qua mạng",
            options: Choice::list(
                q.evidenced.trim(),
                all,
                [
                    ("true", "Đã đăng TBMT trên Hệ thống"),
                    ("false", UNEVIDENCED),
                ],
            ),
        },
        SelectField {
            name: "sort",
            label: "Sắp xếp",
            options: Choice::list(sort, None, SORTS.iter().copied()),
        },
    ]);
    out
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
        overdue: v.derived.overdue.then_some(overdue::LABEL_VI),
        unevidenced: v
            .derived
            .warnings
            .iter()
            .any(|w| matches!(w, crate::domain::package_rules::Warning::OnlineNotEvidenced))
            .then_some(UNEVIDENCED),
        name: p.name,
        code: p.code,
    }
}
