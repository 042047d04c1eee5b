//! The demo's projects and purchase estimates, with their 2019 selection plans (one of them
//! adjusted). Names, codes, totals and decisions are illustrative demo data, not records of the
//! real projects they resemble.

use crate::error::AppError;
use crate::services::accounts::Actor;
use crate::services::projects::{self, NewAdjustment, NewPlan, NewProject};
use chrono::NaiveDate;
use entity::{FundingKind, ProjectGroup, ProjectKind, project, selection_plan};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use std::collections::HashMap;

const BN: i64 = 1_000_000_000;

/// An investment project of the demo: its owner unit, group and total, and the fields of
/// packages its plan holds (the rest of the owner's packages go to its purchase estimate).
struct Investment {
    owner: &'static str,
    code: &'static str,
    name: &'static str,
    group: ProjectGroup,
    total_vnd: i64,
}

const INVESTMENTS: &[Investment] = &[
    Investment {
        owner: "HN-SKHDT",
        code: "PR1900000001",
        name: "Đường Vành đai 4 – Vùng Thủ đô, đoạn qua thành phố Hà Nội (chuẩn bị đầu tư)",
        group: ProjectGroup::NationalKey,
        total_vnd: 85_000 * BN,
    },
    Investment {
        owner: "HN-SGDDT",
        code: "PR1900000002",
        name: "Cải tạo, nâng cấp cơ sở vật chất các trường trung học phổ thông công lập",
        group: ProjectGroup::A,
        total_vnd: 2_400 * BN,
    },
    Investment {
        owner: "HN-HADONG-BQLDA",
        code: "PR1900000003",
        name: "Xây dựng tuyến đường Lê Trọng Tấn kéo dài và hạ tầng hai bên tuyến",
        group: ProjectGroup::B,
        total_vnd: 320 * BN,
    },
    Investment {
        owner: "HN-HOANKIEM-BQLDA",
        code: "PR1900000004",
        name: "Chỉnh trang hè phố, hạ ngầm đường dây các tuyến phố cổ",
        group: ProjectGroup::B,
        total_vnd: 180 * BN,
    },
    Investment {
        owner: "HN-PHUCTHO-BQLDA",
        code: "PR1900000005",
        name: "Xây dựng, cải tạo trường học và nhà văn hóa các xã huyện Phúc Thọ",
        group: ProjectGroup::C,
        total_vnd: 42 * BN,
    },
];

/// The plan adjusted in the demo, and its adjustment.
const ADJUSTED: &str = "PL1900000003";

fn date(m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2019, m, d)
}

/// The 2019 plans the demo's packages belong to, by the unit whose packages they hold: the
/// unit's investment plan (works and mixed packages) when it has one, and its purchase
/// estimate's plan (everything else, and works of units without an investment project).
#[derive(Debug, Default)]
pub struct DemoPlans {
    pub investment: HashMap<i64, i64>,
    pub recurrent: HashMap<i64, i64>,
}

impl DemoPlans {
    /// The plan a package of `unit_id` in `field` belongs to.
    pub fn for_package(&self, unit_id: i64, field: entity::Field) -> Option<i64> {
        let works = matches!(field, entity::Field::Works | entity::Field::Mixed);
        works
            .then(|| self.investment.get(&unit_id))
            .flatten()
            .or_else(|| self.recurrent.get(&unit_id))
            .copied()
    }
}

async fn project_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<project::Model>, AppError> {
    Ok(project::Entity::find()
        .filter(project::Column::Code.eq(code))
        .one(db)
        .await?)
}

async fn plan_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<selection_plan::Model>, AppError> {
    Ok(selection_plan::Entity::find()
        .filter(selection_plan::Column::Code.eq(code))
        .one(db)
        .await?)
}

/// The project with `input.code`, created when missing (the demo loads idempotently).
async fn project<C>(db: &C, system: &Actor, input: NewProject) -> Result<project::Model, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let code = input.code.clone().unwrap_or_default();
    match project_by_code(db, &code).await? {
        Some(p) => Ok(p),
        None => projects::create(db, system, input).await,
    }
}

async fn plan<C>(db: &C, system: &Actor, input: NewPlan) -> Result<selection_plan::Model, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let code = input.code.clone().unwrap_or_default();
    match plan_by_code(db, &code).await? {
        Some(p) => Ok(p),
        None => projects::plans::create(db, system, input).await,
    }
}

/// Creates (or finds) the demo's projects and plans for `units` (code, id, name, has packages).
pub async fn load<C>(
    db: &C,
    system: &Actor,
    units: &[(&'static str, i64, &'static str, bool)],
) -> Result<DemoPlans, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let mut out = DemoPlans::default();
    let id_of = |code: &str| units.iter().find(|u| u.0 == code).map(|u| (u.1, u.2));
    for (n, inv) in INVESTMENTS.iter().enumerate() {
        let Some((owner, owner_name)) = id_of(inv.owner) else {
            continue;
        };
        let p = project(
            db,
            system,
            NewProject {
                unit_id: owner,
                code: Some(inv.code.to_owned()),
                name: inv.name.to_owned(),
                kind: ProjectKind::InvestmentProject,
                project_group: Some(inv.group),
                funding_kind: FundingKind::StateBudget,
                funding_source: Some("Ngân sách thành phố".to_owned()),
                total_vnd: Some(inv.total_vnd),
            },
        )
        .await?;
        let plan_code = format!("PL19{:08}", n + 1);
        let plan = plan(
            db,
            system,
            NewPlan {
                project_id: p.id,
                code: Some(plan_code.clone()),
                name: format!("Kế hoạch lựa chọn nhà thầu năm 2019 – {}", inv.name),
                year: 2019,
                decision_no: Some(format!("{}/QĐ-UBND", 120 + n)),
                decision_date: date(1, 15 + n as u32),
                approver: Some(format!("Người đứng đầu {owner_name}")),
            },
        )
        .await?;
        if plan_code == ADJUSTED && projects::plans::adjustments(db, plan.id).await?.is_empty() {
            projects::plans::adjust(
                db,
                system,
                plan.id,
                NewAdjustment {
                    decision_no: "845/QĐ-UBND".to_owned(),
                    decision_date: date(6, 14).unwrap_or_default(),
                    reason: "Điều chỉnh thời gian tổ chức lựa chọn nhà thầu các gói xây lắp do chậm giải phóng mặt bằng".to_owned(),
                },
            )
            .await?;
        }
        out.investment.insert(owner, plan.id);
    }
    for (n, (code, id, name, has_packages)) in units.iter().enumerate() {
        if !has_packages {
            continue;
        }
        let p = project(
            db,
            system,
            NewProject {
                unit_id: *id,
                code: Some(format!("PR19{:08}", 100 + n)),
                name: format!("Dự toán mua sắm thường xuyên năm 2019 – {name}"),
                kind: ProjectKind::RecurrentProcurement,
                project_group: None,
                funding_kind: FundingKind::StateBudget,
                funding_source: Some(if code.contains("PHUCTHO-") || code.contains("HADONG-") {
                    "Ngân sách quận, huyện".to_owned()
                } else {
                    "Ngân sách thành phố".to_owned()
                }),
                total_vnd: None,
            },
        )
        .await?;
        let plan = plan(
            db,
            system,
            NewPlan {
                project_id: p.id,
                code: Some(format!("PL19{:08}", 100 + n)),
                name: format!("Kế hoạch lựa chọn nhà thầu dự toán mua sắm năm 2019 – {name}"),
                year: 2019,
                decision_no: Some(format!("{}/QĐ-UBND", 300 + n)),
                decision_date: date(2, 1 + (n as u32 % 20)),
                approver: Some(format!("Người đứng đầu {name}")),
            },
        )
        .await?;
        out.recurrent.insert(*id, plan.id);
    }
    Ok(out)
}
