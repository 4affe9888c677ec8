//! The one function every entry point calls: texts → [`Analysis`].
//!
//! In: [`Input`]s (an optional id and the original text). Out: one [`Analysis`] per input, in
//! order, computed in parallel. Later stages (sentiment, topics) add their fields here, so the
//! CLI, the batch scorer and the API all print the same object.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::text::{keywords, IdfTable, Keyword, Lang, Mode, Prepared, TokenKind};
use crate::{Error, Result};

/// A text to analyse, with the caller's id if it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenView {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub kind: String,
    pub stop: bool,
}

/// A sentiment class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Negative,
    Neutral,
    Positive,
}

impl Label {
    pub const ALL: [Label; 3] = [Label::Negative, Label::Neutral, Label::Positive];

    pub fn as_str(self) -> &'static str {
        match self {
            Label::Negative => "negative",
            Label::Neutral => "neutral",
            Label::Positive => "positive",
        }
    }

    pub fn parse(s: &str) -> Option<Label> {
        Label::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
    }
}

/// The three class probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Probs {
    pub negative: f32,
    pub neutral: f32,
    pub positive: f32,
}

/// A comment's (or a clause's) sentiment: label, `score` = p_pos − p_neg in [−1, 1], probs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    pub label: Label,
    pub score: f32,
    pub probs: Probs,
}

/// A byte span into the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A topic found in a comment, with its own (aspect-level) sentiment and evidence spans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicHit {
    pub id: String,
    pub name: String,
    pub confidence: f32,
    pub sentiment: Label,
    pub evidence: Vec<Span>,
}

/// The analysis of one comment (SPEC §1). Fields are added as the pipeline grows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<TokenView>>,
}

/// Options of an analysis run.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many keywords to keep per comment.
    pub keywords: usize,
    /// Whether to include the tokens.
    pub tokens: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            keywords: 5,
            tokens: false,
        }
    }
}

/// The analysis engine: the shared, load-once resources of the pipeline.
pub struct Analyzer {
    idf: &'static IdfTable,
    options: Options,
}

impl Analyzer {
    /// An analyzer with the built-in resources.
    pub fn new(options: Options) -> Analyzer {
        Analyzer {
            idf: IdfTable::builtin(),
            options,
        }
    }

    /// Analyse one text.
    pub fn analyze_one(&self, input: &Input) -> Result<Analysis> {
        let prepared = Prepared::new(&input.text)?;
        let tokens = prepared.tokens(Mode::Default);
        let keywords = keywords::keywords(&tokens, self.idf, self.options.keywords);
        let tokens = self.options.tokens.then(|| {
            tokens
                .iter()
                .map(|t| {
                    let span = prepared.original_span(t.start..t.end);
                    TokenView {
                        text: t.text.clone(),
                        start: span.start,
                        end: span.end,
                        kind: match t.kind {
                            TokenKind::Word => "word",
                            TokenKind::Number => "number",
                            TokenKind::Emoji => "emoji",
                        }
                        .to_string(),
                        stop: crate::text::stopwords::is_stop_word(&t.text),
                    }
                })
                .collect()
        });
        Ok(Analysis {
            id: input.id.clone(),
            lang: prepared.lang,
            sentiment: None,
            topics: Vec::new(),
            keywords,
            truncated: false,
            tokens,
        })
    }

    /// Analyse a batch in parallel. An empty text anywhere fails the whole batch with an
    /// error naming its position (or id), before anything is computed.
    pub fn analyze(&self, inputs: &[Input]) -> Result<Vec<Analysis>> {
        if let Some((i, input)) = inputs
            .iter()
            .enumerate()
            .find(|(_, input)| input.text.trim().is_empty())
        {
            let place = match &input.id {
                Some(id) => format!("id {id}"),
                None => format!("item {}", i + 1),
            };
            return Err(Error::EmptyText(Some(place)));
        }
        inputs.par_iter().map(|i| self.analyze_one(i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_keeps_order_and_ids() {
        let analyzer = Analyzer::new(Options::default());
        let inputs = vec![
            Input {
                id: Some("a".into()),
                text: "The refund took three weeks".into(),
            },
            Input {
                id: Some("b".into()),
                text: "發票開錯了".into(),
            },
        ];
        let out = analyzer.analyze(&inputs).unwrap();
        assert_eq!(out[0].id.as_deref(), Some("a"));
        assert_eq!(out[0].lang, Lang::En);
        assert_eq!(out[1].lang, Lang::ZhHant);
        assert!(
            out[1].keywords.iter().any(|k| k.term == "发票"),
            "{:?}",
            out[1].keywords
        );
    }

    #[test]
    fn empty_item_names_its_place() {
        let analyzer = Analyzer::new(Options::default());
        let err = analyzer
            .analyze(&[Input::new("ok"), Input::new("  ")])
            .unwrap_err();
        assert_eq!(err.to_string(), "empty text (item 2)");
    }

    #[test]
    fn tokens_carry_original_spans() {
        let analyzer = Analyzer::new(Options {
            tokens: true,
            ..Options::default()
        });
        let text = "ＡＰＰ老是crash";
        let a = analyzer.analyze_one(&Input::new(text)).unwrap();
        let tokens = a.tokens.unwrap();
        assert_eq!(&text[tokens[0].start..tokens[0].end], "ＡＰＰ");
        assert_eq!(tokens[0].text, "app");
        assert_eq!(a.lang, Lang::Mixed);
    }
}
