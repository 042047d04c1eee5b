//! Units: the administrative tree as a list, a unit's page (its dates, the units it took over
//! from and the units that took over from it, with the administrators' form to record or remove
//! a succession), and the forms to add and change a unit. The forms go through the same
//! services as `/api/v1/units` (code shape, parent, no cycles; the succession checks).

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

/// «name (code)», with the mark of a unit that ended or began in the year a picker is for
/// («Quận Hà Đông (HN-HADONG; đã kết thúc 30/06/2025)»).
pub fn label(u: &unit::Model, mark: Option<&str>) -> String {
    match mark {
        Some(mark) => format!("{} ({}; {mark})", u.name, u.code),
        None => format!("{} ({})", u.name, u.code),
    }
}

/// The (value, label) pairs of a unit picker for `year` (every unit when no year is known): the
/// units valid in it, marked when they ended or began during it, and the unit `current` holds
/// whatever its dates (`services::units::in_year`).
pub fn options_in_year(
    units: &[unit::Model],
    year: Option<i32>,
    current: Option<i64>,
) -> Vec<(String, String)> {
    service::in_year(units, year, current)
        .into_iter()
        .map(|(u, mark)| (u.id.to_string(), label(u, mark.as_deref())))
        .collect()
}

/// A unit picker's options for `year` in the units' order, the unit whose id is `current`
/// selected; with `empty`, a first option with no value (selected when `current` is empty).
pub fn choices(
    units: &[unit::Model],
    year: Option<i32>,
    current: &str,
    empty: Option<&str>,
) -> Vec<Choice> {
    let options = options_in_year(units, year, current.parse().ok());
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

/// A succession as the unit's page lists it: the unit at the other end.
pub struct LinkLine {
    pub id: i64,
    pub unit_id: i64,
    pub unit: String,
    pub valid: String,
    pub kind: &'static str,
    pub date: String,
    pub decision: String,
}

/// The succession form, as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SuccessionForm {
    pub successor_id: String,
    pub kind: String,
    pub effective_date: String,
    pub decision: String,
}

/// One input of the succession form: what was typed and the message beside it.
pub struct FormField {
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    id: i64,
    name: String,
    facts: Vec<(&'static str, String)>,
    predecessors: Vec<LinkLine>,
    successors: Vec<LinkLine>,
    /// The succession form (administrators, and only for a unit that has ended).
    form: Option<SuccessionView>,
    /// Why the form is not offered to an administrator.
    form_note: Option<String>,
    shell: Shell,
}

struct SuccessionView {
    successors: Vec<Choice>,
    kinds: Vec<Choice>,
    successor_id: FormField,
    kind: FormField,
    effective_date: FormField,
    decision: FormField,
    /// Messages not about one of the fields.
    other: Vec<String>,
}

fn validity_text(u: &unit::Model) -> String {
    match (u.valid_from, u.valid_to) {
        (None, None) => "không giới hạn".to_owned(),
        (from, to) => format!(
            "{} – {}",
            from.map_or_else(|| "…".to_owned(), |d| date(Some(d))),
            to.map_or_else(|| "…".to_owned(), |d| date(Some(d)))
        ),
    }
}

fn link_lines(links: &[service::successions::Link]) -> Vec<LinkLine> {
    links
        .iter()
        .map(|l| LinkLine {
            id: l.id,
            unit_id: l.unit.id,
            unit: format!("{} ({})", l.unit.name, l.unit.code),
            valid: validity_text(&l.unit),
            kind: l.kind.label_vi(),
            date: date(Some(l.effective_date)),
            decision: l.decision.clone().unwrap_or_default(),
        })
        .collect()
}

/// The unit's page; `sent` is a refused succession form with its messages (422).
async fn render_unit(
    state: &AppState,
    user: &WebUser,
    u: &unit::Model,
    sent: Option<(&SuccessionForm, Vec<FieldError>)>,
    flash: &Flash,
) -> Result<Response, PageError> {
    let links = service::successions::links(&state.db, u.id).await?;
    let units = service::all(&state.db, &state.cache, &[u.id]).await?;
    let parent = u
        .parent_id
        .and_then(|p| units.get(p))
        .map(|p| format!("{} ({})", p.name, p.code))
        .unwrap_or_else(|| "—".to_owned());
    let facts = vec![
        ("Mã đơn vị", u.code.clone()),
        ("Cấp", u.kind.label_vi().to_owned()),
        ("Đơn vị cấp trên", parent),
        ("Hiệu lực", validity_text(u)),
    ];
    let (form, form_note) = match (user.actor.is_admin(), u.valid_to) {
        (false, _) => (None, None),
        (true, None) => (
            None,
            Some(
                "Đơn vị chưa có ngày hết hiệu lực. Khi đơn vị kết thúc (sáp nhập, chia tách, điều chuyển, đổi tên), sửa đơn vị để ghi ngày hết hiệu lực, rồi ghi các đơn vị kế thừa tại đây."
                    .to_owned(),
            ),
        ),
        (true, Some(to)) => {
            let first_day = to.succ_opt().unwrap_or(to);
            let default = SuccessionForm {
                effective_date: date(Some(first_day)),
                ..SuccessionForm::default()
            };
            let (f, errors) = match &sent {
                Some((f, errors)) => (*f, errors.as_slice()),
                None => (&default, &[][..]),
            };
            let message = |field: &str| {
                let m: Vec<&str> = errors
                    .iter()
                    .filter(|e| e.field == field)
                    .map(|e| e.message.as_str())
                    .collect();
                (!m.is_empty()).then(|| m.join("; "))
            };
            let field = |name: &str, value: &str| FormField {
                value: value.to_owned(),
                error: message(name),
            };
            // The units that exist on the first day after this one's end: those that can take over.
            let candidates: Vec<unit::Model> = units
                .iter()
                .filter(|c| c.id != u.id)
                .filter(|c| service::validity::validity(c).contains(first_day))
                .cloned()
                .collect();
            let kinds: Vec<(&str, &str)> = entity::SuccessionKind::ALL
                .iter()
                .map(|k| (k.as_str(), k.label_vi()))
                .collect();
            let known = ["successor_id", "kind", "effective_date", "decision"];
            (
                Some(SuccessionView {
                    successors: choices(
                        &candidates,
                        None,
                        f.successor_id.trim(),
                        Some("— Chọn đơn vị —"),
                    ),
                    kinds: Choice::list(f.kind.trim(), Some("— Chọn hình thức —"), kinds),
                    successor_id: field("successor_id", &f.successor_id),
                    kind: field("kind", &f.kind),
                    effective_date: field("effective_date", &f.effective_date),
                    decision: field("decision", &f.decision),
                    other: errors
                        .iter()
                        .filter(|e| !known.contains(&e.field.as_str()))
                        .map(|e| e.message.clone())
                        .collect(),
                }),
                None,
            )
        }
    };
    let view = UnitPage {
        id: u.id,
        name: u.name.clone(),
        facts,
        predecessors: link_lines(&links.predecessors),
        successors: link_lines(&links.successors),
        form,
        form_note,
        shell: user.shell(flash),
    };
    let status = if sent.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(page(status, &view, flash))
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    flash: Flash,
) -> Result<Response, PageError> {
    let u = service::get(&state.db, path_id(&id, "đơn vị")?).await?;
    render_unit(&state, &user, &u, None, &flash).await
}

impl SuccessionForm {
    /// The form as the service's command; what cannot be read is a message beside its field.
    fn parse(&self, predecessor_id: i64) -> Result<service::successions::NewSuccession, AppError> {
        let mut errors = Vec::new();
        let successor_id = match given(&self.successor_id).map(str::parse::<i64>) {
            Some(Ok(id)) => Some(id),
            Some(Err(_)) => {
                errors.push(FieldError::new(
                    "successor_id",
                    "invalid",
                    "Đơn vị kế thừa không hợp lệ",
                ));
                None
            }
            None => {
                errors.push(FieldError::new(
                    "successor_id",
                    "required",
                    "Chưa chọn đơn vị kế thừa",
                ));
                None
            }
        };
        let kind = match given(&self.kind).map(str::parse::<entity::SuccessionKind>) {
            Some(Ok(k)) => Some(k),
            Some(Err(_)) => {
                errors.push(FieldError::new(
                    "kind",
                    "invalid",
                    "Hình thức kế thừa không hợp lệ",
                ));
                None
            }
            None => {
                errors.push(FieldError::new(
                    "kind",
                    "required",
                    "Chưa chọn hình thức kế thừa",
                ));
                None
            }
        };
        let effective_date = date_field(&mut errors, "effective_date", &self.effective_date);
        if given(&self.effective_date).is_none() {
            errors.push(FieldError::new(
                "effective_date",
                "required",
                "Chưa nhập ngày kế thừa",
            ));
        }
        match (successor_id, kind, effective_date) {
            (Some(successor_id), Some(kind), Some(effective_date)) if errors.is_empty() => {
                Ok(service::successions::NewSuccession {
                    predecessor_id,
                    successor_id,
                    kind,
                    effective_date,
                    decision: Some(text(&self.decision)),
                })
            }
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// The messages of a refused succession, beside the fields; anything else is an error page.
fn succession_errors(e: AppError) -> Result<Vec<FieldError>, PageError> {
    match e {
        AppError::Conflict { code, message } if code == "duplicate_succession" => {
            Ok(vec![FieldError::new("successor_id", code, message)])
        }
        other => field_errors(other),
    }
}

pub async fn record_succession(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let u = service::get(&state.db, path_id(&id, "đơn vị")?).await?;
    user.actor.require_admin()?;
    let f: SuccessionForm = user.form(body)?;
    let saved =
        async { service::successions::record(&state.db, &user.actor, f.parse(u.id)?).await }.await;
    match saved {
        Ok(_) => Ok(redirect_with(
            &format!("/units/{}", u.id),
            Notice::ok(format!("Đã ghi đơn vị kế thừa của «{}».", u.name)),
        )),
        Err(e) => {
            let errors = succession_errors(e)?;
            render_unit(&state, &user, &u, Some((&f, errors)), &Flash::default()).await
        }
    }
}

pub async fn remove_succession(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, succession)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let u = service::get(&state.db, path_id(&id, "đơn vị")?).await?;
    let succession = path_id(&succession, "quan hệ kế thừa")?;
    user.actor.require_admin()?;
    let _: super::input::Token = user.form(body)?;
    service::successions::remove(&state.db, &user.actor, u.id, succession).await?;
    Ok(redirect_with(
        &format!("/units/{}", u.id),
        Notice::ok("Đã xóa quan hệ kế thừa."),
    ))
}
