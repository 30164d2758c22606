//! The SUPER family: `super`, any JSON value kept as a value.
//!
//! COPY with `FORMAT AS JSON 'auto'` loads a top-level value into a SUPER column as a SUPER value:
//! an object or array as itself, a string, number or boolean as a scalar ("Loading semistructured
//! data"). Rules, from Redshift's "SUPER type" limitations:
//! - One SUPER value holds at most 16 MB, and a string inside it at most 65,535 bytes (the
//!   VARCHAR maximum; Redshift's larger limit is an opt-in database setting rio does not assume).
//!   Beyond either is error 1224. (Rows are at most 4 MB, and nesting at most 128 levels, which is
//!   below SUPER's 1,000.)
//! - JSON `null` loads as NULL. A string, even `""` or blank, is a SUPER string: unlike the scalar
//!   types, SUPER keeps every JSON value, so `""` stays `""` (Redshift's docs are silent; this keeps
//!   a document's empty strings through a round trip).
//! - A NUL character (`\u0000`) inside is error 1220: PostgreSQL's `jsonb` cannot store it, so rio
//!   refuses it in every warehouse alike.
//!
//! Written as compact JSON text, which PostgreSQL's `jsonb` and DuckDB's `JSON` read as the value.

use crate::json::JsonKind;
use crate::types::convert::{codes, Converted, Fit, Refusal, Sink, Value};

/// The most bytes one SUPER value holds.
pub const MAX_SUPER_BYTES: usize = 16 * 1024 * 1024;
/// The most bytes a string inside a SUPER value holds.
pub const MAX_STRING_BYTES: usize = 65_535;

#[inline]
pub fn convert<S: Sink>(value: &Value, sink: &mut S) -> Converted {
    let raw = value.raw;
    if raw.len() > MAX_SUPER_BYTES {
        return Err(Refusal::new(
            codes::INVALID_SUPER,
            format!("SUPER value exceeds the maximum size of {MAX_SUPER_BYTES} bytes"),
            "store a smaller document",
        ));
    }
    // No string can be longer than the text it is written in.
    if raw.len() > MAX_STRING_BYTES + 2 {
        if let Some(at) = long_string(raw) {
            return Err(Refusal::new(
                codes::INVALID_SUPER,
                format!("A string in the SUPER value exceeds {MAX_STRING_BYTES} bytes"),
                "keep each string of the document within 65535 bytes of UTF-8",
            )
            .at(at));
        }
    }
    if let Some(at) = nul_escape(raw) {
        return Err(Refusal::new(
            codes::INVALID_CHARACTER,
            "String contains an invalid character: NUL (\\u0000) cannot be stored".to_owned(),
            "remove the NUL characters from the document's strings",
        )
        .at(at));
    }
    let clean = match value.kind {
        JsonKind::String => !value.escaped,
        JsonKind::Number | JsonKind::Bool => true,
        _ => false,
    };
    sink.text(raw, clean, 0);
    Ok(Fit::Value)
}

/// Where the first `\u0000` escape is in compact JSON text (backslashes occur in strings only).
fn nul_escape(raw: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(offset) = raw[i..].iter().position(|&b| b == b'\\') {
        let at = i + offset;
        if raw.get(at + 1) == Some(&b'u') {
            if raw.get(at + 2..at + 6) == Some(b"0000") {
                return Some(at);
            }
            i = at + 6;
        } else {
            i = at + 2;
        }
        if i >= raw.len() {
            break;
        }
    }
    None
}

/// Where the first string longer than [`MAX_STRING_BYTES`] once unescaped starts, in compact
/// JSON text that `json::compact_object` accepted.
fn long_string(raw: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let mut bytes = 0;
        while raw[i] != b'"' {
            if raw[i] == b'\\' {
                if raw[i + 1] == b'u' {
                    let unit = u32::from_str_radix(
                        std::str::from_utf8(&raw[i + 2..i + 6]).unwrap_or("0"),
                        16,
                    )
                    .unwrap_or(0);
                    bytes += match unit {
                        0..=0x7F => 1,
                        0x80..=0x7FF => 2,
                        // A high surrogate here, its low one next: four bytes between them.
                        0xD800..=0xDBFF => 2,
                        0xDC00..=0xDFFF => 2,
                        _ => 3,
                    };
                    i += 6;
                } else {
                    bytes += 1;
                    i += 2;
                }
            } else {
                bytes += 1;
                i += 1;
            }
        }
        if bytes > MAX_STRING_BYTES {
            return Some(start);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::convert::testing::{code, convert, convert_with};
    use crate::types::convert::Conversion;

    #[test]
    fn any_json_value_is_kept_as_compact_json() {
        for (json, want) in [
            (
                r#"{ "a" : [1, 2.50, {"b":null}], "c":"x" }"#,
                r#"{"a":[1,2.50,{"b":null}],"c":"x"}"#,
            ),
            ("[ ]", "[]"),
            (r#""text""#, r#""text""#),
            (r#""""#, r#""""#),
            (r#""  ""#, r#""  ""#),
            ("-1.5e300", "-1.5e300"),
            ("true", "true"),
            (r#""tab\there""#, r#""tab\\there""#),
            (r#"{"é":"\ud83d\ude00"}"#, r#"{"é":"\\ud83d\\ude00"}"#),
        ] {
            assert_eq!(convert("super", json), Ok(want.to_owned()), "{json}");
        }
        assert_eq!(
            convert_with("super", "null", &Conversion::default()),
            Ok((String::new(), Fit::Null))
        );
    }

    #[test]
    fn a_string_over_65535_bytes_is_1224() {
        let fits = "x".repeat(MAX_STRING_BYTES);
        assert!(convert("super", &format!(r#"{{"k":"{fits}"}}"#)).is_ok());
        assert!(convert("super", &format!(r#""{fits}""#)).is_ok());
        let escaped = r"\u00e9".repeat(MAX_STRING_BYTES / 2);
        assert!(convert("super", &format!(r#"["{escaped}"]"#)).is_ok());
        let over = format!("{escaped}x{}", r"\n");
        assert_eq!(code("super", &format!(r#"["{over}"]"#)), 1224);
        assert_eq!(
            convert("super", &format!(r#"[1,"{fits}y"]"#)),
            Err((
                1224,
                "A string in the SUPER value exceeds 65535 bytes".to_owned()
            ))
        );
        let emoji = r"\ud83d\ude00".repeat(MAX_STRING_BYTES / 4 + 1);
        assert_eq!(code("super", &format!(r#""{emoji}""#)), 1224);
        // Many short strings make a large document, which is fine.
        let many = vec![format!("\"{}\"", "y".repeat(1000)); 100].join(",");
        assert!(convert("super", &format!("[{many}]")).is_ok());
    }

    #[test]
    fn a_nul_is_1220_but_an_escaped_backslash_is_not() {
        assert_eq!(code("super", r#"{"k":"a\u0000"}"#), 1220);
        assert_eq!(
            convert("super", r#"{"k":"\\u0000"}"#),
            Ok(r#"{"k":"\\\\u0000"}"#.to_owned())
        );
    }
}
