//! The streaming decoder: bytes in one encoding in, UTF-8 out, in bounded buffers.
//!
//! In: a byte reader, its [`Encoding`] and the file's name. Out: a `Read` of UTF-8 text
//! (a matching byte-order mark removed). It counts the line breaks it has produced, so that
//! the first invalid byte, or a failed read of the source, becomes a [`DecodeFailure`] naming
//! the line it is on. The text before the failure is delivered first; from then on every
//! read returns the same failure, so no reader can go past it.

use std::io::{self, Read};

use encoding_rs::{Decoder, DecoderResult};

use super::{DecodeFailure, Encoding, FailureKind};

const BUFFER: usize = 64 * 1024;

/// A reader that fails once with the error it holds (a failure met while sampling).
pub(super) struct Failed(pub(super) Option<io::Error>);

impl Read for Failed {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(self
            .0
            .take()
            .unwrap_or_else(|| io::Error::other("the stream already failed")))
    }
}

pub(super) struct DecodeReader {
    inner: Box<dyn Read + Send>,
    decoder: Decoder,
    encoding: Encoding,
    file: String,
    input: Vec<u8>,
    /// The unread part of `input`.
    input_at: usize,
    input_end: usize,
    /// Bytes of the source consumed by the decoder so far.
    consumed: u64,
    output: Vec<u8>,
    output_at: usize,
    output_end: usize,
    /// Line breaks in the text produced so far.
    newlines: u64,
    source_done: bool,
    finished: bool,
    failure: Option<DecodeFailure>,
}

impl DecodeReader {
    pub(super) fn new(inner: Box<dyn Read + Send>, encoding: Encoding, file: String) -> Self {
        DecodeReader {
            inner,
            decoder: encoding.codec().new_decoder_with_bom_removal(),
            encoding,
            file,
            input: vec![0; BUFFER],
            input_at: 0,
            input_end: 0,
            consumed: 0,
            output: vec![0; BUFFER + 16],
            output_at: 0,
            output_end: 0,
            newlines: 0,
            source_done: false,
            finished: false,
            failure: None,
        }
    }

    fn fail(&mut self, kind: FailureKind) {
        self.failure = Some(DecodeFailure {
            file: self.file.clone(),
            line: self.newlines + 1,
            kind,
        });
    }

    /// Decode more of the source into `output` (which is empty); false at the end.
    fn refill(&mut self) -> bool {
        while self.failure.is_none() && !self.finished {
            if self.input_at == self.input_end && !self.source_done {
                match self.inner.read(&mut self.input) {
                    Ok(0) => self.source_done = true,
                    Ok(n) => (self.input_at, self.input_end) = (0, n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.fail(FailureKind::Read(e.to_string()));
                        return false;
                    }
                }
            }
            let last = self.source_done;
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.input_at..self.input_end],
                &mut self.output,
                last,
            );
            self.input_at += read;
            self.consumed += read as u64;
            let produced = &self.output[..written];
            self.newlines += produced.iter().filter(|&&b| b == b'\n').count() as u64;
            (self.output_at, self.output_end) = (0, written);
            match result {
                DecoderResult::InputEmpty if last => self.finished = true,
                DecoderResult::InputEmpty | DecoderResult::OutputFull => {}
                DecoderResult::Malformed(bad, after) => {
                    // The offset of the first byte of the malformed sequence (the sequence
                    // may have begun in an earlier buffer; the offset stays within it).
                    let offset = self
                        .consumed
                        .saturating_sub(u64::from(bad) + u64::from(after));
                    self.fail(FailureKind::Invalid {
                        encoding: self.encoding,
                        offset,
                    });
                }
            }
            if written > 0 {
                return true;
            }
        }
        false
    }
}

impl Read for DecodeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.output_at == self.output_end && !self.refill() {
            return match &self.failure {
                Some(f) => Err(io::Error::new(io::ErrorKind::InvalidData, f.clone())),
                None => Ok(0),
            };
        }
        let n = buf.len().min(self.output_end - self.output_at);
        buf[..n].copy_from_slice(&self.output[self.output_at..self.output_at + n]);
        self.output_at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], encoding: Encoding) -> (String, Option<DecodeFailure>) {
        let mut reader = DecodeReader::new(
            Box::new(io::Cursor::new(bytes.to_vec())),
            encoding,
            "f".into(),
        );
        let mut out = Vec::new();
        let err = reader.read_to_end(&mut out).err();
        let failure = err.as_ref().and_then(super::super::failure_of);
        (String::from_utf8(out).unwrap(), failure)
    }

    #[test]
    fn decodes_and_names_the_line_of_bad_bytes() {
        let (gbk, _, _) = encoding_rs::GBK.encode("编号,内容\n1,物流很快\n");
        let (text, failure) = decode(&gbk, Encoding::Gb18030);
        assert_eq!(text, "编号,内容\n1,物流很快\n");
        assert_eq!(failure, None);
        let mut bad = b"id,text\n1,ok\n2,\"a\nb\"\n3,".to_vec();
        bad.extend([0xff, 0xfe, b'x', b'\n']);
        let (text, failure) = decode(&bad, Encoding::Utf8);
        assert_eq!(text, "id,text\n1,ok\n2,\"a\nb\"\n3,");
        let failure = failure.unwrap();
        assert_eq!(failure.line, 5);
        assert_eq!(
            failure.kind,
            FailureKind::Invalid {
                encoding: Encoding::Utf8,
                offset: 23
            }
        );
    }

    #[test]
    fn long_input_crosses_buffers() {
        let line = "客服回覆很慢，等了三天才處理好\n";
        let text: String = line.repeat(20_000);
        let (big5, _, _) = encoding_rs::BIG5.encode(&text);
        let (out, failure) = decode(&big5, Encoding::Big5);
        assert_eq!(failure, None);
        assert_eq!(out, text);
    }
}
