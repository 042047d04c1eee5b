//! Explaining a JSON body that does not fit its request type: one Vietnamese message per
//! missing, mistyped or unknown field, each naming the field, as validation errors do.
//!
//! serde stops at the first error and words it in English, naming a missing field only inside
//! that text. So the body is read in two steps: serde (through `serde_path_to_error`) stays the
//! judge of *where* the body is wrong, field after field (each offending field is taken out
//! and the rest read again); the request type's OpenAPI schema, the contract clients are
//! given, says *what* each field should hold and which ones are required.

use crate::error::FieldError;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use serde_path_to_error::Segment;
use utoipa::ToSchema;

/// A body with more wrong fields than this is answered with the first ones: each further field
/// costs one more reading of the body.
const MAX_ERRORS: usize = 32;

/// The messages for a well-formed JSON `body` that `T` does not accept (never empty).
pub fn explain<T: DeserializeOwned + ToSchema>(mut body: Value) -> Vec<FieldError> {
    let schemas = Schemas::of::<T>();
    let root = schemas.resolve(&schemas.root).0;
    let Some(map) = body.as_object() else {
        return vec![FieldError::new(
            "body",
            "invalid_type",
            "Nội dung phải là một đối tượng JSON ({ … })",
        )];
    };
    let present: Vec<String> = map.keys().cloned().collect();
    let mut errors = Vec::new();
    while errors.len() < MAX_ERRORS {
        let error = match serde_path_to_error::deserialize::<_, T>(&body) {
            Ok(_) => break,
            Err(e) => e,
        };
        let segments: Vec<&Segment> = error.path().iter().collect();
        let Some(Segment::Map { key }) = segments.first() else {
            // Not about one field: what is left is missing fields, listed below.
            break;
        };
        let Some(map) = body.as_object_mut() else {
            break;
        };
        if !map.contains_key(key.as_str()) {
            break;
        }
        errors.push(schemas.describe(root, &segments, map));
        map.remove(key.as_str());
    }
    for name in required(root) {
        if !present.iter().any(|p| p == name) {
            errors.push(FieldError::new(
                name,
                "required",
                format!("Thiếu «{name}»: trường này bắt buộc"),
            ));
        }
    }
    if errors.is_empty() {
        errors.push(FieldError::new(
            "body",
            "invalid",
            "Nội dung không đúng cấu trúc của yêu cầu (xem tài liệu API)",
        ));
    }
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    errors
}

fn required(schema: &Value) -> impl Iterator<Item = &str> {
    schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// A request type's schema and the named schemas it refers to, as JSON.
struct Schemas {
    root: Value,
    components: Map<String, Value>,
}

/// What a field holds, as far as its message needs to know.
enum Kind<'a> {
    Choice(Vec<&'a str>),
    Integer {
        minimum: Option<&'a Value>,
        maximum: Option<&'a Value>,
    },
    Number,
    Boolean,
    Date,
    DateTime,
    Text,
    List,
    Object,
    Unknown,
}

impl Schemas {
    fn of<T: ToSchema>() -> Self {
        let mut named = Vec::new();
        T::schemas(&mut named);
        Schemas {
            root: serde_json::to_value(T::schema()).unwrap_or_default(),
            components: named
                .into_iter()
                .map(|(name, s)| (name, serde_json::to_value(s).unwrap_or_default()))
                .collect(),
        }
    }

    /// Follows `$ref`s and unwraps "this or null"; true when null is allowed.
    fn resolve<'a>(&'a self, mut schema: &'a Value) -> (&'a Value, bool) {
        let mut nullable = false;
        // Bounded: a reference cycle cannot loop.
        for _ in 0..8 {
            if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
                match self.components.get(name) {
                    Some(target) => schema = target,
                    None => break,
                }
            } else if let Some(variants) = schema["oneOf"].as_array() {
                let is_null = |v: &Value| v["type"] == "null";
                nullable |= variants.iter().any(is_null);
                let mut rest = variants.iter().filter(|v| !is_null(v));
                match (rest.next(), rest.next()) {
                    (Some(only), None) => schema = only,
                    _ => break,
                }
            } else {
                break;
            }
        }
        if let Some(types) = schema["type"].as_array() {
            nullable |= types.iter().any(|t| t == "null");
        }
        (schema, nullable)
    }

    fn kind<'a>(&'a self, schema: &'a Value) -> Kind<'a> {
        if let Some(values) = schema["enum"].as_array() {
            return Kind::Choice(values.iter().filter_map(Value::as_str).collect());
        }
        let ty = match &schema["type"] {
            Value::String(t) => t.as_str(),
            Value::Array(types) => types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or_default(),
            _ => "",
        };
        match (ty, schema["format"].as_str()) {
            ("integer", _) => Kind::Integer {
                minimum: schema.get("minimum"),
                maximum: schema.get("maximum"),
            },
            ("number", _) => Kind::Number,
            ("boolean", _) => Kind::Boolean,
            ("string", Some("date")) => Kind::Date,
            ("string", Some("date-time")) => Kind::DateTime,
            ("string", _) => Kind::Text,
            ("array", _) => Kind::List,
            ("object", _) => Kind::Object,
            _ => Kind::Unknown,
        }
    }

    /// The message for the field at `path` (its first segment a key of `body`).
    fn describe(&self, root: &Value, path: &[&Segment], body: &Map<String, Value>) -> FieldError {
        let mut name = String::new();
        let mut schema = Some(root);
        let mut nullable = false;
        let mut value: Option<&Value> = None;
        for (i, segment) in path.iter().enumerate() {
            let (next, next_value) = match segment {
                Segment::Map { key } => {
                    if i > 0 {
                        name.push('.');
                    }
                    name.push_str(key);
                    let parent = schema.map(|s| self.resolve(s).0);
                    (
                        parent.and_then(|s| s["properties"].get(key.as_str())),
                        match value {
                            None => body.get(key.as_str()),
                            Some(v) => v.get(key.as_str()),
                        },
                    )
                }
                Segment::Seq { index } => {
                    name.push_str(&format!("[{index}]"));
                    let parent = schema.map(|s| self.resolve(s).0);
                    (
                        parent.and_then(|s| s.get("items")),
                        value.and_then(|v| v.get(*index)),
                    )
                }
                // Enum variants and unknown segments say nothing more about the field.
                Segment::Enum { .. } | Segment::Unknown => break,
            };
            if i == 0 && next.is_none() {
                return FieldError::new(
                    name.clone(),
                    "unknown_field",
                    format!("Trường «{name}» không có trong yêu cầu này"),
                );
            }
            schema = next;
            value = next_value;
        }
        let (kind, null_allowed) = match schema {
            Some(s) => {
                let (resolved, n) = self.resolve(s);
                (self.kind(resolved), n)
            }
            None => (Kind::Unknown, false),
        };
        nullable |= null_allowed;
        let value = value.unwrap_or(&Value::Null);
        if value.is_null() && !nullable {
            return FieldError::new(
                name.clone(),
                "required",
                format!("«{name}» không được để trống (null)"),
            );
        }
        let (code, message) = match kind {
            Kind::Choice(values) => {
                let accepted = values.join(", ");
                match value.as_str() {
                    Some(given) => (
                        "invalid_choice",
                        format!(
                            "«{name}» không nhận giá trị «{}»; các giá trị được chấp nhận: {accepted}",
                            shorten(given)
                        ),
                    ),
                    None => (
                        "invalid_type",
                        format!("«{name}» phải là một trong các chuỗi: {accepted}"),
                    ),
                }
            }
            Kind::Integer { minimum, maximum } if is_whole(value) => (
                "range",
                match (minimum, maximum) {
                    (Some(min), Some(max)) => {
                        format!("«{name}» phải là số nguyên từ {min} đến {max}")
                    }
                    _ => format!("«{name}» vượt quá giới hạn cho phép"),
                },
            ),
            Kind::Integer { .. } => (
                "invalid_type",
                format!(
                    "«{name}» phải là một số nguyên (viết liền các chữ số, không đặt trong ngoặc \
                     kép, không có dấu chấm hay dấu phẩy)"
                ),
            ),
            Kind::Number => ("invalid_type", format!("«{name}» phải là một số")),
            Kind::Boolean => ("invalid_type", format!("«{name}» phải là true hoặc false")),
            Kind::Date => (
                "invalid_date",
                format!("«{name}» phải là một ngày có thật, dạng YYYY-MM-DD (ví dụ 2019-06-30)"),
            ),
            Kind::DateTime => (
                "invalid_date",
                format!(
                    "«{name}» phải là một thời điểm theo RFC 3339 (ví dụ 2019-06-30T08:00:00+07:00)"
                ),
            ),
            Kind::Text => ("invalid_type", format!("«{name}» phải là một chuỗi ký tự")),
            Kind::List => ("invalid_type", format!("«{name}» phải là một danh sách")),
            Kind::Object => (
                "invalid_type",
                format!("«{name}» phải là một đối tượng JSON"),
            ),
            Kind::Unknown => ("invalid", format!("Giá trị của «{name}» không hợp lệ")),
        };
        FieldError::new(name, code, message)
    }
}

/// A whole number the field's type cannot hold (JSON numbers beyond 64 bits arrive as floats).
fn is_whole(value: &Value) -> bool {
    value.is_i64()
        || value.is_u64()
        || value
            .as_f64()
            .is_some_and(|f| f.fract() == 0.0 && f.abs() >= 9.0e15)
}

/// A value echoed in a message, cut to a readable length.
fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(MAX).collect();
    if s.chars().count() > MAX {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    enum Colour {
        Red,
        Green,
    }

    #[derive(Debug, Deserialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        count: i32,
        colour: Colour,
        shade: Option<Colour>,
        on: Option<bool>,
        day: Option<chrono::NaiveDate>,
        tags: Option<Vec<i64>>,
    }

    fn explained(body: Value) -> Vec<(String, String)> {
        explain::<Item>(body)
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
            .collect()
    }

    #[test]
    fn every_wrong_field_is_named() {
        let cases = [
            (
                json!({}),
                pairs(&[
                    ("colour", "required"),
                    ("count", "required"),
                    ("name", "required"),
                ]),
            ),
            (
                json!({"name": 1, "count": "7", "colour": "blue", "shade": "pink", "on": "yes",
                       "day": "2019-02-30", "tags": [1, "x"], "other": 1}),
                pairs(&[
                    ("colour", "invalid_choice"),
                    ("count", "invalid_type"),
                    ("day", "invalid_date"),
                    ("name", "invalid_type"),
                    ("on", "invalid_type"),
                    ("other", "unknown_field"),
                    ("shade", "invalid_choice"),
                    ("tags[1]", "invalid_type"),
                ]),
            ),
            (
                json!({"name": null, "count": 1e12, "colour": "red", "shade": null}),
                pairs(&[("count", "invalid_type"), ("name", "required")]),
            ),
            (
                json!({"name": "a", "count": 99999999999_i64, "colour": 3}),
                pairs(&[("colour", "invalid_type"), ("count", "range")]),
            ),
            (json!([1, 2]), pairs(&[("body", "invalid_type")])),
        ];
        for (body, expected) in cases {
            assert_eq!(explained(body.clone()), expected, "{body}");
        }
    }

    #[test]
    fn messages_are_vietnamese_and_list_the_choices() {
        let errors = explain::<Item>(json!({"name": "a", "count": 1, "colour": "blue"}));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].message,
            "«colour» không nhận giá trị «blue»; các giá trị được chấp nhận: red, green"
        );
        let errors = explain::<Item>(json!({"count": 1, "colour": "red"}));
        assert_eq!(errors[0].message, "Thiếu «name»: trường này bắt buộc");
    }
}
