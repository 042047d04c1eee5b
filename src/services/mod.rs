//! One function per user intention. Services own the transaction, apply the domain rules and
//! call `db`; every interface (CLI, API, web, reports) goes through them.

pub mod accounts;
pub mod actor;
pub mod audit;
pub mod cache;
pub mod checks;
pub mod compliance;
pub mod imports;
pub mod ocds;
pub mod packages;
pub mod projects;
pub mod sync;
pub mod targets;
pub mod trend;
pub mod units;

use crate::domain::fields::Spec;
use crate::error::{AppError, FieldError};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub const DEFAULT_PER_PAGE: u64 = 50;
pub const MAX_PER_PAGE: u64 = 500;

/// One page of a list, and how many items the whole list has.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

impl<M: sea_orm::FromQueryResult + Send + Sync + 'static> Page<M> {
    /// Page `page` (from 1) of an ordered query, with the total it counts.
    pub async fn of<'db, C, S>(
        query: S,
        db: &'db C,
        page: u64,
        per_page: u64,
    ) -> Result<Self, sea_orm::DbErr>
    where
        C: sea_orm::ConnectionTrait,
        S: sea_orm::PaginatorTrait<'db, C, Selector = sea_orm::SelectModel<M>>,
    {
        let paginator = query.paginate(db, per_page);
        Ok(Page {
            total: paginator.num_items().await?,
            items: paginator.fetch_page(page - 1).await?,
            page,
            per_page,
        })
    }
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
        }
    }
}

/// Which page to read: `page` from 1, `per_page` up to [`MAX_PER_PAGE`].
#[derive(Debug, Clone, Copy, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageRequest {
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

impl PageRequest {
    /// (page, per_page), checked.
    pub fn resolve(self) -> Result<(u64, u64), AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut errors = Vec::new();
        if !(1..=1_000_000).contains(&page) {
            errors.push(FieldError::new(
                "page",
                "range",
                "Số trang phải từ 1 đến 1.000.000",
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            errors.push(FieldError::new(
                "per_page",
                "range",
                format!("Số dòng mỗi trang phải từ 1 đến {MAX_PER_PAGE}"),
            ));
        }
        if errors.is_empty() {
            Ok((page, per_page))
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

/// `field` names a unit that does not exist.
pub fn unknown_unit(field: &str, id: i64) -> FieldError {
    FieldError::new(
        field,
        "unknown_unit",
        format!("Không có đơn vị với mã số {id}"),
    )
}

/// Fails with `unknown_unit` on `field` unless the unit exists.
pub async fn require_unit(
    db: &impl sea_orm::ConnectionTrait,
    field: &str,
    id: i64,
) -> Result<(), AppError> {
    match crate::db::units::find(db, id).await? {
        Some(_) => Ok(()),
        None => Err(AppError::Validation(vec![unknown_unit(field, id)])),
    }
}

/// Trims text; empty text is absent.
pub fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A unique index refused the write: the friendly pre-check lost a race, or there was none.
pub fn conflict_on_unique(
    e: sea_orm::DbErr,
    code: &'static str,
    message: impl Into<String>,
) -> AppError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code,
            message: message.into(),
        },
        _ => AppError::from(e),
    }
}

/// `LIKE` pattern matching `text` anywhere, with `%`, `_` and `\\` taken literally (the query
/// says `ESCAPE '\\'`).
pub fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Today's date in Vietnam (UTC+07:00), the day an officer lives in: a package planned for
/// August is overdue from 1 September in Hà Nội, seven hours before UTC's September starts.
/// Read once per request and passed on, so a list's filter and its rows agree on the day.
pub fn today_in_vietnam() -> chrono::NaiveDate {
    crate::domain::overdue::vietnam_date(chrono::Utc::now())
}

/// Deserializes a field that may be absent (unchanged), `null` (cleared) or a value: the
/// three states of a JSON merge patch.
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A form's fields (each field of a table with the text typed for it) read into the command the
/// API would have received, `fixed` holding the values the form does not type (a plan's
/// project): one message per field that is missing or does not read, in table order.
pub fn read_form<'a, T: DeserializeOwned>(
    typed: impl Iterator<Item = (&'static Spec, &'a str)>,
    fixed: Map<String, Value>,
) -> Result<T, Vec<FieldError>> {
    let mut object = fixed;
    let mut errors = Vec::new();
    for (spec, raw) in typed {
        match spec.read(raw) {
            Ok(Value::Null) if spec.required => {
                errors.push(FieldError::new(spec.wire, "required", spec.missing()))
            }
            Ok(v) => {
                object.insert(spec.wire.to_owned(), v);
            }
            Err(e) => errors.push(FieldError::new(spec.wire, e.code, e.message)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    serde_json::from_value(Value::Object(object)).map_err(|e| {
        // Every value was read by its kind, so only a table that disagrees with the command
        // gets here; say so rather than blame the user's input.
        vec![FieldError::new(
            "",
            "invalid_form",
            format!("Biểu mẫu không đọc được ({e}); hãy tải lại trang"),
        )]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("ha dong"), "%ha dong%");
        assert_eq!(contains_pattern("50%_x\\"), "%50\\%\\_x\\\\%");
    }

    #[test]
    fn page_bounds() {
        let r = |page, per_page| PageRequest { page, per_page }.resolve();
        assert_eq!(r(None, None).ok(), Some((1, 50)));
        assert_eq!(r(Some(3), Some(500)).ok(), Some((3, 500)));
        assert!(r(Some(0), None).is_err());
        assert!(r(None, Some(501)).is_err());
        assert!(r(None, Some(0)).is_err());
    }
}
