//! The boolean family: `boolean` (BOOL).
//!
//! COPY reads JSON `true`/`false`, the numbers `1`/`0`, and strings holding one of Redshift's
//! boolean literals in any case, blanks around them allowed: `t true y yes 1` and
//! `f false n no 0` ("Boolean type"). Anything else is error 1210. Written as `t` or `f`.

use crate::json::JsonKind;
use crate::types::convert::{codes, Converted, Fit, Refusal, Sink, Value};

const TRUE: [&[u8]; 5] = [b"t", b"true", b"y", b"yes", b"1"];
const FALSE: [&[u8]; 5] = [b"f", b"false", b"n", b"no", b"0"];

/// Redshift's boolean literals, in any case.
fn word(word: &[u8]) -> Option<bool> {
    if TRUE.iter().any(|w| w.eq_ignore_ascii_case(word)) {
        Some(true)
    } else if FALSE.iter().any(|w| w.eq_ignore_ascii_case(word)) {
        Some(false)
    } else {
        None
    }
}

#[inline]
pub fn convert<S: Sink>(value: &Value, sink: &mut S) -> Converted {
    let parsed = match value.kind {
        JsonKind::Bool => Some(value.raw[0] == b't'),
        JsonKind::Number => match value.raw {
            b"1" => Some(true),
            b"0" => Some(false),
            _ => None,
        },
        JsonKind::String => word(value.text().trim_ascii()),
        _ => None,
    };
    match parsed {
        Some(flag) => {
            if S::WRITES {
                sink.plain().push(if flag { b't' } else { b'f' });
            }
            Ok(Fit::Value)
        }
        None => Err(refused()),
    }
}

#[cold]
fn refused() -> Box<Refusal> {
    Refusal::new(
        codes::INVALID_BOOLEAN,
        "Invalid boolean value: use true/false, t/f, yes/no, y/n or 1/0".to_owned(),
        "write true or false, 1 or 0, or one of the strings t, f, yes, no, y, n",
    )
}

#[cfg(test)]
mod tests {
    use crate::types::convert::testing::{code, convert};

    #[test]
    fn redshift_spellings_write_t_or_f() {
        for (json, want) in [
            ("true", "t"),
            ("false", "f"),
            ("1", "t"),
            ("0", "f"),
            ("\"Yes\"", "t"),
            ("\" y \"", "t"),
            ("\"T\"", "t"),
            ("\"1\"", "t"),
            ("\"no\"", "f"),
            ("\"FALSE\"", "f"),
            ("\"n\"", "f"),
            ("\"0\"", "f"),
        ] {
            assert_eq!(convert("boolean", json), Ok(want.to_owned()), "{json}");
        }
    }

    #[test]
    fn anything_else_is_1210() {
        for bad in ["2", "1.0", "-1", "\"maybe\"", "\"on\"", "[]", "{}"] {
            assert_eq!(code("boolean", bad), 1210, "{bad}");
        }
    }
}
