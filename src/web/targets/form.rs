//! The forms to add and change a target rule: one struct of raw strings, parsed into the API's
//! `NewTarget` in one place.

use crate::AppState;
use crate::domain::money::{group_thousands, parse_vnd};
use crate::error::{AppError, FieldError};
use crate::services::targets::{self as service, Ceilings, NewTarget, TargetMethod, TargetPatch};
use crate::services::units;
use crate::web::form::{Choice, FormPage, Input, Section};
use crate::web::input::{self, checked, given, text};
use crate::web::page::{Flash, Notice, PageError, field_errors, page, path_id, redirect_with};
use crate::web::session::{Shell, WebUser};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::{Method, unit};
use serde::Deserialize;
use std::collections::BTreeMap;

/// How a method counts, as its select sends it.
const COUNT_ALL: &str = "all";
const COUNT_SMALL: &str = "small_scale";
const COUNT_CEILING: &str = "within_ceilings";

/// Where a parsed ceiling goes.
type Slot = fn(&mut Ceilings) -> &mut Option<i64>;

/// The rule form, as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TargetForm {
    pub code: String,
    pub name: String,
    pub unit_id: String,
    pub replaces_code: String,
    pub year_from: String,
    pub year_to: String,
    pub min_count_percent: String,
    pub min_value_percent: String,
    pub legal_basis: String,
    pub source_note: String,
    pub ceiling_goods_vnd: String,
    pub ceiling_non_consulting_vnd: String,
    pub ceiling_consulting_vnd: String,
    pub ceiling_works_vnd: String,
    pub ceiling_mixed_vnd: String,
    pub domestic_only: Option<String>,
    pub exclude_two_stage: Option<String>,
    pub exclude_exempt: Option<String>,
    /// How each method counts, under the method's wire name: one select per method, so the
    /// list of methods is `Method::ALL` and nothing here names them again.
    #[serde(flatten)]
    pub counted: BTreeMap<String, String>,
}

impl TargetForm {
    /// A stored rule as its edit form (or a copy of it) starts.
    fn of(t: &service::TargetView) -> Self {
        let r = &t.rule;
        let number = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
        let c = Ceilings::of(r);
        let money = |v: Option<i64>| v.map(group_thousands).unwrap_or_default();
        let on = |b: bool| b.then(|| "on".to_owned());
        TargetForm {
            code: r.code.clone(),
            name: r.name.clone(),
            unit_id: r.unit_id.map(|v| v.to_string()).unwrap_or_default(),
            replaces_code: r.replaces_code.clone().unwrap_or_default(),
            year_from: r.year_from.to_string(),
            year_to: number(r.year_to),
            min_count_percent: r.min_count_percent.to_string(),
            min_value_percent: number(r.min_value_percent),
            legal_basis: r.legal_basis.clone(),
            source_note: r.source_note.clone(),
            ceiling_goods_vnd: money(c.goods_vnd),
            ceiling_non_consulting_vnd: money(c.non_consulting_vnd),
            ceiling_consulting_vnd: money(c.consulting_vnd),
            ceiling_works_vnd: money(c.works_vnd),
            ceiling_mixed_vnd: money(c.mixed_vnd),
            domestic_only: on(r.domestic_only),
            exclude_two_stage: on(r.exclude_two_stage),
            exclude_exempt: on(r.exclude_exempt),
            counted: t
                .methods
                .iter()
                .map(|m| (m.method.as_str().to_owned(), count_of(m).to_owned()))
                .collect(),
        }
    }

    /// The ceiling inputs in form order: name, label, value as sent, and where it goes.
    fn ceilings(&self) -> [(&'static str, &'static str, &str, Slot); 5] {
        [
            (
                "ceiling_goods_vnd",
                "Hàng hóa",
                &self.ceiling_goods_vnd,
                |c| &mut c.goods_vnd,
            ),
            (
                "ceiling_non_consulting_vnd",
                "Dịch vụ phi tư vấn",
                &self.ceiling_non_consulting_vnd,
                |c| &mut c.non_consulting_vnd,
            ),
            (
                "ceiling_consulting_vnd",
                "Dịch vụ tư vấn",
                &self.ceiling_consulting_vnd,
                |c| &mut c.consulting_vnd,
            ),
            (
                "ceiling_works_vnd",
                "Xây lắp",
                &self.ceiling_works_vnd,
                |c| &mut c.works_vnd,
            ),
            (
                "ceiling_mixed_vnd",
                "Hỗn hợp",
                &self.ceiling_mixed_vnd,
                |c| &mut c.mixed_vnd,
            ),
        ]
    }

    fn count(&self, m: Method) -> &str {
        self.counted.get(m.as_str()).map_or("", |v| v.trim())
    }

    /// The form as the command the API takes; what cannot be read is a message beside its field
    /// (the service checks the rest).
    fn parse(&self) -> Result<NewTarget, AppError> {
        let mut errors = Vec::new();
        let mut number = |name: &'static str, raw: &str, required: bool, label: &str| {
            whole_number(&mut errors, name, raw, required, label)
        };
        let year_from = number("year_from", &self.year_from, true, "Năm bắt đầu");
        let year_to = number("year_to", &self.year_to, false, "Năm kết thúc");
        let min_count_percent = number(
            "min_count_percent",
            &self.min_count_percent,
            true,
            "Tỷ lệ tối thiểu theo số gói",
        );
        let min_value_percent = number(
            "min_value_percent",
            &self.min_value_percent,
            false,
            "Tỷ lệ tối thiểu theo giá trị",
        );
        let unit_id = match given(&self.unit_id).map(str::parse::<i64>) {
            None => None,
            Some(Ok(id)) => Some(id),
            Some(Err(_)) => {
                errors.push(FieldError::new("unit_id", "invalid", "Đơn vị không hợp lệ"));
                None
            }
        };
        let mut ceilings = Ceilings::default();
        for (name, _, raw, slot) in self.ceilings() {
            match given(raw).map(parse_vnd) {
                None => {}
                Some(Ok(v)) => *slot(&mut ceilings) = Some(v),
                Some(Err(e)) => errors.push(FieldError::new(name, "invalid", e.to_string())),
            }
        }
        let methods = self.methods(&mut errors);
        match (year_from, min_count_percent) {
            (Some(year_from), Some(min_count_percent)) if errors.is_empty() => Ok(NewTarget {
                code: text(&self.code),
                name: text(&self.name),
                legal_basis: text(&self.legal_basis),
                source_note: text(&self.source_note),
                unit_id,
                replaces_code: given(&self.replaces_code).map(str::to_owned),
                ceilings,
                year_from,
                year_to,
                min_count_percent,
                min_value_percent,
                domestic_only: checked(&self.domestic_only),
                exclude_two_stage: checked(&self.exclude_two_stage),
                exclude_exempt: checked(&self.exclude_exempt),
                methods,
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }

    fn methods(&self, errors: &mut Vec<FieldError>) -> Vec<TargetMethod> {
        let mut methods = Vec::new();
        for m in Method::ALL {
            let counted = |small_scale_only, within_ceilings| TargetMethod {
                method: *m,
                small_scale_only,
                within_ceilings,
            };
            match self.count(*m) {
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
        methods
    }
}

fn count_of(m: &TargetMethod) -> &'static str {
    if m.small_scale_only {
        COUNT_SMALL
    } else if m.within_ceilings {
        COUNT_CEILING
    } else {
        COUNT_ALL
    }
}

fn whole_number(
    errors: &mut Vec<FieldError>,
    name: &'static str,
    raw: &str,
    required: bool,
    label: &str,
) -> Option<i32> {
    match given(raw).map(str::parse::<i32>) {
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => {
            let message = format!("{label} phải là một số nguyên");
            errors.push(FieldError::new(name, "invalid", message));
            None
        }
        None if required => {
            let message = format!("Chưa nhập {}", label.to_lowercase());
            errors.push(FieldError::new(name, "required", message));
            None
        }
        None => None,
    }
}

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

    fn of(t: &service::TargetView) -> Self {
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
                legend: "Chỉ tiêu",
                inputs: rule_inputs(f, units),
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
                legend: "Loại trừ",
                inputs: vec![
                    Input::checkbox(
                        "domestic_only",
                        "Chỉ tính đấu thầu trong nước",
                        checked(&f.domestic_only),
                    ),
                    Input::checkbox(
                        "exclude_two_stage",
                        "Không tính gói thầu hai giai đoạn",
                        checked(&f.exclude_two_stage),
                    ),
                    Input::checkbox(
                        "exclude_exempt",
                        "Không tính gói thầu được miễn lựa chọn qua mạng",
                        checked(&f.exclude_exempt),
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

fn rule_inputs(f: &TargetForm, units: &[unit::Model]) -> Vec<Input> {
    let current = f.unit_id.trim();
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
    vec![
        Input::text("code", "Mã chỉ tiêu", &f.code)
            .required()
            .hint("Chữ không dấu, chữ số, '-', '_' hoặc '.', ví dụ nq01_2019"),
        Input::text("name", "Tên chỉ tiêu", &f.name).required(),
        Input::select("unit_id", "Áp dụng cho", unit_options),
        Input::text("replaces_code", "Thay thế chỉ tiêu (mã)", &f.replaces_code)
            .hint("Mã chỉ tiêu chung mà chỉ tiêu của đơn vị này thay thế, ví dụ nq01_2019; để trống nếu là chỉ tiêu riêng"),
        Input::number("year_from", "Từ năm", &f.year_from).required(),
        Input::number("year_to", "Đến năm", &f.year_to).hint("Để trống nếu chưa có năm kết thúc"),
        Input::number(
            "min_count_percent",
            "Tỷ lệ tối thiểu theo số gói thầu (%)",
            &f.min_count_percent,
        )
        .required(),
        Input::number(
            "min_value_percent",
            "Tỷ lệ tối thiểu theo giá trị (%)",
            &f.min_value_percent,
        )
        .hint("Để trống nếu chỉ tiêu không tính theo giá trị"),
        Input::textarea("legal_basis", "Căn cứ pháp lý", &f.legal_basis),
        Input::textarea("source_note", "Ghi chú nguồn", &f.source_note)
            .hint("Nguồn của chỉ tiêu và mức độ tin cậy"),
    ]
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
