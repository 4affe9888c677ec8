//! Chinese segmentation with jieba: its default dictionary plus our user dictionary of
//! customer-feedback terms (`data/userdict.txt`: 闪退, 小程序, 客服, ...), loaded once.

use std::path::Path;
use std::sync::LazyLock;

use jieba_rs::{Jieba, TokenizeMode};

use super::{Mode, Segmenter, Token, TokenKind};
use crate::{Error, Result};

/// jieba with the default and the project's user dictionary.
pub struct ChineseSegmenter {
    jieba: Jieba,
}

static GLOBAL: LazyLock<ChineseSegmenter> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    let mut dict = include_str!("../data/userdict.txt").as_bytes();
    // The embedded dictionary is tested below; a failure here would be a build defect.
    jieba
        .load_dict(&mut dict)
        .expect("embedded user dictionary is valid");
    ChineseSegmenter { jieba }
});

impl ChineseSegmenter {
    /// The shared segmenter with the built-in dictionaries.
    pub fn global() -> &'static ChineseSegmenter {
        &GLOBAL
    }

    /// The part-of-speech tag of each of `text`'s words (jieba's tag set: `n…` nouns, `v…`
    /// verbs, `a…` adjectives, …; empty for terms of the user dictionary).
    pub fn pos_tags(&self, text: &str) -> Vec<String> {
        let tags = self.jieba.tag(text, true);
        tags.into_iter().map(|t| t.tag.to_string()).collect()
    }

    /// A segmenter that also loads the user dictionary at `path` (jieba format:
    /// `word [freq] [tag]` per line).
    pub fn with_user_dict(path: &Path) -> Result<ChineseSegmenter> {
        let extra = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut jieba = Jieba::new();
        let mut builtin = include_str!("../data/userdict.txt").as_bytes();
        jieba
            .load_dict(&mut builtin)
            .map_err(|e| Error::Internal(e.to_string()))?;
        jieba
            .load_dict(&mut extra.as_bytes())
            .map_err(|e| Error::User(format!("{}: {e}", path.display())))?;
        Ok(ChineseSegmenter { jieba })
    }
}

impl Segmenter for ChineseSegmenter {
    fn segment(&self, run: &str, offset: usize, mode: Mode, out: &mut Vec<Token>) {
        let jieba_mode = match mode {
            Mode::Default => TokenizeMode::Default,
            Mode::Search => TokenizeMode::Search,
        };
        for t in self.jieba.tokenize(run, jieba_mode, true) {
            let kind = if t.word.chars().all(|c| c.is_numeric()) {
                TokenKind::Number
            } else {
                TokenKind::Word
            };
            out.push(Token {
                text: t.word.to_string(),
                start: offset + t.byte_start,
                end: offset + t.byte_end,
                kind,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_dict_file_adds_terms() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dict.txt");
        std::fs::write(&path, "极光会员卡 20 n\n").unwrap();
        let seg = ChineseSegmenter::with_user_dict(&path).unwrap();
        let mut out = Vec::new();
        seg.segment("我的极光会员卡没了", 0, Mode::Default, &mut out);
        assert!(out.iter().any(|t| t.text == "极光会员卡"), "{out:?}");
    }

    #[test]
    fn missing_user_dict_is_a_clear_error() {
        let err = ChineseSegmenter::with_user_dict(Path::new("/nonexistent/dict.txt"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("/nonexistent/dict.txt"), "{err}");
    }
}
