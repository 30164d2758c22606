//! The decoder end to end: every type, both outputs, broken JSON, gzip, and any chunking.

use super::convert::{fields_at, replace_invalid_utf8};
use super::rows::find_byte;
use super::*;
use crate::gzip::Gzip;
use crate::json::{compact_object, write_json_string};
use crate::types::engine::DateTimeFormat;
use crate::types::{Conversion, Dialect, SqlType};

fn columns(specs: &[(&str, &str, bool)]) -> Vec<DecodeColumn> {
    specs
        .iter()
        .map(|&(name, column_type, not_null)| DecodeColumn {
            name: name.to_owned(),
            column_type: SqlType::parse(column_type, Dialect::Warehouse).unwrap(),
            not_null,
        })
        .collect()
}

fn plain() -> DecodeOptions {
    DecodeOptions {
        gzip: false,
        source: "s3://bucket/part-0.gz".to_owned(),
        ..DecodeOptions::default()
    }
}

/// Decode `input` whole; the output and the rejected rows.
fn run_with(
    specs: &[(&str, &str, bool)],
    options: DecodeOptions,
    input: &[u8],
) -> (String, Vec<RejectedRow>, Decoder) {
    let mut decoder = Decoder::new(columns(specs), options).unwrap();
    let mut out = Vec::new();
    decoder.feed(input, &mut out).unwrap();
    decoder.finish(&mut out).unwrap();
    let rejected = decoder.rejected_rows().to_vec();
    (String::from_utf8(out).unwrap(), rejected, decoder)
}

fn run(specs: &[(&str, &str, bool)], input: &str) -> (String, Vec<RejectedRow>) {
    let (out, rejected, _) = run_with(specs, plain(), input.as_bytes());
    (out, rejected)
}

/// The output for one value of one nullable column, or the rejection's (code, reason).
fn one(column_type: &str, value: &str) -> Result<String, (u32, String)> {
    one_with(column_type, value, plain())
}

fn one_with(
    column_type: &str,
    value: &str,
    options: DecodeOptions,
) -> Result<String, (u32, String)> {
    let input = format!("{{\"c\":{value}}}\n");
    let (out, rejected, _) = run_with(&[("c", column_type, false)], options, input.as_bytes());
    match rejected.as_slice() {
        [] => Ok(out.strip_suffix('\n').unwrap().to_owned()),
        [row] => Err((row.code, row.reason.clone())),
        _ => panic!("{rejected:?}"),
    }
}

fn gzip(text: &[u8]) -> Vec<u8> {
    Gzip::new(6).unwrap().compress(text)
}

// --- types --------------------------------------------------------------------------------------

#[test]
fn columns_must_be_given_and_distinct() {
    assert!(Decoder::new(Vec::new(), plain()).is_err());
    let err = Decoder::new(
        columns(&[("a", "text", false), ("A", "text", false)]),
        plain(),
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("two columns are named \"A\""));
    let exact = DecodeOptions {
        ignore_case: false,
        ..plain()
    };
    assert!(Decoder::new(
        columns(&[("a", "text", false), ("A", "text", false)]),
        exact
    )
    .is_ok());
}

// --- conversions --------------------------------------------------------------------------------

#[test]
fn a_nul_character_cannot_be_stored() {
    let (out, rejected) = run(&[("c", "text", false)], "{\"c\":\"a\\u0000b\"}\n");
    assert_eq!(out, "");
    assert_eq!(rejected[0].code, 1220);
    assert_eq!(rejected[0].position, 1);
    assert!(rejected[0].reason.contains("NUL"));
    assert_eq!(
        one("text", r#"{"k":"\u0000"}"#),
        Ok(r#"{"k":"\\u0000"}"#.to_owned())
    );
}

#[test]
fn nulls_empty_and_blank_strings() {
    assert_eq!(one("text", "null"), Ok("\\N".to_owned()));
    assert_eq!(one("integer", "null"), Ok("\\N".to_owned()));
    for column_type in [
        "integer",
        "boolean",
        "date",
        "timestamp",
        "real",
        "numeric(4,1)",
    ] {
        assert_eq!(
            one(column_type, "\"\""),
            Ok("\\N".to_owned()),
            "{column_type}"
        );
        assert_eq!(
            one(column_type, "\"  \""),
            Ok("\\N".to_owned()),
            "{column_type}"
        );
        assert_eq!(
            one(column_type, r#""\t""#),
            Ok("\\N".to_owned()),
            "{column_type}"
        );
    }
    assert_eq!(one("varchar(5)", "\"\""), Ok(String::new()));
    assert_eq!(one("char(2)", "\"  \""), Ok("  ".to_owned()));
}

#[test]
fn every_type_loads_in_one_row_in_both_outputs() {
    let specs = [
        ("i2", "smallint", false),
        ("i4", "int4", false),
        ("i8", "bigint", false),
        ("n", "numeric(10,3)", false),
        ("r", "real", false),
        ("d", "float8", false),
        ("b", "bool", false),
        ("c", "char(4)", false),
        ("v", "varchar(8)", false),
        ("t", "text", false),
        ("dt", "date", false),
        ("tm", "time", false),
        ("tz", "timetz", false),
        ("ts", "timestamp", false),
        ("tt", "timestamptz", false),
        ("s", "super", false),
    ];
    let row = r#"{"i2":-7,"i4":"42","i8":9007199254740993,"n":"1.2345","r":0.5,"d":1e-3,"b":"yes","c":"ab","v":"é,\"q\"","t":"x\ty","dt":"2026-11-21","tm":"10:15:00","tz":"10:15:00+02","ts":"2026-11-21T10:15:00+02:00","tt":"2026-11-21T10:15:00+02:00","s":{"a":[1,"\\"]}}"#;
    let (out, rejected) = run(&specs, row);
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!(
        out,
        "-7\t42\t9007199254740993\t1.234\t0.5\t0.001\tt\tab  \té,\"q\"\tx\\ty\t2026-11-21\t\
         10:15:00\t10:15:00+02\t2026-11-21 10:15:00\t2026-11-21 08:15:00+00\t\
         {\"a\":[1,\"\\\\\\\\\"]}\n"
    );
    let csv = DecodeOptions {
        output: Output::Csv,
        ..plain()
    };
    let (out, rejected, _) = run_with(&specs, csv, row.as_bytes());
    assert!(rejected.is_empty());
    assert_eq!(
        out,
        "-7,42,9007199254740993,1.234,0.5,0.001,t,\"ab  \",\"é,\"\"q\"\"\",\"x\ty\",2026-11-21,\
         10:15:00,10:15:00+02,2026-11-21 10:15:00,2026-11-21 08:15:00+00,\
         \"{\"\"a\"\":[1,\"\"\\\\\"\"]}\"\n"
    );
}

#[test]
fn the_conversion_options_reach_every_column() {
    let options = DecodeOptions {
        conversion: Conversion {
            time_format: DateTimeFormat::EpochMillisecs,
            round_decimals: true,
            truncate_columns: true,
            ..Conversion::default()
        },
        ..plain()
    };
    let specs = [
        ("t", "timestamp", false),
        ("n", "numeric(4,1)", false),
        ("v", "varchar(2)", false),
        ("d", "date", false),
    ];
    let (out, rejected, _) = run_with(
        &specs,
        options,
        br#"{"t":1500,"n":"1.25","v":"abc","d":"2026-11-21"}"#,
    );
    assert!(rejected.is_empty());
    assert_eq!(out, "1970-01-01 00:00:01.500000\t1.3\tab\t2026-11-21\n");
}

fn replacing() -> DecodeOptions {
    DecodeOptions {
        conversion: Conversion {
            accept_invalid_chars: Some(b'^'),
            ..Conversion::default()
        },
        ..plain()
    }
}

#[test]
fn acceptinvchars_replaces_invalid_utf8_in_varchar_once_per_byte() {
    let specs = [("a", "varchar(10)", false), ("n", "integer", false)];
    let input =
        b"{\"a\":\"x\xe2\x82y\xffz\", \"n\":1}\n{\"a\":\"\xed\xa0\x80\"}\n{\"a\":[\"\xc3\"]}\n";
    let (out, rejected, _) = run_with(&specs, replacing(), input);
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!(out, "x^^y^z\t1\n^^^\t\\N\n[\"^\"]\t\\N\n");
    // A key holding invalid bytes matches no column, and its value is ignored.
    let (out, rejected, _) = run_with(&specs, replacing(), b"{\"\xff\":1,\"n\":2}\n");
    assert!(rejected.is_empty());
    assert_eq!(out, "\\N\t2\n");
}

#[test]
fn acceptinvchars_leaves_other_types_refusing_invalid_utf8() {
    let specs = [
        ("a", "varchar(10)", false),
        ("c", "char(3)", false),
        ("s", "super", false),
    ];
    for (input, column) in [
        (&b"{\"a\":\"ok\",\"c\":\"\xff\"}\n"[..], "c"),
        (b"{\"a\":\"ok\",\"s\":{\"k\":\"\xff\"}}\n", "s"),
    ] {
        let (out, rejected, _) = run_with(&specs, replacing(), input);
        assert_eq!(out, "");
        assert_eq!(
            (rejected[0].code, rejected[0].column.as_str()),
            (1220, column)
        );
    }
    // Without the option the row is refused whole, as before.
    let (_, rejected, _) = run_with(&specs, plain(), b"{\"a\":\"\xff\"}\n");
    assert_eq!((rejected[0].code, rejected[0].column.as_str()), (1220, ""));
}

#[test]
fn replaced_bytes_are_found_in_the_compact_row() {
    let input = b"{ \"a\" : \" x?\" ,\n \"b\":[ 1, \"??\" ] }";
    let mut compact = Vec::new();
    let mut fields = Vec::new();
    compact_object(input, &mut compact, &mut fields).unwrap();
    let at = |needle: &[u8], skip: usize| {
        input
            .windows(needle.len())
            .enumerate()
            .filter(|(_, w)| *w == needle)
            .nth(skip)
            .unwrap()
            .0
    };
    assert_eq!(fields_at(input, &compact, &fields, &[at(b"?", 0)]), [0]);
    assert_eq!(fields_at(input, &compact, &fields, &[at(b"?", 1)]), [1]);
    assert_eq!(
        fields_at(input, &compact, &fields, &[at(b"?", 0), at(b"?", 2)]),
        [0, 1]
    );
    assert_eq!(
        replace_invalid_utf8(b"a\xffb\xe2\x82", b'?'),
        (b"a?b??".to_vec(), vec![1, 3, 4])
    );
}

#[test]
fn null_in_a_not_null_column_is_1213() {
    let specs = [("id", "integer", true), ("name", "text", true)];
    let (out, rejected) = run(
        &specs,
        "{\"id\":1,\"name\":\"a\"}\n{\"id\":null,\"name\":\"b\"}\n{\"id\":\"\",\"name\":\"c\"}\n{\"id\":4}\n",
    );
    assert_eq!(out, "1\ta\n");
    let summary: Vec<_> = rejected
        .iter()
        .map(|r| (r.line, r.column.as_str(), r.code, r.reason.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (2, "id", 1213, "Missing data for not-null field"),
            (3, "id", 1213, "Missing data for not-null field"),
            (4, "name", 1213, "Missing data for not-null field"),
        ]
    );
    assert_eq!(rejected[2].value, "");
    assert_eq!(rejected[0].value, "null");
}

// --- keys -------------------------------------------------------------------------------------

#[test]
fn keys_match_columns_in_any_case_and_extra_keys_are_ignored() {
    let specs = [("id", "integer", false), ("name", "text", false)];
    let (out, rejected) = run(
        &specs,
        "{\"NAME\":\"x\",\"Id\":1,\"other\":[1]}\n{\"name\":\"y\"}\n{\"i\\u0064\":3}\n{}\n",
    );
    assert_eq!(out, "1\tx\n\\N\ty\n3\t\\N\n\\N\t\\N\n");
    assert!(rejected.is_empty());
}

#[test]
fn exact_matching_leaves_other_cases_unmatched() {
    let options = DecodeOptions {
        ignore_case: false,
        ..plain()
    };
    let (out, rejected, _) = run_with(
        &[("id", "integer", false)],
        options,
        b"{\"ID\":1}\n{\"id\":2,\"Id\":3}\n",
    );
    assert_eq!(out, "\\N\n2\n");
    assert!(rejected.is_empty());
}

#[test]
fn a_key_twice_in_an_object_rejects_the_row() {
    let specs = [("id", "integer", false)];
    let (out, rejected) = run(
        &specs,
        "{\"id\":1,\"ID\":2}\n{\"x\":1,\"y\":2,\"X\":3}\n{\"x\":1,\"y\":2}\n",
    );
    assert_eq!(out, "\\N\n");
    assert_eq!(rejected.len(), 2);
    assert_eq!(
        (rejected[0].code, rejected[0].column.as_str()),
        (1216, "id")
    );
    assert!(rejected[0].reason.contains("the key \"ID\" appears twice"));
    assert_eq!((rejected[1].code, rejected[1].column.as_str()), (1216, ""));
    assert!(rejected[1].reason.contains("\"X\""));
}

#[test]
fn many_rows_with_shifting_layouts_match_correctly() {
    let specs = [
        ("a", "integer", false),
        ("b", "integer", false),
        ("c", "integer", false),
    ];
    let mut input = String::new();
    let mut expected = String::new();
    for i in 0..50 {
        match i % 3 {
            0 => input.push_str(&format!("{{\"a\":{i},\"b\":1,\"c\":2}}\n")),
            1 => input.push_str(&format!("{{\"c\":{i},\"x\":0,\"a\":5}}\n")),
            _ => input.push_str(&format!("{{\"B\":{i}}}\n")),
        }
        expected.push_str(&match i % 3 {
            0 => format!("{i}\t1\t2\n"),
            1 => format!("5\t\\N\t{i}\n"),
            _ => format!("\\N\t{i}\t\\N\n"),
        });
    }
    let (out, rejected) = run(&specs, &input);
    assert!(rejected.is_empty());
    assert_eq!(out, expected);
}

// --- framing, lines and recovery ---------------------------------------------------------------

#[test]
fn objects_may_span_lines_and_share_lines() {
    let specs = [("a", "integer", false)];
    let (out, rejected, decoder) = run_with(
        &specs,
        plain(),
        b"{\n  \"a\": 1\n}\n{\"a\":2} {\"a\":3}\n\n  {\"a\":\n4}",
    );
    assert_eq!(out, "1\n2\n3\n4\n");
    assert!(rejected.is_empty());
    assert_eq!(decoder.rows(), 4);
    assert_eq!(decoder.lines(), 7);
}

#[test]
fn many_objects_on_one_long_line_decode_in_linear_time() {
    let specs = [("a", "integer", false)];
    let count = 200_000;
    let line: String = (0..count).map(|i| format!("{{\"a\":{i}}} ")).collect();
    for text in [line.clone(), format!("{line}\n{line}")] {
        let started = std::time::Instant::now();
        let (out, rejected, decoder) = run_with(&specs, plain(), text.as_bytes());
        assert!(rejected.is_empty());
        assert_eq!(decoder.rows(), text.matches('{').count() as u64);
        assert!(out.starts_with("0\n1\n2\n"));
        // Quadratic work would take minutes here.
        assert!(started.elapsed().as_secs() < 20);
    }
}

#[test]
fn a_row_s_line_is_the_last_line_of_its_object() {
    let specs = [("a", "integer", false)];
    let (_, rejected) = run(
        &specs,
        "{\"a\":1}\n{\n\"a\":\n\"x\"\n}\n{\"a\":\"y\"}\n[1,\n2]\n",
    );
    let lines: Vec<_> = rejected.iter().map(|r| (r.line, r.code)).collect();
    assert_eq!(lines, [(5, 1207), (6, 1207), (8, 1216)]);
    assert_eq!(rejected[0].raw_line, "{\n\"a\":\n\"x\"\n}");
    assert_eq!(rejected[1].raw_line, "{\"a\":\"y\"}");
    assert!(rejected[2].reason.contains("a JSON array is not a row"));
}

#[test]
fn invalid_json_costs_its_line_and_decoding_goes_on() {
    let specs = [("a", "integer", false)];
    let input = concat!(
        "{\"a\":1}\n",
        "{\"a\":tru}\n",              // balanced but invalid: skipped whole
        "{\"a\":2,\"b\":\"cut\n",     // a string cut by the line's end
        "{\"a\":3,\"b\":{\"c\":1}\n", // a truncated row, then a new object
        "{\"a\":4}\n",
        "oops {\"a\":5}\n", // text outside an object: its line goes
        "12\n",
        "{\"a\":[1}]}\n", // a bracket that closes what it did not open
        "{\"a\":6}\n",
        "{\"a\":7,\n", // truncated after a comma
        "{\"a\":8}\n",
    );
    let (out, rejected) = run(&specs, input);
    assert_eq!(out, "1\n4\n6\n8\n");
    let summary: Vec<_> = rejected.iter().map(|r| (r.line, r.code)).collect();
    assert_eq!(
        summary,
        [
            (2, 1216),
            (3, 1216),
            (4, 1216),
            (6, 1216),
            (7, 1216),
            (8, 1216),
            (10, 1216)
        ]
    );
    assert_eq!(rejected[0].raw_line, "{\"a\":tru}");
    assert!(rejected[0]
        .reason
        .starts_with("Invalid JSON: expected a JSON value"));
    assert_eq!(rejected[1].raw_line, "{\"a\":2,\"b\":\"cut");
    assert!(rejected[1].reason.contains("inside a string"));
    assert!(rejected[2].reason.contains("the next starts a new one"));
    assert_eq!(rejected[3].raw_line, "oops {\"a\":5}");
    assert!(rejected[3].reason.contains("found 'o'"));
    assert!(rejected[5].reason.contains("closes what it did not open"));
    assert!(rejected.iter().all(|r| r.column.is_empty()));
}

#[test]
fn a_file_that_ends_inside_an_object_rejects_it_at_finish() {
    let specs = [("a", "integer", false)];
    let (out, rejected) = run(&specs, "{\"a\":1}\n{\"a\":\n2,\n");
    assert_eq!(out, "1\n");
    assert_eq!(rejected.len(), 1);
    assert_eq!((rejected[0].line, rejected[0].code), (3, 1216));
    assert!(rejected[0].reason.contains("ends inside a JSON object"));
    let (out, rejected) = run(&specs, "{\"a\":1}\n{\"a\":\"x");
    assert_eq!((out.as_str(), rejected[0].line), ("1\n", 2));
}

#[test]
fn invalid_utf8_is_1220() {
    let specs = [("a", "text", false)];
    let (out, rejected, _) = run_with(&specs, plain(), b"{\"a\":\"\xff\"}\n{\"a\":\"ok\"}\n");
    assert_eq!(out, "ok\n");
    assert_eq!((rejected[0].code, rejected[0].position), (1220, 6));
    assert!(rejected[0].reason.ends_with("Bad UTF8 hex sequence: ff"));
}

#[test]
fn objects_over_4_mb_are_refused() {
    let specs = [("a", "text", false)];
    let big = "x".repeat(MAX_OBJECT_BYTES);
    let input =
        format!("{{\"a\":\"{big}\"}}\n{{\"a\":\"ok\"}}\n{{\"a\":\n\"{big}\"}}\n{{\"a\":1}}");
    let (out, rejected) = run(&specs, &input);
    assert_eq!(out, "ok\n1\n");
    assert_eq!(rejected.len(), 2);
    assert!(rejected.iter().all(|r| r.reason.contains("limit of 4 MB")));
    assert_eq!(rejected[0].raw_line.len(), MAX_RAW_BYTES);
    // Fed in pieces, an object that never ends is refused once it passes the limit.
    let mut decoder = Decoder::new(columns(&specs), plain()).unwrap();
    let mut out = Vec::new();
    decoder.feed(b"{\"a\":[", &mut out).unwrap();
    for _ in 0..70 {
        decoder.feed(&b"1,".repeat(32 * 1024), &mut out).unwrap();
    }
    decoder.feed(b"1]}\n{\"a\":2}\n", &mut out).unwrap();
    decoder.finish(&mut out).unwrap();
    assert_eq!(out, b"2\n");
    assert_eq!(decoder.rejected(), 1);
}

#[test]
fn rejected_rows_are_kept_up_to_max_but_all_counted() {
    let options = DecodeOptions {
        max_rejected: 2,
        ..plain()
    };
    let input = "{\"a\":\"x\"}\n".repeat(5);
    let (out, rejected, decoder) = run_with(&[("a", "integer", false)], options, input.as_bytes());
    assert_eq!(out, "");
    assert_eq!(rejected.len(), 2);
    assert_eq!(decoder.rejected(), 5);
    assert_eq!(rejected[1].line, 2);
}

#[test]
fn rejected_rows_carry_the_fields_of_stl_load_errors() {
    let specs = [("id", "integer", false), ("name", "varchar(3)", false)];
    let (_, rejected) = run(&specs, "{\"id\":1,\"name\":\"long\\u00e9\"}\n");
    assert_eq!(
        rejected,
        [RejectedRow {
            file: "s3://bucket/part-0.gz".to_owned(),
            line: 1,
            column: "name".to_owned(),
            column_type: "varchar".to_owned(),
            column_length: "3".to_owned(),
            position: 0,
            raw_line: "{\"id\":1,\"name\":\"long\\u00e9\"}".to_owned(),
            value: "longé".to_owned(),
            reason: "String length exceeds DDL length".to_owned(),
            code: 1204,
        }]
    );
    let long = format!("{{\"id\":\"{}\"}}", "é".repeat(1000));
    let (_, rejected) = run(&specs, &long);
    assert_eq!(rejected[0].raw_line.len(), 1023);
    assert_eq!(rejected[0].value.len(), 1024);
    assert!(rejected[0].reason.len() <= MAX_REASON_BYTES);
}

// --- output formats --------------------------------------------------------------------------

const MIXED: [(&str, &str, bool); 6] = [
    ("s", "text", false),
    ("n", "integer", false),
    ("b", "boolean", false),
    ("t", "timestamp", false),
    ("d", "numeric(6,2)", false),
    ("e", "varchar(10)", false),
];

#[test]
fn postgres_output_escapes_and_writes_null_as_backslash_n() {
    let input = r#"{"s":"tab\there\nnl\r\\ back","n":5,"b":true,"t":"2026-01-02 03:04:05.5","d":1.239,"e":""}"#;
    let (out, _) = run(&MIXED, input);
    assert_eq!(
        out,
        "tab\\there\\nnl\\r\\\\ back\t5\tt\t2026-01-02 03:04:05.500000\t1.23\t\n"
    );
    let (out, _) = run(&MIXED, r#"{"s":null,"e":"\\."}"#);
    assert_eq!(out, "\\N\t\\N\t\\N\t\\N\t\\N\t\\\\.\n");
}

#[test]
fn csv_output_quotes_text_and_leaves_null_unquoted() {
    let csv = DecodeOptions {
        output: Output::Csv,
        ..plain()
    };
    let input = concat!(
        r#"{"s":"a,b \"q\"","n":-1,"b":false,"t":"2026-01-02","d":"7","e":""}"#,
        "\n",
        r#"{"s":" lead","e":"line\nbreak"}"#,
        "\n",
        r#"{"s":"trail\t","e":"back\\slash"}"#,
        "\n",
        r#"{"s":{"k":"v, w"}}"#,
        "\n",
    );
    let (out, _, _) = run_with(&MIXED, csv, input.as_bytes());
    assert_eq!(
        out,
        concat!(
            "\"a,b \"\"q\"\"\",-1,f,2026-01-02 00:00:00,7.00,\"\"\n",
            "\" lead\",,,,,\"line\nbreak\"\n",
            "\"trail\t\",,,,,\"back\\slash\"\n",
            "\"{\"\"k\"\":\"\"v, w\"\"}\",,,,,\n",
        )
    );
}

#[test]
fn find_byte_finds_the_first_match_anywhere() {
    let text: Vec<u8> = (0..100u8).map(|i| b'a' + i % 20).collect();
    for at in 0..text.len() {
        let mut hay = text.clone();
        hay[at] = b'\n';
        if at + 5 < hay.len() {
            hay[at + 5] = b'\n';
        }
        assert_eq!(find_byte(&hay, b'\n'), Some(at));
        assert_eq!(find_byte(&hay[..at], b'\n'), None);
    }
    assert_eq!(find_byte(b"\x8a\x0a", b'\n'), Some(1));
    assert_eq!(
        find_byte(b"\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0a", b'\n'),
        Some(8)
    );
}

// --- gzip -------------------------------------------------------------------------------------

#[test]
fn gzip_members_are_read_one_after_another() {
    let mut data = gzip(b"{\"a\":1}\n{\"a\":");
    data.extend(gzip(b"2}\n"));
    data.extend(gzip(b""));
    data.extend(gzip(b"{\"a\":3}"));
    let options = DecodeOptions {
        gzip: true,
        ..plain()
    };
    let (out, rejected, _) = run_with(&[("a", "integer", false)], options, &data);
    assert_eq!(out, "1\n2\n3\n");
    assert!(rejected.is_empty());
}

fn gzip_error(data: &[u8]) -> String {
    let options = DecodeOptions {
        gzip: true,
        ..plain()
    };
    let mut decoder = Decoder::new(columns(&[("a", "integer", false)]), options).unwrap();
    let mut out = Vec::new();
    let err = decoder
        .feed(data, &mut out)
        .and_then(|()| decoder.finish(&mut out))
        .unwrap_err();
    // The decoder stays failed.
    assert_eq!(decoder.finish(&mut out).unwrap_err(), err);
    err.to_string()
}

#[test]
fn data_that_is_not_gzip_is_refused() {
    let err = gzip_error(b"{\"a\":1}\n");
    assert!(err.starts_with("s3://bucket/part-0.gz: the file is not gzip (byte 0 is 0x7b"));
    assert!(gzip_error(b"\x1f").contains("too short to be gzip"));
    assert!(gzip_error(b"\x1f\x00").contains("byte 1 is 0x00"));
}

#[test]
fn corrupt_and_truncated_gzip_is_refused() {
    let text = b"{\"a\":1}\n".repeat(20_000);
    let data = gzip(&text);
    let mut corrupt = data.clone();
    let middle = corrupt.len() / 2;
    for byte in &mut corrupt[middle..middle + 16] {
        *byte ^= 0x55;
    }
    assert!(gzip_error(&corrupt).contains("gzip"));
    let truncated = gzip_error(&data[..data.len() - 10]);
    assert!(truncated.contains("truncated or corrupt"), "{truncated}");
    assert!(gzip_error(&data[..5]).contains("truncated"));
    let mut trailing = data.clone();
    trailing.extend_from_slice(b"junk");
    assert!(gzip_error(&trailing).contains("corrupt"));
}

#[test]
fn an_empty_file_holds_no_rows() {
    for gzip in [true, false] {
        let options = DecodeOptions { gzip, ..plain() };
        let (out, rejected, decoder) = run_with(&[("a", "integer", false)], options, b"");
        assert_eq!((out.as_str(), rejected.len(), decoder.lines()), ("", 0, 0));
    }
}

#[test]
fn the_decoder_refuses_data_after_finish() {
    let mut decoder = Decoder::new(columns(&[("a", "integer", false)]), plain()).unwrap();
    let mut out = Vec::new();
    decoder.finish(&mut out).unwrap();
    assert_eq!(decoder.feed(b"{}", &mut out), Err(DecodeError::Finished));
}

// --- chunking ------------------------------------------------------------------------------------

/// A file with a bit of everything: good rows, multi-line objects, broken JSON, bad values.
fn assorted_input() -> String {
    let mut input = String::new();
    for i in 0..40 {
        let mut name = Vec::new();
        write_json_string(&mut name, &format!("name {i}, \"q\"\t\\ é😀"));
        let name = String::from_utf8(name).unwrap();
        input.push_str(&match i % 10 {
            0 => format!("{{\"s\":{name},\"n\":{i},\"b\":\"yes\",\"t\":\"2026-01-02T03:04:05.123Z\",\"d\":{i}.129,\"e\":\"e{i}\"}}\n"),
            1 => format!("{{\n  \"S\": {name},\n  \"n\": \"{i}\"\n}}\n"),
            2 => format!("{{\"s\":{name}, \"n\":{i}}} {{\"n\":{i}}}\r\n"),
            3 => format!("{{\"s\":{name},\"n\":1.5}}\n"),
            4 => format!("{{\"s\":{name},\"n\":{i}\n"),
            5 => format!("garbage {i}\n"),
            6 => format!("{{\"e\":\"{}\"}}\n", "long".repeat(i)),
            7 => "{\"d\":1e9,\"t\":\"nope\"}\n".to_owned(),
            8 => format!("[{i}]\n{{\"s\":null,\"n\":null,\"e\":{{\"k\":[{i}]}}}}\n"),
            _ => format!("{{\"s\":\"cut {i}\n"),
        });
    }
    input.push_str("{\"n\":1,");
    input
}

fn decode_in_chunks(
    options: &DecodeOptions,
    data: &[u8],
    chunk: usize,
) -> (Vec<u8>, Vec<RejectedRow>, u64) {
    let mut decoder = Decoder::new(columns(&MIXED), options.clone()).unwrap();
    let mut out = Vec::new();
    for piece in data.chunks(chunk.max(1)) {
        decoder.feed(piece, &mut out).unwrap();
    }
    decoder.finish(&mut out).unwrap();
    (out, decoder.rejected_rows().to_vec(), decoder.lines())
}

#[test]
fn any_chunking_gives_the_same_rows_and_rejections() {
    let input = assorted_input();
    for output in [Output::Postgres, Output::Csv] {
        for gzipped in [false, true] {
            let options = DecodeOptions {
                output,
                gzip: gzipped,
                ..plain()
            };
            let data = if gzipped {
                // Two members, split mid-row.
                let (a, b) = input.as_bytes().split_at(input.len() / 3);
                let mut data = gzip(a);
                data.extend(gzip(b));
                data
            } else {
                input.as_bytes().to_vec()
            };
            let whole = decode_in_chunks(&options, &data, data.len());
            assert!(whole.0.iter().filter(|&&b| b == b'\n').count() >= 16);
            assert!(whole.1.len() >= 20);
            for chunk in [1, 2, 3, 7, 64, 1000] {
                assert_eq!(
                    decode_in_chunks(&options, &data, chunk),
                    whole,
                    "chunk {chunk}"
                );
            }
        }
    }
}

#[test]
fn the_assorted_file_decodes_as_expected() {
    let (out, rejected, lines) = decode_in_chunks(&plain(), assorted_input().as_bytes(), 1 << 20);
    let out = String::from_utf8(out).unwrap();
    let first: Vec<&str> = out.lines().take(4).collect();
    assert_eq!(
        first,
        [
            "name 0, \"q\"\\t\\\\ é😀\t0\tt\t2026-01-02 03:04:05.123000\t0.12\te0",
            "name 1, \"q\"\\t\\\\ é😀\t1\t\\N\t\\N\t\\N\t\\N",
            "name 2, \"q\"\\t\\\\ é😀\t2\t\\N\t\\N\t\\N\t\\N",
            "\\N\t2\t\\N\t\\N\t\\N\t\\N",
        ]
    );
    let codes: Vec<u32> = rejected.iter().take(8).map(|r| r.code).collect();
    // A truncated row followed by a line of garbage is one rejected row, ended by the next object.
    assert_eq!(codes, [1207, 1216, 1204, 1206, 1216, 1216, 1207, 1216]);
    assert_eq!(
        rejected.last().unwrap().reason,
        "Invalid JSON: the file ends inside a JSON object"
    );
    assert_eq!(lines, input_lines(&assorted_input()));
}

fn input_lines(text: &str) -> u64 {
    text.lines().count() as u64
}

// --- speed ----------------------------------------------------------------------------------------

/// `cargo test --release -- --ignored --nocapture decode_speed`
#[test]
#[ignore = "a measurement, run in release mode"]
fn decode_speed() {
    let specs = [
        ("event_id", "varchar(64)", true),
        ("user_id", "bigint", false),
        ("kind", "varchar(32)", false),
        ("amount", "numeric(12,2)", false),
        ("score", "double precision", false),
        ("ok", "boolean", false),
        ("at", "timestamp", false),
        ("day", "date", false),
        ("note", "varchar(256)", false),
        ("props", "varchar(1024)", false),
    ];
    let mut text = Vec::new();
    let mut i = 0u64;
    while text.len() < 10_000_000 {
        text.extend_from_slice(format!(
            "{{\"event_id\":\"ev-{i:012}\",\"user_id\":{},\"kind\":\"click\",\"amount\":{}.{:02},\"score\":{},\"ok\":{},\"at\":\"2026-03-{:02}T{:02}:{:02}:{:02}.{:06}Z\",\"day\":\"2026-03-{:02}\",\"note\":\"some text for row {i}, with a \\\"quote\\\"\",\"props\":{{\"a\":[1,2,3],\"b\":\"x\"}},\"extra\":null}}\n",
            i * 7919 % 1_000_003, i % 10_000, i % 100, (i as f64) * 0.37, i.is_multiple_of(2),
            i % 28 + 1, i % 24, i % 60, i % 60, i * 13 % 1_000_000, i % 28 + 1,
        ).as_bytes());
        i += 1;
    }
    let data = gzip(&text);
    for output in [Output::Postgres, Output::Csv] {
        let options = DecodeOptions { output, ..plain() };
        let started = std::time::Instant::now();
        let mut runs = 0;
        let mut rows = 0;
        while started.elapsed().as_secs_f64() < 2.0 {
            let mut decoder = Decoder::new(
                columns(&specs),
                DecodeOptions {
                    gzip: true,
                    ..options.clone()
                },
            )
            .unwrap();
            let mut out = Vec::with_capacity(text.len());
            for piece in data.chunks(256 * 1024) {
                decoder.feed(piece, &mut out).unwrap();
            }
            decoder.finish(&mut out).unwrap();
            assert_eq!(decoder.rejected(), 0);
            rows = decoder.rows();
            runs += 1;
        }
        let per_run = started.elapsed().as_secs_f64() / f64::from(runs);
        println!(
            "{}: {} rows, {:.1} MB of JSON ({:.1} MB gzip) in {:.1} ms: {:.0} MB/s",
            output.name(),
            rows,
            text.len() as f64 / 1e6,
            data.len() as f64 / 1e6,
            per_run * 1e3,
            text.len() as f64 / 1e6 / per_run
        );
        // Plain text alone, without gunzip.
        let started = std::time::Instant::now();
        let mut decoder = Decoder::new(columns(&specs), options.clone()).unwrap();
        let mut out = Vec::with_capacity(text.len());
        decoder.feed(&text, &mut out).unwrap();
        decoder.finish(&mut out).unwrap();
        let took = started.elapsed().as_secs_f64();
        println!(
            "  without gzip: {:.1} ms: {:.0} MB/s",
            took * 1e3,
            text.len() as f64 / 1e6 / took
        );
    }
}
