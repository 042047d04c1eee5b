//! Persisted enums. The `wire_enum!` table is the only place a wire name or label is written:
//! the sea-orm value, the serde name, `as_str`, `FromStr` and `label_vi` all come from it, so they
//! cannot drift apart.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The wire name given is not one of the enum's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWireName {
    pub enum_name: &'static str,
    pub value: String,
}

impl fmt::Display for UnknownWireName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} value `{}`", self.enum_name, self.value)
    }
}

impl std::error::Error for UnknownWireName {}

/// An enum's values as data: what a field table, a form's choices or an import's value list
/// read without knowing which enum it is.
#[derive(Debug, PartialEq, Eq)]
pub struct WireTable {
    pub name: &'static str,
    /// (wire name, Vietnamese label), in the enum's order.
    pub values: &'static [(&'static str, &'static str)],
}

impl WireTable {
    /// The Vietnamese label of a wire name.
    pub fn label(&self, wire: &str) -> Option<&'static str> {
        self.values
            .iter()
            .find(|(w, _)| *w == wire)
            .map(|(_, l)| *l)
    }

    pub fn contains(&self, wire: &str) -> bool {
        self.label(wire).is_some()
    }
}

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:tt => $label:tt ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[sea_orm(string_value = $wire)]
                #[serde(rename = $wire)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the order of the law's enumeration.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The same values as wire names and labels.
            pub const WIRE: WireTable = WireTable {
                name: stringify!($name),
                values: &[$(($wire, $label)),+],
            };

            /// The stable snake_case wire name.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire,)+ }
            }

            /// The Vietnamese label shown to officers.
            pub const fn label_vi(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownWireName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(UnknownWireName { enum_name: stringify!($name), value: s.to_owned() }),
                }
            }
        }
    };
}

wire_enum! {
    /// Selection method (hình thức lựa chọn nhà thầu).
    Method {
        OpenBidding = "open_bidding" => "Đấu thầu rộng rãi",
        LimitedBidding = "limited_bidding" => "Đấu thầu hạn chế",
        CompetitiveOffers = "competitive_offers" => "Chào hàng cạnh tranh",
        DirectAppointment = "direct_appointment" => "Chỉ định thầu",
        DirectProcurement = "direct_procurement" => "Mua sắm trực tiếp",
        SelfPerformance = "self_performance" => "Tự thực hiện",
        CommunityParticipation = "community_participation" => "Tham gia thực hiện của cộng đồng",
        /// Law 22/2023 onwards.
        PriceNegotiation = "price_negotiation" => "Đàm phán giá",
        SpecialCase = "special_case" => "Lựa chọn nhà thầu trong trường hợp đặc biệt",
        /// Law 90/2025 onwards.
        Ordering = "ordering" => "Đặt hàng",
        /// Decree 214/2025 onwards.
        OnlinePriceOffer = "online_price_offer" => "Chào giá trực tuyến",
        /// Decree 214/2025 onwards.
        OnlineShopping = "online_shopping" => "Mua sắm trực tuyến",
    }
}

wire_enum! {
    /// Field (lĩnh vực) of a package.
    Field {
        Goods = "goods" => "Hàng hóa",
        Works = "works" => "Xây lắp",
        Consulting = "consulting" => "Tư vấn",
        NonConsulting = "non_consulting" => "Phi tư vấn",
        Mixed = "mixed" => "Hỗn hợp",
    }
}

wire_enum! {
    /// Procedure (phương thức lựa chọn nhà thầu).
    Procedure {
        OneStageOneEnvelope = "one_stage_one_envelope" => "Một giai đoạn một túi hồ sơ",
        OneStageTwoEnvelopes = "one_stage_two_envelopes" => "Một giai đoạn hai túi hồ sơ",
        TwoStageOneEnvelope = "two_stage_one_envelope" => "Hai giai đoạn một túi hồ sơ",
        TwoStageTwoEnvelopes = "two_stage_two_envelopes" => "Hai giai đoạn hai túi hồ sơ",
        /// The shortened procedure of a direct appointment (quy trình chỉ định thầu rút gọn,
        /// Decree 63/2014/NĐ-CP Art. 56, kept by Decree 24/2024/NĐ-CP): no bidding documents,
        /// the national system lists it as "Chỉ định thầu rút gọn".
        Shortened = "shortened" => "Quy trình chỉ định thầu rút gọn",
    }
}

impl Procedure {
    pub const fn is_two_stage(self) -> bool {
        matches!(
            self,
            Procedure::TwoStageOneEnvelope | Procedure::TwoStageTwoEnvelopes
        )
    }
}

wire_enum! {
    /// Contract type, the eight of Law 22/2023 Art. 64.
    ContractType {
        LumpSum = "lump_sum" => "Hợp đồng trọn gói",
        FixedUnitPrice = "fixed_unit_price" => "Hợp đồng theo đơn giá cố định",
        AdjustableUnitPrice = "adjustable_unit_price" => "Hợp đồng theo đơn giá điều chỉnh",
        TimeBased = "time_based" => "Hợp đồng theo thời gian",
        CostPlusFee = "cost_plus_fee" => "Hợp đồng theo chi phí cộng phí",
        OutputBased = "output_based" => "Hợp đồng theo kết quả đầu ra",
        PercentageBased = "percentage_based" => "Hợp đồng theo tỷ lệ phần trăm",
        Mixed = "mixed" => "Hợp đồng hỗn hợp",
    }
}

wire_enum! {
    /// Why a package is not selected online although it might be expected to.
    OnlineExemptReason {
        TwoStage = "two_stage" => "Lựa chọn nhà thầu hai giai đoạn",
        International = "international" => "Đấu thầu quốc tế",
        Secrecy = "secrecy" => "Bí mật nhà nước",
        SystemCapacity = "system_capacity" => "Hệ thống mạng đấu thầu quốc gia chưa đáp ứng",
        Other = "other" => "Lý do khác",
    }
}

wire_enum! {
    /// Where a package is in its life.
    PackageStatus {
        Planned = "planned" => "Trong kế hoạch",
        NoticePublished = "notice_published" => "Đã đăng thông báo mời thầu",
        UnderEvaluation = "under_evaluation" => "Đang đánh giá hồ sơ",
        Awarded = "awarded" => "Đã có kết quả lựa chọn nhà thầu",
        Cancelled = "cancelled" => "Đã hủy",
    }
}

wire_enum! {
    /// What an event of a package's life records.
    PackageEventKind {
        StatusChanged = "status_changed" => "Chuyển trạng thái",
        Replanned = "replanned" => "Điều chỉnh thời gian lựa chọn nhà thầu",
    }
}

wire_enum! {
    /// What a selection plan and its packages are procured for (domain.md §10). Decree 214/2025
    /// Art. 98(10) reports "gói thầu thuộc dự án đầu tư, dự toán mua sắm" apart, so the kind is
    /// the first split of that report.
    ProjectKind {
        InvestmentProject = "investment_project" => "Dự án đầu tư",
        RecurrentProcurement = "recurrent_procurement" => "Mua sắm thường xuyên (dự toán mua sắm)",
        Other = "other" => "Khác",
    }
}

wire_enum! {
    /// Group of an investment project (Luật Đầu tư công 39/2019/QH14 Art. 6–10: national key
    /// project, groups A, B and C). Only investment projects have one.
    ProjectGroup {
        NationalKey = "national_key" => "Dự án quan trọng quốc gia",
        A = "a" => "Nhóm A",
        B = "b" => "Nhóm B",
        C = "c" => "Nhóm C",
    }
}

wire_enum! {
    /// Kind of capital a project is funded from: the sources that bring a procurement under the
    /// Law on Bidding (Luật Đấu thầu 22/2023/QH15 Art. 2).
    FundingKind {
        StateBudget = "state_budget" => "Vốn ngân sách nhà nước",
        OdaConcessional = "oda_concessional" => "Vốn ODA, vay ưu đãi",
        StateEnterprise = "state_enterprise" => "Vốn doanh nghiệp nhà nước",
        Other = "other" => "Nguồn vốn khác",
    }
}

wire_enum! {
    /// Kind of a unit in the administrative tree.
    UnitKind {
        Province = "province" => "Tỉnh / thành phố",
        District = "district" => "Quận / huyện / thị xã",
        Commune = "commune" => "Phường / xã / thị trấn",
        Agency = "agency" => "Cơ quan / chủ đầu tư",
    }
}

wire_enum! {
    /// How a unit that ended passed to its successors (domain.md §7): several units merged into
    /// one, one split into several, moved under a new parent, or renamed.
    SuccessionKind {
        Merge = "merge" => "Hợp nhất, sáp nhập",
        Split = "split" => "Chia tách",
        Transfer = "transfer" => "Điều chuyển",
        Rename = "rename" => "Đổi tên",
    }
}

wire_enum! {
    /// What a user may do (enforced in the services).
    Role {
        Admin = "admin" => "Quản trị viên",
        Officer = "officer" => "Cán bộ phụ trách đấu thầu",
        Finance = "finance" => "Phòng Tài chính",
        Viewer = "viewer" => "Người xem",
    }
}

wire_enum! {
    /// How an API token came to be: a login, or a personal token made to keep.
    TokenKind {
        Login = "login" => "Đăng nhập",
        Personal = "personal" => "Token cá nhân",
    }
}

wire_enum! {
    /// What an audit row records.
    AuditAction {
        Create = "create" => "Tạo",
        Update = "update" => "Sửa",
        Delete = "delete" => "Xóa",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ActiveEnum;
    use std::collections::HashSet;

    /// Wire names are a public contract: this pins every one, and checks that serde, sea-orm and
    /// `FromStr` agree with `as_str`, and that labels are present and distinct.
    fn check_all<E>(all: &[E], expected: &[&str], label: impl Fn(E) -> &'static str)
    where
        E: Copy
            + fmt::Display
            + FromStr
            + PartialEq
            + fmt::Debug
            + Serialize
            + ActiveEnum<Value = String>,
    {
        let names: Vec<String> = all.iter().map(|v| v.to_string()).collect();
        assert_eq!(names, expected);
        let mut labels = HashSet::new();
        for v in all {
            let wire = v.to_string();
            assert_eq!(v.to_value(), wire);
            assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{wire}\""));
            assert!(matches!(E::from_str(&wire), Ok(parsed) if parsed == *v));
            assert!(!label(*v).is_empty());
            assert!(labels.insert(label(*v)), "duplicate label {}", label(*v));
        }
        assert!(E::from_str("Open_Bidding").is_err());
    }

    #[test]
    fn wire_names_are_pinned() {
        check_all(
            Method::ALL,
            &[
                "open_bidding",
                "limited_bidding",
                "competitive_offers",
                "direct_appointment",
                "direct_procurement",
                "self_performance",
                "community_participation",
                "price_negotiation",
                "special_case",
                "ordering",
                "online_price_offer",
                "online_shopping",
            ],
            Method::label_vi,
        );
        check_all(
            Field::ALL,
            &["goods", "works", "consulting", "non_consulting", "mixed"],
            Field::label_vi,
        );
        check_all(
            Procedure::ALL,
            &[
                "one_stage_one_envelope",
                "one_stage_two_envelopes",
                "two_stage_one_envelope",
                "two_stage_two_envelopes",
                "shortened",
            ],
            Procedure::label_vi,
        );
        check_all(
            ContractType::ALL,
            &[
                "lump_sum",
                "fixed_unit_price",
                "adjustable_unit_price",
                "time_based",
                "cost_plus_fee",
                "output_based",
                "percentage_based",
                "mixed",
            ],
            ContractType::label_vi,
        );
        check_all(
            OnlineExemptReason::ALL,
            &[
                "two_stage",
                "international",
                "secrecy",
                "system_capacity",
                "other",
            ],
            OnlineExemptReason::label_vi,
        );
        check_all(
            PackageStatus::ALL,
            &[
                "planned",
                "notice_published",
                "under_evaluation",
                "awarded",
                "cancelled",
            ],
            PackageStatus::label_vi,
        );
        check_all(
            PackageEventKind::ALL,
            &["status_changed", "replanned"],
            PackageEventKind::label_vi,
        );
        check_all(
            ProjectKind::ALL,
            &["investment_project", "recurrent_procurement", "other"],
            ProjectKind::label_vi,
        );
        check_all(
            ProjectGroup::ALL,
            &["national_key", "a", "b", "c"],
            ProjectGroup::label_vi,
        );
        check_all(
            FundingKind::ALL,
            &[
                "state_budget",
                "oda_concessional",
                "state_enterprise",
                "other",
            ],
            FundingKind::label_vi,
        );
        check_all(
            UnitKind::ALL,
            &["province", "district", "commune", "agency"],
            UnitKind::label_vi,
        );
        check_all(
            SuccessionKind::ALL,
            &["merge", "split", "transfer", "rename"],
            SuccessionKind::label_vi,
        );
        check_all(
            Role::ALL,
            &["admin", "officer", "finance", "viewer"],
            Role::label_vi,
        );
        check_all(TokenKind::ALL, &["login", "personal"], TokenKind::label_vi);
        check_all(
            AuditAction::ALL,
            &["create", "update", "delete"],
            AuditAction::label_vi,
        );
    }

    #[test]
    fn all_lists_every_variant() {
        use sea_orm::Iterable;
        assert_eq!(Method::iter().count(), Method::ALL.len());
        assert_eq!(Field::iter().count(), Field::ALL.len());
        assert_eq!(Procedure::iter().count(), Procedure::ALL.len());
        assert_eq!(ContractType::iter().count(), ContractType::ALL.len());
        assert_eq!(
            OnlineExemptReason::iter().count(),
            OnlineExemptReason::ALL.len()
        );
        assert_eq!(PackageStatus::iter().count(), PackageStatus::ALL.len());
        assert_eq!(UnitKind::iter().count(), UnitKind::ALL.len());
        assert_eq!(SuccessionKind::iter().count(), SuccessionKind::ALL.len());
        assert_eq!(ProjectKind::iter().count(), ProjectKind::ALL.len());
        assert_eq!(ProjectGroup::iter().count(), ProjectGroup::ALL.len());
        assert_eq!(FundingKind::iter().count(), FundingKind::ALL.len());
    }
}
