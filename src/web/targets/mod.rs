//! Target rules: the list (which years, which units, which methods count, the shares) and the
//! forms to add and change a rule ([`form`]: the form as sent; [`edit`]: its pages), through the
//! same service as `/api/v1/targets`.

mod edit;
mod form;

pub use edit::{create, edit_form, new_form, update};

use super::page::{Flash, PageError, page};
use super::session::{Shell, WebUser};
use crate::AppState;
use crate::services::targets::{self as service, Ceilings, TargetMethod, TargetView};
use crate::services::units::{self, Units};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

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
    let units = units::all(&state.db, &state.cache, &[]).await?;
    let rules = service::all(&state.db).await?;
    let list = ListPage {
        rules: rules.into_iter().map(|t| line(t, &units)).collect(),
        shell: user.shell(&flash),
    };
    Ok(page(StatusCode::OK, &list, &flash))
}

fn line(TargetView { rule: r, methods }: TargetView, units: &Units) -> RuleLine {
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
        unit: r
            .unit_id
            .map_or_else(|| "Mọi đơn vị".to_owned(), |id| units.name(id)),
        count: format!("≥ {}%", r.min_count_percent),
        value: r
            .min_value_percent
            .map_or_else(|| "–".to_owned(), |v| format!("≥ {v}%")),
        methods: methods_text(&methods, &Ceilings::of(&r)),
        exclusions: exclusions.join("; "),
        replaces: r.replaces_code.clone(),
        source_note: r.source_note.clone(),
        code: r.code,
        name: r.name,
    }
}
