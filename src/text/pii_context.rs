//! Context words for [`super::pii_rules`]: what the words just before a number say it is.
//!
//! In: the folded view of a text and a byte offset (where a candidate starts). Out: a
//! [`Near`]: the class of the keyword nearest before it within [`WINDOW`] characters
//! (phone, card, order/tracking/serial, version/size), or none. The nearest word wins, so
//! `订单上的电话 ...` reads as a phone and `手机IMEI ...` as a serial number.

/// How many characters before a candidate are read.
pub const WINDOW: usize = 16;

/// The class of the nearest context word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Near {
    None,
    Phone,
    Card,
    Order,
    Version,
}

const PHONE: &[&str] = &[
    "电话",
    "電話",
    "手机",
    "手機",
    "致电",
    "致電",
    "来电",
    "來電",
    "回电",
    "回電",
    "联系",
    "聯絡",
    "联络",
    "聯系",
    "聯繫",
    "拨打",
    "撥打",
    "热线",
    "熱線",
    "座机",
    "座機",
    "固话",
    "固話",
    "传真",
    "傳真",
    "打给",
    "打給",
    "请打",
    "請打",
    "call",
    "phone",
    "tel",
    "mobile",
    "cell",
    "hotline",
    "fax",
    "whatsapp",
    "contact",
    "ring",
    "dial",
    "text",
    "reach",
    "my number",
];

const CARD: &[&str] = &[
    "卡",
    "card",
    "visa",
    "mastercard",
    "amex",
    "银行",
    "銀行",
    "账号",
    "帳號",
    "账户",
    "帳戶",
    "退到",
    "打到",
    "收款",
    "refund to",
    "account",
    "iban",
];

const ORDER: &[&str] = &[
    "订单",
    "訂單",
    "单号",
    "單號",
    "运单",
    "運單",
    "快递",
    "快遞",
    "物流",
    "流水",
    "交易号",
    "交易號",
    "编号",
    "編號",
    "工单",
    "工單",
    "编码",
    "編碼",
    "条形码",
    "條碼",
    "条码",
    "序列号",
    "序號",
    "批号",
    "批次",
    "保单",
    "保單",
    "合同",
    "会员",
    "會員",
    "验证码",
    "驗證碼",
    "取件码",
    "积分",
    "order",
    "tracking",
    "invoice",
    "ref",
    "reference",
    "sn",
    "serial",
    "imei",
    "barcode",
    "sku",
    "isbn",
    "asin",
    "ticket",
    "parcel",
];

const VERSION: &[&str] = &[
    "版本", "version", "ver", "固件", "firmware", "ios", "android", "build", "系统", "系統",
    "评分", "評分", "分数", "尺寸", "size", "型号", "型號", "model", "升级", "升級", "更新",
    "update", "upgrade", "patch",
];

/// The class of the keyword nearest before byte `start` of `text`.
pub fn before(text: &str, start: usize) -> Near {
    let mut window: Vec<char> = text[..start].chars().rev().take(WINDOW).collect();
    window.reverse();
    let window: String = window.into_iter().collect::<String>().to_lowercase();
    let mut best: Option<(usize, Near)> = None;
    for (words, near) in [
        (PHONE, Near::Phone),
        (CARD, Near::Card),
        (ORDER, Near::Order),
        (VERSION, Near::Version),
    ] {
        for word in words {
            for (i, _) in window.match_indices(word) {
                let end = i + word.len();
                if bounded(&window, i, end, word) && best.is_none_or(|(e, _)| end > e) {
                    best = Some((end, near));
                }
            }
        }
    }
    best.map_or(Near::None, |(_, near)| near)
}

/// An ASCII word must not continue a longer word (`tel` in `hotel`); a short one (three
/// letters or fewer) must not be followed by a letter either (`sn` in `snack`).
fn bounded(window: &str, start: usize, end: usize, word: &str) -> bool {
    if !word.is_ascii() {
        return true;
    }
    let letter = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
    let before = window[..start].chars().next_back();
    let after = window[end..].chars().next();
    !letter(before) && (word.len() > 3 || !letter(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_word_wins() {
        let at = |t: &str| before(t, t.len());
        assert_eq!(at("订单上的电话 "), Near::Phone);
        assert_eq!(at("手机IMEI "), Near::Order);
        assert_eq!(at("退款到信用卡"), Near::Card);
        assert_eq!(at("the hotel "), Near::None);
        assert_eq!(at("Tel: "), Near::Phone);
        assert_eq!(
            at("一二三四五六七八九十一二三四五六七八 电话在很前面的地方然后过了很多字 "),
            Near::None
        );
    }
}
