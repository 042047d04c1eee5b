//! The target rule form as sent: one struct of raw strings, parsed into the API's `NewTarget` in
//! one place, and started from a stored rule for an edit or a copy.

use crate::domain::fields::target::TargetField;
use crate::domain::money::{group_thousands, parse_vnd};
use crate::error::{AppError, FieldError};
use crate::services::targets::{Ceilings, NewTarget, TargetMethod, TargetView};
use crate::web::input::{checked, given, text};
use entity::Method;
use serde::Deserialize;
use std::collections::BTreeMap;

/// How a method counts, as its select sends it.
pub const COUNT_ALL: &str = "all";
pub const COUNT_SMALL: &str = "small_scale";
pub const COUNT_CEILING: &str = "within_ceilings";

/// Where a parsed ceiling goes.
pub type Slot = fn(&mut Ceilings) -> &mut Option<i64>;

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
    /// The text of one of the table's fields as sent (a checkbox: `on` or nothing).
    pub fn raw(&self, field: TargetField) -> &str {
        let on = |b: &Option<String>| if checked(b) { "on" } else { "" };
        match field {
            TargetField::Code => &self.code,
            TargetField::Name => &self.name,
            TargetField::UnitId => &self.unit_id,
            TargetField::ReplacesCode => &self.replaces_code,
            TargetField::YearFrom => &self.year_from,
            TargetField::YearTo => &self.year_to,
            TargetField::MinCountPercent => &self.min_count_percent,
            TargetField::MinValuePercent => &self.min_value_percent,
            TargetField::LegalBasis => &self.legal_basis,
            TargetField::SourceNote => &self.source_note,
            TargetField::DomesticOnly => on(&self.domestic_only),
            TargetField::ExcludeTwoStage => on(&self.exclude_two_stage),
            TargetField::ExcludeExempt => on(&self.exclude_exempt),
        }
    }

    /// A stored rule as its edit form (or a copy of it) starts.
    pub fn of(t: &TargetView) -> Self {
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
    pub fn ceilings(&self) -> [(&'static str, &'static str, &str, Slot); 5] {
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

    /// How method `m` counts, as sent.
    pub fn count(&self, m: Method) -> &str {
        self.counted.get(m.as_str()).map_or("", |v| v.trim())
    }

    /// The form as the command the API takes; what cannot be read is a message beside its field
    /// (the service checks the rest).
    pub fn parse(&self) -> Result<NewTarget, AppError> {
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
