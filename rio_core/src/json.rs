//! JSON rows given as bytes: check that they hold exactly one JSON object, write it compact.
//!
//! One pass over the input writes the object without whitespace into the output buffer and notes
//! each top-level member (`Field`), which is all the column checks and statistics need. Strings,
//! numbers and escapes are copied as written; nothing is re-encoded.

use std::ops::Range;

use crate::error::CoreError;

/// Deeper nesting is refused: no real row needs it, and it bounds the parser's stack.
pub const MAX_DEPTH: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl JsonKind {
    pub const ALL: [JsonKind; 6] = [
        JsonKind::Null,
        JsonKind::Bool,
        JsonKind::Number,
        JsonKind::String,
        JsonKind::Array,
        JsonKind::Object,
    ];

    pub fn name(self) -> &'static str {
        match self {
            JsonKind::Null => "null",
            JsonKind::Bool => "boolean",
            JsonKind::Number => "number",
            JsonKind::String => "string",
            JsonKind::Array => "array",
            JsonKind::Object => "object",
        }
    }

    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// One top-level member of a row, as written to the output buffer (offsets into that buffer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The key's text between its quotes, escapes as written.
    pub key: Range<usize>,
    /// Whether the key holds escapes, so its text is not yet the key itself.
    pub key_escaped: bool,
    /// The value's compact JSON text; a string includes its quotes.
    pub value: Range<usize>,
    pub kind: JsonKind,
    /// For strings, the UTF-8 length of the value once unescaped; for others, the text's length.
    pub text_bytes: usize,
    /// For strings, whether the text holds escapes.
    pub escaped: bool,
}

/// Check that `input` is exactly one JSON object and append it, compact, to `out`.
///
/// On success, `fields` holds the object's top-level members (offsets into `out`). On error, `out`
/// and `fields` may hold a partial row: the caller discards them.
pub fn compact_object(
    input: &[u8],
    out: &mut Vec<u8>,
    fields: &mut Vec<Field>,
) -> Result<(), CoreError> {
    if let Err(err) = std::str::from_utf8(input) {
        return Err(CoreError::invalid_json(
            "the row is not valid UTF-8",
            err.valid_up_to(),
        ));
    }
    let mut parser = Parser { input, pos: 0, out };
    parser.skip_whitespace();
    match parser.peek() {
        Some(b'{') => {}
        None => return Err(parser.error("the row is empty; expected one JSON object")),
        Some(b'n') if input[parser.pos..].starts_with(b"null") => {
            return Err(parser.error("a JSON null is not a row; expected one JSON object"))
        }
        Some(b'[') => {
            return Err(parser.error("a JSON array is not a row; expected one JSON object"))
        }
        Some(_) => return Err(parser.error("a JSON scalar is not a row; expected one JSON object")),
    }
    parser.object(1, Some(fields))?;
    parser.skip_whitespace();
    if parser.pos != input.len() {
        return Err(
            parser.error("unexpected data after the JSON object; a row is exactly one object")
        );
    }
    Ok(())
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
    out: &'a mut Vec<u8>,
}

/// What a parsed string was like.
struct StringInfo {
    decoded_bytes: usize,
    escaped: bool,
}

impl Parser<'_> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    #[cold]
    fn error(&self, reason: &str) -> CoreError {
        CoreError::invalid_json(reason, self.pos)
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), CoreError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            self.out.push(byte);
            Ok(())
        } else {
            Err(self.unexpected(what))
        }
    }

    #[cold]
    fn unexpected(&self, expected: &str) -> CoreError {
        match self.peek() {
            None => self.error(&format!("the row ends early; expected {expected}")),
            Some(byte) => {
                let found = if byte.is_ascii_graphic() {
                    format!("{:?}", byte as char)
                } else {
                    format!("byte 0x{byte:02x}")
                };
                self.error(&format!("expected {expected}, found {found}"))
            }
        }
    }

    /// An object; at the top level (`fields` given) each member is also noted.
    fn object(
        &mut self,
        depth: usize,
        mut fields: Option<&mut Vec<Field>>,
    ) -> Result<(), CoreError> {
        self.enter(depth)?;
        self.expect(b'{', "'{'")?;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.out.push(b'}');
            return Ok(());
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a string key"));
            }
            let key_start = self.out.len() + 1;
            let key = self.string()?;
            let key_end = self.out.len() - 1;
            self.skip_whitespace();
            self.expect(b':', "':' after the key")?;
            self.skip_whitespace();
            let value_start = self.out.len();
            let (kind, text_bytes, escaped) = match self.peek() {
                Some(b'"') => {
                    let info = self.string()?;
                    (JsonKind::String, info.decoded_bytes, info.escaped)
                }
                _ => {
                    let kind = self.value(depth)?;
                    (kind, self.out.len() - value_start, false)
                }
            };
            if let Some(fields) = fields.as_deref_mut() {
                fields.push(Field {
                    key: key_start..key_end,
                    key_escaped: key.escaped,
                    value: value_start..self.out.len(),
                    kind,
                    text_bytes,
                    escaped,
                });
            }
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.out.push(b',');
                }
                Some(b'}') => {
                    self.pos += 1;
                    self.out.push(b'}');
                    return Ok(());
                }
                _ => return Err(self.unexpected("',' or '}'")),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<JsonKind, CoreError> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1, None).map(|_| JsonKind::Object),
            Some(b'[') => self.array(depth + 1).map(|_| JsonKind::Array),
            Some(b'"') => self.string().map(|_| JsonKind::String),
            Some(b't') => self.literal(b"true").map(|_| JsonKind::Bool),
            Some(b'f') => self.literal(b"false").map(|_| JsonKind::Bool),
            Some(b'n') => self.literal(b"null").map(|_| JsonKind::Null),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| JsonKind::Number),
            Some(b'N' | b'I') => Err(self.error("NaN and Infinity are not JSON numbers")),
            _ => Err(self.unexpected("a JSON value")),
        }
    }

    fn enter(&self, depth: usize) -> Result<(), CoreError> {
        if depth > MAX_DEPTH {
            Err(self.error(&format!(
                "the row nests deeper than {MAX_DEPTH} levels of objects and arrays"
            )))
        } else {
            Ok(())
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), CoreError> {
        self.enter(depth)?;
        self.expect(b'[', "'['")?;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.out.push(b']');
            return Ok(());
        }
        loop {
            self.skip_whitespace();
            self.value(depth)?;
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.out.push(b',');
                }
                Some(b']') => {
                    self.pos += 1;
                    self.out.push(b']');
                    return Ok(());
                }
                _ => return Err(self.unexpected("',' or ']'")),
            }
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), CoreError> {
        if self.input[self.pos..].starts_with(word) {
            self.pos += word.len();
            self.out.extend_from_slice(word);
            Ok(())
        } else {
            Err(self.unexpected("a JSON value"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<(), CoreError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
            if let Some(b'I') = self.peek() {
                return Err(self.error("NaN and Infinity are not JSON numbers"));
            }
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.unexpected("a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.unexpected("a digit after the decimal point"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.unexpected("a digit in the exponent"));
            }
        }
        if let Some(b'0'..=b'9') = self.peek() {
            return Err(self.error("a JSON number cannot have a leading zero"));
        }
        self.out.extend_from_slice(&self.input[start..self.pos]);
        Ok(())
    }

    /// Copy a string (quotes included) to the output, checking escapes.
    fn string(&mut self) -> Result<StringInfo, CoreError> {
        debug_assert_eq!(self.peek(), Some(b'"'));
        let start = self.pos;
        self.pos += 1;
        let mut decoded_bytes = 0;
        let mut escaped = false;
        loop {
            // The input is valid UTF-8, so every byte that is not special is one byte of text.
            let run_start = self.pos;
            while let Some(&byte) = self.input.get(self.pos) {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            decoded_bytes += self.pos - run_start;
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    self.out.extend_from_slice(&self.input[start..self.pos]);
                    return Ok(StringInfo {
                        decoded_bytes,
                        escaped,
                    });
                }
                Some(b'\\') => {
                    escaped = true;
                    decoded_bytes += self.escape()?;
                }
                Some(_) => return Err(self.error(
                    "a control character inside a string must be escaped (\\n, \\t, \\u0000...)",
                )),
                None => return Err(self.error("the row ends inside a string")),
            }
        }
    }

    /// Check one escape sequence at `pos` (the backslash) and return its UTF-8 length.
    fn escape(&mut self) -> Result<usize, CoreError> {
        let backslash = self.pos;
        self.pos += 1;
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 1;
                Ok(1)
            }
            Some(b'u') => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        if self.input[self.pos..].starts_with(b"\\u") {
                            self.pos += 1;
                            let low = self.hex4()?;
                            if (0xDC00..=0xDFFF).contains(&low) {
                                return Ok(4);
                            }
                        }
                        Err(CoreError::invalid_json(
                            "a lone surrogate escape (a high surrogate \\ud800-\\udbff not followed by a low one) is not valid Unicode",
                            backslash,
                        ))
                    }
                    0xDC00..=0xDFFF => Err(CoreError::invalid_json(
                        "a lone surrogate escape (a low surrogate \\udc00-\\udfff without a high one) is not valid Unicode",
                        backslash,
                    )),
                    0..=0x7F => Ok(1),
                    0x80..=0x7FF => Ok(2),
                    _ => Ok(3),
                }
            }
            _ => Err(self.error("invalid escape in a string")),
        }
    }

    /// Read `uXXXX` at `pos` and return the code unit.
    fn hex4(&mut self) -> Result<u32, CoreError> {
        debug_assert_eq!(self.peek(), Some(b'u'));
        let digits = self.input.get(self.pos + 1..self.pos + 5);
        let unit = digits
            .filter(|d| d.iter().all(u8::is_ascii_hexdigit))
            .and_then(|d| u32::from_str_radix(std::str::from_utf8(d).ok()?, 16).ok());
        match unit {
            Some(unit) => {
                self.pos += 5;
                Ok(unit)
            }
            None => Err(self.error("\\u must be followed by four hex digits")),
        }
    }
}

/// Bytes that need an escape inside a JSON string: quote, backslash and control characters.
const NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = true;
        i += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Append `bytes`, which are mostly short (a key, an id, a number): up to 64 bytes are copied
/// inline with overlapping unaligned loads and stores, since a call to `memcpy` costs more than
/// such a copy and the encoder makes a dozen of them per row.
#[inline(always)]
pub fn extend_short(out: &mut Vec<u8>, bytes: &[u8]) {
    let n = bytes.len();
    if n > 64 {
        out.extend_from_slice(bytes);
        return;
    }
    out.reserve(n);
    // SAFETY: `reserve` made room for `n` bytes past the length; every load reads within `bytes`
    // and every store writes within those `n` bytes (the overlapping pairs cover `0..n` exactly),
    // and all of them are written before the length moves past them.
    unsafe {
        let src = bytes.as_ptr();
        let dst = out.as_mut_ptr().add(out.len());
        if n >= 16 {
            let mut at = 0;
            while at + 16 < n {
                copy_word::<16>(src.add(at), dst.add(at));
                at += 16;
            }
            copy_word::<16>(src.add(n - 16), dst.add(n - 16));
        } else if n >= 8 {
            copy_word::<8>(src, dst);
            copy_word::<8>(src.add(n - 8), dst.add(n - 8));
        } else if n >= 4 {
            copy_word::<4>(src, dst);
            copy_word::<4>(src.add(n - 4), dst.add(n - 4));
        } else if n >= 2 {
            copy_word::<2>(src, dst);
            copy_word::<2>(src.add(n - 2), dst.add(n - 2));
        } else if n == 1 {
            *dst = *src;
        }
        out.set_len(out.len() + n);
    }
}

/// Whether two byte strings are equal, inline for short ones (keys), where a call to `bcmp`
/// costs more than the comparison.
#[inline(always)]
pub fn short_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |bytes: &[u8], at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    let half = |bytes: &[u8], at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

/// Copy `N` bytes between possibly unaligned places.
///
/// # Safety
/// `src` must be readable and `dst` writable for `N` bytes.
#[inline(always)]
unsafe fn copy_word<const N: usize>(src: *const u8, dst: *mut u8) {
    dst.cast::<[u8; N]>()
        .write_unaligned(src.cast::<[u8; N]>().read_unaligned());
}

/// Whether any byte of `word` needs an escape. Exact, not an estimate: the classic SWAR tests
/// "some byte is below 0x20" and "some byte is zero" (after XOR with a quote or backslash) have no false
/// positives as yes/no answers, and bytes of 0x80 and up never match.
#[inline]
fn word_needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH_BITS;
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH_BITS;
    let quote = has_zero(word ^ (ONES * u64::from(b'"')));
    let backslash = has_zero(word ^ (ONES * u64::from(b'\\')));
    control | quote | backslash != 0
}

/// Whether any byte of `bytes` needs an escape, read a word at a time: most strings in rows (ids,
/// timestamps, paths, keys) need none, and this is the packer's hottest loop. A short string or
/// the tail of a long one is read as overlapping words, so no byte is looked at alone.
#[inline]
fn needs_escape(bytes: &[u8]) -> bool {
    let n = bytes.len();
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
    let half = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"));
    if n < 8 {
        // Bytes padded with spaces, which need no escape; overlaps look at a byte twice, harmlessly.
        const SPACES: u64 = 0x2020_2020_2020_2020;
        let padded = match n {
            0 => return false,
            1..=3 => {
                let three = u64::from(bytes[0])
                    | u64::from(bytes[n / 2]) << 8
                    | u64::from(bytes[n - 1]) << 16;
                three | SPACES << 24
            }
            _ => u64::from(half(0)) | u64::from(half(n - 4)) << 32,
        };
        return word_needs_escape(padded);
    }
    let mut at = 0;
    while at + 8 < n {
        if word_needs_escape(word(at)) {
            return true;
        }
        at += 8;
    }
    word_needs_escape(word(n - 8))
}

/// Append `text` to `out` as a JSON string (quotes included); return whether it needed escapes.
#[inline]
pub fn write_json_string(out: &mut Vec<u8>, text: &str) -> bool {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if !needs_escape(bytes) {
        extend_short(out, bytes);
        out.push(b'"');
        return false;
    }
    let mut escaped = false;
    let mut run_start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if !NEEDS_ESCAPE[byte as usize] {
            continue;
        }
        escaped = true;
        out.extend_from_slice(&bytes[run_start..i]);
        run_start = i + 1;
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xF)]);
            }
        }
    }
    out.extend_from_slice(&bytes[run_start..]);
    out.push(b'"');
    escaped
}

/// Unescape the text of a JSON string (without its quotes) that `compact_object` accepted.
pub fn unescape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let byte = text[i];
        if byte != b'\\' {
            out.push(byte);
            i += 1;
            continue;
        }
        let simple = match text[i + 1] {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(byte) = simple {
            out.push(byte);
            i += 2;
            continue;
        }
        let hex = |at: usize| {
            u32::from_str_radix(std::str::from_utf8(&text[at..at + 4]).unwrap_or("0"), 16)
                .unwrap_or(0)
        };
        let mut code = hex(i + 2);
        i += 6;
        if (0xD800..=0xDBFF).contains(&code) {
            let low = hex(i + 2);
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
        }
        let ch = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(input: &str) -> Result<(String, Vec<Field>), CoreError> {
        let mut out = Vec::new();
        let mut fields = Vec::new();
        compact_object(input.as_bytes(), &mut out, &mut fields)?;
        Ok((String::from_utf8(out).unwrap(), fields))
    }

    #[test]
    fn short_comparisons_agree_with_slice_equality() {
        let base: Vec<u8> = (b'a'..=b'z').chain(b'A'..=b'Z').collect();
        for len in 0..=40 {
            let a = &base[..len];
            assert!(short_eq(a, a), "{len}");
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 0x20;
                assert!(!short_eq(a, &b), "{len} differing at {at}");
            }
            if len > 0 {
                assert!(!short_eq(a, &base[..len - 1]));
            }
        }
    }

    #[test]
    fn short_copies_append_exactly_the_bytes_given() {
        let source: Vec<u8> = (0..100u8).collect();
        for len in 0..=source.len() {
            let mut out = b"prefix".to_vec();
            extend_short(&mut out, &source[..len]);
            assert_eq!(&out[..6], b"prefix");
            assert_eq!(&out[6..], &source[..len], "{len} bytes");
        }
    }

    #[test]
    fn the_word_scan_finds_a_byte_to_escape_wherever_it_is() {
        // Every byte value at every position of strings around the word sizes, against the table.
        for byte in 0..=255u8 {
            for len in [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24] {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = byte;
                    assert_eq!(
                        needs_escape(&bytes),
                        NEEDS_ESCAPE[byte as usize],
                        "byte {byte:#x} at {at} of {len}"
                    );
                }
            }
        }
        // Bytes just around the borders of what needs escaping, all in one word.
        for word in [*b"\x1f !\"#[\\]", *b"\x7f\x80\xff\xc3\xa9\x20\x21\x23"] {
            let expected = word.iter().any(|&b| NEEDS_ESCAPE[b as usize]);
            assert_eq!(word_needs_escape(u64::from_le_bytes(word)), expected);
        }
        assert!(!needs_escape(b""));
    }

    fn assert_refused(input: &[u8]) {
        let mut out = Vec::new();
        let mut fields = Vec::new();
        assert!(
            compact_object(input, &mut out, &mut fields).is_err(),
            "{}",
            String::from_utf8_lossy(input)
        );
    }

    fn reason(input: &[u8]) -> String {
        let mut out = Vec::new();
        let mut fields = Vec::new();
        compact_object(input, &mut out, &mut fields)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn whitespace_is_removed_and_everything_else_kept() {
        let (out, _) =
            compact(" {\n \"a\" : [1, 2.5e-3, {\"b\" : null}],\t\"c\":\"x y\\n\"  } \n").unwrap();
        assert_eq!(out, r#"{"a":[1,2.5e-3,{"b":null}],"c":"x y\n"}"#);
    }

    #[test]
    fn top_level_fields_are_reported_with_kinds_and_lengths() {
        let (out, fields) =
            compact(r#"{"s":"h\u00e9llo","n":-12,"b":true,"z":null,"o":{"k":1},"a":[]}"#).unwrap();
        let kinds: Vec<_> = fields.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                JsonKind::String,
                JsonKind::Number,
                JsonKind::Bool,
                JsonKind::Null,
                JsonKind::Object,
                JsonKind::Array
            ]
        );
        assert_eq!(&out[fields[0].key.clone()], "s");
        assert_eq!(&out[fields[0].value.clone()], r#""h\u00e9llo""#);
        assert_eq!(fields[0].text_bytes, "héllo".len());
        assert!(fields[0].escaped);
        assert_eq!(&out[fields[1].value.clone()], "-12");
        assert_eq!(&out[fields[4].value.clone()], r#"{"k":1}"#);
    }

    #[test]
    fn escaped_lengths_count_utf8_bytes() {
        let (_, fields) = compact(r#"{"e":"\ud83d\ude00\n\u20ac"}"#).unwrap();
        assert_eq!(fields[0].text_bytes, 4 + 1 + 3);
    }

    #[test]
    fn non_objects_are_refused_with_what_they_are() {
        assert!(reason(b"null").contains("a JSON null is not a row"));
        assert!(reason(b" [1]").contains("a JSON array is not a row"));
        assert!(reason(b"\"x\"").contains("a JSON scalar"));
        assert!(reason(b"12").contains("a JSON scalar"));
        assert!(reason(b"   ").contains("the row is empty"));
    }

    #[test]
    fn trailing_data_is_refused_at_its_position() {
        assert_eq!(
            reason(b"{\"a\":1} {\"b\":2}"),
            "unexpected data after the JSON object; a row is exactly one object (at byte 8)"
        );
    }

    #[test]
    fn invalid_utf8_is_refused_at_its_position() {
        assert_eq!(
            reason(b"{\"a\":\"\xff\"}"),
            "the row is not valid UTF-8 (at byte 6)"
        );
    }

    #[test]
    fn lone_surrogates_are_refused_at_their_escape() {
        assert!(reason(br#"{"a":"\ud800"}"#).ends_with("(at byte 6)"));
        assert!(reason(br#"{"a":"x\udc00"}"#).ends_with("(at byte 7)"));
        assert!(reason(br#"{"a":"\ud800"}"#).contains("lone surrogate"));
        assert!(reason(br#"{"a":"\udc00x"}"#).contains("lone surrogate"));
        assert!(reason(br#"{"a":"\ud800\u0041"}"#).contains("lone surrogate"));
    }

    #[test]
    fn nan_and_infinity_are_refused() {
        for bad in [
            &br#"{"a":NaN}"#[..],
            br#"{"a":Infinity}"#,
            br#"{"a":-Infinity}"#,
        ] {
            assert!(reason(bad).contains("NaN and Infinity are not JSON numbers"));
        }
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in [
            &br#"{"a":01}"#[..],
            br#"{"a":1.}"#,
            br#"{"a":.5}"#,
            br#"{"a":1e}"#,
            br#"{"a":-}"#,
            br#"{"a":+1}"#,
        ] {
            assert_refused(bad);
        }
    }

    #[test]
    fn structural_errors_are_refused() {
        for bad in [
            &br#"{"a":1,}"#[..],
            br#"{"a" 1}"#,
            br#"{a:1}"#,
            br#"{"a":[1,]}"#,
            br#"{"a":tru}"#,
            br#"{"a":"x"#,
            b"{\"a\":\"x\ty\"}",
            br#"{"a":"\x"}"#,
            br#"{"a":"\u12"}"#,
            br#"{"a":1"#,
        ] {
            assert_refused(bad);
        }
    }

    #[test]
    fn nesting_is_limited() {
        let ok = format!(
            "{{\"a\":{}{}}}",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(compact(&ok).is_ok());
        let deep = format!(
            "{{\"a\":{}{}}}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        assert!(compact(&deep)
            .unwrap_err()
            .to_string()
            .contains("nests deeper than 128"));
    }

    #[test]
    fn written_strings_escape_what_json_requires_and_read_back() {
        let text = "q\"b\\ n\n r\r t\t \u{1} \u{1f} é😀/";
        let mut out = Vec::new();
        assert!(write_json_string(&mut out, text));
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#""q\"b\\ n\n r\r t\t \u0001 \u001f é😀/""#
        );
        assert_eq!(unescape(&out[1..out.len() - 1]), text.as_bytes());
        let mut plain = Vec::new();
        assert!(!write_json_string(&mut plain, "plain"));
        assert_eq!(plain, b"\"plain\"");
    }

    #[test]
    fn unescape_decodes_every_escape() {
        assert_eq!(
            unescape(br#"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"#),
            "a\"\\/\u{8}\u{c}\n\r\té😀".as_bytes()
        );
    }
}
