//! The shape of an analysis (docs/analysis.md): what every entry point prints and stores.
//!
//! Plain serde types: [`Analysis`] with its [`Sentiment`], [`TopicHit`]s and keywords, and
//! the [`Input`] it is computed from.

use serde::{Deserialize, Serialize};

use crate::text::pii::PiiSpan;
use crate::text::{Keyword, Lang, TokenKind};

/// A text to analyse, with the caller's id if it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Input {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub text: String,
}

impl Input {
    pub fn new(text: impl Into<String>) -> Input {
        Input {
            id: None,
            text: text.into(),
        }
    }
}

/// A token as shown to users: its text (lowercased, Simplified), the byte span in the
/// original text, its kind and whether it is a stop word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenView {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
    pub stop: bool,
}

/// A sentiment class.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Negative,
    Neutral,
    Positive,
}

impl Label {
    pub const ALL: [Label; 3] = [Label::Negative, Label::Neutral, Label::Positive];

    pub const fn as_str(self) -> &'static str {
        match self {
            Label::Negative => "negative",
            Label::Neutral => "neutral",
            Label::Positive => "positive",
        }
    }

    /// Its position in [`Label::ALL`] (negative 0, neutral 1, positive 2): the class order of
    /// the sentiment head, the evaluation's confusion matrix and the reports' tallies.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn parse(s: &str) -> Option<Label> {
        Label::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
    }
}

/// The three class probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Probs {
    pub negative: f32,
    pub neutral: f32,
    pub positive: f32,
}

/// A comment's (or a clause's) sentiment: label, `score` = p_pos − p_neg in [−1, 1], probs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Sentiment {
    pub label: Label,
    pub score: f32,
    pub probs: Probs,
}

/// A byte span into the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A topic found in a comment, with its own (aspect-level) sentiment and evidence spans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TopicHit {
    pub id: String,
    pub name: String,
    pub confidence: f32,
    pub sentiment: Label,
    pub evidence: Vec<Span>,
}

/// The analysis of one comment (docs/analysis.md). Fields are added as the pipeline grows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Analysis {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub lang: Lang,
    /// Present whenever the sentiment model is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<Sentiment>,
    #[serde(default)]
    pub topics: Vec<TopicHit>,
    pub keywords: Vec<Keyword>,
    /// The text was longer than the model's window and only its first part was analysed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// With `--explain`: which clause and which terms carried each topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<Vec<TopicEvidence>>,
    /// With `--explain`: the topics the comment came nearest without being given, and why
    /// each was left out (what a taxonomy's `threshold` would have to be to report it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_misses: Option<Vec<NearMiss>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<TokenView>>,
    /// PII masked before the analysis (types and character offsets into the text as
    /// submitted); absent when none was found or redaction was off.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pii: Vec<PiiSpan>,
    /// The text as analysed, with PII masked: given by `analyze` with redaction on, when
    /// masking changed the text (a stored comment's text is already the masked one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<String>,
    /// The comment's sentence embedding (L2-normalized) when the model read it: stored in
    /// the index (quantised) for semantic search, never serialized.
    #[serde(skip)]
    pub embedding: Option<Vec<f32>>,
}

/// Why a topic was assigned: one clause that carried it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TopicEvidence {
    pub topic: String,
    /// The clause, as in the original text.
    pub clause: String,
    pub start: usize,
    pub end: usize,
    /// Best similarity to the topic's prototypes (examples and descriptions).
    pub similarity: f32,
    /// Seed terms of the topic found in the clause.
    pub seeds: Vec<String>,
    pub confidence: f32,
    /// The clause's own sentiment.
    pub sentiment: Label,
}

/// A topic the comment came near without being given it (with `--explain`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NearMiss {
    pub topic: String,
    /// The comment's confidence for the topic (its best clause, in context).
    pub confidence: f32,
    /// The threshold it had to reach: the taxonomy's `threshold`, the calibrated one, or
    /// the one for a user's own topics.
    pub threshold: f32,
    pub reason: MissReason,
}

/// Why a topic was not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissReason {
    /// Its confidence is under its threshold.
    UnderThreshold,
    /// A user's own topic over its threshold but under half the comment's strongest topic
    /// (a neighbour dragged along); a `threshold` in the taxonomy keeps it.
    WeakBesideStrongest,
}
