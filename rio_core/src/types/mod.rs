//! Column types: every type Redshift's `COPY … FORMAT AS JSON` can load, and how each is named.
//!
//! [`SqlType`] is the one list of types the core knows, and [`SqlType::parse`] the one reader of
//! their names: the Go tools' names (`boolean`, `float`, `int`, `bigint`, `date`, `timestamp`,
//! `text`, `longtext`), Redshift's SQL spellings and their aliases, with parameters checked against
//! Redshift's ranges. [`SqlType::canonical`] writes the one spelling every other part of rio uses
//! for a type (`numeric(10,2)`, `varchar(32)`, `double precision`, `timestamptz`, …), and that
//! spelling reads back as the same type.
//!
//! What a bare `text` means depends on who says it ([`Dialect`]): in a config, as in Redshift, it is
//! `varchar(256)`; in the type a warehouse reports for a column (PostgreSQL's `text`, DuckDB's
//! width-less `VARCHAR`) it is text without a width, which only a warehouse can have.
//!
//! Each [`Family`] owns the rules of its types in a module of its own — which JSON values COPY
//! accepts, how they convert, their byte limits, the error code and reason of a refusal —
//! implemented once and called by both the packer's column checks and the emulated COPY's decoder
//! through [`convert`]: `integer`, `decimal`, `float`, `boolean`, `character`, `date`, `time`,
//! `timestamp` and `semistructured` (SUPER). `convert` holds what they share (the value, the sinks,
//! the load options), and `engine` is the date/time parsing engine as the date and time families
//! see it.

use std::fmt;

use crate::json::JsonKind;

pub mod boolean;
pub mod character;
pub mod convert;
pub mod date;
pub mod decimal;
pub mod engine;
pub mod float;
pub mod integer;
pub mod semistructured;
pub mod time;
pub mod timestamp;

pub use convert::{
    codes, Check, Conversion, Converted, Csv, Fit, Plain, PostgresText, Refusal, Sink, Value,
};

/// The largest precision of `decimal(p,s)`.
pub const MAX_PRECISION: u32 = 38;
/// `decimal` without parameters is `decimal(18,0)`.
pub const DEFAULT_PRECISION: u32 = 18;
/// The widest `char(n)`, in bytes (`char(max)`).
pub const MAX_CHAR: u32 = 4_096;
/// The widest `varchar(n)`, in bytes (`varchar(max)`).
pub const MAX_VARCHAR: u32 = 65_535;
/// `varchar` (and a config's `text`) without a width.
pub const DEFAULT_VARCHAR: u32 = 256;
/// A bare `bpchar` is `char(256)`.
pub const DEFAULT_BPCHAR: u32 = 256;

/// A column's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SqlType {
    SmallInt,
    Integer,
    BigInt,
    /// `numeric(precision, scale)`: exact, `precision` digits of which `scale` after the point.
    Numeric {
        precision: u8,
        scale: u8,
    },
    Real,
    Double,
    Boolean,
    /// At most this many bytes, single-byte characters only, padded with blanks.
    Char(u32),
    /// At most this many bytes of UTF-8.
    Varchar(u32),
    /// Text without a width: only a warehouse's own type (see [`Dialect`]).
    Text,
    Date,
    Time,
    TimeTz,
    Timestamp,
    TimestampTz,
    /// Any JSON value, kept as a value (Redshift's SUPER).
    Super,
}

/// Who names a type, which decides what a bare `text` means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// A destination config, `Column(...)`, the packer's columns: `text` is `varchar(256)`, as in
    /// Redshift and the Go tools, and the Go tools' `longtext` is `varchar(65535)`.
    Config,
    /// The type a warehouse reports for an existing column, in [`SqlType::canonical`] spelling:
    /// `text` is text without a width.
    Warehouse,
}

/// The kinds of type, each with one module of rules (named as the families of Redshift's docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    Integer,
    Decimal,
    Float,
    Boolean,
    Character,
    Date,
    Time,
    Timestamp,
    Super,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Integer => "integer",
            Family::Decimal => "decimal",
            Family::Float => "float",
            Family::Boolean => "boolean",
            Family::Character => "character",
            Family::Date => "date",
            Family::Time => "time",
            Family::Timestamp => "timestamp",
            Family::Super => "super",
        }
    }
}

/// Why a type's name was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeProblem {
    /// No type of that name.
    Unknown(String),
    /// A type Redshift has, which its COPY cannot load from JSON.
    NotLoadable { name: String, why: &'static str },
    /// A known type with parameters outside its range, or where it takes none.
    BadParameters { spec: String, why: String },
}

impl fmt::Display for TypeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeProblem::Unknown(spec) => {
                write!(f, "unknown type {spec:?}; the types are {}", TYPE_NAMES)
            }
            TypeProblem::NotLoadable { name, why } => write!(
                f,
                "{name} is a Redshift type that COPY … FORMAT AS JSON cannot load ({why}); load it \
                 as varchar or super instead"
            ),
            TypeProblem::BadParameters { spec, why } => write!(f, "{spec}: {why}"),
        }
    }
}

/// Every spelling a config may use, for messages.
pub const TYPE_NAMES: &str = "smallint (int2), integer (int, int4), bigint (int8), decimal(p,s) \
    (numeric), real (float4), double precision (float8, float), boolean (bool), char(n) \
    (character, nchar, bpchar), varchar(n) (character varying, nvarchar, text = varchar(256), \
    longtext = varchar(65535)), date, time, timetz (time with time zone), timestamp, timestamptz \
    (timestamp with time zone), super";

/// Redshift types that COPY from JSON cannot load, and why.
const NOT_LOADABLE: [(&str, &str); 8] = [
    (
        "varbyte",
        "COPY loads VARBYTE from CSV, Parquet and ORC only",
    ),
    (
        "varbinary",
        "it is VARBYTE, which COPY loads from CSV, Parquet and ORC only",
    ),
    (
        "binary varying",
        "it is VARBYTE, which COPY loads from CSV, Parquet and ORC only",
    ),
    (
        "geometry",
        "COPY loads spatial data from shapefiles, or as WKB/EWKB hex from text and CSV",
    ),
    (
        "geography",
        "COPY loads spatial data from shapefiles, or as WKB/EWKB hex from text and CSV",
    ),
    (
        "hllsketch",
        "COPY loads HLL sketches from text and CSV only",
    ),
    (
        "interval year to month",
        "COPY has no input format for intervals from JSON",
    ),
    (
        "interval day to second",
        "COPY has no input format for intervals from JSON",
    ),
];

impl SqlType {
    /// Read a type's name: ASCII case-insensitive, blanks around the name and its parameters
    /// allowed, `max` as the width of `char`/`varchar`.
    pub fn parse(spec: &str, dialect: Dialect) -> Result<SqlType, TypeProblem> {
        let lower = spec.trim().to_ascii_lowercase();
        let (name, args) = match lower.find('(') {
            Some(open) => {
                let Some(inner) = lower.strip_suffix(')').and_then(|s| s.get(open + 1..)) else {
                    return Err(TypeProblem::Unknown(spec.trim().to_owned()));
                };
                (lower[..open].trim_end(), Some(inner))
            }
            None => (lower.as_str(), None),
        };
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        let shown = match args {
            Some(args) => format!("{name}({})", args.trim()),
            None => name.clone(),
        };
        let bad = |why: String| TypeProblem::BadParameters {
            spec: shown.clone(),
            why,
        };
        let none = |kind: SqlType| match args {
            None => Ok(kind),
            Some(_) => Err(bad(format!("{name} takes no parameters"))),
        };
        match name.as_str() {
            "smallint" | "int2" => none(SqlType::SmallInt),
            "integer" | "int" | "int4" => none(SqlType::Integer),
            "bigint" | "int8" => none(SqlType::BigInt),
            "real" | "float4" => none(SqlType::Real),
            "double precision" | "float8" | "float" => none(SqlType::Double),
            "boolean" | "bool" => none(SqlType::Boolean),
            "date" => none(SqlType::Date),
            "time" | "time without time zone" => none(SqlType::Time),
            "timetz" | "time with time zone" => none(SqlType::TimeTz),
            "timestamp" | "timestamp without time zone" => none(SqlType::Timestamp),
            "timestamptz" | "timestamp with time zone" => none(SqlType::TimestampTz),
            "super" => none(SqlType::Super),
            "text" => match dialect {
                Dialect::Config => none(SqlType::Varchar(DEFAULT_VARCHAR)),
                Dialect::Warehouse => none(SqlType::Text),
            },
            "longtext" if dialect == Dialect::Config => none(SqlType::Varchar(MAX_VARCHAR)),
            "decimal" | "numeric" => {
                let numbers = numbers(args).map_err(|why| bad(why.to_owned()))?;
                let (precision, scale) = match numbers.as_slice() {
                    [] => (DEFAULT_PRECISION, 0),
                    [precision] => (*precision, 0),
                    [precision, scale] => (*precision, *scale),
                    _ => {
                        return Err(bad(format!(
                            "{name} takes (precision) or (precision, scale)"
                        )))
                    }
                };
                if !(1..=MAX_PRECISION).contains(&precision) {
                    return Err(bad(format!(
                        "the precision of {name}(p,s) is 1 to {MAX_PRECISION}, not {precision}"
                    )));
                }
                if scale > precision {
                    return Err(bad(format!(
                        "the scale ({scale}) of {name}(p,s) is at most its precision ({precision})"
                    )));
                }
                Ok(SqlType::Numeric {
                    precision: precision as u8,
                    scale: scale as u8,
                })
            }
            "char" | "character" | "nchar" | "bpchar" => {
                let default = if name == "bpchar" { DEFAULT_BPCHAR } else { 1 };
                width(args, default, MAX_CHAR)
                    .map(SqlType::Char)
                    .map_err(|why| bad(format!("the width of {name}(n) is {why}")))
            }
            "varchar" | "character varying" | "nvarchar" => {
                width(args, DEFAULT_VARCHAR, MAX_VARCHAR)
                    .map(SqlType::Varchar)
                    .map_err(|why| bad(format!("the width of {name}(n) is {why}")))
            }
            other => match NOT_LOADABLE.iter().find(|(known, _)| *known == other) {
                Some(&(known, why)) => Err(TypeProblem::NotLoadable {
                    name: known.to_owned(),
                    why,
                }),
                None if other.starts_with("interval") => Err(TypeProblem::NotLoadable {
                    name: "interval".to_owned(),
                    why: "COPY has no input format for intervals from JSON",
                }),
                None => Err(TypeProblem::Unknown(spec.trim().to_owned())),
            },
        }
    }

    /// The spelling rio uses for the type everywhere; [`SqlType::parse`] reads it back as the same
    /// type in either dialect, but for [`SqlType::Text`], which only a warehouse has.
    pub fn canonical(self) -> String {
        match self {
            SqlType::Numeric { precision, scale } => format!("numeric({precision},{scale})"),
            SqlType::Char(n) => format!("char({n})"),
            SqlType::Varchar(n) => format!("varchar({n})"),
            other => other.name().to_owned(),
        }
    }

    /// The type's name without parameters.
    pub fn name(self) -> &'static str {
        match self {
            SqlType::SmallInt => "smallint",
            SqlType::Integer => "integer",
            SqlType::BigInt => "bigint",
            SqlType::Numeric { .. } => "numeric",
            SqlType::Real => "real",
            SqlType::Double => "double precision",
            SqlType::Boolean => "boolean",
            SqlType::Char(_) => "char",
            SqlType::Varchar(_) => "varchar",
            SqlType::Text => "text",
            SqlType::Date => "date",
            SqlType::Time => "time",
            SqlType::TimeTz => "timetz",
            SqlType::Timestamp => "timestamp",
            SqlType::TimestampTz => "timestamptz",
            SqlType::Super => "super",
        }
    }

    pub fn family(self) -> Family {
        match self {
            SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => Family::Integer,
            SqlType::Numeric { .. } => Family::Decimal,
            SqlType::Real | SqlType::Double => Family::Float,
            SqlType::Boolean => Family::Boolean,
            SqlType::Char(_) | SqlType::Varchar(_) | SqlType::Text => Family::Character,
            SqlType::Date => Family::Date,
            SqlType::Time | SqlType::TimeTz => Family::Time,
            SqlType::Timestamp | SqlType::TimestampTz => Family::Timestamp,
            SqlType::Super => Family::Super,
        }
    }

    /// The name `STL_LOAD_ERRORS.type` shows.
    pub fn redshift_name(self) -> &'static str {
        match self {
            SqlType::SmallInt => "int2",
            SqlType::Integer => "int4",
            SqlType::BigInt => "int8",
            SqlType::Numeric { .. } => "numeric",
            SqlType::Real => "float4",
            SqlType::Double => "float8",
            SqlType::Boolean => "bool",
            SqlType::Char(_) => "char",
            SqlType::Varchar(_) => "varchar",
            SqlType::Text => "text",
            SqlType::Date => "date",
            SqlType::Time => "time",
            SqlType::TimeTz => "timetz",
            SqlType::Timestamp => "timestamp",
            SqlType::TimestampTz => "timestamptz",
            SqlType::Super => "super",
        }
    }

    /// `STL_LOAD_ERRORS.col_length`: the width of a character type, `p,s` of a numeric, else empty.
    pub fn length(self) -> String {
        match self {
            SqlType::Varchar(n) | SqlType::Char(n) => n.to_string(),
            SqlType::Numeric { precision, scale } => format!("{precision},{scale}"),
            _ => String::new(),
        }
    }

    /// The most bytes a value may hold, for the types with a width.
    pub fn max_bytes(self) -> Option<u32> {
        match self {
            SqlType::Char(n) | SqlType::Varchar(n) => Some(n),
            _ => None,
        }
    }

    /// Whether values are text (CHAR, VARCHAR, a warehouse's text): a blank string is a value there,
    /// and NULL in every other type.
    pub fn is_character(self) -> bool {
        self.family() == Family::Character
    }
}

/// Convert one value for a column of type `ty` under COPY's rules, writing the warehouse's text to
/// `sink`. JSON `null` loads as NULL, and so does an empty or blank string into a type that is
/// neither character nor SUPER ("blank fields of other types are always NULL"); nothing is written
/// for a NULL, the caller writes its own.
#[inline]
pub fn convert<S: Sink>(
    ty: SqlType,
    value: &Value,
    conversion: &Conversion,
    sink: &mut S,
) -> Converted {
    if value.kind == JsonKind::Null {
        return Ok(Fit::Null);
    }
    match ty {
        SqlType::Char(_) | SqlType::Varchar(_) | SqlType::Text => {
            character::convert(ty, value, conversion, sink)
        }
        SqlType::Super => semistructured::convert(value, sink),
        _ if value.is_blank() => Ok(Fit::Null),
        SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => integer::convert(ty, value, sink),
        SqlType::Numeric { precision, scale } => {
            decimal::convert(precision, scale, value, conversion.round_decimals, sink)
        }
        SqlType::Real => float::convert(true, value, sink),
        SqlType::Double => float::convert(false, value, sink),
        SqlType::Boolean => boolean::convert(value, sink),
        SqlType::Date => date::convert(value, &conversion.date_format, sink),
        SqlType::Time => time::convert(false, value, sink),
        SqlType::TimeTz => time::convert(true, value, sink),
        SqlType::Timestamp => timestamp::convert(false, value, &conversion.time_format, sink),
        SqlType::TimestampTz => timestamp::convert(true, value, &conversion.time_format, sink),
    }
}

/// The numbers between a type's parentheses (none without them).
fn numbers(args: Option<&str>) -> Result<Vec<u32>, &'static str> {
    let Some(args) = args else {
        return Ok(Vec::new());
    };
    args.split(',')
        .map(|arg| {
            let arg = arg.trim();
            if arg.is_empty() || !arg.bytes().all(|b| b.is_ascii_digit()) {
                return Err("its parameters are whole numbers");
            }
            // Any number this long is out of every range: say so as the range check would.
            Ok(arg.parse::<u32>().unwrap_or(u32::MAX))
        })
        .collect()
}

/// A character type's width from its parameters (`n` or `max`), checked to lie in `1..=max`.
fn width(args: Option<&str>, default: u32, max: u32) -> Result<u32, String> {
    let range = format!("1 to {max} bytes (or max)");
    let Some(args) = args else {
        return Ok(default);
    };
    if args.trim() == "max" {
        return Ok(max);
    }
    match numbers(Some(args)).map_err(|_| range.clone())?.as_slice() {
        [n] if (1..=max).contains(n) => Ok(*n),
        [n] => Err(format!("{range}, not {n}")),
        _ => Err(range),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(spec: &str) -> Result<SqlType, String> {
        SqlType::parse(spec, Dialect::Config).map_err(|problem| problem.to_string())
    }

    #[test]
    fn the_go_names_keep_their_meaning() {
        assert_eq!(config("boolean"), Ok(SqlType::Boolean));
        assert_eq!(config("float"), Ok(SqlType::Double));
        assert_eq!(config("int"), Ok(SqlType::Integer));
        assert_eq!(config("bigint"), Ok(SqlType::BigInt));
        assert_eq!(config("date"), Ok(SqlType::Date));
        assert_eq!(config("timestamp"), Ok(SqlType::Timestamp));
        assert_eq!(config("text"), Ok(SqlType::Varchar(256)));
        assert_eq!(config("longtext"), Ok(SqlType::Varchar(65_535)));
    }

    #[test]
    fn sql_spellings_and_aliases_name_one_type() {
        for (spec, want) in [
            ("int2", SqlType::SmallInt),
            ("INT4", SqlType::Integer),
            ("int8", SqlType::BigInt),
            (
                "numeric",
                SqlType::Numeric {
                    precision: 18,
                    scale: 0,
                },
            ),
            (
                "decimal(10)",
                SqlType::Numeric {
                    precision: 10,
                    scale: 0,
                },
            ),
            (
                " Decimal ( 12 , 2 ) ",
                SqlType::Numeric {
                    precision: 12,
                    scale: 2,
                },
            ),
            ("float4", SqlType::Real),
            ("double  precision", SqlType::Double),
            ("float8", SqlType::Double),
            ("bool", SqlType::Boolean),
            ("char", SqlType::Char(1)),
            ("character(10)", SqlType::Char(10)),
            ("bpchar", SqlType::Char(256)),
            ("char(max)", SqlType::Char(4_096)),
            ("varchar", SqlType::Varchar(256)),
            ("character varying(32)", SqlType::Varchar(32)),
            ("nvarchar(max)", SqlType::Varchar(65_535)),
            ("time without time zone", SqlType::Time),
            ("time with time zone", SqlType::TimeTz),
            ("timestamp with time zone", SqlType::TimestampTz),
            ("timestamptz", SqlType::TimestampTz),
            ("SUPER", SqlType::Super),
        ] {
            assert_eq!(config(spec), Ok(want), "{spec}");
        }
    }

    #[test]
    fn bare_text_is_varchar_256_in_a_config_and_unbounded_in_a_warehouse() {
        assert_eq!(config("text"), Ok(SqlType::Varchar(256)));
        assert_eq!(
            SqlType::parse("text", Dialect::Warehouse),
            Ok(SqlType::Text)
        );
        assert!(SqlType::parse("longtext", Dialect::Warehouse).is_err());
    }

    #[test]
    fn the_canonical_spelling_reads_back_as_the_same_type() {
        for spec in [
            "smallint",
            "int",
            "bigint",
            "decimal(38,37)",
            "real",
            "float",
            "bool",
            "char(7)",
            "varchar(65535)",
            "date",
            "time",
            "timetz",
            "timestamp",
            "timestamptz",
            "super",
        ] {
            let kind = config(spec).unwrap();
            for dialect in [Dialect::Config, Dialect::Warehouse] {
                assert_eq!(
                    SqlType::parse(&kind.canonical(), dialect),
                    Ok(kind),
                    "{spec}"
                );
            }
        }
        assert_eq!(
            SqlType::parse("text", Dialect::Warehouse)
                .unwrap()
                .canonical(),
            "text"
        );
    }

    #[test]
    fn parameters_out_of_range_name_the_range() {
        assert_eq!(
            config("decimal(40,2)").unwrap_err(),
            "decimal(40,2): the precision of decimal(p,s) is 1 to 38, not 40"
        );
        assert_eq!(
            config("numeric(5,7)").unwrap_err(),
            "numeric(5,7): the scale (7) of numeric(p,s) is at most its precision (5)"
        );
        assert_eq!(
            config("varchar(0)").unwrap_err(),
            "varchar(0): the width of varchar(n) is 1 to 65535 bytes (or max), not 0"
        );
        assert_eq!(
            config("char(70000)").unwrap_err(),
            "char(70000): the width of char(n) is 1 to 4096 bytes (or max), not 70000"
        );
        assert!(config("varchar(99999999999999)")
            .unwrap_err()
            .contains("1 to 65535 bytes"));
        assert!(config("varchar(-1)")
            .unwrap_err()
            .contains("1 to 65535 bytes"));
        assert_eq!(
            config("int(4)").unwrap_err(),
            "int(4): int takes no parameters"
        );
        assert!(config("decimal(1,2,3)")
            .unwrap_err()
            .contains("takes (precision)"));
        assert!(config("decimal(x)").unwrap_err().contains("whole numbers"));
    }

    #[test]
    fn types_copy_cannot_load_from_json_say_so() {
        for spec in [
            "varbyte(10)",
            "VARBINARY",
            "geometry",
            "geography",
            "hllsketch",
            "interval",
        ] {
            let problem = config(spec).unwrap_err();
            assert!(
                problem.contains("COPY … FORMAT AS JSON cannot load"),
                "{spec}: {problem}"
            );
        }
    }

    #[test]
    fn unknown_names_list_the_types() {
        let problem = config("varchr(10)").unwrap_err();
        assert!(problem.starts_with("unknown type \"varchr(10)\"; the types are smallint"));
        assert!(config("varchar(10").is_err());
        assert!(config("").is_err());
    }
}
