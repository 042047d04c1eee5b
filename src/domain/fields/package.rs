//! The fields of a package, as officers and the finance department read them. Adding a field:
//! its entry here, its column in `entity::package` and a migration, its member of
//! `services::packages::NewPackage` (and `PackagePatch`); the compiler then points at the
//! conversions, and the tests of `services::packages` at a table and a command that disagree.

use super::{Kind, Spec, field_table};
use entity::{ContractType, Field, Method, OnlineExemptReason, PackageStatus, Procedure};

/// A planned start as a short text: `03/2019`, `Quý II/2019`, or `–` when only the year is
/// known (its year is shown beside it).
pub fn planned_start_vi(plan_year: i32, month: Option<i16>, quarter: Option<i16>) -> String {
    match (month, quarter) {
        (Some(m), _) => format!("{m:02}/{plan_year}"),
        (None, Some(q)) => format!(
            "Quý {}/{plan_year}",
            crate::domain::package_rules::quarter_vi(q)
        ),
        (None, None) => "–".to_owned(),
    }
}

/// The column of a package file or list that names the package's unit by its code.
pub const UNIT_CODE: &str = "Mã đơn vị";

const GENERAL: &str = "Thông tin chung";
const METHOD: &str = "Hình thức, lĩnh vực, giá";
const ONLINE: &str = "Lựa chọn nhà thầu qua mạng";
const NOTICE: &str = "Thông báo mời thầu";
const RESULT: &str = "Tiến độ và kết quả";
const CANCELLATION: &str = "Hủy thầu";
const NOTES: &str = "Ghi chú";

field_table! {
    /// A field of a package (its wire name is the API's and the import's).
    PackageField {
        UnitId => Spec::new("unit_id", "Đơn vị", "Đơn vị", Kind::Unit, GENERAL)
            .required()
            .empty_choice("— Chọn đơn vị —"),
        Name => Spec::new("name", "Tên gói thầu", "Tên gói thầu", Kind::Text, GENERAL).required(),
        PlanId => Spec::new(
            "plan_id",
            "Kế hoạch lựa chọn nhà thầu (KHLCNT)",
            "KHLCNT",
            Kind::Plan,
            GENERAL,
        )
        .empty_choice("Chưa gắn kế hoạch")
        .help("Kế hoạch đã ghi nhận của dự án thuộc đơn vị của gói thầu hoặc đơn vị cấp trên; trong tệp nhập, ghi số KHLCNT của kế hoạch (ví dụ PL1900001234)"),
        PlanCode => Spec::new(
            "plan_code",
            "Số kế hoạch lựa chọn nhà thầu (KHLCNT)",
            "Số KHLCNT",
            Kind::Code,
            GENERAL,
        )
        .help("Ví dụ PL1900001234"),
        PlanYear => Spec::new("plan_year", "Năm kế hoạch", "Năm kế hoạch", Kind::Year, GENERAL)
            .required(),
        PlannedStartMonth => Spec::new(
            "planned_start_month",
            "Tháng bắt đầu lựa chọn",
            "Tháng bắt đầu lựa chọn",
            Kind::Month,
            GENERAL,
        )
        .empty_choice("Chưa xác định")
        .help("Quyết định văn bản pháp luật áp dụng (ngưỡng quy mô nhỏ)"),
        PlannedStartQuarter => Spec::new(
            "planned_start_quarter",
            "Quý bắt đầu lựa chọn",
            "Quý bắt đầu lựa chọn",
            Kind::Quarter,
            GENERAL,
        )
        .empty_choice("Chưa xác định")
        .help("Khi kế hoạch chỉ ghi quý (ví dụ Quý II); không ghi cùng tháng"),
        FundingSource => Spec::new("funding_source", "Nguồn vốn", "Nguồn vốn", Kind::Text, GENERAL),
        Field => Spec::new("field", "Lĩnh vực", "Lĩnh vực", Kind::Enum(&Field::WIRE), METHOD)
            .required()
            .empty_choice("— Chọn —"),
        Method => Spec::new(
            "method",
            "Hình thức lựa chọn nhà thầu",
            "Hình thức lựa chọn nhà thầu",
            Kind::Enum(&Method::WIRE),
            METHOD,
        )
        .required()
        .empty_choice("— Chọn —"),
        Procedure => Spec::new(
            "procedure",
            "Phương thức",
            "Phương thức",
            Kind::Enum(&Procedure::WIRE),
            METHOD,
        )
        .empty_choice("Không ghi"),
        ContractType => Spec::new(
            "contract_type",
            "Loại hợp đồng",
            "Loại hợp đồng",
            Kind::Enum(&ContractType::WIRE),
            METHOD,
        )
        .empty_choice("Không ghi"),
        International => Spec::new(
            "international",
            "Đấu thầu quốc tế",
            "Đấu thầu quốc tế",
            Kind::Bool,
            METHOD,
        ),
        PackagePrice => Spec::new(
            "package_price_vnd",
            "Giá gói thầu",
            "Giá gói thầu",
            Kind::Money,
            METHOD,
        )
        .required(),
        Online => Spec::new(
            "online",
            "Lựa chọn nhà thầu qua mạng",
            "Qua mạng",
            Kind::Bool,
            ONLINE,
        ),
        OnlineExemptReason => Spec::new(
            "online_exempt_reason",
            "Lý do không qua mạng",
            "Lý do không qua mạng",
            Kind::Enum(&OnlineExemptReason::WIRE),
            ONLINE,
        )
        .empty_choice("Không có")
        .help("Chỉ ghi cho gói thầu không qua mạng"),
        Code => Spec::new(
            "code",
            "Số thông báo mời thầu (TBMT)",
            "Số TBMT",
            Kind::Code,
            NOTICE,
        )
        .help("Số trên Hệ thống mạng đấu thầu quốc gia, ví dụ IB1900012345; phiên bản -NN ghi riêng hoặc ghi liền (IB1900012345-01)"),
        NoticeVersion => Spec::new(
            "notice_version",
            "Phiên bản thông báo mời thầu",
            "Phiên bản TBMT",
            Kind::Count,
            NOTICE,
        )
        .help("Số sau dấu '-' của số TBMT: 00 là bản đầu, 01 là bản sửa đổi thứ nhất"),
        NoticeDate => Spec::new(
            "notice_date",
            "Ngày đăng tải thông báo mời thầu",
            "Ngày đăng tải TBMT",
            Kind::Date,
            NOTICE,
        ),
        BidClosingAt => Spec::new(
            "bid_closing_at",
            "Thời điểm đóng thầu",
            "Thời điểm đóng thầu",
            Kind::DateTime,
            NOTICE,
        )
        .help("Giờ Việt Nam, ví dụ 15/08/2019 09:00"),
        ProcuringEntity => Spec::new(
            "procuring_entity",
            "Bên mời thầu",
            "Bên mời thầu",
            Kind::Text,
            NOTICE,
        )
        .help("Chỉ ghi khi bên mời thầu không phải chủ đầu tư (đơn vị của gói thầu)"),
        Status => Spec::new(
            "status",
            "Trạng thái",
            "Trạng thái",
            Kind::Enum(&PackageStatus::WIRE),
            RESULT,
        )
        .required(),
        BidderCount => Spec::new(
            "bidder_count",
            "Số nhà thầu tham dự",
            "Số nhà thầu tham dự",
            Kind::Count,
            RESULT,
        ),
        AwardDecisionNo => Spec::new(
            "award_decision_no",
            "Số quyết định phê duyệt kết quả lựa chọn nhà thầu",
            "Số QĐ phê duyệt KQLCNT",
            Kind::Text,
            RESULT,
        ),
        ResultDate => Spec::new(
            "result_date",
            "Ngày phê duyệt kết quả",
            "Ngày phê duyệt kết quả",
            Kind::Date,
            RESULT,
        ),
        WinningPrice => Spec::new(
            "winning_price_vnd",
            "Giá trúng thầu",
            "Giá trúng thầu",
            Kind::Money,
            RESULT,
        ),
        ContractorName => Spec::new(
            "contractor_name",
            "Nhà thầu trúng thầu",
            "Nhà thầu trúng thầu",
            Kind::Text,
            RESULT,
        ),
        ContractorTaxCode => Spec::new(
            "contractor_tax_code",
            "Mã số thuế nhà thầu trúng thầu",
            "Mã số thuế nhà thầu",
            Kind::Code,
            RESULT,
        )
        .help("10 chữ số (có chữ số kiểm tra), chi nhánh thêm -001…, cá nhân 12 chữ số"),
        ContractDurationDays => Spec::new(
            "contract_duration_days",
            "Thời gian thực hiện hợp đồng (ngày)",
            "Thời gian thực hiện hợp đồng (ngày)",
            Kind::Count,
            RESULT,
        ),
        CancellationDecisionNo => Spec::new(
            "cancellation_decision_no",
            "Số quyết định hủy thầu",
            "Số QĐ hủy thầu",
            Kind::Text,
            CANCELLATION,
        ),
        CancellationReason => Spec::new(
            "cancellation_reason",
            "Lý do hủy thầu",
            "Lý do hủy thầu",
            Kind::Text,
            CANCELLATION,
        ),
        Notes => Spec::new("notes", "Ghi chú", "Ghi chú", Kind::LongText, NOTES),
    }
}
