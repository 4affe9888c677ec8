//! Stop words for statistics (keywords, drivers): common function words of Chinese
//! (Simplified, since text is folded first) and English, plus a domain list of feedback
//! words that name no aspect (for keyword reports). The model never sees these lists.

use std::collections::HashSet;
use std::sync::LazyLock;

static STOP: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("data/stopwords_zh.txt")
        .lines()
        .chain(include_str!("data/stopwords_en.txt").lines())
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect()
});

/// Words frequent in customer feedback that name no aspect of the service (people,
/// places, times, vague verbs): kept out of keyword drivers and pain points.
const DOMAIN_STOP: &[&str] = &[
    "老人",
    "孩子",
    "家人",
    "家里",
    "朋友",
    "大家",
    "自己",
    "别人",
    "东西",
    "时候",
    "感觉",
    "觉得",
    "知道",
    "出来",
    "起来",
    "一下",
    "有点",
    "这次",
    "上次",
    "每次",
    "第一次",
    "今天",
    "昨天",
    "明天",
    "现在",
    "以后",
    "之前",
    "已经",
    "真的",
    "一直",
    "其实",
    "然后",
    "就是",
    "可以",
    "没有",
    "什么",
    "怎么",
    "这家",
    "那家",
    "大概",
    "还是",
    "这是",
    "那是",
    "希望",
    "使用",
    "用户",
    "顾客",
    "客户",
    "问题",
    "情况",
    "事情",
    "地方",
    "方面",
    "thing",
    "things",
    "stuff",
    "time",
    "times",
    "day",
    "days",
    "today",
    "yesterday",
    "week",
    "really",
    "also",
    "would",
    "could",
    "one",
    "lot",
    "much",
    "even",
    "still",
    "back",
    "way",
    "like",
    "just",
    "get",
    "got",
    "make",
    "made",
    "use",
    "used",
    "customer",
    "customers",
    "problem",
    "problems",
    "issue",
    "issues",
    "family",
    "mom",
    "dad",
    "kids",
    "first",
];

static DOMAIN: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| DOMAIN_STOP.iter().copied().collect());

/// Whether `word` is a stop word or one of the feedback words that name no aspect
/// ([`DOMAIN_STOP`]): what keyword reports leave out.
pub fn is_report_stop_word(word: &str) -> bool {
    is_stop_word(word) || DOMAIN.contains(word)
}

/// Whether `word` (lowercased, Simplified) is a stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP.contains(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages() {
        for w in ["的", "了", "但是", "the", "and", "don't"] {
            assert!(is_stop_word(w), "{w}");
        }
        for w in ["配送", "发票", "refund", "slow"] {
            assert!(!is_stop_word(w), "{w}");
        }
    }
}
