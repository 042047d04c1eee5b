//! One form layout for every create and edit page: inputs bound to their labels, the message
//! beside each field (`aria-invalid`, `aria-describedby`), a summary at the top linking to the
//! fields, and the values shown back exactly as typed.

use super::session::Shell;
use crate::domain::fields::{Kind, Spec};
use crate::domain::money::{format_vnd, in_words_vi};
use crate::error::FieldError;
use askama::Template;

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    /// Options from (value, label) pairs, the one equal to `current` selected; with `empty`, a
    /// first option with no value.
    pub fn list<'a>(
        current: &str,
        empty: Option<&str>,
        items: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<Choice> {
        let mut out: Vec<Choice> = empty
            .map(|label| Choice {
                value: String::new(),
                label: label.to_owned(),
                selected: current.is_empty(),
            })
            .into_iter()
            .collect();
        out.extend(items.into_iter().map(|(v, l)| Choice {
            value: v.to_owned(),
            label: l.to_owned(),
            selected: v == current,
        }));
        out
    }
}

pub struct Input {
    pub name: &'static str,
    pub label: &'static str,
    /// text, number, money, date, textarea, select or checkbox.
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<Choice>,
    pub required: bool,
    pub hint: Option<&'static str>,
    pub error: Option<String>,
    /// What the typed text was read as, shown under the input when the form comes back.
    pub echo: Option<String>,
}

impl Input {
    fn new(name: &'static str, label: &'static str, kind: &'static str, value: &str) -> Self {
        Input {
            name,
            label,
            kind,
            value: value.to_owned(),
            options: Vec::new(),
            required: false,
            hint: None,
            error: None,
            echo: None,
        }
    }

    pub fn text(name: &'static str, label: &'static str, value: &str) -> Self {
        Self::new(name, label, "text", value)
    }

    pub fn number(name: &'static str, label: &'static str, value: &str) -> Self {
        Self::new(name, label, "number", value)
    }

    /// An amount in đồng, typed in figures or with unit words.
    pub fn money(name: &'static str, label: &'static str, value: &str) -> Self {
        Self::new(name, label, "money", value)
            .hint("Đồng, ví dụ 1.234.567.000, 1,234,567,000, 1,2 tỷ hoặc 850 triệu")
    }

    /// A date typed dd/mm/yyyy: a text input, because a date input shows the browser's
    /// language's order (mm/dd/yyyy on an English browser), which officers misread.
    pub fn date(name: &'static str, label: &'static str, value: &str) -> Self {
        Self::new(name, label, "date", value).hint("Ngày/tháng/năm, ví dụ 15/03/2019")
    }

    pub fn textarea(name: &'static str, label: &'static str, value: &str) -> Self {
        Self::new(name, label, "textarea", value)
    }

    pub fn select(name: &'static str, label: &'static str, options: Vec<Choice>) -> Self {
        let mut input = Self::new(name, label, "select", "");
        input.options = options;
        input
    }

    pub fn checkbox(name: &'static str, label: &'static str, checked: bool) -> Self {
        Self::new(name, label, "checkbox", if checked { "on" } else { "" })
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }

    /// Says what an amount typed here was read as, in figures and in words, so that `1,2 tỷ`
    /// or a miscounted group of zeros can be checked before the form is saved.
    pub fn read_as(mut self, amount: i64) -> Self {
        self.echo = Some(format!(
            "Đã đọc: {} ({})",
            format_vnd(amount),
            in_words_vi(amount)
        ));
        self
    }

    pub fn checked(&self) -> bool {
        !self.value.is_empty()
    }

    /// The ids of what describes a text input, in reading order: its message, what it was
    /// read as, its hint.
    pub fn described_by(&self) -> Option<String> {
        let ids: Vec<String> = [
            self.error.as_ref().map(|_| "error"),
            self.echo.as_ref().map(|_| "echo"),
            self.hint.map(|_| "hint"),
        ]
        .into_iter()
        .flatten()
        .map(|part| format!("{}-{part}", self.name))
        .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

const MONTHS: [(&str, &str); 12] = [
    ("1", "1"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5"),
    ("6", "6"),
    ("7", "7"),
    ("8", "8"),
    ("9", "9"),
    ("10", "10"),
    ("11", "11"),
    ("12", "12"),
];

const QUARTERS: [(&str, &str); 4] = [
    ("1", "Quý I"),
    ("2", "Quý II"),
    ("3", "Quý III"),
    ("4", "Quý IV"),
];

impl Input {
    /// The input of a field of a table, as its kind is typed, showing `raw`; a unit or plan
    /// field offers `choices` (value, label), the records of its kind the caller lists.
    pub fn of_spec(spec: &'static Spec, raw: &str, choices: &[(String, String)]) -> Input {
        fn choose<'a>(
            spec: &'static Spec,
            raw: &'a str,
            items: impl IntoIterator<Item = (&'a str, &'a str)>,
        ) -> Input {
            Input::select(
                spec.wire,
                spec.label,
                Choice::list(raw, spec.empty_choice, items),
            )
        }
        let (wire, label) = (spec.wire, spec.label);
        let input = match spec.kind {
            Kind::Text | Kind::Code => Input::text(wire, label, raw),
            Kind::LongText => Input::textarea(wire, label, raw),
            Kind::Money => Input::money(wire, label, raw),
            Kind::Date => Input::date(wire, label, raw),
            Kind::Year | Kind::Percent | Kind::Count => Input::number(wire, label, raw),
            // Text, like dates, so the order is dd/mm/yyyy whatever the browser's language.
            Kind::DateTime => Input::text(wire, label, raw),
            Kind::Bool => Input::checkbox(wire, label, !raw.is_empty()),
            Kind::Month => choose(spec, raw, MONTHS),
            Kind::Quarter => choose(spec, raw, QUARTERS),
            Kind::Enum(table) => choose(spec, raw, table.values.iter().copied()),
            Kind::Unit | Kind::Plan => choose(
                spec,
                raw,
                choices.iter().map(|(v, l)| (v.as_str(), l.as_str())),
            ),
        };
        let input = if spec.required {
            input.required()
        } else {
            input
        };
        match spec.help {
            Some(help) => input.hint(help),
            None => input,
        }
    }
}

pub struct Section {
    pub legend: &'static str,
    pub inputs: Vec<Input>,
}

/// One line of the summary at the top of a form.
pub struct SummaryLine {
    /// The field to jump to, when the message is about one.
    pub anchor: Option<&'static str>,
    pub label: String,
    pub message: String,
}

/// A field whose saved value differs from the one the officer typed (stale edit).
pub struct Difference {
    pub label: &'static str,
    pub yours: String,
    pub saved: String,
}

pub struct Stale {
    pub message: String,
    pub differences: Vec<Difference>,
}

#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub title: String,
    pub intro: Option<String>,
    pub action: String,
    pub hidden: Vec<(&'static str, String)>,
    pub sections: Vec<Section>,
    pub summary: Vec<SummaryLine>,
    pub stale: Option<Stale>,
    pub submit: &'static str,
    pub cancel: String,
    pub shell: Shell,
}

impl FormPage {
    /// Puts each message beside its field; messages about no field of the form go to the
    /// summary only. The summary lists every message in form order.
    pub fn attach(&mut self, errors: &[FieldError]) {
        let mut unplaced: Vec<&FieldError> = Vec::new();
        for e in errors {
            let input = self
                .sections
                .iter_mut()
                .flat_map(|s| s.inputs.iter_mut())
                .find(|i| i.name == e.field);
            match input {
                Some(input) => match &mut input.error {
                    Some(existing) => {
                        existing.push_str("; ");
                        existing.push_str(&e.message);
                    }
                    None => input.error = Some(e.message.clone()),
                },
                None => unplaced.push(e),
            }
        }
        self.summary = self
            .sections
            .iter()
            .flat_map(|s| &s.inputs)
            .filter_map(|i| {
                i.error.as_ref().map(|m| SummaryLine {
                    anchor: Some(i.name),
                    label: i.label.to_owned(),
                    message: m.clone(),
                })
            })
            .chain(unplaced.into_iter().map(|e| SummaryLine {
                anchor: None,
                label: e.field.clone(),
                message: e.message.clone(),
            }))
            .collect();
    }

    /// The value shown for a field, as typed.
    pub fn value(&self, name: &str) -> Option<&Input> {
        self.sections
            .iter()
            .flat_map(|s| &s.inputs)
            .find(|i| i.name == name)
    }
}
