//! Reference data: regimes and target rules, read whole (they are a handful of rows) and turned
//! into their domain types.

use crate::domain::regime::{Regime, Regimes, SmallScaleBands};
use crate::domain::target::{TargetRule, TargetScope};
use entity::{regime, target_rule, target_rule_method};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder};

pub async fn regimes(db: &impl ConnectionTrait) -> Result<Regimes, DbErr> {
    let rows = regime::Entity::find().all(db).await?;
    Ok(Regimes::new(
        rows.into_iter().map(regime_from_model).collect(),
    ))
}

fn regime_from_model(m: regime::Model) -> Regime {
    Regime {
        id: m.id,
        code: m.code,
        name: m.name,
        valid_from: m.valid_from,
        valid_to: m.valid_to,
        small_scale: SmallScaleBands {
            goods: m.small_scale_goods_max_vnd,
            works: m.small_scale_works_max_vnd,
            consulting: m.small_scale_consulting_max_vnd,
            non_consulting: m.small_scale_non_consulting_max_vnd,
            mixed: m.small_scale_mixed_max_vnd,
        },
        competitive_offers_max_vnd: m.competitive_offers_max_vnd,
        competitive_offers_mixed_allowed: m.competitive_offers_mixed_allowed,
    }
}

pub async fn target_rules(db: &impl ConnectionTrait) -> Result<Vec<TargetRule>, DbErr> {
    let rows = target_rule::Entity::find()
        .find_with_related(target_rule_method::Entity)
        .order_by_asc(target_rule::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(rule, methods)| rule_from_model(rule, methods))
        .collect())
}

fn rule_from_model(m: target_rule::Model, methods: Vec<target_rule_method::Model>) -> TargetRule {
    let of = |keep: fn(&target_rule_method::Model) -> bool| {
        methods
            .iter()
            .filter(|x| keep(x))
            .map(|x| x.method)
            .collect()
    };
    TargetRule {
        id: m.id,
        code: m.code,
        name: m.name,
        unit_id: m.unit_id,
        replaces_code: m.replaces_code,
        year_from: m.year_from,
        year_to: m.year_to,
        min_count_percent: m.min_count_percent,
        min_value_percent: m.min_value_percent,
        scope: TargetScope {
            methods_any_size: of(|x| !x.small_scale_only && !x.within_ceilings),
            methods_small_scale: of(|x| x.small_scale_only),
            methods_within_ceilings: of(|x| x.within_ceilings && !x.small_scale_only),
            ceilings: crate::domain::target::PriceCeilings {
                goods: m.ceiling_goods_vnd,
                works: m.ceiling_works_vnd,
                consulting: m.ceiling_consulting_vnd,
                non_consulting: m.ceiling_non_consulting_vnd,
                mixed: m.ceiling_mixed_vnd,
            },
            domestic_only: m.domestic_only,
            exclude_two_stage: m.exclude_two_stage,
            exclude_exempt: m.exclude_exempt,
        },
    }
}
