//! Target rules: the list (which years, which units, which methods count, the shares) and the
//! forms to add and change a rule, through the same service as `/api/v1/targets`.

use super::form::{Choice, FormPage, Input, Section};
use super::page::{
    Flash, Notice, PageError, Params, field_errors, form_body, page, path_id, redirect_with,
};
use super::session::{Shell, WebUser};
use crate::AppState;
use crate::error::FieldError;
use crate::services::targets::{
    self as service, Ceilings, NewTarget, TargetMethod, TargetPatch, TargetView,
};
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
    pub replaces: Option<String>,
    pub source_note: String,
}

#[derive(Template)]
#[template(path = "targets.html")]
struct ListPage {
    rules: Vec<RuleLine>,
    shell: Shell,
}

fn methods_text(methods: &[TargetMethod], ceilings: &Ceilings) -> String {
    let listed = methods
        .iter()
        .map(|m| {
            if m.small_scale_only {
                format!("{} (quy mô nhỏ)", m.method.label_vi())
            } else if m.within_ceilings {
                format!("{}*", m.method.label_vi())
            } else {
                m.method.label_vi().to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    if !methods.iter().any(|m| m.within_ceilings) {
        return listed;
    }
    // The ceilings once, for every method bound to them.
    let limits: Vec<String> = [
        ("hàng hóa", ceilings.goods_vnd),
        ("phi tư vấn", ceilings.non_consulting_vnd),
        ("tư vấn", ceilings.consulting_vnd),
        ("xây lắp", ceilings.works_vnd),
        ("hỗn hợp", ceilings.mixed_vnd),
    ]
    .into_iter()
    .filter_map(|(field, max)| {
        max.map(|m| format!("{field} ≤ {}", crate::domain::money::format_vnd(m)))
    })
    .collect();
    format!("{listed} (* gói thầu {})", limits.join(", "))
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
                        methods: methods_text(&methods, &service::Ceilings::of(&r)),
                        exclusions: exclusions.join("; "),
                        replaces: r.replaces_code.clone(),
                        source_note: r.source_note.clone(),
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
const COUNT_CEILING: &str = "within_ceilings";

/// The ceiling inputs: form name, label, and where the value goes.
const CEILING_INPUTS: [(&str, &str); 5] = [
    ("ceiling_goods_vnd", "Hàng hóa"),
    ("ceiling_non_consulting_vnd", "Dịch vụ phi tư vấn"),
    ("ceiling_consulting_vnd", "Dịch vụ tư vấn"),
    ("ceiling_works_vnd", "Xây lắp"),
    ("ceiling_mixed_vnd", "Hỗn hợp"),
];

fn ceiling_slot<'a>(c: &'a mut Ceilings, name: &str) -> Option<&'a mut Option<i64>> {
    Some(match name {
        "ceiling_goods_vnd" => &mut c.goods_vnd,
        "ceiling_non_consulting_vnd" => &mut c.non_consulting_vnd,
        "ceiling_consulting_vnd" => &mut c.consulting_vnd,
        "ceiling_works_vnd" => &mut c.works_vnd,
        "ceiling_mixed_vnd" => &mut c.mixed_vnd,
        _ => return None,
    })
}

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
    let mut ceilings = Ceilings::default();
    for (name, _) in CEILING_INPUTS {
        if let Some(text) = p.opt(name) {
            match crate::domain::money::parse_vnd(text) {
                Ok(v) => {
                    if let Some(slot) = ceiling_slot(&mut ceilings, name) {
                        *slot = Some(v);
                    }
                }
                Err(e) => errors.push(FieldError::new(name, "invalid", e.to_string())),
            }
        }
    }
    let mut methods = Vec::new();
    for m in Method::ALL {
        let counted = |small_scale_only, within_ceilings| TargetMethod {
            method: *m,
            small_scale_only,
            within_ceilings,
        };
        match p.get(m.as_str()) {
            "" => {}
            COUNT_ALL => methods.push(counted(false, false)),
            COUNT_SMALL => methods.push(counted(true, false)),
            COUNT_CEILING => methods.push(counted(false, true)),
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
            source_note: p.get("source_note").to_owned(),
            unit_id,
            replaces_code: p.opt("replaces_code").map(str::to_owned),
            ceilings,
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

/// The service names the method list and the ceilings as a whole; their messages go beside
/// the first input of each.
fn place(mut errors: Vec<FieldError>) -> Vec<FieldError> {
    for e in &mut errors {
        if e.field == "methods" {
            e.field = Method::ALL[0].as_str().to_owned();
        } else if e.field == "ceilings" {
            e.field = CEILING_INPUTS[0].0.to_owned();
        } else if let Some(field) = e.field.strip_prefix("ceilings.") {
            e.field = format!("ceiling_{field}");
        }
    }
    errors
}

fn form(
    shell: Shell,
    title: String,
    action: String,
    p: &Params,
    units: &[unit::Model],
) -> FormPage {
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
                        (COUNT_CEILING, "Chỉ gói không quá mức giá trần"),
                    ],
                ),
            )
        })
        .collect();
    FormPage {
        title,
        intro: Some(
            "Chỉ tiêu áp dụng cho các năm đã nêu; một năm có thể có nhiều chỉ tiêu. Chỉ tiêu của một đơn vị áp dụng cho đơn vị đó và các đơn vị trực thuộc: thay cho chỉ tiêu chung có mã ghi ở «Thay thế chỉ tiêu», hoặc thêm một chỉ tiêu riêng nếu để trống. Các trường có dấu * là bắt buộc."
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
                    Input::text("replaces_code", "Thay thế chỉ tiêu (mã)", p.get("replaces_code"))
                        .hint("Mã chỉ tiêu chung mà chỉ tiêu của đơn vị này thay thế, ví dụ nq01_2019; để trống nếu là chỉ tiêu riêng"),
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
                    Input::textarea("source_note", "Ghi chú nguồn", p.get("source_note"))
                        .hint("Nguồn của chỉ tiêu và mức độ tin cậy"),
                ],
            },
            Section {
                legend: "Hình thức được tính",
                inputs: method_inputs,
            },
            Section {
                legend: "Mức giá trần theo lĩnh vực (cho hình thức «chỉ gói không quá mức giá trần»)",
                inputs: CEILING_INPUTS
                    .iter()
                    .map(|(name, label)| {
                        Input::money(name, label, p.get(name))
                            .hint("Để trống nếu lĩnh vực này không được tính")
                    })
                    .collect(),
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
        shell,
    }
}

fn params_of(t: &TargetView) -> Params {
    let r = &t.rule;
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("code", &r.code)
        .append_pair("name", &r.name)
        .append_pair("legal_basis", &r.legal_basis)
        .append_pair("source_note", &r.source_note)
        .append_pair(
            "unit_id",
            &r.unit_id.map(|v| v.to_string()).unwrap_or_default(),
        )
        .append_pair(
            "replaces_code",
            r.replaces_code.as_deref().unwrap_or_default(),
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
            } else if m.within_ceilings {
                COUNT_CEILING
            } else {
                COUNT_ALL
            },
        );
    }
    let mut ceilings = Ceilings::of(r);
    for (name, _) in CEILING_INPUTS {
        if let Some(Some(v)) = ceiling_slot(&mut ceilings, name).map(|v| *v) {
            s.append_pair(name, &crate::domain::money::group_thousands(v));
        }
    }
    Params::parse(s.finish().as_bytes())
}

/// The new-rule form, empty or, with `?from=ID`, a copy of an existing rule: a unit setting
/// itself a stricter goal starts from the rule it replaces, with a new code to choose.
pub async fn new_form(
    State(state): State<AppState>,
    user: WebUser,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    let units = crate::db::units::all(&state.db).await?;
    let from = Params::query(query.as_deref());
    let start = match from.opt("from") {
        Some(raw) => {
            let id = path_id(raw, "chỉ tiêu")?;
            let original = service::get(&state.db, id).await?;
            let mut copy = params_of(&original);
            copy.set("code", "");
            copy.set(
                "replaces_code",
                original
                    .rule
                    .replaces_code
                    .as_deref()
                    .unwrap_or(&original.rule.code),
            );
            copy
        }
        // A new rule most often counts domestic packages only, like every rule so far.
        None => Params::parse(b"domestic_only=on"),
    };
    let f = form(
        user.shell(&Flash::default()),
        "Thêm chỉ tiêu".to_owned(),
        "/targets/new".to_owned(),
        &start,
        &units,
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
        user.shell(&Flash::default()),
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
    let f = form(
        user.shell(&Flash::default()),
        format!("Sửa chỉ tiêu «{}»", t.rule.name),
        format!("/targets/{id}/edit"),
        &params_of(&t),
        &units,
    );
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
                source_note: Some(t.source_note),
                unit_id: Some(t.unit_id),
                replaces_code: Some(t.replaces_code),
                ceilings: Some(t.ceilings),
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
        user.shell(&Flash::default()),
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
