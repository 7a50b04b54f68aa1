//! Dates typed in a query ("beach july 2023", "2023-07", "last year", "before 2020") become a
//! date-range filter; the rest of the words stay the text to search for.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month};

/// Dates from `start` (inclusive) to `end` (exclusive); an open side is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub start: Option<Date>,
    pub end: Option<Date>,
}

impl DateRange {
    pub fn new(start: Option<Date>, end: Option<Date>) -> Self {
        Self { start, end }
    }

    pub fn contains(&self, day: Date) -> bool {
        self.start.is_none_or(|s| day >= s) && self.end.is_none_or(|e| day < e)
    }
}

/// A query split into the words to search for and the dates it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedQuery {
    /// The query without the date words.
    pub text: String,
    /// The range of the first date phrase found, if any.
    pub dates: Option<DateRange>,
    /// The words that were read as a date (to show "filtered to July 2023").
    pub date_words: Option<String>,
}

/// Splits `input` into text and a date range. `today` anchors relative phrases ("last year").
pub fn parse_query(input: &str, today: Date) -> ParsedQuery {
    let words: Vec<&str> = input.split_whitespace().collect();
    let norm: Vec<String> = words.iter().map(|w| normalize(w)).collect();
    for i in 0..norm.len() {
        let (modifier, at) = match norm[i].as_str() {
            "before" => (Modifier::Before, i + 1),
            "after" => (Modifier::After, i + 1),
            "since" => (Modifier::Since, i + 1),
            "in" | "during" | "from" | "on" => (Modifier::Within, i + 1),
            _ => (Modifier::None, i),
        };
        if let Some((range, used)) = date_at(&norm, at, today) {
            let range = modifier.apply(range);
            let end = at + used;
            let text = words[..i]
                .iter()
                .chain(&words[end..])
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            return ParsedQuery {
                text,
                dates: Some(range),
                date_words: Some(words[i..end].join(" ")),
            };
        }
    }
    ParsedQuery {
        text: words.join(" "),
        dates: None,
        date_words: None,
    }
}

#[derive(Clone, Copy)]
enum Modifier {
    None,
    Within,
    Before,
    After,
    Since,
}

impl Modifier {
    fn apply(self, r: DateRange) -> DateRange {
        match self {
            Self::None | Self::Within => r,
            Self::Before => DateRange::new(None, r.start),
            Self::After => DateRange::new(r.end, None),
            Self::Since => DateRange::new(r.start, None),
        }
    }
}

fn normalize(word: &str) -> String {
    word.trim_matches(|c: char| matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | '(' | ')' | '"'))
        .to_lowercase()
}

/// A date phrase starting at `words[i]`: its range and how many words it took.
fn date_at(words: &[String], i: usize, today: Date) -> Option<(DateRange, usize)> {
    let w = words.get(i)?.as_str();
    let next = words.get(i + 1).map(String::as_str);
    let after_next = words.get(i + 2).map(String::as_str);
    match (w, next) {
        ("today", _) => return Some((day_range(today), 1)),
        ("yesterday", _) => return Some((day_range(today.previous_day()?), 1)),
        ("last" | "past" | "this", Some("year" | "month" | "week")) => {
            return relative(w, next?, today).map(|r| (r, 2))
        }
        _ => {}
    }
    if let Some(r) = iso(w) {
        return Some((r, 1));
    }
    if let Some(month) = month_name(w) {
        // "july 2023", "july 4 2023", "july 4, 2023"
        if let Some(year) = next.and_then(year) {
            return Some((month_range(year, month)?, 2));
        }
        if let (Some(day), Some(year)) = (next.and_then(day_of_month), after_next.and_then(year)) {
            return Some((
                day_range(Date::from_calendar_date(year, month, day).ok()?),
                3,
            ));
        }
        return None;
    }
    if let Some(day) = day_of_month(w) {
        // "4 july 2023"
        if let (Some(month), Some(year)) = (next.and_then(month_name), after_next.and_then(year)) {
            return Some((
                day_range(Date::from_calendar_date(year, month, day).ok()?),
                3,
            ));
        }
    }
    year(w).map(|y| (year_range(y), 1))
}

fn relative(which: &str, unit: &str, today: Date) -> Option<DateRange> {
    let this = which == "this";
    match unit {
        "year" => {
            let y = if this { today.year() } else { today.year() - 1 };
            Some(year_range(y))
        }
        "month" => {
            let first = today.replace_day(1).ok()?;
            let start = if this {
                first
            } else {
                first.previous_day()?.replace_day(1).ok()?
            };
            Some(DateRange::new(Some(start), Some(next_month(start)?)))
        }
        "week" => {
            let monday =
                today - Duration::days(i64::from(today.weekday().number_days_from_monday()));
            let start = if this {
                monday
            } else {
                monday - Duration::days(7)
            };
            Some(DateRange::new(Some(start), Some(start + Duration::days(7))))
        }
        _ => None,
    }
}

/// `2023-07-14`, `2023-07`, `2023/07`.
fn iso(w: &str) -> Option<DateRange> {
    let parts: Vec<&str> = w.split(['-', '/']).collect();
    if parts.len() < 2 || parts.len() > 3 || parts[0].len() != 4 || parts[1].len() != 2 {
        return None;
    }
    let y = year(parts[0])?;
    let m = Month::try_from(parts[1].parse::<u8>().ok()?).ok()?;
    match parts.get(2) {
        None => month_range(y, m),
        Some(d) if d.len() == 2 => Some(day_range(
            Date::from_calendar_date(y, m, d.parse().ok()?).ok()?,
        )),
        Some(_) => None,
    }
}

fn year(w: &str) -> Option<i32> {
    if w.len() != 4 || !w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = w.parse().ok()?;
    (1900..=2100).contains(&y).then_some(y)
}

fn day_of_month(w: &str) -> Option<u8> {
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic()); // "4th"
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let d: u8 = digits.parse().ok()?;
    (1..=31).contains(&d).then_some(d)
}

fn month_name(w: &str) -> Option<Month> {
    Some(match w {
        "january" | "jan" => Month::January,
        "february" | "feb" => Month::February,
        "march" | "mar" => Month::March,
        "april" | "apr" => Month::April,
        "may" => Month::May,
        "june" | "jun" => Month::June,
        "july" | "jul" => Month::July,
        "august" | "aug" => Month::August,
        "september" | "sep" | "sept" => Month::September,
        "october" | "oct" => Month::October,
        "november" | "nov" => Month::November,
        "december" | "dec" => Month::December,
        _ => return None,
    })
}

fn day_range(d: Date) -> DateRange {
    DateRange::new(Some(d), d.next_day())
}

fn month_range(y: i32, m: Month) -> Option<DateRange> {
    let start = Date::from_calendar_date(y, m, 1).ok()?;
    Some(DateRange::new(Some(start), next_month(start)))
}

fn next_month(first: Date) -> Option<Date> {
    let (y, m) = match first.month() {
        Month::December => (first.year() + 1, Month::January),
        m => (first.year(), m.next()),
    };
    Date::from_calendar_date(y, m, 1).ok()
}

fn year_range(y: i32) -> DateRange {
    DateRange::new(
        Date::from_calendar_date(y, Month::January, 1).ok(),
        Date::from_calendar_date(y + 1, Month::January, 1).ok(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 25);

    fn range(s: Date, e: Date) -> Option<DateRange> {
        Some(DateRange::new(Some(s), Some(e)))
    }

    #[test]
    fn month_and_year_words() {
        let q = parse_query("beach July 2023", TODAY);
        assert_eq!(q.text, "beach");
        assert_eq!(q.dates, range(date!(2023 - 07 - 01), date!(2023 - 08 - 01)));
        assert_eq!(q.date_words.as_deref(), Some("July 2023"));
        let q = parse_query("snow in dec 2022 mountains", TODAY);
        assert_eq!(q.text, "snow mountains");
        assert_eq!(q.dates, range(date!(2022 - 12 - 01), date!(2023 - 01 - 01)));
    }

    #[test]
    fn iso_forms() {
        let q = parse_query("2023-07 dog", TODAY);
        assert_eq!(q.text, "dog");
        assert_eq!(q.dates, range(date!(2023 - 07 - 01), date!(2023 - 08 - 01)));
        let q = parse_query("party 2023-02-28", TODAY);
        assert_eq!(q.dates, range(date!(2023 - 02 - 28), date!(2023 - 03 - 01)));
        let q = parse_query("party 2023/12", TODAY);
        assert_eq!(q.dates, range(date!(2023 - 12 - 01), date!(2024 - 01 - 01)));
        // Not dates: a bad month or day stays text.
        assert_eq!(parse_query("2023-13 x", TODAY).dates, None);
        assert_eq!(parse_query("2023-02-30", TODAY).dates, None);
    }

    #[test]
    fn days_years_and_relative_phrases() {
        let q = parse_query("fireworks july 4, 2021", TODAY);
        assert_eq!(q.text, "fireworks");
        assert_eq!(q.dates, range(date!(2021 - 07 - 04), date!(2021 - 07 - 05)));
        let q = parse_query("4th july 2021 fireworks", TODAY);
        assert_eq!(q.dates, range(date!(2021 - 07 - 04), date!(2021 - 07 - 05)));
        let q = parse_query("wedding 2019", TODAY);
        assert_eq!(q.dates, range(date!(2019 - 01 - 01), date!(2020 - 01 - 01)));
        let q = parse_query("kids last year", TODAY);
        assert_eq!(q.text, "kids");
        assert_eq!(q.dates, range(date!(2025 - 01 - 01), date!(2026 - 01 - 01)));
        let q = parse_query("this month", TODAY);
        assert_eq!(q.dates, range(date!(2026 - 11 - 01), date!(2026 - 12 - 01)));
        let q = parse_query("last month", date!(2026 - 01 - 10));
        assert_eq!(q.dates, range(date!(2025 - 12 - 01), date!(2026 - 01 - 01)));
        let q = parse_query("yesterday", TODAY);
        assert_eq!(q.dates, range(date!(2026 - 11 - 24), date!(2026 - 11 - 25)));
        let q = parse_query("last week", TODAY); // 2026-11-25 is a Wednesday
        assert_eq!(q.dates, range(date!(2026 - 11 - 16), date!(2026 - 11 - 23)));
    }

    #[test]
    fn open_ranges() {
        let q = parse_query("concert before 2020", TODAY);
        assert_eq!(q.text, "concert");
        assert_eq!(
            q.dates,
            Some(DateRange::new(None, Some(date!(2020 - 01 - 01))))
        );
        let q = parse_query("after march 2024 garden", TODAY);
        assert_eq!(q.text, "garden");
        assert_eq!(
            q.dates,
            Some(DateRange::new(Some(date!(2024 - 04 - 01)), None))
        );
        let q = parse_query("since 2024-03", TODAY);
        assert_eq!(
            q.dates,
            Some(DateRange::new(Some(date!(2024 - 03 - 01)), None))
        );
        assert!(q.dates.is_some_and(|r| r.contains(date!(2030 - 01 - 01))));
        assert!(!q.dates.is_some_and(|r| r.contains(date!(2024 - 02 - 29))));
    }

    #[test]
    fn words_that_only_look_like_dates_stay_text() {
        for text in [
            "may the force be with you",
            "march of the penguins",
            "in the city",
            "room 101",
        ] {
            let q = parse_query(text, TODAY);
            assert_eq!(q.dates, None, "{text}");
            assert_eq!(q.text, text);
        }
    }
}
