//! Field tables: for each field of a record, its wire name, its Vietnamese label (forms, the
//! record's page, its history), its short label (column headers: import template, reports, the
//! command line), its kind, whether it is required and its help text — written once, here, and
//! read by every interface. [`field_table!`] builds a table the way `entity::wire_enum!` builds
//! an enum's values, so a field has one entry and one set of words.
//!
//! The kind also says how a value is typed into a form, read back and shown, with the API's JSON
//! value as the one typed form in between: a form's raw text becomes that JSON value, which the
//! API's own command type then deserializes, and a stored value (or one from the audit trail)
//! is shown from it.

pub mod package;
pub mod plan;
pub mod project;
pub mod target;
pub mod unit;

use crate::domain::VIETNAM;
use crate::domain::money::{MoneyError, format_vnd, group_thousands, parse_vnd};
use crate::domain::package_rules::quarter_vi;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use entity::WireTable;
use serde_json::Value;

/// How a field is typed, read and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line of text.
    Text,
    /// Several lines (line breaks kept).
    LongText,
    /// A code of the national system (notice, plan): one line, compared upper-case.
    Code,
    /// Whole đồng.
    Money,
    /// A calendar date, typed and shown dd/mm/yyyy.
    Date,
    /// A date and time in Vietnam (UTC+7), typed and shown dd/mm/yyyy HH:MM; the API's value is
    /// RFC 3339 with its offset.
    DateTime,
    /// A whole number from 0 (bidders, days, a version).
    Count,
    /// A plan year.
    Year,
    /// A whole percentage, 0–100.
    Percent,
    /// A month of the year, 1–12.
    Month,
    /// A quarter of the year, 1–4, shown "Quý II".
    Quarter,
    /// Yes or no (a checkbox; absent is no).
    Bool,
    /// One of an enum's values, by wire name.
    Enum(&'static WireTable),
    /// A unit, by id; shown by name.
    Unit,
    /// A contractor selection plan (KHLCNT), by id; shown by its code and name.
    Plan,
}

/// One field of a table. Built with the `const` builders below so a table is one expression per
/// field.
#[derive(Debug, PartialEq, Eq)]
pub struct Spec {
    pub wire: &'static str,
    /// The full Vietnamese label: forms, the record's page, its history.
    pub label: &'static str,
    /// The column header: import template, reports, the command line.
    pub short: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub help: Option<&'static str>,
    /// What a choice without a value reads ("Không ghi", "— Chọn —"); `None`: no such choice.
    pub empty_choice: Option<&'static str>,
    /// The form's section (its legend).
    pub section: &'static str,
}

impl Spec {
    pub const fn new(
        wire: &'static str,
        label: &'static str,
        short: &'static str,
        kind: Kind,
        section: &'static str,
    ) -> Self {
        Spec {
            wire,
            label,
            short,
            kind,
            required: false,
            help: None,
            empty_choice: None,
            section,
        }
    }

    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub const fn help(mut self, text: &'static str) -> Self {
        self.help = Some(text);
        self
    }

    pub const fn empty_choice(mut self, text: &'static str) -> Self {
        self.empty_choice = Some(text);
        self
    }

    /// What a form says of this field left empty: "Chưa chọn lĩnh vực", "Chưa nhập tên gói
    /// thầu" (the label's first letter lowered, its acronyms kept).
    pub fn missing(&self) -> String {
        let verb = match self.kind {
            Kind::Enum(_) | Kind::Unit | Kind::Plan | Kind::Month | Kind::Quarter => "Chưa chọn",
            _ => "Chưa nhập",
        };
        let mut chars = self.label.chars();
        let label: String = chars
            .next()
            .map(|c| c.to_lowercase().chain(chars).collect())
            .unwrap_or_default();
        format!("{verb} {label}")
    }

    /// The column header of a report or a template: money columns say their unit.
    pub fn header(&self) -> String {
        match self.kind {
            Kind::Money => format!("{} (đồng)", self.short),
            _ => self.short.to_owned(),
        }
    }
}

/// Declares a table of fields: an enum with one variant per field, `ALL` in table order, the
/// [`Spec`] of each, and `FromStr` by wire name.
macro_rules! field_table {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $variant:ident => $spec:expr ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            /// Every field, in the order forms and pages show them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            const SPECS: &'static [$crate::domain::fields::Spec] = &[$($spec),+];

            pub const fn spec(self) -> &'static $crate::domain::fields::Spec {
                &Self::SPECS[self as usize]
            }

            pub const fn wire(self) -> &'static str {
                self.spec().wire
            }

            pub const fn label(self) -> &'static str {
                self.spec().label
            }

            pub const fn short(self) -> &'static str {
                self.spec().short
            }

            pub fn kind(self) -> $crate::domain::fields::Kind {
                self.spec().kind
            }

            /// The field whose wire name is `wire`.
            pub fn from_wire(wire: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|f| f.wire() == wire)
            }
        }
    };
}
pub(crate) use field_table;

/// Why a typed value was not read; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub code: &'static str,
    pub message: String,
}

impl Spec {
    /// A form's raw text as the API's JSON value. Empty text is `null` (a checkbox's absence
    /// is `false`); required fields are the command type's to insist on, except where the
    /// form must say so first (an empty required field is `null` here).
    pub fn read(&self, raw: &str) -> Result<Value, Unreadable> {
        let raw = raw.trim();
        if let Kind::Bool = self.kind {
            // A checked checkbox sends `on`; an unchecked one sends nothing.
            return match raw {
                "on" | "true" | "1" => Ok(Value::Bool(true)),
                "" | "off" | "false" | "0" => Ok(Value::Bool(false)),
                _ => Err(Unreadable {
                    code: "invalid",
                    message: format!("{}: chỉ có Có hoặc Không", self.label),
                }),
            };
        }
        if raw.is_empty() {
            return Ok(Value::Null);
        }
        let invalid = |message: String| Unreadable {
            code: "invalid",
            message,
        };
        match self.kind {
            Kind::Text | Kind::LongText | Kind::Code => Ok(Value::String(raw.to_owned())),
            Kind::Money => parse_vnd(raw)
                .map(Value::from)
                // The message sits beside the field, and the money error says what an amount
                // looks like.
                .map_err(|e: MoneyError| Unreadable {
                    code: "money",
                    message: e.to_string(),
                }),
            Kind::Date => parse_date(raw)
                .map(|d| Value::String(d.to_string()))
                .ok_or_else(|| Unreadable {
                    code: "date",
                    message: format!(
                        "{} không hợp lệ: nhập dd/mm/yyyy, ví dụ 15/03/2019",
                        self.label
                    ),
                }),
            Kind::DateTime => parse_date_time(raw)
                .map(|t| Value::String(t.to_rfc3339()))
                .ok_or_else(|| Unreadable {
                    code: "date_time",
                    message: format!(
                        "{} không hợp lệ: nhập dd/mm/yyyy HH:MM (giờ Việt Nam), ví dụ 15/08/2019 09:00",
                        self.label
                    ),
                }),
            Kind::Count => raw
                .parse::<u32>()
                .ok()
                .and_then(|n| i32::try_from(n).ok())
                .map(Value::from)
                .ok_or_else(|| invalid(format!("{} phải là số nguyên không âm", self.label))),
            Kind::Year => raw
                .parse::<i32>()
                .map(Value::from)
                .map_err(|_| invalid(format!("{} phải là một số, ví dụ 2019", self.label))),
            Kind::Month => raw
                .parse::<i16>()
                .ok()
                .filter(|m| (1..=12).contains(m))
                .map(Value::from)
                .ok_or_else(|| invalid(format!("{}: tháng phải từ 1 đến 12", self.label))),
            Kind::Percent => raw
                .trim_end_matches('%')
                .trim()
                .parse::<i32>()
                .map(Value::from)
                .map_err(|_| invalid(format!("{} phải là một số nguyên, ví dụ 50", self.label))),
            Kind::Quarter => read_quarter(raw)
                .map(Value::from)
                .ok_or_else(|| invalid(format!("{}: quý phải từ I đến IV (1–4)", self.label))),
            Kind::Unit | Kind::Plan => raw
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| invalid(format!("{} không hợp lệ", self.label))),
            Kind::Enum(table) => {
                if table.contains(raw) {
                    Ok(Value::String(raw.to_owned()))
                } else {
                    Err(invalid(format!(
                        "{} không hợp lệ; chọn một trong: {}",
                        self.label,
                        table
                            .values
                            .iter()
                            .map(|(_, l)| *l)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
                }
            }
            Kind::Bool => unreachable!("handled above"),
        }
    }

    /// A JSON value as a form's raw text: what the input shows before it is typed over.
    pub fn raw(&self, v: &Value) -> String {
        match (self.kind, v) {
            (_, Value::Null) => String::new(),
            (Kind::Bool, Value::Bool(b)) => if *b { "on" } else { "" }.to_owned(),
            (Kind::Money, Value::Number(n)) => {
                n.as_i64().map_or_else(|| n.to_string(), group_thousands)
            }
            (Kind::Date, Value::String(s)) => show_date(s),
            (Kind::DateTime, Value::String(s)) => show_date_time(s),
            (_, Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        }
    }

    /// A JSON value as a person reads it: labels for enums, đồng for money, Có/Không, dates
    /// dd/mm/yyyy, a unit or a plan by the name `names` gives. A value the kind does not expect
    /// (an old audit entry) is shown as recorded.
    pub fn show<N: Names + ?Sized>(&self, v: &Value, names: &N) -> String {
        match (self.kind, v) {
            (_, Value::Null) => "–".to_owned(),
            (_, Value::Bool(b)) => yes_no(*b).to_owned(),
            (Kind::Money, Value::Number(n)) => n.as_i64().map_or_else(|| n.to_string(), format_vnd),
            (Kind::Unit, Value::Number(n)) => n
                .as_i64()
                .and_then(|id| names.unit(id))
                .unwrap_or_else(|| n.to_string()),
            (Kind::Plan, Value::Number(n)) => n
                .as_i64()
                .and_then(|id| names.plan(id))
                .unwrap_or_else(|| n.to_string()),
            (Kind::Month, Value::Number(n)) => format!("Tháng {n}"),
            (Kind::Quarter, Value::Number(n)) => n
                .as_i64()
                .and_then(|q| i16::try_from(q).ok())
                .map_or_else(|| n.to_string(), |q| format!("Quý {}", quarter_vi(q))),
            (Kind::Enum(table), Value::String(s)) => {
                table.label(s).map_or_else(|| s.clone(), str::to_owned)
            }
            (Kind::Date, Value::String(s)) => show_date(s),
            (Kind::DateTime, Value::String(s)) => show_date_time(s),
            (_, Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        }
    }
}

/// How the records a field refers to by id are named where a person reads them. A function of a
/// unit's id names units only (most tables refer to no plan).
pub trait Names {
    fn unit(&self, id: i64) -> Option<String>;
    fn plan(&self, _id: i64) -> Option<String> {
        None
    }
}

impl<F: Fn(i64) -> Option<String> + ?Sized> Names for F {
    fn unit(&self, id: i64) -> Option<String> {
        self(id)
    }
}

/// A plan as a person names it: its code (when it has one) and its name.
pub fn plan_label(code: Option<&str>, name: &str) -> String {
    match code {
        Some(code) => format!("{code} – {name}"),
        None => name.to_owned(),
    }
}

/// `15/08/2019 09:00` (how notices write it, Vietnam time), `15/08/2019 9:00`, or RFC 3339 with
/// any offset (the API's form), as a time in Vietnam.
pub fn parse_date_time(s: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&VIETNAM));
    }
    [
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .and_then(|t| t.and_local_timezone(VIETNAM).single())
}

/// An RFC 3339 time as dd/mm/yyyy HH:MM in Vietnam; anything else unchanged.
fn show_date_time(s: &str) -> String {
    DateTime::parse_from_rfc3339(s).map_or_else(
        |_| s.to_owned(),
        |t| {
            t.with_timezone(&VIETNAM)
                .format("%d/%m/%Y %H:%M")
                .to_string()
        },
    )
}

/// `2`, `II`, `Quý II`, `quy 2`, `Q2`: how plans and spreadsheets write a quarter.
pub fn read_quarter(raw: &str) -> Option<i16> {
    let folded = crate::domain::text::fold(raw);
    let bare = folded
        .trim()
        .trim_start_matches("quy")
        .trim_start_matches('q')
        .trim();
    match bare {
        "1" | "i" => Some(1),
        "2" | "ii" => Some(2),
        "3" | "iii" => Some(3),
        "4" | "iv" => Some(4),
        _ => None,
    }
}

pub fn yes_no(b: bool) -> &'static str {
    if b { "Có" } else { "Không" }
}

/// `15/03/2019` (how officers write dates), `2019-03-15` (ISO, the API's form) or
/// `15-03-2019`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .ok()
}

/// An ISO date as dd/mm/yyyy; anything else unchanged.
fn show_date(iso: &str) -> String {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map_or_else(|_| iso.to_owned(), |d| d.format("%d/%m/%Y").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(kind: Kind) -> Spec {
        Spec::new("x", "Trường", "Trường", kind, "")
    }

    #[test]
    fn each_kind_reads_what_it_shows() {
        let none = |_: i64| -> Option<String> { None };
        let cases: &[(Kind, &str, Value, &str)] = &[
            (Kind::Money, "1.200.000", json!(1_200_000), "1.200.000"),
            (Kind::Date, "15/03/2019", json!("2019-03-15"), "15/03/2019"),
            (
                Kind::DateTime,
                "15/08/2019 09:00",
                json!("2019-08-15T09:00:00+07:00"),
                "15/08/2019 09:00",
            ),
            (Kind::Count, "3", json!(3), "3"),
            (Kind::Year, "2019", json!(2019), "2019"),
            (Kind::Month, "3", json!(3), "3"),
            (Kind::Quarter, "2", json!(2), "2"),
            (Kind::Bool, "on", json!(true), "on"),
            (Kind::Bool, "", json!(false), ""),
            (Kind::Text, " a ", json!("a"), "a"),
            (
                Kind::Enum(&entity::Field::WIRE),
                "goods",
                json!("goods"),
                "goods",
            ),
        ];
        for (kind, raw, value, back) in cases {
            let s = spec(*kind);
            assert_eq!(s.read(raw).as_ref(), Ok(value), "{kind:?} {raw}");
            assert_eq!(s.raw(value), *back, "{kind:?}");
        }
        assert_eq!(
            spec(Kind::Enum(&entity::Field::WIRE)).show(&json!("goods"), &none),
            "Hàng hóa"
        );
        assert_eq!(spec(Kind::Month).show(&json!(3), &none), "Tháng 3");
        // A plan by the name `Names` gives it; a unit namer names no plan.
        struct Plans;
        impl Names for Plans {
            fn unit(&self, _: i64) -> Option<String> {
                None
            }
            fn plan(&self, id: i64) -> Option<String> {
                Some(plan_label(Some("PL1900001234"), &format!("KHLCNT {id}")))
            }
        }
        assert_eq!(spec(Kind::Plan).read("12").as_ref(), Ok(&json!(12)));
        assert_eq!(spec(Kind::Plan).raw(&json!(12)), "12");
        assert_eq!(
            spec(Kind::Plan).show(&json!(12), &Plans),
            "PL1900001234 – KHLCNT 12"
        );
        assert_eq!(spec(Kind::Plan).show(&json!(12), &none), "12");
        assert_eq!(spec(Kind::Quarter).show(&json!(2), &none), "Quý II");
        for (raw, q) in [("Quý II", 2), ("quy 4", 4), ("Q3", 3), ("I", 1), ("1", 1)] {
            assert_eq!(read_quarter(raw), Some(q), "{raw}");
        }
        assert_eq!(read_quarter("V"), None);
        assert_eq!(spec(Kind::Text).show(&Value::Null, &none), "–");
        assert_eq!(
            Spec::new("x", "Số TBMT", "", Kind::Text, "").missing(),
            "Chưa nhập số TBMT"
        );
        assert_eq!(
            Spec::new("x", "Lĩnh vực", "", Kind::Enum(&entity::Field::WIRE), "").missing(),
            "Chưa chọn lĩnh vực"
        );
    }

    /// Within a table, each wire name, label and column header names one field.
    fn unique(specs: Vec<&Spec>) {
        for words in [
            specs.iter().map(|s| s.wire).collect::<Vec<_>>(),
            specs.iter().map(|s| s.label).collect(),
            specs.iter().map(|s| s.short).collect(),
        ] {
            let mut sorted = words.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), words.len(), "{words:?}");
        }
    }

    #[test]
    fn each_table_names_each_field_once() {
        use super::{package::PackageField, target::TargetField, unit::UnitField};
        unique(PackageField::ALL.iter().map(|f| f.spec()).collect());
        unique(UnitField::ALL.iter().map(|f| f.spec()).collect());
        unique(TargetField::ALL.iter().map(|f| f.spec()).collect());
        for f in PackageField::ALL {
            assert_eq!(PackageField::from_wire(f.wire()), Some(*f));
        }
    }

    #[test]
    fn what_a_kind_refuses_is_named() {
        for (kind, raw) in [
            (Kind::Money, "abc"),
            (Kind::Date, "31/02/2019"),
            (Kind::DateTime, "15/08/2019"),
            (Kind::Count, "-1"),
            (Kind::Month, "13"),
            (Kind::Bool, "maybe"),
            (Kind::Quarter, "5"),
            (Kind::Year, "hai nghìn"),
            (Kind::Enum(&entity::Field::WIRE), "auction"),
        ] {
            let e = spec(kind).read(raw).expect_err(raw);
            if kind != Kind::Money {
                assert!(e.message.starts_with("Trường"), "{}", e.message);
            }
        }
        assert_eq!(spec(Kind::Money).read("  ").as_ref(), Ok(&Value::Null));
    }
}
