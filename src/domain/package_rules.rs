//! Validity rules of a package that go beyond the shape of its fields: errors block a save,
//! warnings are shown beside the package but never block it.

use super::money::format_vnd;
use super::regime::Regimes;
use chrono::NaiveDate;
use entity::{Field, Method, OnlineExemptReason, PackageStatus};
use serde::Serialize;

/// The facts the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageDraft {
    pub field: Field,
    pub method: Method,
    pub package_price_vnd: i64,
    pub plan_year: i32,
    pub planned_start_month: Option<i16>,
    pub online: bool,
    pub online_exempt_reason: Option<OnlineExemptReason>,
    pub status: PackageStatus,
    pub result_date: Option<NaiveDate>,
    pub winning_price_vnd: Option<i64>,
}

/// A rule the package breaks; it cannot be saved like this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Violation {
    /// An awarded package has a winning price (Law 43/2013 Art. 43; Law 22/2023 Art. 43).
    WinningPriceRequired,
    /// The winning price may not exceed the package price (Law 43/2013 Art. 43 para. 1(e);
    /// Law 22/2023 Art. 43 para. 1(e)).
    WinningPriceAbovePackagePrice {
        winning_price_vnd: i64,
        package_price_vnd: i64,
    },
    /// An awarded package has the date of its selection result.
    ResultDateRequired,
    /// Competitive offers are for goods, works and non-consulting services, never consulting
    /// (Law 43/2013 Art. 23; Law 22/2023 Art. 24).
    ConsultingCompetitiveOffers,
    /// Under Law 43/2013 and Decree 63/2014 (Art. 57) a mixed package cannot use competitive offers.
    MixedCompetitiveOffers { regime: String },
    /// An exemption from online selection only makes sense for a package not selected online.
    ExemptWhileOnline,
}

impl Violation {
    pub fn code(&self) -> &'static str {
        match self {
            Violation::WinningPriceRequired => "winning_price_required",
            Violation::WinningPriceAbovePackagePrice { .. } => "winning_price_above_package_price",
            Violation::ResultDateRequired => "result_date_required",
            Violation::ConsultingCompetitiveOffers => "consulting_competitive_offers",
            Violation::MixedCompetitiveOffers { .. } => "mixed_competitive_offers",
            Violation::ExemptWhileOnline => "exempt_while_online",
        }
    }

    /// The form field the message belongs beside.
    pub fn field(&self) -> &'static str {
        match self {
            Violation::WinningPriceRequired | Violation::WinningPriceAbovePackagePrice { .. } => {
                "winning_price_vnd"
            }
            Violation::ResultDateRequired => "result_date",
            Violation::ConsultingCompetitiveOffers | Violation::MixedCompetitiveOffers { .. } => {
                "method"
            }
            Violation::ExemptWhileOnline => "online_exempt_reason",
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            Violation::WinningPriceRequired => "Gói thầu đã có kết quả phải có giá trúng thầu".into(),
            Violation::WinningPriceAbovePackagePrice { winning_price_vnd, package_price_vnd } => format!(
                "Giá trúng thầu ({}) không được vượt giá gói thầu ({})",
                format_vnd(*winning_price_vnd),
                format_vnd(*package_price_vnd)
            ),
            Violation::ResultDateRequired => {
                "Gói thầu đã có kết quả phải có ngày phê duyệt kết quả lựa chọn nhà thầu".into()
            }
            Violation::ConsultingCompetitiveOffers => {
                "Gói thầu tư vấn không được áp dụng hình thức chào hàng cạnh tranh".into()
            }
            Violation::MixedCompetitiveOffers { .. } => {
                "Theo Luật Đấu thầu 43/2013 và Nghị định 63/2014, gói thầu hỗn hợp không được áp dụng chào hàng cạnh tranh".into()
            }
            Violation::ExemptWhileOnline => {
                "Lý do không thực hiện qua mạng chỉ ghi cho gói thầu không lựa chọn nhà thầu qua mạng".into()
            }
        }
    }
}

/// Something worth a second look that does not block a save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Warning {
    /// A competitive-offer package above its regime's limit (5 bn under Decree 63/2014 Art. 57,
    /// 10 bn under Decree 24/2024 and Decree 214/2025).
    CompetitiveOffersAboveLimit { limit_vnd: i64, regime: String },
    /// No regime covers the planned selection start, so thresholds cannot be applied.
    NoRegime,
    /// Award details recorded on a package that is not awarded.
    AwardDetailsWithoutAward,
}

impl Warning {
    pub fn code(&self) -> &'static str {
        match self {
            Warning::CompetitiveOffersAboveLimit { .. } => "competitive_offers_above_limit",
            Warning::NoRegime => "no_regime",
            Warning::AwardDetailsWithoutAward => "award_details_without_award",
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            Warning::CompetitiveOffersAboveLimit { limit_vnd, .. } => format!(
                "Chào hàng cạnh tranh chỉ áp dụng cho gói thầu có giá không quá {}",
                format_vnd(*limit_vnd)
            ),
            Warning::NoRegime => {
                "Không có quy định về ngưỡng áp dụng cho thời gian tổ chức lựa chọn nhà thầu của gói thầu này".into()
            }
            Warning::AwardDetailsWithoutAward => {
                "Gói thầu chưa có kết quả nhưng đã ghi giá trúng thầu hoặc ngày phê duyệt kết quả".into()
            }
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    pub violations: Vec<Violation>,
    pub warnings: Vec<Warning>,
}

pub fn check(p: &PackageDraft, regimes: &Regimes) -> Findings {
    let mut f = Findings::default();
    let regime = regimes.for_package(p.plan_year, p.planned_start_month);

    if p.status == PackageStatus::Awarded {
        if p.winning_price_vnd.is_none() {
            f.violations.push(Violation::WinningPriceRequired);
        }
        if p.result_date.is_none() {
            f.violations.push(Violation::ResultDateRequired);
        }
    } else if p.winning_price_vnd.is_some() || p.result_date.is_some() {
        f.warnings.push(Warning::AwardDetailsWithoutAward);
    }
    if let Some(winning) = p.winning_price_vnd
        && winning > p.package_price_vnd
    {
        f.violations.push(Violation::WinningPriceAbovePackagePrice {
            winning_price_vnd: winning,
            package_price_vnd: p.package_price_vnd,
        });
    }
    if p.method == Method::CompetitiveOffers {
        match (p.field, regime) {
            (Field::Consulting, _) => f.violations.push(Violation::ConsultingCompetitiveOffers),
            (Field::Mixed, Some(r)) if !r.competitive_offers_mixed_allowed => {
                f.violations.push(Violation::MixedCompetitiveOffers {
                    regime: r.code.clone(),
                })
            }
            _ => {}
        }
        if let Some(r) = regime
            && p.package_price_vnd > r.competitive_offers_max_vnd
        {
            f.warnings.push(Warning::CompetitiveOffersAboveLimit {
                limit_vnd: r.competitive_offers_max_vnd,
                regime: r.code.clone(),
            });
        }
    }
    if p.online && p.online_exempt_reason.is_some() {
        f.violations.push(Violation::ExemptWhileOnline);
    }
    if regime.is_none() {
        f.warnings.push(Warning::NoRegime);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::regime::tests::seeded;

    const BN: i64 = 1_000_000_000;

    fn draft() -> PackageDraft {
        PackageDraft {
            field: Field::Goods,
            method: Method::CompetitiveOffers,
            package_price_vnd: BN,
            plan_year: 2019,
            planned_start_month: None,
            online: true,
            online_exempt_reason: None,
            status: PackageStatus::Planned,
            result_date: None,
            winning_price_vnd: None,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn codes(f: &Findings) -> (Vec<&'static str>, Vec<&'static str>) {
        (
            f.violations.iter().map(Violation::code).collect(),
            f.warnings.iter().map(Warning::code).collect(),
        )
    }

    #[test]
    fn a_plain_package_is_clean() {
        assert_eq!(check(&draft(), &seeded()), Findings::default());
    }

    #[test]
    fn award_rules() {
        let r = seeded();
        let awarded = PackageDraft {
            status: PackageStatus::Awarded,
            ..draft()
        };
        assert_eq!(
            codes(&check(&awarded, &r)).0,
            ["winning_price_required", "result_date_required"]
        );
        let complete = PackageDraft {
            winning_price_vnd: Some(BN),
            result_date: date(2019, 5, 1),
            ..awarded
        };
        assert_eq!(
            check(&complete, &r),
            Findings::default(),
            "winning = package price is allowed"
        );
        let above = PackageDraft {
            winning_price_vnd: Some(BN + 1),
            ..complete
        };
        let f = check(&above, &r);
        assert_eq!(codes(&f).0, ["winning_price_above_package_price"]);
        assert_eq!(f.violations[0].field(), "winning_price_vnd");
        assert_eq!(
            f.violations[0].message_vi(),
            "Giá trúng thầu (1.000.000.001 ₫) không được vượt giá gói thầu (1.000.000.000 ₫)"
        );
        let early = PackageDraft {
            winning_price_vnd: Some(BN / 2),
            ..draft()
        };
        assert_eq!(codes(&check(&early, &r)).1, ["award_details_without_award"]);
    }

    #[test]
    fn competitive_offers_by_field_and_regime() {
        let r = seeded();
        let consulting = PackageDraft {
            field: Field::Consulting,
            ..draft()
        };
        assert_eq!(
            codes(&check(&consulting, &r)).0,
            ["consulting_competitive_offers"]
        );
        let consulting_2025 = PackageDraft {
            plan_year: 2025,
            ..consulting
        };
        assert_eq!(
            codes(&check(&consulting_2025, &r)).0,
            ["consulting_competitive_offers"]
        );

        let mixed = PackageDraft {
            field: Field::Mixed,
            ..draft()
        };
        assert_eq!(codes(&check(&mixed, &r)).0, ["mixed_competitive_offers"]);
        let mixed_2024 = PackageDraft {
            plan_year: 2024,
            ..mixed
        };
        assert_eq!(check(&mixed_2024, &r), Findings::default());

        // consulting by open bidding is fine
        let open = PackageDraft {
            method: Method::OpenBidding,
            ..consulting
        };
        assert_eq!(check(&open, &r), Findings::default());
    }

    #[test]
    fn competitive_offers_limit_is_a_warning_at_the_boundary() {
        let r = seeded();
        let at_limit = PackageDraft {
            package_price_vnd: 5 * BN,
            ..draft()
        };
        assert_eq!(check(&at_limit, &r), Findings::default());
        let above = PackageDraft {
            package_price_vnd: 5 * BN + 1,
            ..draft()
        };
        let f = check(&above, &r);
        assert_eq!(codes(&f), (vec![], vec!["competitive_offers_above_limit"]));
        assert_eq!(
            f.warnings[0].message_vi(),
            "Chào hàng cạnh tranh chỉ áp dụng cho gói thầu có giá không quá 5.000.000.000 ₫"
        );
        // 10 bn under Decree 24/2024
        let in_2024 = PackageDraft {
            plan_year: 2024,
            package_price_vnd: 10 * BN,
            ..draft()
        };
        assert_eq!(check(&in_2024, &r), Findings::default());
        let above_2024 = PackageDraft {
            package_price_vnd: 10 * BN + 1,
            ..in_2024
        };
        assert_eq!(
            codes(&check(&above_2024, &r)).1,
            ["competitive_offers_above_limit"]
        );
    }

    #[test]
    fn exemption_and_missing_regime() {
        let r = seeded();
        let contradictory = PackageDraft {
            online_exempt_reason: Some(OnlineExemptReason::Secrecy),
            ..draft()
        };
        assert_eq!(codes(&check(&contradictory, &r)).0, ["exempt_while_online"]);
        let exempt = PackageDraft {
            online: false,
            ..contradictory
        };
        assert_eq!(check(&exempt, &r), Findings::default());
        let old = PackageDraft {
            plan_year: 2012,
            ..draft()
        };
        assert_eq!(codes(&check(&old, &r)).1, ["no_regime"]);
    }
}
