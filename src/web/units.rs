//! Units: the administrative tree as a list, and the forms to add and change a unit. The forms
//! go through the same service as `/api/v1/units` (code shape, parent, no cycles).

use super::form::{Choice, FormPage, Input, Section};
use super::page::{
    Flash, Notice, PageError, Params, field_errors, form_body, page, path_id, redirect_with,
};
use super::session::{Shell, WebUser};
use crate::AppState;
use crate::error::FieldError;
use crate::services::units::{self as service, NewUnit, UnitPatch};
use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::{UnitKind, unit};
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

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    flash: Flash,
) -> Result<Response, PageError> {
    let units = crate::db::units::all(&state.db).await?;
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

fn parse(p: &Params) -> Result<NewUnit, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = match p.opt("kind").map(str::parse::<UnitKind>) {
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
    let parent_id = match p.opt("parent_id").map(str::parse::<i64>) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            errors.push(FieldError::new(
                "parent_id",
                "invalid",
                "Đơn vị cấp trên không hợp lệ",
            ));
            None
        }
    };
    let mut date_field = |name: &'static str| match p.opt(name).map(crate::import::parse_date) {
        None => None,
        Some(Some(d)) => Some(d),
        Some(None) => {
            errors.push(FieldError::new(
                name,
                "date",
                "Ngày không hợp lệ: nhập dd/mm/yyyy, ví dụ 01/01/2020",
            ));
            None
        }
    };
    let valid_from = date_field("valid_from");
    let valid_to = date_field("valid_to");
    match kind {
        Some(kind) if errors.is_empty() => Ok(NewUnit {
            code: p.get("code").to_owned(),
            name: p.get("name").to_owned(),
            kind,
            parent_id,
            valid_from,
            valid_to,
        }),
        _ => Err(errors),
    }
}

fn form(
    shell: Shell,
    title: String,
    action: String,
    p: &Params,
    units: &[unit::Model],
    editing: Option<i64>,
) -> FormPage {
    let current = p.get("parent_id");
    let mut parents = vec![Choice {
        value: String::new(),
        label: "— Không có (cấp cao nhất) —".to_owned(),
        selected: current.is_empty(),
    }];
    parents.extend(
        tree(units)
            .into_iter()
            .filter(|(u, _)| Some(u.id) != editing)
            .map(|(u, depth)| Choice {
                value: u.id.to_string(),
                label: format!("{}{} ({})", "· ".repeat(depth), u.name, u.code),
                selected: u.id.to_string() == current,
            }),
    );
    FormPage {
        title,
        intro: Some("Các trường có dấu * là bắt buộc.".to_owned()),
        action,
        hidden: Vec::new(),
        sections: vec![Section {
            legend: "Đơn vị",
            inputs: vec![
                Input::text("code", "Mã đơn vị", p.get("code"))
                    .required()
                    .hint("Chữ không dấu, chữ số, '-', '_' hoặc '.', ví dụ HN-HADONG"),
                Input::text("name", "Tên đơn vị", p.get("name")).required(),
                Input::select(
                    "kind",
                    "Cấp",
                    Choice::list(
                        p.get("kind"),
                        Some("— Chọn —"),
                        UnitKind::ALL.iter().map(|k| (k.as_str(), k.label_vi())),
                    ),
                )
                .required(),
                Input::select("parent_id", "Đơn vị cấp trên", parents),
                Input::date("valid_from", "Hiệu lực từ ngày", p.get("valid_from")),
                Input::date("valid_to", "Hiệu lực đến ngày", p.get("valid_to"))
                    .hint("Để trống nếu đơn vị còn hoạt động"),
            ],
        }],
        summary: Vec::new(),
        stale: None,
        submit: "Lưu đơn vị",
        cancel: "/units".to_owned(),
        shell,
    }
}

pub async fn new_form(State(state): State<AppState>, user: WebUser) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    let units = crate::db::units::all(&state.db).await?;
    let f = form(
        user.shell(&Flash::default()),
        "Thêm đơn vị".to_owned(),
        "/units/new".to_owned(),
        &Params::default(),
        &units,
        None,
    );
    Ok(page(StatusCode::OK, &f, &Flash::default()))
}

pub async fn create(
    State(state): State<AppState>,
    user: WebUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    let p = form_body(body)?;
    user.check_csrf(&p)?;
    let errors = match parse(&p) {
        Ok(input) => match service::create(&state.db, &user.actor, input).await {
            Ok(u) => {
                return Ok(redirect_with(
                    "/units",
                    Notice::ok(format!("Đã thêm đơn vị «{}».", u.name)),
                ));
            }
            Err(e) => field_errors(e)?,
        },
        Err(errors) => errors,
    };
    let units = crate::db::units::all(&state.db).await?;
    let mut f = form(
        user.shell(&Flash::default()),
        "Thêm đơn vị".to_owned(),
        "/units/new".to_owned(),
        &p,
        &units,
        None,
    );
    f.attach(&errors);
    Ok(page(
        StatusCode::UNPROCESSABLE_ENTITY,
        &f,
        &Flash::default(),
    ))
}

fn params_of(u: &unit::Model) -> Params {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("code", &u.code)
        .append_pair("name", &u.name)
        .append_pair("kind", u.kind.as_str())
        .append_pair(
            "parent_id",
            &u.parent_id.map(|id| id.to_string()).unwrap_or_default(),
        )
        .append_pair(
            "valid_from",
            &u.valid_from.map(|d| d.to_string()).unwrap_or_default(),
        )
        .append_pair(
            "valid_to",
            &u.valid_to.map(|d| d.to_string()).unwrap_or_default(),
        );
    Params::parse(s.finish().as_bytes())
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    let id = path_id(&id, "đơn vị")?;
    let u = service::get(&state.db, id).await?;
    let units = crate::db::units::all(&state.db).await?;
    let f = form(
        user.shell(&Flash::default()),
        format!("Sửa đơn vị «{}»", u.name),
        format!("/units/{id}/edit"),
        &params_of(&u),
        &units,
        Some(id),
    );
    Ok(page(StatusCode::OK, &f, &Flash::default()))
}

pub async fn update(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let id = path_id(&id, "đơn vị")?;
    let current = service::get(&state.db, id).await?;
    user.actor.require_admin()?;
    let p = form_body(body)?;
    user.check_csrf(&p)?;
    let errors = match parse(&p) {
        Ok(u) => {
            let patch = UnitPatch {
                code: Some(u.code),
                name: Some(u.name),
                kind: Some(u.kind),
                parent_id: Some(u.parent_id),
                valid_from: Some(u.valid_from),
                valid_to: Some(u.valid_to),
            };
            match service::update(&state.db, &user.actor, id, patch).await {
                Ok(u) => {
                    return Ok(redirect_with(
                        "/units",
                        Notice::ok(format!("Đã lưu đơn vị «{}».", u.name)),
                    ));
                }
                Err(e) => field_errors(e)?,
            }
        }
        Err(errors) => errors,
    };
    let units = crate::db::units::all(&state.db).await?;
    let mut f = form(
        user.shell(&Flash::default()),
        format!("Sửa đơn vị «{}»", current.name),
        format!("/units/{id}/edit"),
        &p,
        &units,
        Some(id),
    );
    f.attach(&errors);
    Ok(page(
        StatusCode::UNPROCESSABLE_ENTITY,
        &f,
        &Flash::default(),
    ))
}
