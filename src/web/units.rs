//! Units: the administrative tree as a list, and the forms to add and change a unit. The forms
//! go through the same service as `/api/v1/units` (code shape, parent, no cycles).

use super::form::{Choice, FormPage, Input, Section};
use super::input::{given, text};
use super::page::{Flash, Notice, PageError, field_errors, page, path_id, redirect_with};
use super::session::{Shell, WebUser};
use crate::AppState;
use crate::domain::fields::unit::UnitField;
use crate::error::{AppError, FieldError};
use crate::services::units::{self as service, NewUnit, UnitPatch};
use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::{UnitKind, unit};
use serde::Deserialize;
use std::collections::HashMap;

pub struct TreeLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    /// Indentation, in levels below the top.
    pub depth: usize,
    pub valid: String,
}

#[derive(Template)]
#[template(path = "units.html")]
struct ListPage {
    lines: Vec<TreeLine>,
    shell: Shell,
}

/// Units in tree order (each parent followed by its children, by code), with their depth.
fn tree(units: &[unit::Model]) -> Vec<(&unit::Model, usize)> {
    let mut children: HashMap<Option<i64>, Vec<&unit::Model>> = HashMap::new();
    for u in units {
        children.entry(u.parent_id).or_default().push(u);
    }
    let mut out = Vec::with_capacity(units.len());
    let mut stack: Vec<(&unit::Model, usize)> = children
        .get(&None)
        .map(|top| top.iter().rev().map(|u| (*u, 0)).collect())
        .unwrap_or_default();
    while let Some((u, depth)) = stack.pop() {
        out.push((u, depth));
        if let Some(kids) = children.get(&Some(u.id)) {
            stack.extend(kids.iter().rev().map(|k| (*k, depth + 1)));
        }
    }
    out
}

/// A unit picker's options, «name (code)» in the units' order, the unit whose id is `current`
/// selected; with `empty`, a first option with no value (selected when `current` is empty).
pub fn choices(units: &[unit::Model], current: &str, empty: Option<&str>) -> Vec<Choice> {
    let options: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.to_string(), format!("{} ({})", u.name, u.code)))
        .collect();
    Choice::list(
        current,
        empty,
        options.iter().map(|(v, l)| (v.as_str(), l.as_str())),
    )
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    flash: Flash,
) -> Result<Response, PageError> {
    let units = service::all(&state.db, &state.cache, &[]).await?;
    let lines = tree(&units)
        .into_iter()
        .map(|(u, depth)| TreeLine {
            id: u.id,
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.label_vi(),
            depth,
            valid: match (u.valid_from, u.valid_to) {
                (None, None) => String::new(),
                (from, to) => format!("{} – {}", date(from), date(to)),
            },
        })
        .collect();
    let list = ListPage {
        lines,
        shell: user.shell(&flash),
    };
    Ok(page(StatusCode::OK, &list, &flash))
}

/// The unit form, as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UnitForm {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: String,
    pub valid_from: String,
    pub valid_to: String,
}

impl UnitForm {
    /// A stored unit as its edit form starts.
    fn of(u: &unit::Model) -> Self {
        // Dates as officers type them.
        let day = |d: Option<chrono::NaiveDate>| {
            d.map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default()
        };
        UnitForm {
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.as_str().to_owned(),
            parent_id: u.parent_id.map(|id| id.to_string()).unwrap_or_default(),
            valid_from: day(u.valid_from),
            valid_to: day(u.valid_to),
        }
    }

    /// The form as the command the API takes; what cannot be read is a message beside its field
    /// (the service checks the rest).
    fn parse(&self) -> Result<NewUnit, AppError> {
        let mut errors = Vec::new();
        let kind = match given(&self.kind).map(str::parse::<UnitKind>) {
            Some(Ok(k)) => Some(k),
            Some(Err(_)) => {
                errors.push(FieldError::new(
                    "kind",
                    "invalid",
                    "Cấp đơn vị không hợp lệ",
                ));
                None
            }
            None => {
                errors.push(FieldError::new("kind", "required", "Chưa chọn cấp đơn vị"));
                None
            }
        };
        let parent_id = match given(&self.parent_id).map(str::parse::<i64>) {
            None => None,
            Some(Ok(id)) => Some(id),
            Some(Err(_)) => {
                let message = "Đơn vị cấp trên không hợp lệ";
                errors.push(FieldError::new("parent_id", "invalid", message));
                None
            }
        };
        let valid_from = date_field(&mut errors, "valid_from", &self.valid_from);
        let valid_to = date_field(&mut errors, "valid_to", &self.valid_to);
        match kind {
            Some(kind) if errors.is_empty() => Ok(NewUnit {
                code: text(&self.code),
                name: text(&self.name),
                kind,
                parent_id,
                valid_from,
                valid_to,
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

fn date_field(
    errors: &mut Vec<FieldError>,
    name: &'static str,
    raw: &str,
) -> Option<chrono::NaiveDate> {
    match given(raw).map(crate::domain::fields::parse_date) {
        None => None,
        Some(Some(d)) => Some(d),
        Some(None) => {
            let message = "Ngày không hợp lệ: nhập dd/mm/yyyy, ví dụ 01/01/2020";
            errors.push(FieldError::new(name, "date", message));
            None
        }
    }
}

/// Which form a page shows: a new unit, or a change to a stored one.
struct Editing {
    title: String,
    action: String,
    unit: Option<i64>,
}

impl Editing {
    fn new_unit() -> Self {
        Editing {
            title: "Thêm đơn vị".to_owned(),
            action: "/units/new".to_owned(),
            unit: None,
        }
    }

    fn of(u: &unit::Model) -> Self {
        Editing {
            title: format!("Sửa đơn vị «{}»", u.name),
            action: format!("/units/{}/edit", u.id),
            unit: Some(u.id),
        }
    }
}

fn form(shell: Shell, editing: Editing, f: &UnitForm, units: &[unit::Model]) -> FormPage {
    // A unit cannot sit under itself; the tree shows through the indentation.
    let parents: Vec<(String, String)> = tree(units)
        .into_iter()
        .filter(|(u, _)| Some(u.id) != editing.unit)
        .map(|(u, depth)| {
            (
                u.id.to_string(),
                format!("{}{} ({})", "· ".repeat(depth), u.name, u.code),
            )
        })
        .collect();
    let input = |field: UnitField, raw: &str| Input::of_spec(field.spec(), raw.trim(), &parents);
    FormPage {
        title: editing.title,
        intro: Some("Các trường có dấu * là bắt buộc.".to_owned()),
        action: editing.action,
        hidden: Vec::new(),
        sections: vec![Section {
            legend: UnitField::Code.spec().section,
            inputs: vec![
                input(UnitField::Code, &f.code),
                input(UnitField::Name, &f.name),
                input(UnitField::Kind, &f.kind),
                input(UnitField::ParentId, &f.parent_id),
                input(UnitField::ValidFrom, &f.valid_from),
                input(UnitField::ValidTo, &f.valid_to),
            ],
        }],
        summary: Vec::new(),
        stale: None,
        submit: "Lưu đơn vị",
        cancel: "/units".to_owned(),
        shell,
    }
}

/// The form page, first shown (200) or shown again with the messages of a refused save (422).
async fn render(
    state: &AppState,
    user: &WebUser,
    editing: Editing,
    f: &UnitForm,
    refused: Option<AppError>,
) -> Result<Response, PageError> {
    // An error that is not about the fields is an error page, before anything is read for the form.
    let errors = refused.map(field_errors).transpose()?;
    let units = service::all(&state.db, &state.cache, &[]).await?;
    let mut page_view = form(user.shell(&Flash::default()), editing, f, &units);
    let status = match errors {
        Some(errors) => {
            page_view.attach(&errors);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        None => StatusCode::OK,
    };
    Ok(page(status, &page_view, &Flash::default()))
}

pub async fn new_form(State(state): State<AppState>, user: WebUser) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    render(
        &state,
        &user,
        Editing::new_unit(),
        &UnitForm::default(),
        None,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    user: WebUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    let f: UnitForm = user.form(body)?;
    let saved = async { service::create(&state.db, &user.actor, f.parse()?).await }.await;
    match saved {
        Ok(u) => Ok(redirect_with(
            "/units",
            Notice::ok(format!("Đã thêm đơn vị «{}».", u.name)),
        )),
        Err(e) => render(&state, &user, Editing::new_unit(), &f, Some(e)).await,
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    let u = service::get(&state.db, path_id(&id, "đơn vị")?).await?;
    render(&state, &user, Editing::of(&u), &UnitForm::of(&u), None).await
}

pub async fn update(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let current = service::get(&state.db, path_id(&id, "đơn vị")?).await?;
    user.actor.require_admin()?;
    let f: UnitForm = user.form(body)?;
    let saved = async {
        let patch = UnitPatch::from(f.parse()?);
        service::update(&state.db, &user.actor, current.id, patch).await
    }
    .await;
    match saved {
        Ok(u) => Ok(redirect_with(
            "/units",
            Notice::ok(format!("Đã lưu đơn vị «{}».", u.name)),
        )),
        Err(e) => render(&state, &user, Editing::of(&current), &f, Some(e)).await,
    }
}
