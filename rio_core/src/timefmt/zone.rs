//! Time zones in date/time text: offsets, abbreviations and IANA names.
//!
//! - Offsets: `Z`, `+HH`, `-H`, `+HHMM`, `+HH:MM`, `-H:MM`, up to 15:59 either way.
//! - Abbreviations: those of `pg_timezone_abbrevs`, the set Redshift (like PostgreSQL) reads by
//!   default, in any case (`PST`, `cest`, `UTC`, `Z`, …). Most are a fixed offset; a few stand for
//!   a zone (`MSK` is Europe/Moscow's) and mean what that zone called by that name nearest the
//!   instant, as PostgreSQL resolves them.
//! - Names: the IANA names of `pg_timezone_names` (`America/New_York`, `US/Pacific`, `Japan`, …),
//!   in any case, from the time-zone database bundled into the binary (jiff's `tzdb-bundle-always`),
//!   so a load reads the same on every machine and never opens `/usr/share/zoneinfo`.
//!
//! A name or a zone abbreviation is resolved for the wall-clock time written beside it. In a gap
//! (clocks jump forward) the offset before the jump is used, and in a fold (clocks go back) the
//! offset after it: PostgreSQL's documented rule, which Redshift's date/time input keeps.

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};

use super::{check, digit_run, digits_at, number, MICROS_PER_DAY, MICROS_PER_SECOND};

/// The widest offset either way, in hours (PostgreSQL's limit; the widest zone in use is +14).
const MAX_OFFSET_HOURS: u32 = 15;

/// A zone as written, before it is resolved for an instant.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Zone {
    /// An offset, or an abbreviation with a fixed meaning: seconds east of UTC.
    Fixed(i32),
    /// An abbreviation that stands for a zone's use of it (`MSK`).
    Abbrev(&'static [u8], TimeZone),
    /// An IANA name.
    Named(TimeZone),
}

impl Zone {
    /// Seconds east of UTC at a wall-clock time (microseconds since 1970-01-01 00:00).
    pub(crate) fn offset_at(&self, local_micros: i64) -> Option<i32> {
        match self {
            Zone::Fixed(seconds) => Some(*seconds),
            Zone::Named(zone) => Some(zone_offset(zone, civil(local_micros)?).seconds()),
            Zone::Abbrev(abbrev, zone) => abbrev_offset(abbrev, zone, civil(local_micros)?),
        }
    }

    /// The offset when it does not depend on a date.
    pub(crate) fn fixed(&self) -> Option<i32> {
        match self {
            Zone::Fixed(seconds) => Some(*seconds),
            _ => None,
        }
    }
}

/// A signed offset at `at` (`+HH`, `-H`, `+HHMM`, `+HH:MM`, `-H:MM`): seconds east of UTC, and the
/// index just past it.
pub(crate) fn offset(text: &[u8], at: usize) -> Option<(i32, usize)> {
    let sign = match text.get(at)? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let start = at + 1;
    let run = digit_run(text, start);
    let (hours, minutes, end) = match run {
        1 | 2 if text.get(start + run) == Some(&b':') => {
            check(digit_run(text, start + run + 1) == 2)?;
            let minutes = digits_at(text, start + run + 1, 2)?;
            (number(&text[start..start + run])?, minutes, start + run + 3)
        }
        1 | 2 => (number(&text[start..start + run])?, 0, start + run),
        4 => (
            digits_at(text, start, 2)?,
            digits_at(text, start + 2, 2)?,
            start + 4,
        ),
        _ => return None,
    };
    check(hours <= MAX_OFFSET_HOURS && minutes <= 59)?;
    Some((sign * (hours * 3600 + minutes * 60) as i32, end))
}

/// A zone written as a word: an abbreviation (`Z`, `PST`, `MSK`) or an IANA name.
pub(crate) fn word(word: &[u8]) -> Option<Zone> {
    if let Some((key, meaning)) = abbreviation(word) {
        return match meaning {
            Abbrev::Fixed(seconds) => Some(Zone::Fixed(*seconds)),
            Abbrev::Zone(name) => TimeZone::get(name).ok().map(|zone| Zone::Abbrev(key, zone)),
        };
    }
    let name = std::str::from_utf8(word).ok()?;
    TimeZone::get(name).ok().map(Zone::Named)
}

/// Wall-clock microseconds since 1970 as a civil date and time.
fn civil(local_micros: i64) -> Option<DateTime> {
    let days = local_micros.div_euclid(MICROS_PER_DAY);
    let in_day = local_micros.rem_euclid(MICROS_PER_DAY);
    let (year, month, day) = super::civil_from_days(days);
    let seconds = in_day / MICROS_PER_SECOND;
    DateTime::new(
        i16::try_from(year).ok()?,
        month as i8,
        day as i8,
        (seconds / 3600) as i8,
        (seconds / 60 % 60) as i8,
        (seconds % 60) as i8,
        (in_day % MICROS_PER_SECOND * 1000) as i32,
    )
    .ok()
}

/// A zone's offset at a wall-clock time: before a gap's jump, after a fold's.
fn zone_offset(zone: &TimeZone, local: DateTime) -> Offset {
    match zone.to_ambiguous_timestamp(local).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset,
        AmbiguousOffset::Gap { before, .. } => before,
        AmbiguousOffset::Fold { after, .. } => after,
    }
}

/// What an abbreviation that stands for a zone means at a wall-clock time: the offset of the zone's
/// period by that name in effect then, else the latest one before, else the first one after;
/// failing all, the zone's own offset (PostgreSQL's `DetermineTimeZoneAbbrevOffset`).
fn abbrev_offset(abbrev: &[u8], zone: &TimeZone, local: DateTime) -> Option<i32> {
    let own = zone_offset(zone, local);
    let instant = own.to_timestamp(local).ok()?;
    let named = |name: &str| name.as_bytes().eq_ignore_ascii_case(abbrev);
    let info = zone.to_offset_info(instant);
    if named(info.abbreviation()) {
        return Some(info.offset().seconds());
    }
    let earlier = zone.preceding(instant).find(|t| named(t.abbreviation()));
    let found = earlier.or_else(|| zone.following(instant).find(|t| named(t.abbreviation())));
    Some(found.map_or(own, |t| t.offset()).seconds())
}

/// The meaning of a time-zone abbreviation.
#[derive(Debug)]
pub(crate) enum Abbrev {
    /// Seconds east of UTC.
    Fixed(i32),
    /// The zone whose use of the abbreviation it means.
    Zone(&'static str),
}

/// An abbreviation in any case, with its key in [`ABBREVIATIONS`].
pub(crate) fn abbreviation(word: &[u8]) -> Option<(&'static [u8], &'static Abbrev)> {
    if word.is_empty() || word.len() > 6 {
        return None;
    }
    ABBREVIATIONS
        .binary_search_by(|(key, _)| {
            key.iter()
                .copied()
                .cmp(word.iter().map(u8::to_ascii_lowercase))
        })
        .ok()
        .map(|index| (ABBREVIATIONS[index].0, &ABBREVIATIONS[index].1))
}

/// `pg_timezone_abbrevs`: PostgreSQL's default set of abbreviations (`timezone_abbreviations =
/// 'Default'`, its `timezonesets/Default` as PostgreSQL 15 ships it), lower case and sorted for the
/// binary search.
#[rustfmt::skip]
static ABBREVIATIONS: [(&[u8], Abbrev); 195] = [
    (b"acdt", Abbrev::Fixed(37800)),
    (b"acsst", Abbrev::Fixed(37800)),
    (b"acst", Abbrev::Fixed(34200)),
    (b"act", Abbrev::Fixed(-18000)),
    (b"acwst", Abbrev::Fixed(31500)),
    (b"adt", Abbrev::Fixed(-10800)),
    (b"aedt", Abbrev::Fixed(39600)),
    (b"aesst", Abbrev::Fixed(39600)),
    (b"aest", Abbrev::Fixed(36000)),
    (b"aft", Abbrev::Fixed(16200)),
    (b"akdt", Abbrev::Fixed(-28800)),
    (b"akst", Abbrev::Fixed(-32400)),
    (b"almst", Abbrev::Fixed(25200)),
    (b"almt", Abbrev::Fixed(21600)),
    (b"amst", Abbrev::Zone("Asia/Yerevan")),
    (b"amt", Abbrev::Fixed(-14400)),
    (b"anast", Abbrev::Zone("Asia/Anadyr")),
    (b"anat", Abbrev::Zone("Asia/Anadyr")),
    (b"arst", Abbrev::Zone("America/Argentina/Buenos_Aires")),
    (b"art", Abbrev::Zone("America/Argentina/Buenos_Aires")),
    (b"ast", Abbrev::Fixed(-14400)),
    (b"awsst", Abbrev::Fixed(32400)),
    (b"awst", Abbrev::Fixed(28800)),
    (b"azost", Abbrev::Fixed(0)),
    (b"azot", Abbrev::Fixed(-3600)),
    (b"azst", Abbrev::Zone("Asia/Baku")),
    (b"azt", Abbrev::Zone("Asia/Baku")),
    (b"bdst", Abbrev::Fixed(7200)),
    (b"bdt", Abbrev::Fixed(21600)),
    (b"bnt", Abbrev::Fixed(28800)),
    (b"bort", Abbrev::Fixed(28800)),
    (b"bot", Abbrev::Fixed(-14400)),
    (b"bra", Abbrev::Fixed(-10800)),
    (b"brst", Abbrev::Fixed(-7200)),
    (b"brt", Abbrev::Fixed(-10800)),
    (b"bst", Abbrev::Fixed(3600)),
    (b"btt", Abbrev::Fixed(21600)),
    (b"cadt", Abbrev::Fixed(37800)),
    (b"cast", Abbrev::Fixed(34200)),
    (b"cct", Abbrev::Fixed(28800)),
    (b"cdt", Abbrev::Fixed(-18000)),
    (b"cest", Abbrev::Fixed(7200)),
    (b"cet", Abbrev::Fixed(3600)),
    (b"cetdst", Abbrev::Fixed(7200)),
    (b"chadt", Abbrev::Fixed(49500)),
    (b"chast", Abbrev::Fixed(45900)),
    (b"chut", Abbrev::Fixed(36000)),
    (b"ckt", Abbrev::Zone("Pacific/Rarotonga")),
    (b"clst", Abbrev::Fixed(-10800)),
    (b"clt", Abbrev::Zone("America/Santiago")),
    (b"cot", Abbrev::Fixed(-18000)),
    (b"cst", Abbrev::Fixed(-21600)),
    (b"cxt", Abbrev::Fixed(25200)),
    (b"davt", Abbrev::Zone("Antarctica/Davis")),
    (b"ddut", Abbrev::Fixed(36000)),
    (b"easst", Abbrev::Zone("Pacific/Easter")),
    (b"east", Abbrev::Zone("Pacific/Easter")),
    (b"eat", Abbrev::Fixed(10800)),
    (b"edt", Abbrev::Fixed(-14400)),
    (b"eest", Abbrev::Fixed(10800)),
    (b"eet", Abbrev::Fixed(7200)),
    (b"eetdst", Abbrev::Fixed(10800)),
    (b"egst", Abbrev::Fixed(0)),
    (b"egt", Abbrev::Fixed(-3600)),
    (b"est", Abbrev::Fixed(-18000)),
    (b"fet", Abbrev::Fixed(10800)),
    (b"fjst", Abbrev::Fixed(46800)),
    (b"fjt", Abbrev::Fixed(43200)),
    (b"fkst", Abbrev::Zone("Atlantic/Stanley")),
    (b"fkt", Abbrev::Zone("Atlantic/Stanley")),
    (b"fnst", Abbrev::Fixed(-3600)),
    (b"fnt", Abbrev::Fixed(-7200)),
    (b"galt", Abbrev::Fixed(-21600)),
    (b"gamt", Abbrev::Fixed(-32400)),
    (b"gest", Abbrev::Zone("Asia/Tbilisi")),
    (b"get", Abbrev::Zone("Asia/Tbilisi")),
    (b"gft", Abbrev::Fixed(-10800)),
    (b"gilt", Abbrev::Fixed(43200)),
    (b"gmt", Abbrev::Fixed(0)),
    (b"gyt", Abbrev::Zone("America/Guyana")),
    (b"hkt", Abbrev::Fixed(28800)),
    (b"hst", Abbrev::Fixed(-36000)),
    (b"ict", Abbrev::Fixed(25200)),
    (b"idt", Abbrev::Fixed(10800)),
    (b"iot", Abbrev::Zone("Indian/Chagos")),
    (b"irkst", Abbrev::Zone("Asia/Irkutsk")),
    (b"irkt", Abbrev::Zone("Asia/Irkutsk")),
    (b"irt", Abbrev::Fixed(12600)),
    (b"ist", Abbrev::Fixed(7200)),
    (b"jayt", Abbrev::Fixed(32400)),
    (b"jst", Abbrev::Fixed(32400)),
    (b"kdt", Abbrev::Fixed(36000)),
    (b"kgst", Abbrev::Fixed(21600)),
    (b"kgt", Abbrev::Zone("Asia/Bishkek")),
    (b"kost", Abbrev::Zone("Pacific/Kosrae")),
    (b"krast", Abbrev::Zone("Asia/Krasnoyarsk")),
    (b"krat", Abbrev::Zone("Asia/Krasnoyarsk")),
    (b"kst", Abbrev::Fixed(32400)),
    (b"lhdt", Abbrev::Zone("Australia/Lord_Howe")),
    (b"lhst", Abbrev::Fixed(37800)),
    (b"ligt", Abbrev::Fixed(36000)),
    (b"lint", Abbrev::Zone("Pacific/Kiritimati")),
    (b"lkt", Abbrev::Zone("Asia/Colombo")),
    (b"magst", Abbrev::Zone("Asia/Magadan")),
    (b"magt", Abbrev::Zone("Asia/Magadan")),
    (b"mart", Abbrev::Fixed(-34200)),
    (b"mawt", Abbrev::Zone("Antarctica/Mawson")),
    (b"mdt", Abbrev::Fixed(-21600)),
    (b"mest", Abbrev::Fixed(7200)),
    (b"mesz", Abbrev::Fixed(7200)),
    (b"met", Abbrev::Fixed(3600)),
    (b"metdst", Abbrev::Fixed(7200)),
    (b"mez", Abbrev::Fixed(3600)),
    (b"mht", Abbrev::Fixed(43200)),
    (b"mmt", Abbrev::Fixed(23400)),
    (b"mpt", Abbrev::Fixed(36000)),
    (b"msd", Abbrev::Fixed(14400)),
    (b"msk", Abbrev::Zone("Europe/Moscow")),
    (b"mst", Abbrev::Fixed(-25200)),
    (b"must", Abbrev::Fixed(18000)),
    (b"mut", Abbrev::Fixed(14400)),
    (b"mvt", Abbrev::Fixed(18000)),
    (b"myt", Abbrev::Fixed(28800)),
    (b"ndt", Abbrev::Fixed(-9000)),
    (b"nft", Abbrev::Fixed(-12600)),
    (b"novst", Abbrev::Zone("Asia/Novosibirsk")),
    (b"novt", Abbrev::Zone("Asia/Novosibirsk")),
    (b"npt", Abbrev::Fixed(20700)),
    (b"nst", Abbrev::Fixed(-12600)),
    (b"nut", Abbrev::Zone("Pacific/Niue")),
    (b"nzdt", Abbrev::Fixed(46800)),
    (b"nzst", Abbrev::Fixed(43200)),
    (b"nzt", Abbrev::Fixed(43200)),
    (b"omsst", Abbrev::Zone("Asia/Omsk")),
    (b"omst", Abbrev::Zone("Asia/Omsk")),
    (b"pdt", Abbrev::Fixed(-25200)),
    (b"pet", Abbrev::Fixed(-18000)),
    (b"petst", Abbrev::Zone("Asia/Kamchatka")),
    (b"pett", Abbrev::Zone("Asia/Kamchatka")),
    (b"pgt", Abbrev::Fixed(36000)),
    (b"pht", Abbrev::Fixed(28800)),
    (b"pkst", Abbrev::Fixed(21600)),
    (b"pkt", Abbrev::Fixed(18000)),
    (b"pmdt", Abbrev::Fixed(-7200)),
    (b"pmst", Abbrev::Fixed(-10800)),
    (b"pont", Abbrev::Fixed(39600)),
    (b"pst", Abbrev::Fixed(-28800)),
    (b"pwt", Abbrev::Fixed(32400)),
    (b"pyst", Abbrev::Fixed(-10800)),
    (b"pyt", Abbrev::Zone("America/Asuncion")),
    (b"ret", Abbrev::Fixed(14400)),
    (b"sadt", Abbrev::Fixed(37800)),
    (b"sast", Abbrev::Fixed(7200)),
    (b"sct", Abbrev::Fixed(14400)),
    (b"sgt", Abbrev::Zone("Asia/Singapore")),
    (b"taht", Abbrev::Fixed(-36000)),
    (b"tft", Abbrev::Fixed(18000)),
    (b"tjt", Abbrev::Fixed(18000)),
    (b"tkt", Abbrev::Zone("Pacific/Fakaofo")),
    (b"tmt", Abbrev::Zone("Asia/Ashgabat")),
    (b"tot", Abbrev::Fixed(46800)),
    (b"trut", Abbrev::Fixed(36000)),
    (b"tvt", Abbrev::Fixed(43200)),
    (b"uct", Abbrev::Fixed(0)),
    (b"ulast", Abbrev::Fixed(32400)),
    (b"ulat", Abbrev::Zone("Asia/Ulaanbaatar")),
    (b"ut", Abbrev::Fixed(0)),
    (b"utc", Abbrev::Fixed(0)),
    (b"uyst", Abbrev::Fixed(-7200)),
    (b"uyt", Abbrev::Fixed(-10800)),
    (b"uzst", Abbrev::Fixed(21600)),
    (b"uzt", Abbrev::Fixed(18000)),
    (b"vet", Abbrev::Zone("America/Caracas")),
    (b"vlast", Abbrev::Zone("Asia/Vladivostok")),
    (b"vlat", Abbrev::Zone("Asia/Vladivostok")),
    (b"volt", Abbrev::Zone("Europe/Volgograd")),
    (b"vut", Abbrev::Fixed(39600)),
    (b"wadt", Abbrev::Fixed(28800)),
    (b"wakt", Abbrev::Fixed(43200)),
    (b"wast", Abbrev::Fixed(25200)),
    (b"wat", Abbrev::Fixed(3600)),
    (b"wdt", Abbrev::Fixed(32400)),
    (b"wet", Abbrev::Fixed(0)),
    (b"wetdst", Abbrev::Fixed(3600)),
    (b"wft", Abbrev::Fixed(43200)),
    (b"wgst", Abbrev::Fixed(-7200)),
    (b"wgt", Abbrev::Fixed(-10800)),
    (b"xjt", Abbrev::Fixed(21600)),
    (b"yakst", Abbrev::Zone("Asia/Yakutsk")),
    (b"yakt", Abbrev::Zone("Asia/Yakutsk")),
    (b"yapt", Abbrev::Fixed(36000)),
    (b"yekst", Abbrev::Fixed(21600)),
    (b"yekt", Abbrev::Zone("Asia/Yekaterinburg")),
    (b"z", Abbrev::Fixed(0)),
    (b"zulu", Abbrev::Fixed(0)),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn local(text: &str) -> i64 {
        super::super::auto::parse_timestamp(text.as_bytes())
            .unwrap()
            .micros
    }

    #[test]
    fn offsets_in_every_written_form() {
        for (text, seconds, end) in [
            ("+02", 7200, 3),
            ("-0800", -28_800, 5),
            ("+02:00", 7200, 6),
            ("-8:00", -28_800, 5),
            ("-8", -28_800, 2),
            ("+05:30", 19_800, 6),
            ("+0545", 20_700, 5),
            ("-15:59", -57_540, 6),
            ("+02:00 rest", 7200, 6),
        ] {
            assert_eq!(offset(text.as_bytes(), 0), Some((seconds, end)), "{text}");
        }
        for text in [
            "+", "-x", "+16", "+25:00", "+02:60", "+123", "+02:0", "+02:000", "02",
        ] {
            assert_eq!(offset(text.as_bytes(), 0), None, "{text}");
        }
    }

    #[test]
    fn abbreviations_are_found_in_any_case() {
        assert_eq!(word(b"PST"), Some(Zone::Fixed(-28_800)));
        assert_eq!(word(b"pdt"), Some(Zone::Fixed(-25_200)));
        assert_eq!(word(b"Z"), Some(Zone::Fixed(0)));
        assert_eq!(word(b"zulu"), Some(Zone::Fixed(0)));
        assert_eq!(word(b"UTC"), Some(Zone::Fixed(0)));
        assert_eq!(word(b"CEST"), Some(Zone::Fixed(7200)));
        assert_eq!(word(b"NPT"), Some(Zone::Fixed(20_700)));
        assert!(matches!(word(b"MSK"), Some(Zone::Abbrev(b"msk", _))));
        assert_eq!(word(b"PSTX"), None);
        assert_eq!(word(b""), None);
    }

    #[test]
    fn the_table_is_sorted_and_unique() {
        assert!(ABBREVIATIONS.windows(2).all(|pair| pair[0].0 < pair[1].0));
        for (key, meaning) in &ABBREVIATIONS {
            assert!(key.iter().all(u8::is_ascii_lowercase), "{key:?}");
            if let Abbrev::Zone(name) = meaning {
                assert!(TimeZone::get(name).is_ok(), "{name}");
            }
        }
    }

    #[test]
    fn names_resolve_for_the_instant_in_any_case() {
        let zone = word(b"America/New_York").unwrap();
        assert_eq!(zone.offset_at(local("2026-07-01 12:00")), Some(-14_400));
        assert_eq!(zone.offset_at(local("2026-12-01 12:00")), Some(-18_000));
        assert_eq!(
            word(b"america/new_york")
                .unwrap()
                .offset_at(local("2026-12-01")),
            Some(-18_000)
        );
        assert_eq!(
            word(b"US/Pacific")
                .unwrap()
                .offset_at(local("1997-12-17 07:37:16")),
            Some(-28_800)
        );
        assert_eq!(word(b"Asia/Kolkata").unwrap().fixed(), None);
        assert_eq!(word(b"Mars/Olympus_Mons"), None);
        assert_eq!(word(b"yesterday"), None);
    }

    #[test]
    fn gaps_take_the_offset_before_and_folds_the_offset_after() {
        let zone = word(b"America/New_York").unwrap();
        // 2018-03-11 02:30 does not exist in New York: read with EST, it is 03:30 EDT.
        assert_eq!(zone.offset_at(local("2018-03-11 02:30")), Some(-18_000));
        // 2018-11-04 01:30 happens twice: the second time, EST.
        assert_eq!(zone.offset_at(local("2018-11-04 01:30")), Some(-18_000));
        assert_eq!(zone.offset_at(local("2018-11-04 00:30")), Some(-14_400));
    }

    #[test]
    fn zone_abbreviations_mean_the_zone_s_use_of_them() {
        let msk = word(b"MSK").unwrap();
        // Moscow Summer Time (MSD) in 2010; MSK, the standard time then, was +03.
        assert_eq!(msk.offset_at(local("2010-07-01 12:00")), Some(10_800));
        // From 2011 to 2014 Moscow kept +04 all year and called it MSK.
        assert_eq!(msk.offset_at(local("2012-07-01 12:00")), Some(14_400));
        assert_eq!(msk.offset_at(local("2026-07-01 12:00")), Some(10_800));
        assert_eq!(msk.fixed(), None);
    }
}
