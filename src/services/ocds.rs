//! Exporting packages as an OCDS 1.1 release package, chunk by chunk (a large export never sits
//! in memory whole).

use super::packages::{self, Export, PackageFilter};
use crate::error::AppError;
use crate::ocds::{self, Publication};
use entity::unit;
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::HashMap;

pub struct OcdsExport {
    publication: Publication,
    units: HashMap<i64, unit::Model>,
    export: Export,
    first: bool,
}

/// Opens an export of the packages `filter` selects.
pub async fn open(
    db: &impl ConnectionTrait,
    publication: Publication,
    filter: PackageFilter,
) -> Result<OcdsExport, AppError> {
    let units = unit::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let export = packages::export(db, filter).await?;
    Ok(OcdsExport {
        publication,
        units,
        export,
        first: true,
    })
}

impl OcdsExport {
    pub fn start(&self, uri: &str) -> String {
        ocds::package_start(&self.publication, uri, chrono::Utc::now())
    }

    /// The next releases as JSON text (with the separating commas), or `None` at the end.
    pub async fn next_chunk(
        &mut self,
        db: &impl ConnectionTrait,
    ) -> Result<Option<String>, AppError> {
        let Some(views) = self.export.next_chunk(db).await? else {
            return Ok(None);
        };
        let mut text = String::new();
        for v in views {
            let Some(buyer) = self.units.get(&v.package.unit_id) else {
                continue;
            };
            for release in ocds::releases(&self.publication, &v.package, buyer) {
                if !self.first {
                    text.push(',');
                }
                self.first = false;
                text.push_str(&release.to_string());
            }
        }
        Ok(Some(text))
    }

    /// The whole package as one string (the command line and tests).
    pub async fn collect(
        mut self,
        db: &impl ConnectionTrait,
        uri: &str,
    ) -> Result<String, AppError> {
        let mut out = self.start(uri);
        while let Some(chunk) = self.next_chunk(db).await? {
            out.push_str(&chunk);
        }
        out.push_str(ocds::PACKAGE_END);
        Ok(out)
    }
}
