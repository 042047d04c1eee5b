//! The register's query string as sent, and what it asks the service for.

use crate::services::packages::{PackageFilter, PackageSort};
use crate::web::input::given;
use entity::{Field, Method, PackageStatus, ProjectGroup, ProjectKind};
use serde::Deserialize;
use std::str::FromStr;

/// The register's query string (its filter form is a GET form), as sent. The fields are in the
/// order the page's own links repeat them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegisterQuery {
    pub q: String,
    pub unit_id: String,
    pub plan_year: String,
    pub method: String,
    pub field: String,
    pub status: String,
    pub online: String,
    pub in_target_scope: String,
    pub overdue: String,
    pub evidenced: String,
    pub project_id: String,
    pub plan_id: String,
    pub project_kind: String,
    pub project_group: String,
    pub sort: String,
    pub page: String,
}

/// A query read: the service's filter and the page, and what could not be read (the filters
/// by their Vietnamese names; the year on its own, as it is typed rather than chosen).
pub struct Asked {
    pub filter: PackageFilter,
    pub page: u64,
    pub problems: Vec<&'static str>,
    pub plan_year_invalid: bool,
}

/// An optional filter: absent when empty, `Err` when it does not read as a `T`.
fn optional<T: FromStr>(raw: &str) -> Result<Option<T>, ()> {
    given(raw).map(str::parse).transpose().map_err(|_| ())
}

impl RegisterQuery {
    pub fn parse(&self) -> Asked {
        let mut problems = Vec::new();
        let mut read = |ok: bool, name: &'static str| {
            if !ok {
                problems.push(name);
            }
        };
        let unit_id = optional::<i64>(&self.unit_id);
        read(unit_id.is_ok(), "đơn vị");
        let method = optional::<Method>(&self.method);
        read(method.is_ok(), "hình thức");
        let field = optional::<Field>(&self.field);
        read(field.is_ok(), "lĩnh vực");
        let status = optional::<PackageStatus>(&self.status);
        read(status.is_ok(), "trạng thái");
        let online = optional::<bool>(&self.online);
        read(online.is_ok(), "qua mạng");
        let in_target_scope = optional::<bool>(&self.in_target_scope);
        read(in_target_scope.is_ok(), "chỉ tiêu");
        let overdue = optional::<bool>(&self.overdue);
        read(overdue.is_ok(), "quá hạn");
        let evidenced = optional::<bool>(&self.evidenced);
        read(evidenced.is_ok(), "bằng chứng qua mạng");
        let project_id = optional::<i64>(&self.project_id);
        read(project_id.is_ok(), "dự án");
        let plan_id = optional::<i64>(&self.plan_id);
        read(plan_id.is_ok(), "kế hoạch lựa chọn nhà thầu");
        let project_kind = optional::<ProjectKind>(&self.project_kind);
        read(project_kind.is_ok(), "loại dự án");
        let project_group = optional::<ProjectGroup>(&self.project_group);
        read(project_group.is_ok(), "nhóm dự án");
        let sort = given(&self.sort).map_or(Some(PackageSort::default()), sort_from_wire);
        read(sort.is_some(), "sắp xếp");
        let page = optional::<u64>(&self.page).map(|p| p.unwrap_or(1));
        let page = page.ok().filter(|p| *p >= 1);
        read(page.is_some(), "trang");
        let plan_year = optional::<i32>(&self.plan_year)
            .ok()
            .flatten()
            .filter(|y| crate::domain::PLAN_YEARS.contains(y));
        Asked {
            filter: PackageFilter {
                unit_id: unit_id.unwrap_or_default(),
                plan_year,
                method: method.unwrap_or_default(),
                field: field.unwrap_or_default(),
                online: online.unwrap_or_default(),
                status: status.unwrap_or_default(),
                in_target_scope: in_target_scope.unwrap_or_default(),
                overdue: overdue.unwrap_or_default(),
                evidenced: evidenced.unwrap_or_default(),
                project_id: project_id.unwrap_or_default(),
                plan_id: plan_id.unwrap_or_default(),
                project_kind: project_kind.unwrap_or_default(),
                project_group: project_group.unwrap_or_default(),
                q: Some(self.q.trim().to_owned()),
                sort,
            },
            page: page.unwrap_or(1),
            problems,
            plan_year_invalid: given(&self.plan_year).is_some() && plan_year.is_none(),
        }
    }

    /// This list at another page, with the same filters.
    pub fn link(&self, page: u64) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (key, raw) in [
            ("q", &self.q),
            ("unit_id", &self.unit_id),
            ("plan_year", &self.plan_year),
            ("method", &self.method),
            ("field", &self.field),
            ("status", &self.status),
            ("online", &self.online),
            ("in_target_scope", &self.in_target_scope),
            ("overdue", &self.overdue),
            ("evidenced", &self.evidenced),
            ("project_id", &self.project_id),
            ("plan_id", &self.plan_id),
            ("project_kind", &self.project_kind),
            ("project_group", &self.project_group),
            ("sort", &self.sort),
        ] {
            if let Some(v) = given(raw) {
                s.append_pair(key, v);
            }
        }
        s.append_pair("page", &page.to_string());
        format!("/packages?{}", s.finish())
    }
}

fn sort_from_wire(s: &str) -> Option<PackageSort> {
    // serde holds the wire names of PackageSort; read them from there rather than a second list.
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}
