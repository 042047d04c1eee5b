//! Projects and purchase estimates, and their selection plans: the list (filters, search,
//! pages), a project's page (its fields, its plans, its history), the project forms
//! ([`form`]) and the plan pages with their adjustments ([`plans`]). Every field is shown,
//! typed and read through its table (`domain::fields::project`, `domain::fields::plan`), and
//! every save goes through the services `/api/v1/projects` and `/api/v1/plans` use.

mod form;
pub mod plans;

pub use form::{create, edit_form, new_form, update};

use super::form::Choice;
use super::input::{self, given};
use super::page::{Flash, PageError, page, path_id};
use super::session::{Shell, WebUser, WriteScope};
use crate::AppState;
use crate::domain::fields::Spec;
use crate::domain::fields::project::{ProjectField, is_vneps_code};
use crate::domain::money::format_vnd;
use crate::error::AppError;
use crate::services::audit::Changes;
use crate::services::projects::{self as service, NewProject, ProjectFilter};
use crate::services::units::Units;
use crate::services::{self, PageRequest};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::{ProjectGroup, ProjectKind, project};
use serde::Deserialize;
use serde_json::Value;
use std::str::FromStr;

const PER_PAGE: u64 = 50;

/// The list's query string (its filter form is a GET form), as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub unit_id: String,
    pub kind: String,
    pub group: String,
    pub page: String,
}

/// An optional filter: absent when empty, `Err` when it does not read as a `T`.
fn optional<T: FromStr>(raw: &str) -> Result<Option<T>, ()> {
    given(raw).map(str::parse).transpose().map_err(|_| ())
}

impl ListQuery {
    /// The service's filter and the page, or the filters that do not read (by their names).
    fn parse(&self) -> Result<(ProjectFilter, u64), Vec<&'static str>> {
        let unit_id = optional::<i64>(&self.unit_id);
        let kind = optional::<ProjectKind>(&self.kind);
        let group = optional::<ProjectGroup>(&self.group);
        let page = optional::<u64>(&self.page).map(|p| p.unwrap_or(1));
        let page = page.ok().filter(|p| *p >= 1);
        match (unit_id, kind, group, page) {
            (Ok(unit_id), Ok(kind), Ok(group), Some(page)) => Ok((
                ProjectFilter {
                    unit_id,
                    kind,
                    group,
                    q: Some(self.q.trim().to_owned()),
                },
                page,
            )),
            (unit_id, kind, group, page) => Err([
                (unit_id.is_err(), "đơn vị"),
                (kind.is_err(), "loại"),
                (group.is_err(), "nhóm dự án"),
                (page.is_none(), "trang"),
            ]
            .into_iter()
            .filter_map(|(bad, name)| bad.then_some(name))
            .collect()),
        }
    }

    /// This list at another page, with the same filters.
    fn link(&self, page: u64) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (key, raw) in [
            ("q", &self.q),
            ("unit_id", &self.unit_id),
            ("kind", &self.kind),
            ("group", &self.group),
        ] {
            if let Some(v) = given(raw) {
                s.append_pair(key, v);
            }
        }
        s.append_pair("page", &page.to_string());
        format!("/projects?{}", s.finish())
    }
}

pub struct Line {
    pub id: i64,
    pub name: String,
    pub code: Option<String>,
    pub unit: String,
    pub kind: String,
    pub funding: &'static str,
    pub total: String,
    pub editable: bool,
}

fn kind_text(p: &project::Model) -> String {
    match p.project_group {
        Some(group) => format!("{} – {}", p.kind.label_vi(), group.label_vi()),
        None => p.kind.label_vi().to_owned(),
    }
}

fn line(p: project::Model, units: &Units, scope: &WriteScope) -> Line {
    Line {
        id: p.id,
        kind: kind_text(&p),
        unit: units.name(p.unit_id),
        funding: p.funding_kind.label_vi(),
        total: p
            .total_vnd
            .map(format_vnd)
            .unwrap_or_else(|| "–".to_owned()),
        editable: scope.allows(p.unit_id),
        name: p.name,
        code: p.code,
    }
}

pub struct SelectField {
    pub name: &'static str,
    pub label: &'static str,
    pub options: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ListPage {
    /// What the officer typed, shown back as typed.
    q: ListQuery,
    units: Vec<Choice>,
    selects: Vec<SelectField>,
    error: Option<String>,
    total_text: String,
    rows: Vec<Line>,
    page: u64,
    pages: u64,
    prev: Option<String>,
    next: Option<String>,
    shell: Shell,
}

fn selects(q: &ListQuery) -> Vec<SelectField> {
    let all = Some("Tất cả");
    vec![
        SelectField {
            name: "kind",
            label: ProjectField::Kind.label(),
            options: Choice::list(q.kind.trim(), all, ProjectKind::WIRE.values.iter().copied()),
        },
        SelectField {
            name: "group",
            label: ProjectField::Group.label(),
            options: Choice::list(
                q.group.trim(),
                all,
                ProjectGroup::WIRE.values.iter().copied(),
            ),
        },
    ]
}

/// What the list found: a page of projects and how many in all, or why it did not look.
struct Found {
    rows: Vec<Line>,
    total: u64,
    page: u64,
    error: Option<String>,
}

async fn find(
    state: &AppState,
    user: &WebUser,
    q: &ListQuery,
    units: &Units,
) -> Result<Found, PageError> {
    let (filter, page) = match q.parse() {
        Ok(parsed) => parsed,
        Err(problems) => {
            return Ok(Found {
                rows: Vec::new(),
                total: 0,
                page: 1,
                error: Some(format!(
                    "Giá trị không hợp lệ: {}. Hãy chọn lại.",
                    problems.join(", ")
                )),
            });
        }
    };
    let request = PageRequest {
        page: Some(page),
        per_page: Some(PER_PAGE),
    };
    match service::list(&state.db, &state.cache, filter, request).await {
        Ok(found) => {
            let scope = WriteScope::of(&state.db, &user.actor).await?;
            Ok(Found {
                total: found.total,
                rows: found
                    .items
                    .into_iter()
                    .map(|p| line(p, units, &scope))
                    .collect(),
                page,
                error: None,
            })
        }
        // A unit that does not exist, a page past the end: the officer's to change.
        Err(AppError::Validation(errors)) => Ok(Found {
            rows: Vec::new(),
            total: 0,
            page,
            error: Some(
                errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
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
    let q: ListQuery = input::query(raw.as_deref())?;
    let wanted: Vec<i64> = q.unit_id.trim().parse().ok().into_iter().collect();
    let units = services::units::visible(&state.db, &state.cache, &user.actor, &wanted).await?;
    let found = find(&state, &user, &q, &units).await?;
    let status = if found.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (page_no, pages) = (found.page, found.total.div_ceil(PER_PAGE).max(1));
    let view = ListPage {
        units: super::units::choices(&units, None, q.unit_id.trim(), None),
        selects: selects(&q),
        error: found.error,
        total_text: format!("{} dự án", found.total),
        rows: found.rows,
        page: page_no,
        pages,
        prev: (page_no > 1).then(|| q.link(page_no - 1)),
        next: (page_no < pages).then(|| q.link(page_no + 1)),
        q,
        shell: user.shell(&flash),
    };
    Ok(page(status, &view, &flash))
}

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

pub struct FieldChange {
    pub label: String,
    pub old: String,
    pub new: String,
}

/// One entry of a record's history, as a page shows it.
pub struct HistoryLine {
    pub at: String,
    pub who: String,
    pub action: &'static str,
    pub changes: Vec<FieldChange>,
}

/// An audit trail, newest first, each value shown as its field's kind reads (`spec` finds a
/// field of the record's table by wire name, and its position in the table). A field the
/// table does not have keeps its recorded name and value, after the table's.
fn history_lines(
    rows: Vec<entity::audit_log::Model>,
    spec: &dyn Fn(&str) -> Option<(usize, &'static Spec)>,
    unit_name: &dyn Fn(i64) -> Option<String>,
) -> Vec<HistoryLine> {
    rows.into_iter()
        .rev()
        .map(|row| {
            let recorded = Changes::recorded(&row.changes);
            let mut fields: Vec<(&str, &Value, &Value)> = recorded.fields().collect();
            fields.sort_by_key(|(field, _, _)| spec(field).map_or(usize::MAX, |(i, _)| i));
            HistoryLine {
                at: crate::reports::generated_line(row.at),
                who: row.username,
                action: row.action.label_vi(),
                changes: fields
                    .into_iter()
                    .map(|(field, old, new)| match spec(field) {
                        Some((_, s)) => FieldChange {
                            label: s.label.to_owned(),
                            old: s.show(old, unit_name),
                            new: s.show(new, unit_name),
                        },
                        None => FieldChange {
                            label: field.to_owned(),
                            old: old.to_string(),
                            new: new.to_string(),
                        },
                    })
                    .collect(),
            }
        })
        .collect()
}

/// How a unit is named on these pages: its name and code.
fn unit_namer(units: &Units) -> impl Fn(i64) -> Option<String> + '_ {
    |id| units.get(id).map(|u| format!("{} ({})", u.name, u.code))
}

/// A plan as its project's page lists it.
pub struct PlanLine {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub year: i32,
    pub decision: String,
    /// How many packages are in it.
    pub packages: u64,
}

/// An approving decision as one line: `1234/QĐ-UBND ngày 15/03/2019`.
pub fn decision_text(no: Option<&str>, date: Option<chrono::NaiveDate>) -> String {
    let date = date.map(|d| d.format("%d/%m/%Y").to_string());
    match (no, date) {
        (Some(no), Some(date)) => format!("{no} ngày {date}"),
        (Some(no), None) => no.to_owned(),
        (None, Some(date)) => format!("ngày {date}"),
        (None, None) => "–".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "project.html")]
struct ShowPage {
    id: i64,
    name: String,
    facts: Vec<Fact>,
    /// Said when the code is not in the VNEPS form (accepted all the same).
    code_note: Option<&'static str>,
    plans: Vec<PlanLine>,
    /// The packages of all its plans, in words.
    packages_text: String,
    packages_total: u64,
    editable: bool,
    history: Vec<HistoryLine>,
    shell: Shell,
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    flash: Flash,
) -> Result<Response, PageError> {
    let id = path_id(&id, "dự án")?;
    let data = service::page(&state.db, &state.cache, &user.actor, id).await?;
    let units = services::units::all(&state.db, &state.cache, &[data.project.unit_id]).await?;
    let unit_name = unit_namer(&units);
    let p = &data.project;
    let packages_total: u64 = data.package_counts.values().sum();
    let shown =
        ShowPage {
            id: p.id,
            name: p.name.clone(),
            facts: NewProject::from_model(p)
                .values()
                .map(|(f, v)| Fact {
                    label: f.label(),
                    value: f.spec().show(&v, &unit_name),
                })
                .chain(std::iter::once(Fact {
                    label: "Phiên bản",
                    value: format!(
                        "{} (cập nhật {})",
                        p.version,
                        crate::reports::generated_line(p.updated_at)
                    ),
                }))
                .collect(),
            code_note: p.code.as_deref().filter(|c| !is_vneps_code(c, "PR")).map(
                |_| "Mã không theo dạng VNEPS (PR + 10 chữ số); vẫn được ghi nhận như đã nhập.",
            ),
            plans: data
                .plans
                .iter()
                .map(|plan| PlanLine {
                    id: plan.id,
                    name: plan.name.clone(),
                    code: plan.code.clone().unwrap_or_else(|| "–".to_owned()),
                    year: plan.year,
                    decision: decision_text(plan.decision_no.as_deref(), plan.decision_date),
                    packages: data.package_counts.get(&plan.id).copied().unwrap_or(0),
                })
                .collect(),
            packages_text: format!("Dự án có {packages_total} gói thầu trong các kế hoạch trên."),
            packages_total,
            editable: data.editable,
            history: history_lines(
                data.history,
                &|wire| ProjectField::from_wire(wire).map(|f| (f as usize, f.spec())),
                &unit_name,
            ),
            shell: user.shell(&flash),
        };
    Ok(page(StatusCode::OK, &shown, &flash))
}
