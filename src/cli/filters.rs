//! The filters that search and the reports share (docs/cli.md: "the same filters as the API").

use verbatim::index::search::Filters;

/// Which comments: the same filters as the API's search.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FilterArgs {
    /// Sentiment labels, comma-separated: negative, neutral, positive.
    #[arg(long)]
    pub sentiment: Option<String>,
    /// Topic ids (delivery) or topic:sentiment (delivery:negative), comma-separated.
    #[arg(long)]
    pub topic: Option<String>,
    /// Languages, comma-separated: zh-Hans, zh-Hant, en, mixed, other.
    #[arg(long)]
    pub lang: Option<String>,
    /// Channels, comma-separated.
    #[arg(long)]
    pub channel: Option<String>,
    /// Created at or after (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Created at or before (RFC 3339, or YYYY-MM-DD for the whole day).
    #[arg(long)]
    pub to: Option<String>,
    /// Lowest sentiment score, in [-1, 1].
    #[arg(long, allow_hyphen_values = true)]
    pub score_min: Option<f64>,
    /// Highest sentiment score, in [-1, 1].
    #[arg(long, allow_hyphen_values = true)]
    pub score_max: Option<f64>,
    /// One customer id, matched exactly.
    #[arg(long)]
    pub customer_id: Option<String>,
    /// An attribute that must match exactly, as key=value (repeatable).
    #[arg(long = "attr", value_name = "KEY=VALUE")]
    pub attrs: Vec<String>,
    /// IANA time zone (Asia/Shanghai) that plain dates and report periods are read in; default UTC.
    #[arg(long, env = "VERBATIM_TZ")]
    pub tz: Option<String>,
}

impl FilterArgs {
    /// The library's filters.
    pub fn into_filters(self) -> Filters {
        Filters {
            sentiment: self.sentiment,
            topic: self.topic,
            lang: self.lang,
            channel: self.channel,
            from: self.from,
            to: self.to,
            score_min: self.score_min,
            score_max: self.score_max,
            customer_id: self.customer_id,
            attrs: self.attrs,
            tz: self.tz,
        }
    }
}
