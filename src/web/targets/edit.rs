//! The pages that add and change a target rule: the form laid out, its first render and its
//! re-render after a refused save, and the handlers.

use super::form::{COUNT_ALL, COUNT_CEILING, COUNT_SMALL, TargetForm};
use crate::AppState;
use crate::domain::fields::target::TargetField;
use crate::error::{AppError, FieldError};
use crate::services::targets::{self as service, TargetPatch, TargetView};
use crate::services::units;
use crate::web::form::{Choice, FormPage, Input, Section};
use crate::web::input::{self, given};
use crate::web::page::{Flash, Notice, PageError, field_errors, page, path_id, redirect_with};
use crate::web::session::{Shell, WebUser};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::{Method, unit};
use serde::Deserialize;

/// The service names the method list and the ceilings as a whole; their messages go beside
/// the first input of each.
fn place(mut errors: Vec<FieldError>) -> Vec<FieldError> {
    for e in &mut errors {
        if e.field == "methods" {
            e.field = Method::ALL[0].as_str().to_owned();
        } else if e.field == "ceilings" {
            e.field = "ceiling_goods_vnd".to_owned();
        } else if let Some(field) = e.field.strip_prefix("ceilings.") {
            e.field = format!("ceiling_{field}");
        }
    }
    errors
}

/// Which form a page shows: a new rule, or a change to a stored one.
struct Editing {
    title: String,
    action: String,
}

impl Editing {
    fn new_rule() -> Self {
        Editing {
            title: "Thêm chỉ tiêu".to_owned(),
            action: "/targets/new".to_owned(),
        }
    }

    fn of(t: &TargetView) -> Self {
        Editing {
            title: format!("Sửa chỉ tiêu «{}»", t.rule.name),
            action: format!("/targets/{}/edit", t.rule.id),
        }
    }
}

const INTRO: &str = "Chỉ tiêu áp dụng cho các năm đã nêu; một năm có thể có nhiều chỉ tiêu. Chỉ tiêu của một đơn vị áp dụng cho đơn vị đó và các đơn vị trực thuộc: thay cho chỉ tiêu chung có mã ghi ở «Thay thế chỉ tiêu», hoặc thêm một chỉ tiêu riêng nếu để trống. Các trường có dấu * là bắt buộc.";

fn form(shell: Shell, editing: Editing, f: &TargetForm, units: &[unit::Model]) -> FormPage {
    FormPage {
        title: editing.title,
        intro: Some(INTRO.to_owned()),
        action: editing.action,
        hidden: Vec::new(),
        sections: vec![
            Section {
                legend: TargetField::Code.spec().section,
                inputs: table_inputs(f, units, |field| field.spec().section != EXCLUDED),
            },
            Section {
                legend: "Hình thức được tính",
                inputs: method_inputs(f),
            },
            Section {
                legend: "Mức giá trần theo lĩnh vực (cho hình thức «chỉ gói không quá mức giá trần»)",
                inputs: f
                    .ceilings()
                    .into_iter()
                    .map(|(name, label, raw, _)| {
                        Input::money(name, label, raw)
                            .hint("Để trống nếu lĩnh vực này không được tính")
                    })
                    .collect(),
            },
            Section {
                legend: EXCLUDED,
                inputs: table_inputs(f, units, |field| field.spec().section == EXCLUDED),
            },
        ],
        summary: Vec::new(),
        stale: None,
        submit: "Lưu chỉ tiêu",
        cancel: "/targets".to_owned(),
        shell,
    }
}

/// The section the rule's exclusions are gathered in.
const EXCLUDED: &str = TargetField::DomesticOnly.spec().section;

/// The inputs of the table's fields that `which` picks, in table order.
fn table_inputs(
    f: &TargetForm,
    units: &[unit::Model],
    which: impl Fn(TargetField) -> bool,
) -> Vec<Input> {
    let choices: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.to_string(), format!("{} ({})", u.name, u.code)))
        .collect();
    TargetField::ALL
        .iter()
        .filter(|field| which(**field))
        .map(|field| Input::of_spec(field.spec(), f.raw(*field), &choices))
        .collect()
}

fn method_inputs(f: &TargetForm) -> Vec<Input> {
    Method::ALL
        .iter()
        .map(|m| {
            Input::select(
                m.as_str(),
                m.label_vi(),
                Choice::list(
                    f.count(*m),
                    Some("Không tính"),
                    [
                        (COUNT_ALL, "Tính mọi gói"),
                        (COUNT_SMALL, "Chỉ gói quy mô nhỏ"),
                        (COUNT_CEILING, "Chỉ gói không quá mức giá trần"),
                    ],
                ),
            )
        })
        .collect()
}

/// The form page, first shown (200) or shown again with the messages of a refused save (422).
async fn render(
    state: &AppState,
    user: &WebUser,
    editing: Editing,
    f: &TargetForm,
    refused: Option<AppError>,
) -> Result<Response, PageError> {
    // An error that is not about the fields is an error page, before anything is read for the form.
    let errors = refused.map(field_errors).transpose()?;
    let units = units::all(&state.db, &state.cache, &[]).await?;
    let mut page_view = form(user.shell(&Flash::default()), editing, f, &units);
    let status = match errors {
        Some(errors) => {
            page_view.attach(&place(errors));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        None => StatusCode::OK,
    };
    Ok(page(status, &page_view, &Flash::default()))
}

/// `?from=ID` on the new-rule page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewQuery {
    from: String,
}

/// The new-rule form, empty or, with `?from=ID`, a copy of an existing rule: a unit setting
/// itself a stricter goal starts from the rule it replaces, with a new code to choose.
pub async fn new_form(
    State(state): State<AppState>,
    user: WebUser,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    let q: NewQuery = input::query(query.as_deref())?;
    let start = match given(&q.from) {
        Some(raw) => {
            let original = service::get(&state.db, path_id(raw, "chỉ tiêu")?).await?;
            let rule = &original.rule;
            TargetForm {
                code: String::new(),
                replaces_code: rule.replaces_code.clone().unwrap_or(rule.code.clone()),
                ..TargetForm::of(&original)
            }
        }
        // A new rule most often counts domestic packages only, like every rule so far.
        None => TargetForm {
            domestic_only: Some("on".to_owned()),
            ..TargetForm::default()
        },
    };
    render(&state, &user, Editing::new_rule(), &start, None).await
}

pub async fn create(
    State(state): State<AppState>,
    user: WebUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    let f: TargetForm = user.form(body)?;
    let saved = async { service::create(&state.db, &user.actor, f.parse()?).await }.await;
    match saved {
        Ok(t) => Ok(redirect_with(
            "/targets",
            Notice::ok(format!("Đã thêm chỉ tiêu «{}».", t.rule.name)),
        )),
        Err(e) => render(&state, &user, Editing::new_rule(), &f, Some(e)).await,
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    let t = service::get(&state.db, path_id(&id, "chỉ tiêu")?).await?;
    render(&state, &user, Editing::of(&t), &TargetForm::of(&t), None).await
}

pub async fn update(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let current = service::get(&state.db, path_id(&id, "chỉ tiêu")?).await?;
    user.actor.require_admin()?;
    let f: TargetForm = user.form(body)?;
    let saved = async {
        let patch = TargetPatch::from(f.parse()?);
        service::update(&state.db, &user.actor, current.rule.id, patch).await
    }
    .await;
    match saved {
        Ok(t) => Ok(redirect_with(
            "/targets",
            Notice::ok(format!("Đã lưu chỉ tiêu «{}».", t.rule.name)),
        )),
        Err(e) => render(&state, &user, Editing::of(&current), &f, Some(e)).await,
    }
}
