//! The small text forms of [toolwright](https://docs.rs/toolwright), read in one place by
//! the `#[tool]` macro (`timeout = "5s"`, `rate_limit = "30/min"`) and by the runtime
//! (`"30/min".parse::<Rate>()`), so both accept exactly the same spellings; and, in
//! [`pattern`], JSON Schema's `pattern` (`#[arg(pattern = "...")]`).
//!
//! ```
//! use std::time::Duration;
//!
//! assert_eq!(toolwright_grammar::duration("1m30s"), Ok(Duration::from_secs(90)));
//! let rate = toolwright_grammar::rate("30/min").unwrap();
//! assert_eq!((rate.count.get(), rate.per), (30, Duration::from_secs(60)));
//! assert_eq!(toolwright_grammar::rate("lots").unwrap_err().reason(), "it has no `/`");
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod pattern;

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

/// Why a text did not parse: a short clause (`"it has no `/`"`) each user puts in its own
/// sentence, naming the attribute or the setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    reason: &'static str,
}

impl Error {
    const fn new(reason: &'static str) -> Self {
        Self { reason }
    }

    /// The reason, e.g. `"the period is not one of s, min, h, day"`.
    pub const fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason)
    }
}

impl std::error::Error for Error {}

const TOO_LONG: Error = Error::new("the duration is too long");
const NANOS_PER_SEC: u128 = 1_000_000_000;

/// A duration: numbers with units, summed. `"5s"`, `"500ms"`, `"2m"`, `"1h"`, `"1m30s"`,
/// `"1.5s"`. Units: `ms`; `s`, `sec`, `secs`; `m`, `min`, `mins`; `h`, `hr`, `hrs`. Decimals are
/// exact (`"0.1s"` is 100 ms), to the nanosecond.
///
/// # Errors
/// Empty text, a part without a number or unit, an unknown unit, a malformed number, or a sum
/// beyond [`Duration::MAX`].
pub fn duration(text: &str) -> Result<Duration, Error> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(Error::new("it is empty"));
    }
    let mut nanos: u128 = 0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or(Error::new("a unit is missing"))?;
        if number_end == 0 {
            return Err(Error::new("it does not start with a number"));
        }
        let number = &rest[..number_end];
        rest = rest[number_end..].trim_start();
        let unit_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit: u128 = match &rest[..unit_end] {
            "ms" => 1_000_000,
            "s" | "sec" | "secs" => NANOS_PER_SEC,
            "m" | "min" | "mins" => 60 * NANOS_PER_SEC,
            "h" | "hr" | "hrs" => 3_600 * NANOS_PER_SEC,
            "" => return Err(Error::new("a unit is missing")),
            _ => return Err(Error::new("the unit is not one of ms, s, m, h")),
        };
        nanos = nanos.checked_add(scaled(number, unit)?).ok_or(TOO_LONG)?;
        rest = rest[unit_end..].trim_start();
    }
    let secs = u64::try_from(nanos / NANOS_PER_SEC).map_err(|_| TOO_LONG)?;
    // The remainder of a division by 10^9 always fits.
    let sub = (nanos % NANOS_PER_SEC) as u32;
    Ok(Duration::new(secs, sub))
}

/// `number` (digits, at most one `.`) times `unit` nanoseconds, exactly; fraction digits past
/// the 18th are below a nanosecond for every unit and are ignored.
fn scaled(number: &str, unit: u128) -> Result<u128, Error> {
    const MALFORMED: Error = Error::new("the number is malformed");
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if fraction.contains('.') || (whole.is_empty() && fraction.is_empty()) {
        return Err(MALFORMED);
    }
    let mut value: u128 = 0;
    for digit in whole.bytes() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u128::from(digit - b'0')))
            .ok_or(TOO_LONG)?;
    }
    let mut total = value.checked_mul(unit).ok_or(TOO_LONG)?;
    let (mut numerator, mut denominator) = (0u128, 1u128);
    for digit in fraction.bytes().take(18) {
        numerator = numerator * 10 + u128::from(digit - b'0');
        denominator *= 10;
    }
    // numerator < 10^18 and unit <= 3.6 * 10^12: the product stays far below u128::MAX.
    total = total
        .checked_add(numerator * unit / denominator)
        .ok_or(TOO_LONG)?;
    Ok(total)
}

/// A rate: `count` calls per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    /// Calls per period; never zero (a rate of zero would disable the tool).
    pub count: NonZeroU32,
    /// The period, a whole number of seconds.
    pub per: Duration,
}

/// A rate: `"30/min"`, `"5/s"`, `"100/h"`, `"1000/day"`, spaces allowed around both parts.
/// Periods: `s`, `sec`, `second`; `m`, `min`, `minute`; `h`, `hr`, `hour`; `d`, `day`.
///
/// # Errors
/// No `/`, a count that is not a whole number from 1 to 4 294 967 295, or an unknown period.
pub fn rate(text: &str) -> Result<Rate, Error> {
    let (count, period) = text.split_once('/').ok_or(Error::new("it has no `/`"))?;
    let count: u32 = count
        .trim()
        .parse()
        .map_err(|_| Error::new("the count before `/` is not a whole number"))?;
    let count = NonZeroU32::new(count).ok_or(Error::new("a rate of 0 would disable the tool"))?;
    let secs = match period.trim() {
        "s" | "sec" | "second" => 1,
        "m" | "min" | "minute" => 60,
        "h" | "hr" | "hour" => 3_600,
        "d" | "day" => 86_400,
        _ => return Err(Error::new("the period is not one of s, min, h, day")),
    };
    Ok(Rate {
        count,
        per: Duration::from_secs(secs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ms(n: u64) -> Result<Duration, Error> {
        Ok(Duration::from_millis(n))
    }

    #[test]
    fn durations_read_every_unit_and_sum_their_parts() {
        assert_eq!(duration("5s"), ms(5_000));
        assert_eq!(duration("500ms"), ms(500));
        assert_eq!(duration("2m"), ms(120_000));
        assert_eq!(duration("2 mins"), ms(120_000));
        assert_eq!(duration("1h"), ms(3_600_000));
        assert_eq!(duration("3hrs"), ms(10_800_000));
        assert_eq!(duration("1m30s"), ms(90_000));
        assert_eq!(duration(" 1h 1m 1s 1ms "), ms(3_661_001));
        assert_eq!(duration("0s"), ms(0));
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(duration("1.5s"), ms(1_500));
        assert_eq!(duration("0.1s"), ms(100));
        assert_eq!(duration(".5s"), ms(500));
        assert_eq!(duration("2.s"), ms(2_000));
        assert_eq!(duration("0.5ms"), Ok(Duration::from_micros(500)));
        assert_eq!(duration("0.000000001s"), Ok(Duration::from_nanos(1)));
        assert_eq!(duration("0.0000000001s"), ms(0));
    }

    #[test]
    fn malformed_durations_say_what_is_wrong() {
        fn reason(text: &str) -> &'static str {
            duration(text).unwrap_err().reason()
        }
        assert_eq!(reason(""), "it is empty");
        assert_eq!(reason("   "), "it is empty");
        assert_eq!(reason("soon"), "it does not start with a number");
        assert_eq!(reason("5s later"), "it does not start with a number");
        assert_eq!(reason("5"), "a unit is missing");
        assert_eq!(reason("5s 3"), "a unit is missing");
        assert_eq!(reason("5 parsecs"), "the unit is not one of ms, s, m, h");
        assert_eq!(reason("5S"), "the unit is not one of ms, s, m, h");
        assert_eq!(reason("1.2.3s"), "the number is malformed");
        assert_eq!(reason(".s"), "the number is malformed");
        assert_eq!(reason("-5s"), "it does not start with a number");
        assert_eq!(reason("1e3s"), "the unit is not one of ms, s, m, h");
        assert_eq!(
            reason(&format!("{}h", u128::MAX)),
            "the duration is too long"
        );
        assert_eq!(
            reason(&format!("{}s", u64::MAX as u128 + 1)),
            "the duration is too long"
        );
    }

    #[test]
    fn rates_read_a_count_per_period() {
        let read = |text| rate(text).map(|r| (r.count.get(), r.per.as_secs()));
        assert_eq!(read("30/min"), Ok((30, 60)));
        assert_eq!(read("5/s"), Ok((5, 1)));
        assert_eq!(read("100/h"), Ok((100, 3_600)));
        assert_eq!(read("1000/day"), Ok((1_000, 86_400)));
        assert_eq!(read(" 7 / minute "), Ok((7, 60)));
        assert_eq!(read("4294967295/s"), Ok((u32::MAX, 1)));
    }

    #[test]
    fn malformed_rates_say_what_is_wrong() {
        fn reason(text: &str) -> &'static str {
            rate(text).unwrap_err().reason()
        }
        assert_eq!(reason("lots"), "it has no `/`");
        assert_eq!(
            reason("many/s"),
            "the count before `/` is not a whole number"
        );
        assert_eq!(reason("-1/s"), "the count before `/` is not a whole number");
        assert_eq!(
            reason("4294967296/s"),
            "the count before `/` is not a whole number"
        );
        assert_eq!(reason("0/s"), "a rate of 0 would disable the tool");
        assert_eq!(
            reason("5/fortnight"),
            "the period is not one of s, min, h, day"
        );
        assert_eq!(reason("5/s/s"), "the period is not one of s, min, h, day");
    }

    proptest! {
        #[test]
        fn a_whole_number_of_any_unit_reads_back_exactly(
            n in 0u64..=u64::MAX / 3_600,
            (unit, secs_per) in prop::sample::select(vec![("ms", 0u64), ("s", 1), ("m", 60), ("h", 3_600)]),
        ) {
            let expected = if secs_per == 0 {
                Duration::from_millis(n)
            } else {
                Duration::from_secs(n * secs_per)
            };
            prop_assert_eq!(duration(&format!("{n}{unit}")), Ok(expected));
        }

        #[test]
        fn parts_in_sequence_add_up(a in 0u32..100_000, b in 0u32..100_000, frac in 0u32..1_000) {
            let whole = duration(&format!("{a}m {b}.{frac:03}s")).unwrap();
            let parts = duration(&format!("{a}m")).unwrap() + duration(&format!("{b}.{frac:03}s")).unwrap();
            prop_assert_eq!(whole, parts);
            prop_assert_eq!(
                whole,
                Duration::from_millis(u64::from(a) * 60_000 + u64::from(b) * 1_000 + u64::from(frac))
            );
        }

        #[test]
        fn any_text_parses_or_gives_a_reason_and_never_panics(text in "\\PC{0,24}") {
            if let Err(e) = duration(&text) {
                prop_assert!(!e.reason().is_empty());
            }
            if let Err(e) = rate(&text) {
                prop_assert!(!e.reason().is_empty());
            }
        }
    }
}
