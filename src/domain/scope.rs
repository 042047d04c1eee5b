//! Whether a package counts towards a target, and why, in words an officer can act on. The SQL
//! aggregate in `db::compliance` encodes the same decision; a test checks the two agree package by
//! package, so the explanation never contradicts the figure.

use super::money::format_vnd;
use super::regime::Regimes;
use super::target::{MethodScope, TargetScope};
use entity::{Field, Method, OnlineExemptReason, PackageStatus, Procedure};
use serde::Serialize;

/// The facts about a package that decide its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageFacts {
    pub method: Method,
    pub field: Field,
    pub package_price_vnd: i64,
    pub international: bool,
    pub procedure: Option<Procedure>,
    pub online_exempt_reason: Option<OnlineExemptReason>,
    pub status: PackageStatus,
    pub plan_year: i32,
    pub planned_start_month: Option<i16>,
    pub planned_start_quarter: Option<i16>,
}

/// Why a package is in or out of a target's scope. Checked in this order; the first that applies
/// is the reason given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ScopeReason {
    Cancelled,
    MethodNotCounted {
        method: Method,
    },
    International,
    TwoStage {
        procedure: Procedure,
    },
    Exempt {
        reason: OnlineExemptReason,
    },
    /// Small-scale cannot be decided: no regime covers the planned start.
    NoRegime,
    /// The method counts only small-scale packages and this field never is (consulting).
    FieldNeverSmallScale {
        method: Method,
        field: Field,
        regime: String,
    },
    /// The method counts only small-scale packages and this one is above its field's limit.
    AboveSmallScale {
        method: Method,
        field: Field,
        max_vnd: i64,
        regime: String,
    },
    /// The method counts packages up to the rule's per-field ceilings and this field has none.
    FieldNotCounted {
        method: Method,
        field: Field,
    },
    /// The method counts packages up to the rule's ceiling and this one is above it.
    AboveCeiling {
        method: Method,
        field: Field,
        max_vnd: i64,
    },
    /// In scope: the method counts whatever the size.
    MethodCounted {
        method: Method,
    },
    /// In scope: the method counts small-scale packages and this one is.
    SmallScale {
        method: Method,
        field: Field,
        max_vnd: i64,
        regime: String,
    },
    /// In scope: under the rule's ceiling for its field.
    WithinCeiling {
        method: Method,
        field: Field,
        max_vnd: i64,
    },
}

impl ScopeReason {
    pub fn in_scope(&self) -> bool {
        matches!(
            self,
            ScopeReason::MethodCounted { .. }
                | ScopeReason::SmallScale { .. }
                | ScopeReason::WithinCeiling { .. }
        )
    }

    /// Stable snake_case code, for clients that branch on the reason.
    pub fn code(&self) -> &'static str {
        match self {
            ScopeReason::Cancelled => "cancelled",
            ScopeReason::MethodNotCounted { .. } => "method_not_counted",
            ScopeReason::International => "international",
            ScopeReason::TwoStage { .. } => "two_stage",
            ScopeReason::Exempt { .. } => "exempt",
            ScopeReason::NoRegime => "no_regime",
            ScopeReason::FieldNeverSmallScale { .. } => "field_never_small_scale",
            ScopeReason::AboveSmallScale { .. } => "above_small_scale",
            ScopeReason::FieldNotCounted { .. } => "field_not_counted",
            ScopeReason::AboveCeiling { .. } => "above_ceiling",
            ScopeReason::MethodCounted { .. } => "method_counted",
            ScopeReason::SmallScale { .. } => "small_scale",
            ScopeReason::WithinCeiling { .. } => "within_ceiling",
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            ScopeReason::Cancelled => "Gói thầu đã hủy nên không tính".into(),
            ScopeReason::MethodNotCounted { method } => {
                format!(
                    "Hình thức {} không thuộc phạm vi chỉ tiêu",
                    method.label_vi()
                )
            }
            ScopeReason::International => {
                "Gói thầu đấu thầu quốc tế không thuộc phạm vi chỉ tiêu".into()
            }
            ScopeReason::TwoStage { procedure } => {
                format!(
                    "Phương thức {} không thuộc phạm vi chỉ tiêu",
                    procedure.label_vi()
                )
            }
            ScopeReason::Exempt { reason } => {
                format!(
                    "Được miễn lựa chọn nhà thầu qua mạng: {}",
                    reason.label_vi()
                )
            }
            ScopeReason::NoRegime => {
                "Không xác định được quy định áp dụng cho thời gian tổ chức lựa chọn nhà thầu"
                    .into()
            }
            ScopeReason::FieldNeverSmallScale { method, field, .. } => format!(
                "Gói thầu {} không bao giờ là gói thầu quy mô nhỏ, nên {} không thuộc phạm vi",
                field.label_vi().to_lowercase(),
                method.label_vi().to_lowercase()
            ),
            ScopeReason::AboveSmallScale { field, max_vnd, .. } => format!(
                "Gói thầu {} trên {} không phải gói thầu quy mô nhỏ",
                field.label_vi().to_lowercase(),
                format_vnd(*max_vnd)
            ),
            ScopeReason::FieldNotCounted { method, field } => format!(
                "Chỉ tiêu không tính gói thầu {} theo hình thức {}",
                field.label_vi().to_lowercase(),
                method.label_vi().to_lowercase()
            ),
            ScopeReason::AboveCeiling { field, max_vnd, .. } => format!(
                "Gói thầu {} trên {}: vượt mức giá chỉ tiêu tính",
                field.label_vi().to_lowercase(),
                format_vnd(*max_vnd)
            ),
            ScopeReason::WithinCeiling {
                method,
                field,
                max_vnd,
            } => format!(
                "{} gói thầu {} không quá {}: thuộc phạm vi chỉ tiêu",
                method.label_vi(),
                field.label_vi().to_lowercase(),
                format_vnd(*max_vnd)
            ),
            ScopeReason::MethodCounted { method } => {
                format!("{}: thuộc phạm vi chỉ tiêu", method.label_vi())
            }
            ScopeReason::SmallScale {
                method,
                field,
                max_vnd,
                ..
            } => format!(
                "{} gói thầu quy mô nhỏ ({} không quá {}): thuộc phạm vi chỉ tiêu",
                method.label_vi(),
                field.label_vi().to_lowercase(),
                format_vnd(*max_vnd)
            ),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            ScopeReason::Cancelled => "cancelled packages are not counted".into(),
            ScopeReason::MethodNotCounted { method } => {
                format!("{method} is not counted by the target")
            }
            ScopeReason::International => {
                "international bidding is not counted by the target".into()
            }
            ScopeReason::TwoStage { procedure } => {
                format!("two-stage procedure ({procedure}) is not counted by the target")
            }
            ScopeReason::Exempt { reason } => format!("exempt from online selection ({reason})"),
            ScopeReason::NoRegime => "no regime covers the planned selection start".into(),
            ScopeReason::FieldNeverSmallScale { method, field, .. } => {
                format!("{field} is never small-scale, so {method} is not counted")
            }
            ScopeReason::AboveSmallScale { field, max_vnd, .. } => {
                format!("{field} above {max_vnd} VND is not small-scale")
            }
            ScopeReason::FieldNotCounted { method, field } => {
                format!("{field} is not counted for {method} by the target")
            }
            ScopeReason::AboveCeiling { field, max_vnd, .. } => {
                format!("{field} above {max_vnd} VND is above the target's ceiling")
            }
            ScopeReason::WithinCeiling {
                method,
                field,
                max_vnd,
            } => format!("{method} ({field} up to {max_vnd} VND) is counted"),
            ScopeReason::MethodCounted { method } => {
                format!("{method} is counted whatever its size")
            }
            ScopeReason::SmallScale {
                method,
                field,
                max_vnd,
                ..
            } => {
                format!("small-scale {method} ({field} up to {max_vnd} VND) is counted")
            }
        }
    }
}

/// Classifies a package under a target's scope. Whether the package is counted in the year at
/// all (plan year or result date) is the caller's question, not this one's.
pub fn classify(scope: &TargetScope, regimes: &Regimes, p: &PackageFacts) -> ScopeReason {
    if p.status == PackageStatus::Cancelled {
        return ScopeReason::Cancelled;
    }
    let Some(method_scope) = scope.counts_method(p.method) else {
        return ScopeReason::MethodNotCounted { method: p.method };
    };
    if scope.domestic_only && p.international {
        return ScopeReason::International;
    }
    if let Some(procedure) = p
        .procedure
        .filter(|_| scope.excludes_procedure(p.procedure))
    {
        return ScopeReason::TwoStage { procedure };
    }
    if scope.exclude_exempt
        && let Some(reason) = p.online_exempt_reason
    {
        return ScopeReason::Exempt { reason };
    }
    match method_scope {
        MethodScope::AnySize => ScopeReason::MethodCounted { method: p.method },
        MethodScope::WithinCeilings => match scope.ceilings.max_for(p.field) {
            None => ScopeReason::FieldNotCounted {
                method: p.method,
                field: p.field,
            },
            Some(max) if p.package_price_vnd > max => ScopeReason::AboveCeiling {
                method: p.method,
                field: p.field,
                max_vnd: max,
            },
            Some(max) => ScopeReason::WithinCeiling {
                method: p.method,
                field: p.field,
                max_vnd: max,
            },
        },
        MethodScope::SmallScaleOnly => {
            let Some(regime) = regimes.for_package(
                p.plan_year,
                crate::domain::regime::start_month(p.planned_start_month, p.planned_start_quarter),
            ) else {
                return ScopeReason::NoRegime;
            };
            let regime_code = regime.code.clone();
            match regime.small_scale.max_for(p.field) {
                None => ScopeReason::FieldNeverSmallScale {
                    method: p.method,
                    field: p.field,
                    regime: regime_code,
                },
                Some(max) if p.package_price_vnd > max => ScopeReason::AboveSmallScale {
                    method: p.method,
                    field: p.field,
                    max_vnd: max,
                    regime: regime_code,
                },
                Some(max) => ScopeReason::SmallScale {
                    method: p.method,
                    field: p.field,
                    max_vnd: max,
                    regime: regime_code,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::regime::tests::seeded;
    use crate::domain::target::tests::{law22_2025, nq01_2019};

    const BN: i64 = 1_000_000_000;

    fn pkg(method: Method, field: Field, price: i64) -> PackageFacts {
        PackageFacts {
            method,
            field,
            package_price_vnd: price,
            international: false,
            procedure: None,
            online_exempt_reason: None,
            status: PackageStatus::Planned,
            plan_year: 2019,
            planned_start_month: None,
            planned_start_quarter: None,
        }
    }

    #[test]
    fn nq01_2019_scope_table() {
        use Field::*;
        use Method::*;
        let rule = nq01_2019();
        let regimes = seeded();
        let cases: &[(Method, Field, i64, &str)] = &[
            (CompetitiveOffers, Goods, 1, "method_counted"),
            (CompetitiveOffers, Works, 5 * BN, "method_counted"),
            // competitive offers count whatever the size, even above its legal limit
            (CompetitiveOffers, Goods, 7 * BN, "method_counted"),
            (OpenBidding, Goods, 10 * BN, "small_scale"),
            (OpenBidding, Goods, 10 * BN + 1, "above_small_scale"),
            (OpenBidding, NonConsulting, 10 * BN, "small_scale"),
            (OpenBidding, NonConsulting, 10 * BN + 1, "above_small_scale"),
            (OpenBidding, Works, 20 * BN, "small_scale"),
            (OpenBidding, Works, 20 * BN + 1, "above_small_scale"),
            (OpenBidding, Works, 25 * BN, "above_small_scale"),
            (LimitedBidding, Mixed, 20 * BN, "small_scale"),
            (LimitedBidding, Mixed, 20 * BN + 1, "above_small_scale"),
            (OpenBidding, Consulting, 1, "field_never_small_scale"),
            (
                LimitedBidding,
                Consulting,
                500_000_000,
                "field_never_small_scale",
            ),
            (DirectAppointment, Goods, 1, "method_not_counted"),
            (DirectProcurement, Goods, 1, "method_not_counted"),
            (SelfPerformance, Works, 1, "method_not_counted"),
            (CommunityParticipation, Works, 1, "method_not_counted"),
            (PriceNegotiation, Goods, 1, "method_not_counted"),
            (SpecialCase, Goods, 1, "method_not_counted"),
            (Ordering, Goods, 1, "method_not_counted"),
            (OnlinePriceOffer, Goods, 1, "method_not_counted"),
            (OnlineShopping, Goods, 1, "method_not_counted"),
        ];
        for (method, field, price, code) in cases {
            let reason = classify(&rule.scope, &regimes, &pkg(*method, *field, *price));
            assert_eq!(reason.code(), *code, "{method} {field} {price}");
            assert_eq!(
                reason.in_scope(),
                matches!(*code, "method_counted" | "small_scale")
            );
        }
    }

    #[test]
    fn nq01_2019_exclusions() {
        let rule = nq01_2019();
        let regimes = seeded();
        let base = pkg(Method::CompetitiveOffers, Field::Goods, BN);

        let cancelled = PackageFacts {
            status: PackageStatus::Cancelled,
            ..base
        };
        assert_eq!(
            classify(&rule.scope, &regimes, &cancelled),
            ScopeReason::Cancelled
        );

        let international = PackageFacts {
            international: true,
            ..base
        };
        assert_eq!(
            classify(&rule.scope, &regimes, &international),
            ScopeReason::International
        );

        // NQ 01 does not exclude two-stage procedures nor recorded exemptions.
        let two_stage = PackageFacts {
            procedure: Some(Procedure::TwoStageOneEnvelope),
            ..base
        };
        assert!(classify(&rule.scope, &regimes, &two_stage).in_scope());
        let exempt = PackageFacts {
            online_exempt_reason: Some(OnlineExemptReason::Secrecy),
            ..base
        };
        assert!(classify(&rule.scope, &regimes, &exempt).in_scope());

        // No regime before 1 July 2014: small-scale cannot be decided.
        let old = PackageFacts {
            plan_year: 2013,
            ..pkg(Method::OpenBidding, Field::Goods, BN)
        };
        assert_eq!(classify(&rule.scope, &regimes, &old), ScopeReason::NoRegime);
    }

    #[test]
    fn law22_2025_scope() {
        let rule = law22_2025();
        let regimes = seeded();
        let mut base = pkg(Method::OpenBidding, Field::Works, 500 * BN);
        base.plan_year = 2025;
        assert_eq!(
            classify(&rule.scope, &regimes, &base),
            ScopeReason::MethodCounted {
                method: Method::OpenBidding
            }
        );
        let consulting = PackageFacts {
            field: Field::Consulting,
            ..base
        };
        assert!(classify(&rule.scope, &regimes, &consulting).in_scope());
        for procedure in [
            Procedure::TwoStageOneEnvelope,
            Procedure::TwoStageTwoEnvelopes,
        ] {
            let p = PackageFacts {
                procedure: Some(procedure),
                ..base
            };
            assert_eq!(
                classify(&rule.scope, &regimes, &p),
                ScopeReason::TwoStage { procedure }
            );
        }
        for procedure in [
            Procedure::OneStageOneEnvelope,
            Procedure::OneStageTwoEnvelopes,
        ] {
            let p = PackageFacts {
                procedure: Some(procedure),
                ..base
            };
            assert!(classify(&rule.scope, &regimes, &p).in_scope());
        }
        let exempt = PackageFacts {
            online_exempt_reason: Some(OnlineExemptReason::Other),
            ..base
        };
        assert_eq!(
            classify(&rule.scope, &regimes, &exempt),
            ScopeReason::Exempt {
                reason: OnlineExemptReason::Other
            }
        );
        let international = PackageFacts {
            international: true,
            ..base
        };
        assert_eq!(
            classify(&rule.scope, &regimes, &international),
            ScopeReason::International
        );
        let direct = PackageFacts {
            method: Method::DirectAppointment,
            ..base
        };
        assert!(!classify(&rule.scope, &regimes, &direct).in_scope());
    }

    #[test]
    fn every_reason_has_messages_in_both_languages() {
        let reasons = [
            ScopeReason::Cancelled,
            ScopeReason::MethodNotCounted {
                method: Method::DirectAppointment,
            },
            ScopeReason::International,
            ScopeReason::TwoStage {
                procedure: Procedure::TwoStageOneEnvelope,
            },
            ScopeReason::Exempt {
                reason: OnlineExemptReason::Secrecy,
            },
            ScopeReason::NoRegime,
            ScopeReason::FieldNeverSmallScale {
                method: Method::OpenBidding,
                field: Field::Consulting,
                regime: "law43_decree63".into(),
            },
            ScopeReason::AboveSmallScale {
                method: Method::OpenBidding,
                field: Field::Works,
                max_vnd: 20 * BN,
                regime: "law43_decree63".into(),
            },
            ScopeReason::MethodCounted {
                method: Method::CompetitiveOffers,
            },
            ScopeReason::SmallScale {
                method: Method::OpenBidding,
                field: Field::Goods,
                max_vnd: 10 * BN,
                regime: "law43_decree63".into(),
            },
        ];
        for r in &reasons {
            assert!(
                !r.message_vi().is_empty() && !r.message_en().is_empty(),
                "{}",
                r.code()
            );
        }
        let above = &reasons[7];
        assert_eq!(
            above.message_vi(),
            "Gói thầu xây lắp trên 20.000.000.000 ₫ không phải gói thầu quy mô nhỏ"
        );
        assert_eq!(
            reasons[6].message_en(),
            "consulting is never small-scale, so open_bidding is not counted"
        );
    }
}
