//! The character family: `char(n)`, `varchar(n)`, and a warehouse's width-less `text`.
//!
//! What COPY loads: a string's text (unescaped), a number's or boolean's JSON text, and a nested
//! object's or array's compact JSON text, braces included. Rules, from Redshift's "Character types"
//! and COPY's data-conversion parameters:
//! - Widths count UTF-8 **bytes**. A longer value is error 1204 ("String length exceeds DDL
//!   length"), unless the bytes beyond the width are all blanks, which are cut ("Significance of
//!   trailing blanks"), or `TRUNCATECOLUMNS` is on, which cuts the value at the last whole
//!   character that fits.
//! - `char(n)` holds single-byte (ASCII) characters only: any other is error 1220 ("Multibyte
//!   character not supported for CHAR"). A shorter value is padded with blanks to `n` bytes, as
//!   Redshift stores it (DuckDB has no padding of its own).
//! - `ACCEPTINVCHARS` applies to VARCHAR only, as documented: the noncharacters U+FDD0–U+FDEF and
//!   U+xFFFE/U+xFFFF, which are valid UTF-8, are replaced by the replacement character once per
//!   byte. (Invalid UTF-8 bytes are replaced before the row is parsed: see `decode.rs`.)
//! - A NUL character (`\u0000`) is error 1220: PostgreSQL cannot store it, so rio refuses it in
//!   every warehouse alike (Redshift's COPY from JSON leaves it undocumented).
//! - `""` and blank strings are values here, not NULL (EMPTYASNULL/BLANKSASNULL are not used).

use std::borrow::Cow;

use crate::json::JsonKind;
use crate::types::convert::{codes, Conversion, Converted, Fit, Refusal, Sink, Value};
use crate::types::SqlType;

/// Whether `ACCEPTINVCHARS` replaces invalid characters in a column of this type (VARCHAR only).
pub fn accepts_replacements(ty: SqlType) -> bool {
    matches!(ty, SqlType::Varchar(_) | SqlType::Text)
}

/// The largest prefix of `text` of at most `max` bytes that ends on a character boundary.
pub fn truncation_point(text: &[u8], max: usize) -> usize {
    if text.len() <= max {
        return text.len();
    }
    let mut cut = max;
    // UTF-8 continuation bytes are 0b10xxxxxx: step back to the start of a character.
    while cut > 0 && (text[cut] & 0xC0) == 0x80 {
        cut -= 1;
    }
    cut
}

/// Convert a value for `ty` (char, varchar or text).
#[inline]
pub fn convert<S: Sink>(
    ty: SqlType,
    value: &Value,
    conversion: &Conversion,
    sink: &mut S,
) -> Converted {
    let (max, fixed) = match ty {
        SqlType::Char(n) => (Some(n as usize), true),
        SqlType::Varchar(n) => (Some(n as usize), false),
        _ => (None, false),
    };
    let length = value.text_bytes;
    let fits = max.is_none_or(|max| length <= max);
    // The fast path: a string without escapes, or a number, that fits a VARCHAR.
    if !fixed && fits && !value.escaped && conversion.accept_invalid_chars.is_none() {
        match value.kind {
            JsonKind::String => sink.text(value.inner(), true, 0),
            JsonKind::Object | JsonKind::Array => sink.text(value.raw, false, 0),
            _ => sink.text(value.raw, true, 0),
        }
        return Ok(Fit::Value);
    }
    // A check that writes nothing needs no text for a VARCHAR value that fits: only a NUL refuses it.
    if !S::WRITES && !fixed && fits {
        if value.kind == JsonKind::String && holds_nul_escape(value.inner()) {
            return Err(nul(&value.text()));
        }
        return Ok(Fit::Value);
    }
    convert_text(max, fixed, value, conversion, sink)
}

/// Everything but the fast paths: escapes, CHAR, values longer than their column.
#[inline(never)]
fn convert_text<S: Sink>(
    max: Option<usize>,
    fixed: bool,
    value: &Value,
    conversion: &Conversion,
    sink: &mut S,
) -> Converted {
    let text = value.text();
    let clean = match value.kind {
        JsonKind::String => !value.escaped,
        JsonKind::Object | JsonKind::Array => false,
        _ => true,
    };
    if value.kind == JsonKind::String && value.escaped && text.contains(&0) {
        return Err(nul(&text));
    }
    if fixed {
        if let Some(at) = text.iter().position(|&b| !b.is_ascii()) {
            return Err(multibyte(&text, at));
        }
    }
    let mut fit = Fit::Value;
    let mut kept: &[u8] = &text;
    if let Some(max) = max.filter(|&max| text.len() > max) {
        let cut = if text[max..].iter().all(|&b| b == b' ') {
            max
        } else if conversion.truncate_columns {
            truncation_point(&text, max)
        } else {
            return Err(too_long(text.len(), max, fixed));
        };
        kept = &text[..cut];
        fit = Fit::Cut(cut);
    }
    if S::WRITES {
        let blanks = if fixed {
            max.unwrap_or(0).saturating_sub(kept.len())
        } else {
            0
        };
        match conversion.accept_invalid_chars {
            Some(replacement) if !fixed => {
                let replaced = replace_noncharacters(kept, replacement);
                sink.text(&replaced, clean, blanks);
            }
            _ => sink.text(kept, clean, blanks),
        }
    }
    Ok(fit)
}

/// Whether a JSON string's text (escapes as written) holds `\u0000`.
fn holds_nul_escape(inner: &[u8]) -> bool {
    let mut i = 0;
    while let Some(offset) = inner[i..].iter().position(|&b| b == b'\\') {
        let at = i + offset;
        if inner.get(at + 1) == Some(&b'u') {
            if inner.get(at + 2..at + 6) == Some(b"0000") {
                return true;
            }
            i = at + 6;
        } else {
            i = at + 2;
        }
        if i >= inner.len() {
            break;
        }
    }
    false
}

/// Noncharacters replaced by `replacement`, once per byte (`ACCEPTINVCHARS`).
fn replace_noncharacters(text: &[u8], replacement: u8) -> Cow<'_, [u8]> {
    // Every noncharacter is three or four bytes starting at 0xEF or above.
    if !text.iter().any(|&b| b >= 0xEF) {
        return Cow::Borrowed(text);
    }
    let Ok(valid) = std::str::from_utf8(text) else {
        return Cow::Borrowed(text);
    };
    let mut out = Vec::with_capacity(text.len());
    for ch in valid.chars() {
        let code = u32::from(ch);
        let nonchar = (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE;
        if nonchar {
            out.resize(out.len() + ch.len_utf8(), replacement);
        } else {
            let mut buf = [0; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
    }
    Cow::Owned(out)
}

#[cold]
fn too_long(length: usize, max: usize, fixed: bool) -> Box<Refusal> {
    let kind = if fixed { "char" } else { "varchar" };
    Refusal::new(
        codes::STRING_TOO_LONG,
        "String length exceeds DDL length".to_owned(),
        format!(
            "the value is {length} bytes of UTF-8 and {kind}({max}) holds {max}: shorten it, widen \
             the column, or let COPY cut it (TRUNCATECOLUMNS)"
        ),
    )
}

#[cold]
fn nul(text: &[u8]) -> Box<Refusal> {
    let at = text.iter().position(|&b| b == 0).unwrap_or(0);
    Refusal::new(
        codes::INVALID_CHARACTER,
        "String contains an invalid character: NUL (\\u0000) cannot be stored".to_owned(),
        "remove the NUL characters from the text",
    )
    .at(at)
}

#[cold]
fn multibyte(text: &[u8], at: usize) -> Box<Refusal> {
    let length = match text[at] {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        _ => 2,
    };
    let hex: Vec<String> = text[at..(at + length).min(text.len())]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Refusal::new(
        codes::INVALID_CHARACTER,
        format!(
            "Multibyte character not supported for CHAR (Hint: Try using VARCHAR). Invalid char: {}",
            hex.join(" ")
        ),
        "CHAR holds ASCII characters only; use a VARCHAR column for other text",
    )
    .at(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::convert::testing::{code, convert, convert_with};

    fn with(
        conversion: Conversion,
        spec: &str,
        json: &str,
    ) -> Result<(String, Fit), (u32, String)> {
        convert_with(spec, json, &conversion)
    }

    fn truncating() -> Conversion {
        Conversion {
            truncate_columns: true,
            ..Conversion::default()
        }
    }

    #[test]
    fn strings_load_unescaped_and_other_values_as_their_json() {
        assert_eq!(convert("text", r#""plain""#), Ok("plain".to_owned()));
        assert_eq!(
            convert("text", r#""a\"b\\c\/d""#),
            Ok(r#"a"b\\c/d"#.to_owned())
        );
        assert_eq!(
            convert("text", r#""\u00e9\ud83d\ude00""#),
            Ok("é😀".to_owned())
        );
        assert_eq!(convert("text", "-1.50e3"), Ok("-1.50e3".to_owned()));
        assert_eq!(convert("varchar(4)", "true"), Ok("true".to_owned()));
        assert_eq!(
            convert("text", r#"{ "k" : [1, "x\ty"] , "n":null }"#),
            Ok(r#"{"k":[1,"x\\ty"],"n":null}"#.to_owned())
        );
        assert_eq!(convert("varchar(5)", "[1, 2]"), Ok("[1,2]".to_owned()));
        assert_eq!(convert("varchar(5)", r#""""#), Ok(String::new()));
        assert_eq!(convert("varchar(5)", r#""  ""#), Ok("  ".to_owned()));
    }

    #[test]
    fn widths_count_utf8_bytes() {
        assert_eq!(convert("varchar(4)", r#""éé""#), Ok("éé".to_owned()));
        assert_eq!(
            convert("varchar(4)", r#""éé!""#),
            Err((1204, "String length exceeds DDL length".to_owned()))
        );
        assert_eq!(code("varchar(4)", r#""\u00e9\u00e9!""#), 1204);
        assert_eq!(code("varchar(4)", "123456"), 1204);
        assert_eq!(code("varchar(4)", r#"{"a":1}"#), 1204);
        let long = format!("\"{}\"", "x".repeat(70_000));
        assert_eq!(convert("text", &long).unwrap().len(), 70_000);
    }

    #[test]
    fn blanks_beyond_the_width_are_cut_without_truncatecolumns() {
        assert_eq!(
            convert_with("varchar(3)", r#""abc   ""#, &Conversion::default()),
            Ok(("abc".to_owned(), Fit::Cut(3)))
        );
        assert_eq!(
            convert_with("varchar(3)", r#""é  ""#, &Conversion::default()),
            Ok(("é ".to_owned(), Fit::Cut(3)))
        );
        assert_eq!(
            convert_with("char(3)", r#""ab    ""#, &Conversion::default()),
            Ok(("ab ".to_owned(), Fit::Cut(3)))
        );
        // A tab is not a blank.
        assert_eq!(code("varchar(3)", r#""abc\t""#), 1204);
        assert_eq!(code("varchar(3)", r#""abc  d""#), 1204);
    }

    #[test]
    fn truncatecolumns_cuts_on_a_character_boundary() {
        assert_eq!(
            with(truncating(), "varchar(4)", r#""aéé""#),
            Ok(("aé".to_owned(), Fit::Cut(3)))
        );
        assert_eq!(
            with(truncating(), "varchar(3)", "123456"),
            Ok(("123".to_owned(), Fit::Cut(3)))
        );
        assert_eq!(
            with(truncating(), "char(2)", r#""abc""#),
            Ok(("ab".to_owned(), Fit::Cut(2)))
        );
        assert_eq!(
            with(truncating(), "varchar(2)", r#""a\tb""#),
            Ok(("a\\t".to_owned(), Fit::Cut(2)))
        );
        assert_eq!(
            with(truncating(), "varchar(7)", r#"{"k":"xyz"}"#),
            Ok((r#"{"k":"x"#.to_owned(), Fit::Cut(7)))
        );
    }

    #[test]
    fn truncation_never_splits_a_character() {
        assert_eq!(truncation_point("aé".as_bytes(), 2), 1);
        assert_eq!(truncation_point("aé".as_bytes(), 3), 3);
        assert_eq!(truncation_point("😀😀".as_bytes(), 7), 4);
    }

    #[test]
    fn char_holds_ascii_only_padded_with_blanks() {
        assert_eq!(convert("char(3)", r#""abc""#), Ok("abc".to_owned()));
        assert_eq!(convert("char(5)", r#""ab""#), Ok("ab   ".to_owned()));
        assert_eq!(convert("char(2)", r#""""#), Ok("  ".to_owned()));
        assert_eq!(convert("char(4)", "12"), Ok("12  ".to_owned()));
        assert_eq!(
            convert("char(10)", r#""caf\u00e9""#),
            Err((
                1220,
                "Multibyte character not supported for CHAR (Hint: Try using VARCHAR). Invalid \
                 char: c3 a9"
                    .to_owned()
            ))
        );
        assert_eq!(code("char(10)", "\"😀\""), 1220);
        assert_eq!(code("char(2)", r#""abc""#), 1204);
    }

    #[test]
    fn a_nul_character_cannot_be_stored() {
        for spec in ["text", "varchar(10)", "char(5)"] {
            assert_eq!(code(spec, r#""a\u0000b""#), 1220, "{spec}");
        }
        // An escaped backslash followed by u0000 is no NUL.
        assert_eq!(
            convert("varchar(10)", r#""\\u0000""#),
            Ok("\\\\u0000".to_owned())
        );
        // Inside a nested value the escape stays JSON text.
        assert_eq!(
            convert("text", r#"{"k":"\u0000"}"#),
            Ok(r#"{"k":"\\u0000"}"#.to_owned())
        );
        assert!(holds_nul_escape(br"x\u0000"));
        assert!(!holds_nul_escape(br"x\\u0000"));
        assert!(!holds_nul_escape(br#"\u00e9\"\\"#));
    }

    #[test]
    fn acceptinvchars_replaces_noncharacters_in_varchar_only() {
        let replacing = Conversion {
            accept_invalid_chars: Some(b'?'),
            ..Conversion::default()
        };
        assert_eq!(
            with(replacing.clone(), "varchar(20)", r#""a\ufdd0b\uffff""#),
            Ok(("a???b???".to_owned(), Fit::Value))
        );
        assert_eq!(
            with(replacing.clone(), "text", "\"x\u{10FFFE}\""),
            Ok(("x????".to_owned(), Fit::Value))
        );
        assert_eq!(
            with(replacing, "varchar(20)", r#""é\ufdcf""#),
            Ok(("é\u{fdcf}".to_owned(), Fit::Value))
        );
        // Without the option they are valid UTF-8 and load as they are.
        assert_eq!(
            convert("varchar(20)", r#""\uffff""#),
            Ok("\u{ffff}".to_owned())
        );
        assert!(accepts_replacements(SqlType::Varchar(3)));
        assert!(!accepts_replacements(SqlType::Char(3)));
    }
}
