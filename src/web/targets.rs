//! Target rules: the list (which years, which units, which methods count, the shares) and the
//! forms to add and change a rule, through the same service as `/api/v1/targets`.

use super::form::{Choice, FormPage, Input, Section};
use super::page::{
    Flash, Notice, PageError, Params, field_errors, form_body, page, path_id, redirect_with,
};
use super::session::{Shell, WebUser};
use crate::AppState;
use crate::error::FieldError;
use crate::services::targets::{self as service, NewTarget, TargetMethod, TargetPatch, TargetView};
use crate::services::{self, PageRequest};
use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::{Method, unit};
use std::collections::HashMap;

pub struct RuleLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub years: String,
    pub unit: String,
    pub count: String,
    pub value: String,
    pub methods: String,
    pub exclusions: String,
}

#[derive(Template)]
#[template(path = "targets.html")]
struct ListPage {
    rules: Vec<RuleLine>,
    shell: Shell,
}

fn methods_text(methods: &[TargetMethod]) -> String {
    methods
        .iter()
        .map(|m| {
            if m.small_scale_only {
                format!("{} (quy mô nhỏ)", m.method.label_vi())
            } else {
                m.method.label_vi().to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    flash: Flash,
) -> Result<Response, PageError> {
    let units: HashMap<i64, String> = crate::db::units::all(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut rules = Vec::new();
    let mut page_no = 1;
    // Rules are few (a handful per law); read them all, page by page.
    loop {
        let batch = service::list(
            &state.db,
            PageRequest {
                page: Some(page_no),
                per_page: Some(services::MAX_PER_PAGE),
            },
        )
        .await?;
        let last = batch.page * batch.per_page >= batch.total;
        rules.extend(
            batch
                .items
                .into_iter()
                .map(|TargetView { rule: r, methods }| {
                    let exclusions: Vec<&str> = [
                        (r.domestic_only, "chỉ đấu thầu trong nước"),
                        (r.exclude_two_stage, "trừ gói hai giai đoạn"),
                        (r.exclude_exempt, "trừ gói được miễn qua mạng"),
                    ]
                    .into_iter()
                    .filter_map(|(on, text)| on.then_some(text))
                    .collect();
                    RuleLine {
                        id: r.id,
                        years: match r.year_to {
                            Some(to) if to == r.year_from => r.year_from.to_string(),
                            Some(to) => format!("{}–{to}", r.year_from),
                            None => format!("từ {}", r.year_from),
                        },
                        unit: r.unit_id.map_or_else(
                            || "Mọi đơn vị".to_owned(),
                            |id| units.get(&id).cloned().unwrap_or_else(|| id.to_string()),
                        ),
                        count: format!("≥ {}%", r.min_count_percent),
                        value: r
                            .min_value_percent
                            .map_or_else(|| "–".to_owned(), |v| format!("≥ {v}%")),
                        methods: methods_text(&methods),
                        exclusions: exclusions.join("; "),
                        code: r.code,
                        name: r.name,
                    }
                }),
        );
        if last {
            break;
        }
        page_no += 1;
    }
    let list = ListPage {
        rules,
        shell: user.shell(&flash),
    };
    Ok(page(StatusCode::OK, &list, &flash))
}

const COUNT_ALL: &str = "all";
const COUNT_SMALL: &str = "small_scale";

fn parse(p: &Params) -> Result<NewTarget, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut number = |name: &'static str, required: bool, label: &str| -> Option<i32> {
        match p.opt(name).map(str::parse::<i32>) {
            Some(Ok(v)) => Some(v),
            Some(Err(_)) => {
                errors.push(FieldError::new(
                    name,
                    "invalid",
                    format!("{label} phải là một số nguyên"),
                ));
                None
            }
            None if required => {
                errors.push(FieldError::new(
                    name,
                    "required",
                    format!("Chưa nhập {}", label.to_lowercase()),
                ));
                None
            }
            None => None,
        }
    };
    let year_from = number("year_from", true, "Năm bắt đầu");
    let year_to = number("year_to", false, "Năm kết thúc");
    let min_count_percent = number("min_count_percent", true, "Tỷ lệ tối thiểu theo số gói");
    let min_value_percent = number("min_value_percent", false, "Tỷ lệ tối thiểu theo giá trị");
    let unit_id = match p.opt("unit_id").map(str::parse::<i64>) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            errors.push(FieldError::new("unit_id", "invalid", "Đơn vị không hợp lệ"));
            None
        }
    };
    let mut methods = Vec::new();
    for m in Method::ALL {
        match p.get(m.as_str()) {
            "" => {}
            COUNT_ALL => methods.push(TargetMethod {
                method: *m,
                small_scale_only: false,
            }),
            COUNT_SMALL => methods.push(TargetMethod {
                method: *m,
                small_scale_only: true,
            }),
            _ => errors.push(FieldError::new(
                m.as_str(),
                "invalid",
                "Lựa chọn không hợp lệ",
            )),
        }
    }
    match (year_from, min_count_percent) {
        (Some(year_from), Some(min_count_percent)) if errors.is_empty() => Ok(NewTarget {
            code: p.get("code").to_owned(),
            name: p.get("name").to_owned(),
            legal_basis: p.get("legal_basis").to_owned(),
            unit_id,
            year_from,
            year_to,
            min_count_percent,
            min_value_percent,
            domestic_only: p.checked("domestic_only"),
            exclude_two_stage: p.checked("exclude_two_stage"),
            exclude_exempt: p.checked("exclude_exempt"),
            methods,
        }),
        _ => Err(errors),
    }
}

/// The service names the method list as a whole; its message goes beside the first method.
fn place(mut errors: Vec<FieldError>) -> Vec<FieldError> {
    for e in &mut errors {
        if e.field == "methods" {
            e.field = Method::ALL[0].as_str().to_owned();
        }
    }
    errors
}

fn form(title: String, action: String, p: &Params, units: &[unit::Model]) -> FormPage {
    let current = p.get("unit_id");
    let mut unit_options = vec![Choice {
        value: String::new(),
        label: "Mọi đơn vị (chỉ tiêu chung)".to_owned(),
        selected: current.is_empty(),
    }];
    unit_options.extend(units.iter().map(|u| Choice {
        value: u.id.to_string(),
        label: format!("{} ({})", u.name, u.code),
        selected: u.id.to_string() == current,
    }));
    let method_inputs = Method::ALL
        .iter()
        .map(|m| {
            Input::select(
                m.as_str(),
                m.label_vi(),
                Choice::list(
                    p.get(m.as_str()),
                    Some("Không tính"),
                    [
                        (COUNT_ALL, "Tính mọi gói"),
                        (COUNT_SMALL, "Chỉ gói quy mô nhỏ"),
                    ],
                ),
            )
        })
        .collect();
    FormPage {
        title,
        intro: Some(
            "Chỉ tiêu áp dụng cho các năm đã nêu. Chỉ tiêu của một đơn vị áp dụng cho đơn vị đó và các đơn vị trực thuộc, thay cho chỉ tiêu chung. Các trường có dấu * là bắt buộc."
                .to_owned(),
        ),
        action,
        hidden: Vec::new(),
        sections: vec![
            Section {
                legend: "Chỉ tiêu",
                inputs: vec![
                    Input::text("code", "Mã chỉ tiêu", p.get("code"))
                        .required()
                        .hint("Chữ không dấu, chữ số, '-', '_' hoặc '.', ví dụ nq01_2019"),
                    Input::text("name", "Tên chỉ tiêu", p.get("name")).required(),
                    Input::select("unit_id", "Áp dụng cho", unit_options),
                    Input::number("year_from", "Từ năm", p.get("year_from")).required(),
                    Input::number("year_to", "Đến năm", p.get("year_to"))
                        .hint("Để trống nếu chưa có năm kết thúc"),
                    Input::number(
                        "min_count_percent",
                        "Tỷ lệ tối thiểu theo số gói thầu (%)",
                        p.get("min_count_percent"),
                    )
                    .required(),
                    Input::number(
                        "min_value_percent",
                        "Tỷ lệ tối thiểu theo giá trị (%)",
                        p.get("min_value_percent"),
                    )
                    .hint("Để trống nếu chỉ tiêu không tính theo giá trị"),
                    Input::textarea("legal_basis", "Căn cứ pháp lý", p.get("legal_basis")),
                ],
            },
            Section {
                legend: "Hình thức được tính",
                inputs: method_inputs,
            },
            Section {
                legend: "Loại trừ",
                inputs: vec![
                    Input::checkbox(
                        "domestic_only",
                        "Chỉ tính đấu thầu trong nước",
                        p.checked("domestic_only"),
                    ),
                    Input::checkbox(
                        "exclude_two_stage",
                        "Không tính gói thầu hai giai đoạn",
                        p.checked("exclude_two_stage"),
                    ),
                    Input::checkbox(
                        "exclude_exempt",
                        "Không tính gói thầu được miễn lựa chọn qua mạng",
                        p.checked("exclude_exempt"),
                    ),
                ],
            },
        ],
        summary: Vec::new(),
        stale: None,
        submit: "Lưu chỉ tiêu",
        cancel: "/targets".to_owned(),
        shell: Shell::default(),
    }
}

fn params_of(t: &TargetView) -> Params {
    let r = &t.rule;
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("code", &r.code)
        .append_pair("name", &r.name)
        .append_pair("legal_basis", &r.legal_basis)
        .append_pair(
            "unit_id",
            &r.unit_id.map(|v| v.to_string()).unwrap_or_default(),
        )
        .append_pair("year_from", &r.year_from.to_string())
        .append_pair(
            "year_to",
            &r.year_to.map(|v| v.to_string()).unwrap_or_default(),
        )
        .append_pair("min_count_percent", &r.min_count_percent.to_string())
        .append_pair(
            "min_value_percent",
            &r.min_value_percent
                .map(|v| v.to_string())
                .unwrap_or_default(),
        );
    for (on, name) in [
        (r.domestic_only, "domestic_only"),
        (r.exclude_two_stage, "exclude_two_stage"),
        (r.exclude_exempt, "exclude_exempt"),
    ] {
        if on {
            s.append_pair(name, "on");
        }
    }
    for m in &t.methods {
        s.append_pair(
            m.method.as_str(),
            if m.small_scale_only {
                COUNT_SMALL
            } else {
                COUNT_ALL
            },
        );
    }
    Params::parse(s.finish().as_bytes())
}

pub async fn new_form(State(state): State<AppState>, user: WebUser) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    let units = crate::db::units::all(&state.db).await?;
    // A new rule most often counts domestic packages only, like every rule so far.
    let start = Params::parse(b"domestic_only=on");
    let mut f = form(
        "Thêm chỉ tiêu".to_owned(),
        "/targets/new".to_owned(),
        &start,
        &units,
    );
    f.shell = user.shell(&Flash::default());
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
            Ok(t) => {
                return Ok(redirect_with(
                    "/targets",
                    Notice::ok(format!("Đã thêm chỉ tiêu «{}».", t.rule.name)),
                ));
            }
            Err(e) => field_errors(e)?,
        },
        Err(errors) => errors,
    };
    let units = crate::db::units::all(&state.db).await?;
    let mut f = form(
        "Thêm chỉ tiêu".to_owned(),
        "/targets/new".to_owned(),
        &p,
        &units,
    );
    f.attach(&place(errors));
    Ok(page(
        StatusCode::UNPROCESSABLE_ENTITY,
        &f,
        &Flash::default(),
    ))
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    let id = path_id(&id, "chỉ tiêu")?;
    let t = service::get(&state.db, id).await?;
    let units = crate::db::units::all(&state.db).await?;
    let mut f = form(
        format!("Sửa chỉ tiêu «{}»", t.rule.name),
        format!("/targets/{id}/edit"),
        &params_of(&t),
        &units,
    );
    f.shell = user.shell(&Flash::default());
    Ok(page(StatusCode::OK, &f, &Flash::default()))
}

pub async fn update(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let id = path_id(&id, "chỉ tiêu")?;
    let current = service::get(&state.db, id).await?;
    user.actor.require_admin()?;
    let p = form_body(body)?;
    user.check_csrf(&p)?;
    let errors = match parse(&p) {
        Ok(t) => {
            let patch = TargetPatch {
                code: Some(t.code),
                name: Some(t.name),
                legal_basis: Some(t.legal_basis),
                unit_id: Some(t.unit_id),
                year_from: Some(t.year_from),
                year_to: Some(t.year_to),
                min_count_percent: Some(t.min_count_percent),
                min_value_percent: Some(t.min_value_percent),
                domestic_only: Some(t.domestic_only),
                exclude_two_stage: Some(t.exclude_two_stage),
                exclude_exempt: Some(t.exclude_exempt),
                methods: Some(t.methods),
            };
            match service::update(&state.db, &user.actor, id, patch).await {
                Ok(t) => {
                    return Ok(redirect_with(
                        "/targets",
                        Notice::ok(format!("Đã lưu chỉ tiêu «{}».", t.rule.name)),
                    ));
                }
                Err(e) => field_errors(e)?,
            }
        }
        Err(errors) => errors,
    };
    let units = crate::db::units::all(&state.db).await?;
    let mut f = form(
        format!("Sửa chỉ tiêu «{}»", current.rule.name),
        format!("/targets/{id}/edit"),
        &p,
        &units,
    );
    f.attach(&place(errors));
    Ok(page(
        StatusCode::UNPROCESSABLE_ENTITY,
        &f,
        &Flash::default(),
    ))
}
