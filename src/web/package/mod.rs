//! One package: its page (every field, why it is in or out of the target's scope, warnings, its
//! history), the create and edit forms, the one-click online switch and deletion. Every field
//! is shown, typed and read through the field table (`domain::fields::package`); a form's text
//! becomes the API's command type in one place (`NewPackage::read`) and goes through the same
//! services.

mod actions;
mod form;
mod replan;
mod show;

pub use actions::{delete, delete_form, set_online};
pub use form::{create, edit_form, new_form, update};
pub use replan::{replan, replan_form};
pub use show::{scope_badge, show};

use super::input;
use super::page::{PageError, path_id};
use super::session::WebUser;
use crate::AppState;
use crate::domain::fields::package::PackageField;
use crate::error::AppError;
use crate::services::packages::NewPackage;
use crate::services::units::Units;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use std::collections::HashMap;

/// The id in `/packages/{id}`; anything else is a page that does not exist.
pub struct PackageId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PackageId {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError(AppError::not_found("gói thầu", "")))?;
        Ok(PackageId(path_id(&raw, "gói thầu")?))
    }
}

/// A posted package form (or one of its actions): the version it was read at, where to go
/// back to, and each package field as typed. A name the table does not know is not a field of
/// this form and is dropped here, so nothing downstream reads fields by name.
#[derive(Debug, Default)]
pub struct PackageForm {
    /// Sent by the officer (a form coming back), not started from a package or a link.
    sent: bool,
    version: String,
    back: String,
    fields: HashMap<PackageField, String>,
}

impl PackageForm {
    /// The form as posted, read only once its token is the session's (as every page form is,
    /// through `WebUser::form`).
    fn posted(user: &WebUser, body: Result<Bytes, BytesRejection>) -> Result<Self, PageError> {
        let pairs = input::distinct(user.form(body)?)?;
        let mut form = PackageForm {
            sent: true,
            ..PackageForm::default()
        };
        for (name, value) in pairs {
            let value = value.trim().to_owned();
            match name.as_str() {
                "version" => form.version = value,
                "back" => form.back = value,
                other => {
                    if let Some(f) = PackageField::from_wire(other) {
                        form.fields.insert(f, value);
                    }
                }
            }
        }
        Ok(form)
    }

    /// The form showing a package as it is entered (the start of an edit, or a copy).
    fn of(p: &NewPackage) -> Self {
        PackageForm {
            fields: p.values().map(|(f, v)| (f, f.spec().raw(&v))).collect(),
            ..PackageForm::default()
        }
    }

    fn raw(&self, f: PackageField) -> &str {
        self.fields.get(&f).map_or("", String::as_str)
    }

    fn set(&mut self, f: PackageField, value: String) {
        self.fields.insert(f, value);
    }

    fn read(&self) -> Result<NewPackage, Vec<crate::error::FieldError>> {
        NewPackage::read(|f| self.raw(f))
    }

    /// The version the form was read at: an edit or an action without it cannot be applied
    /// safely.
    fn version(&self) -> Result<i32, PageError> {
        self.version.parse().map_err(|_| {
            PageError(AppError::BadRequest {
                code: "invalid_form",
                message: "Biểu mẫu thiếu phiên bản của gói thầu; hãy tải lại trang".to_owned(),
                errors: Vec::new(),
            })
        })
    }
}

/// Every unit (from the cached tree), to name a package's unit; `wanted` are ids the page will
/// name, so a unit created a moment ago elsewhere is not missed.
async fn all_units(state: &AppState, wanted: &[i64]) -> Result<Units, PageError> {
    Ok(crate::services::units::all(&state.db, &state.cache, wanted).await?)
}

/// The plans with these ids, each named by its code and name (for the package's page, its
/// history and a stale edit's comparison). History may name plans since gone.
async fn plan_names(
    state: &AppState,
    ids: &[Option<i64>],
) -> Result<HashMap<i64, String>, PageError> {
    let ids: Vec<i64> = ids.iter().flatten().copied().collect();
    Ok(crate::services::packages::plan_refs(&state.db, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.label()))
        .collect())
}

/// How the package's pages name the units and plans a package refers to: a unit by its name
/// and code, a plan by its code and name.
struct Namer<'a> {
    units: &'a [entity::unit::Model],
    plans: &'a HashMap<i64, String>,
}

impl<'a> Namer<'a> {
    fn new(units: &'a [entity::unit::Model], plans: &'a HashMap<i64, String>) -> Self {
        Namer { units, plans }
    }
}

impl crate::domain::fields::Names for Namer<'_> {
    fn unit(&self, id: i64) -> Option<String> {
        self.units
            .iter()
            .find(|u| u.id == id)
            .map(|u| format!("{} ({})", u.name, u.code))
    }

    fn plan(&self, id: i64) -> Option<String> {
        self.plans.get(&id).cloned()
    }
}
