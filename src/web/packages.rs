//! The package register: a filterable, searchable (diacritics optional), sortable, paginated
//! list, through the same service as `GET /api/v1/packages`.

use super::page::{self as shell, Flash, PageError};
use super::session::{Shell, WebUser, WriteScope};
use crate::AppState;
use crate::domain::money::format_vnd;
use crate::error::AppError;
use crate::services::packages::{PackageFilter, PackageSort};
use crate::services::{self, PageRequest};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::{Field, Method, PackageStatus};
use std::collections::HashMap;

const PER_PAGE: u64 = 50;

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct SelectField {
    pub name: &'static str,
    pub label: &'static str,
    pub options: Vec<Choice>,
}

/// What the officer typed, shown back as typed.
#[derive(Default)]
pub struct Form {
    pub q: String,
    pub plan_year: String,
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
struct Page {
    form: Form,
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

fn choices<'a>(current: &str, items: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: "Tất cả".to_owned(),
        selected: current.is_empty(),
    }];
    out.extend(items.into_iter().map(|(v, l)| Choice {
        value: v.to_owned(),
        label: l.to_owned(),
        selected: v == current,
    }));
    out
}

const SORTS: &[(&str, &str)] = &[
    ("-updated_at", "Mới cập nhật"),
    ("name", "Tên (A→Z)"),
    ("-package_price_vnd", "Giá cao nhất"),
    ("package_price_vnd", "Giá thấp nhất"),
    ("-plan_year", "Năm mới nhất"),
    ("id", "Thứ tự nhập"),
];

fn sort_from_wire(s: &str) -> Option<PackageSort> {
    // serde holds the wire names of PackageSort; read them from there rather than a second list.
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

fn parse_bool(s: &str) -> Result<Option<bool>, ()> {
    match s {
        "" => Ok(None),
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        _ => Err(()),
    }
}

pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    RawQuery(query): RawQuery,
    flash: Flash,
) -> Result<Response, PageError> {
    let params: HashMap<String, String> = query
        .as_deref()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.trim().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    let mut problems: Vec<&str> = Vec::new();

    let plan_year_raw = get("plan_year");
    let plan_year = match plan_year_raw.as_str() {
        "" => None,
        y => match y.parse::<i32>() {
            Ok(y) if crate::domain::PLAN_YEARS.contains(&y) => Some(y),
            _ => None,
        },
    };
    let plan_year_invalid = !plan_year_raw.is_empty() && plan_year.is_none();
    let unit_id = match get("unit_id").as_str() {
        "" => None,
        u => match u.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                problems.push("đơn vị");
                None
            }
        },
    };
    let method = match get("method").as_str() {
        "" => None,
        m => m
            .parse::<Method>()
            .map_err(|_| problems.push("hình thức"))
            .ok(),
    };
    let field = match get("field").as_str() {
        "" => None,
        f => f
            .parse::<Field>()
            .map_err(|_| problems.push("lĩnh vực"))
            .ok(),
    };
    let status = match get("status").as_str() {
        "" => None,
        s => s
            .parse::<PackageStatus>()
            .map_err(|_| problems.push("trạng thái"))
            .ok(),
    };
    let online = parse_bool(&get("online")).unwrap_or_else(|()| {
        problems.push("qua mạng");
        None
    });
    let in_target_scope = parse_bool(&get("in_target_scope")).unwrap_or_else(|()| {
        problems.push("chỉ tiêu");
        None
    });
    let sort_raw = get("sort");
    let sort = if sort_raw.is_empty() {
        Some(PackageSort::default())
    } else {
        sort_from_wire(&sort_raw)
    };
    if sort.is_none() {
        problems.push("sắp xếp");
    }
    let page = match get("page").as_str() {
        "" => 1,
        p => p
            .parse::<u64>()
            .ok()
            .filter(|p| *p >= 1)
            .unwrap_or_else(|| {
                problems.push("trang");
                1
            }),
    };

    let all_units = crate::db::units::all(&state.db).await?;
    let names: HashMap<i64, String> = all_units.iter().map(|u| (u.id, u.name.clone())).collect();
    let mut error = (!problems.is_empty()).then(|| {
        format!(
            "Giá trị không hợp lệ: {}. Hãy chọn lại.",
            problems.join(", ")
        )
    });
    let filter = PackageFilter {
        unit_id,
        plan_year,
        method,
        field,
        online,
        status,
        in_target_scope,
        q: Some(get("q")),
        sort,
    };
    let mut rows = Vec::new();
    let mut total = 0;
    if error.is_none() && !plan_year_invalid {
        match services::packages::list(
            &state.db,
            &state.cache,
            filter,
            PageRequest {
                page: Some(page),
                per_page: Some(PER_PAGE),
            },
        )
        .await
        {
            Ok(result) => {
                total = result.total;
                let scope = WriteScope::of(&state.db, &user.actor).await?;
                rows = result
                    .items
                    .into_iter()
                    .map(|v| line(v, &names, &scope))
                    .collect();
            }
            Err(AppError::Validation(errors)) => {
                error = Some(
                    errors
                        .iter()
                        .map(|e| e.message.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    let pages = total.div_ceil(PER_PAGE).max(1);
    let link = |p: u64| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for key in [
            "q",
            "unit_id",
            "plan_year",
            "method",
            "field",
            "status",
            "online",
            "in_target_scope",
            "sort",
        ] {
            let v = get(key);
            if !v.is_empty() {
                s.append_pair(key, &v);
            }
        }
        s.append_pair("page", &p.to_string());
        format!("/packages?{}", s.finish())
    };
    let current = |k: &str| get(k);
    let selects = vec![
        SelectField {
            name: "method",
            label: "Hình thức",
            options: choices(
                &current("method"),
                Method::ALL.iter().map(|m| (m.as_str(), m.label_vi())),
            ),
        },
        SelectField {
            name: "field",
            label: "Lĩnh vực",
            options: choices(
                &current("field"),
                Field::ALL.iter().map(|f| (f.as_str(), f.label_vi())),
            ),
        },
        SelectField {
            name: "status",
            label: "Trạng thái",
            options: choices(
                &current("status"),
                PackageStatus::ALL
                    .iter()
                    .map(|s| (s.as_str(), s.label_vi())),
            ),
        },
        SelectField {
            name: "online",
            label: "Qua mạng",
            options: choices(
                &current("online"),
                [("true", "Qua mạng"), ("false", "Không qua mạng")],
            ),
        },
        SelectField {
            name: "in_target_scope",
            label: "Chỉ tiêu",
            options: choices(
                &current("in_target_scope"),
                [("true", "Thuộc phạm vi"), ("false", "Ngoài phạm vi")],
            ),
        },
        SelectField {
            name: "sort",
            label: "Sắp xếp",
            options: SORTS
                .iter()
                .map(|(v, l)| Choice {
                    value: (*v).to_owned(),
                    label: (*l).to_owned(),
                    selected: *v == sort_raw || (sort_raw.is_empty() && *v == "id"),
                })
                .collect(),
        },
    ];
    let unit_current = get("unit_id");
    let page_view = Page {
        form: Form {
            q: get("q"),
            plan_year: plan_year_raw,
        },
        units: all_units
            .iter()
            .map(|u| Choice {
                value: u.id.to_string(),
                label: format!("{} ({})", u.name, u.code),
                selected: u.id.to_string() == unit_current,
            })
            .collect(),
        selects,
        plan_year_invalid,
        total_text: format!("{total} gói thầu"),
        rows,
        page,
        pages,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        back: query
            .as_deref()
            .map_or_else(|| "/packages".to_owned(), |q| format!("/packages?{q}")),
        error,
        shell: user.shell(&flash),
    };
    let status = if page_view.error.is_some() || plan_year_invalid {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(shell::page(status, &page_view, &flash))
}

fn line(
    v: services::packages::PackageView,
    names: &HashMap<i64, String>,
    scope: &WriteScope,
) -> Line {
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
        unit: names.get(&p.unit_id).cloned().unwrap_or_default(),
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
