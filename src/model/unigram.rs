//! The encoder's SentencePiece Unigram model, held compactly: the same pieces, scores and
//! best-path search as `tokenizers`' `Unigram`, with the pieces in one finite-state
//! transducer (piece bytes → id) instead of a hash map per byte of every piece.
//!
//! In: the `model` object of a tokenizer.json (`type`, `vocab` of [piece, score], `unk_id`,
//! `byte_fallback`). Out: tokens with ids and byte offsets, identical to `tokenizers`'
//! (`tests/tokenizer_parity.rs` compares both on every test corpus). Why: `tokenizers`'
//! byte trie holds one hash table per node; for the encoder's pruned 110k-piece vocabulary
//! that is 54 MB of the ~230 MB a process holding the model needs, built at every start.
//! The transducer is ~1 MB and builds from the sorted pieces in one pass.
//!
//! The search follows `Unigram::encode_optimized` of tokenizers 0.22 step for step (pieces
//! tried shortest first, a later one replacing an earlier only with a strictly higher
//! score, an unknown character scored `min_score − 10`, neighbouring unknowns fused); a
//! piece's id is that of its last occurrence in the vocabulary, as there.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};
use tantivy_fst::Map;
use tantivy_fst::raw::Output;
use tokenizers::{AddedToken, Model, Token, Trainer};

/// What an unknown character scores below the lowest piece (tokenizers' `K_UNK_PENALTY`).
const UNK_PENALTY: f64 = 10.0;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A Unigram model: pieces in a transducer, their text and scores by id.
pub struct CompactUnigram {
    /// Piece bytes → id (of the piece's last occurrence).
    ids: Map<Vec<u8>>,
    /// Every piece's text, concatenated; `ends[id]` is where piece `id` ends.
    text: String,
    ends: Vec<u32>,
    scores: Vec<f64>,
    min_score: f64,
    unk_id: Option<u32>,
    byte_fallback: bool,
}

impl CompactUnigram {
    /// Build from the vocabulary as tokenizer.json lists it.
    pub fn new(
        vocab: Vec<(String, f64)>,
        unk_id: Option<usize>,
        byte_fallback: bool,
    ) -> Result<CompactUnigram, BoxError> {
        if unk_id.is_some_and(|id| id >= vocab.len()) {
            return Err("unk_id is not in the vocabulary".into());
        }
        let mut text = String::new();
        let mut ends = Vec::with_capacity(vocab.len());
        let mut scores = Vec::with_capacity(vocab.len());
        for (piece, score) in &vocab {
            text.push_str(piece);
            ends.push(u32::try_from(text.len())?);
            scores.push(*score);
        }
        let mut keyed: Vec<(&str, u64)> = vocab
            .iter()
            .enumerate()
            .map(|(id, (piece, _))| (piece.as_str(), id as u64))
            .collect();
        // Sorted by bytes; of equal pieces the last id wins, as in tokenizers' map.
        keyed.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then(b.1.cmp(&a.1)));
        keyed.dedup_by(|later, first| later.0 == first.0);
        let ids = Map::from_iter(keyed)?;
        let min_score = scores.iter().copied().fold(f64::INFINITY, f64::min);
        Ok(CompactUnigram {
            ids,
            text,
            ends,
            scores,
            min_score,
            unk_id: unk_id.map(|id| id as u32),
            byte_fallback,
        })
    }

    fn piece(&self, id: u32) -> Option<&str> {
        let end = *self.ends.get(id as usize)? as usize;
        let start = match id {
            0 => 0,
            _ => self.ends[id as usize - 1] as usize,
        };
        Some(&self.text[start..end])
    }

    /// The pieces that `rest` starts with, shortest first: (length in bytes, id).
    fn prefixes<'a>(&'a self, rest: &'a [u8]) -> impl Iterator<Item = (usize, u32)> + 'a {
        let fst = self.ids.as_fst();
        let mut node = fst.root();
        let mut output = Output::zero();
        let mut at = 0;
        std::iter::from_fn(move || {
            while at < rest.len() {
                let i = node.find_input(rest[at])?;
                let step = node.transition(i);
                output = output.cat(step.out);
                node = fst.node(step.addr);
                at += 1;
                if node.is_final() {
                    let id = output.cat(node.final_output()).value();
                    return Some((at, id as u32));
                }
            }
            None
        })
    }

    /// The best segmentation of `sentence` as (start, end, id) spans, unknowns fused.
    fn best_path(&self, sentence: &str) -> tokenizers::Result<Vec<(usize, usize, Option<u32>)>> {
        #[derive(Clone, Copy)]
        struct Best {
            id: Option<u32>,
            score: f64,
            from: Option<usize>,
        }
        let size = sentence.len();
        let unk_score = self.min_score - UNK_PENALTY;
        let empty = Best {
            id: None,
            score: 0.0,
            from: None,
        };
        let mut best = vec![empty; size + 1];
        let mut start = 0;
        while start < size {
            let here = best[start].score;
            let char_len = sentence[start..].chars().next().map_or(1, char::len_utf8);
            let mut single = false;
            for (len, id) in self.prefixes(&sentence.as_bytes()[start..]) {
                let node = &mut best[start + len];
                let score = self.scores[id as usize] + here;
                if node.from.is_none() || score > node.score {
                    *node = Best {
                        id: Some(id),
                        score,
                        from: Some(start),
                    };
                }
                single |= len == char_len;
            }
            if !single {
                let unk = self.unk_id.ok_or("the vocabulary has no unk_id")?;
                let node = &mut best[start + char_len];
                let score = unk_score + here;
                if node.from.is_none() || score > node.score {
                    *node = Best {
                        id: Some(unk),
                        score,
                        from: Some(start),
                    };
                }
            }
            start += char_len;
        }
        let mut spans = Vec::new();
        let mut end = size;
        while end > 0 {
            let node = best[end];
            let from = node.from.ok_or("no segmentation")?;
            let unknown = node.id.is_some() && node.id == self.unk_id;
            match spans.last_mut() {
                // Neighbouring unknowns become one token (tokenizers' `fuse_unk`).
                Some((s, _, None)) if unknown => *s = from,
                _ => spans.push((from, end, (!unknown).then_some(node.id).flatten())),
            }
            end = from;
        }
        spans.reverse();
        Ok(spans)
    }

    /// The id of a fused run of unknown characters, or its bytes as byte pieces.
    fn unknown(&self, piece: &str, offsets: (usize, usize), tokens: &mut Vec<Token>) -> bool {
        if let Some(id) = self.ids.get(piece) {
            tokens.push(Token::new(id as u32, piece.to_string(), offsets));
            return true;
        }
        if self.byte_fallback {
            let bytes: Option<Vec<Token>> = piece
                .bytes()
                .map(|b| {
                    let name = format!("<0x{b:02X}>");
                    let id = self.ids.get(&name)?;
                    Some(Token::new(id as u32, name, offsets))
                })
                .collect();
            if let Some(bytes) = bytes {
                tokens.extend(bytes);
                return true;
            }
        }
        false
    }
}

impl Model for CompactUnigram {
    type Trainer = NotTrainable;

    fn tokenize(&self, sentence: &str) -> tokenizers::Result<Vec<Token>> {
        if sentence.is_empty() {
            return Ok(Vec::new());
        }
        let mut tokens = Vec::new();
        for (start, end, id) in self.best_path(sentence)? {
            let piece = &sentence[start..end];
            match id {
                Some(id) => tokens.push(Token::new(id, piece.to_string(), (start, end))),
                None if self.unknown(piece, (start, end), &mut tokens) => {}
                None => {
                    let unk = self.unk_id.ok_or("the vocabulary has no unk_id")?;
                    tokens.push(Token::new(unk, piece.to_string(), (start, end)));
                }
            }
        }
        Ok(tokens)
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).map(|id| id as u32)
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        self.piece(id).map(str::to_string)
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        (0..self.ends.len() as u32)
            .filter_map(|id| Some((self.piece(id)?.to_string(), id)))
            .filter(|(piece, id)| self.token_to_id(piece) == Some(*id))
            .collect()
    }

    fn get_vocab_size(&self) -> usize {
        self.ends.len()
    }

    fn save(&self, _folder: &Path, _prefix: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        Err("the encoder's vocabulary is read from its tokenizer.json, never written".into())
    }

    fn get_trainer(&self) -> NotTrainable {
        NotTrainable
    }
}

impl<'de> Deserialize<'de> for CompactUnigram {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Json {
            #[serde(rename = "type")]
            kind: Option<String>,
            vocab: Vec<(String, f64)>,
            unk_id: Option<usize>,
            #[serde(default)]
            byte_fallback: bool,
        }
        let json = Json::deserialize(deserializer)?;
        if let Some(kind) = json.kind.filter(|k| k != "Unigram") {
            return Err(serde::de::Error::custom(format!(
                "the encoder's tokenizer must be a Unigram model, not {kind}"
            )));
        }
        CompactUnigram::new(json.vocab, json.unk_id, json.byte_fallback)
            .map_err(serde::de::Error::custom)
    }
}

/// The encoder's vocabulary comes with its weights: it is never trained here.
pub struct NotTrainable;

impl Trainer for NotTrainable {
    type Model = CompactUnigram;

    fn should_show_progress(&self) -> bool {
        false
    }

    fn train(&self, _model: &mut CompactUnigram) -> tokenizers::Result<Vec<AddedToken>> {
        Err("the encoder's vocabulary comes with its weights and is not trained".into())
    }

    fn feed<I, S, F>(&mut self, _iterator: I, _process: F) -> tokenizers::Result<()>
    where
        I: Iterator<Item = S> + Send,
        S: AsRef<str> + Send,
        F: Fn(&str) -> tokenizers::Result<Vec<String>> + Sync,
    {
        Err("the encoder's vocabulary comes with its weights and is not trained".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokenizers::models::unigram::Unigram;

    fn vocab() -> Vec<(String, f64)> {
        [
            ("<unk>", 0.0),
            ("a", -1.0),
            ("b", -1.2),
            ("c", -1.5),
            ("d", -2.0),
            ("cd", -1.0),
            ("ab", -1.5),
            ("abc", -2.5),
            ("abcd", -2.4),
            ("ab", -1.6),
            ("▁", -0.5),
            ("配送", -3.0),
            ("配", -4.0),
            ("送", -4.0),
        ]
        .iter()
        .map(|(p, s)| (p.to_string(), *s))
        .collect()
    }

    #[test]
    fn same_tokens_as_tokenizers_unigram() {
        let ours = CompactUnigram::new(vocab(), Some(0), false).unwrap();
        let theirs = Unigram::from(vocab(), Some(0), false).unwrap();
        for text in [
            "abcdacdxx",
            "",
            "▁配送太慢了",
            "xyz配送ab",
            "dcba",
            "ab▁ab",
            "配配送送",
        ] {
            assert_eq!(
                ours.tokenize(text).unwrap(),
                theirs.tokenize(text).unwrap(),
                "{text}"
            );
        }
        assert_eq!(ours.token_to_id("ab"), theirs.token_to_id("ab"));
        assert_eq!(ours.id_to_token(6).as_deref(), Some("ab"));
        assert_eq!(ours.get_vocab(), theirs.get_vocab());
    }

    #[test]
    fn no_unk_id_is_an_error_only_when_a_character_is_unknown() {
        let ours = CompactUnigram::new(vocab()[1..].to_vec(), None, false).unwrap();
        assert!(ours.tokenize("ab").is_ok());
        assert!(ours.tokenize("xab").is_err());
        assert!(CompactUnigram::new(vocab(), Some(99), false).is_err());
    }
}
