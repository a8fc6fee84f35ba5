//! A time in the reader's own time zone.
//!
//! The server knows no reader's zone, so it renders UTC (marked `UTC`) inside
//! `<time datetime="…">`; the browser hydrates that same text, then an effect, which runs only
//! once the element is hydrated, swaps in the local time. Hydration therefore never sees a
//! mismatch, and a page without JavaScript still says which zone it shows. The `title` keeps the
//! exact UTC value the server wrote.

use leptos::prelude::*;

use crate::format;

/// How much of the time to show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeStyle {
    /// `2026-11-26 23:04`
    #[default]
    DateMinutes,
    /// `23:04:46` (log lines, a health check).
    Clock,
    /// `23:04:46.123` (the status view's check, which "Check again" must visibly change).
    ClockMillis,
}

/// `at` (RFC 3339, as the server and the registry write times) in the browser's time zone.
#[component]
pub fn LocalTime(
    /// The time, RFC 3339 (`2026-11-26T23:04:46.123Z`).
    #[prop(into)]
    at: String,
    #[prop(optional)] style: TimeStyle,
) -> impl IntoView {
    let utc = utc_text(&at, style);
    let shown = RwSignal::new(utc);
    #[cfg(feature = "hydrate")]
    {
        let at = at.clone();
        // Effects run in the browser only, and after this element has hydrated.
        Effect::new(move |_| {
            if let Some(local) = browser::local_text(&at, style) {
                shown.set(local);
            }
        });
    }
    view! {
        <time datetime=at.clone() title=at>{shown}</time>
    }
}

/// What the server renders: the time in UTC, with the zone said.
pub fn utc_text(at: &str, style: TimeStyle) -> String {
    // Only a time written in UTC is called UTC (a registry may write another offset).
    let zone = if at.ends_with('Z') || at.ends_with("+00:00") { " UTC" } else { "" };
    let clock = |len: usize| match at.get(11..11 + len) {
        Some(clock) if at.as_bytes().get(10) == Some(&b'T') => format!("{clock}{zone}"),
        _ => at.to_owned(),
    };
    match style {
        TimeStyle::DateMinutes => {
            let created = format::created(at);
            if created == at { created } else { format!("{created}{zone}") }
        }
        TimeStyle::Clock => clock(8),
        TimeStyle::ClockMillis => clock(12),
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::wasm_bindgen::JsValue;
    use web_sys::js_sys::Date;

    use super::TimeStyle;

    /// `at` in the browser's zone, or `None` when the browser cannot read it (left as UTC then).
    pub fn local_text(at: &str, style: TimeStyle) -> Option<String> {
        let date = Date::new(&JsValue::from_str(at));
        if date.get_time().is_nan() {
            return None;
        }
        let hm = format!("{:02}:{:02}", date.get_hours(), date.get_minutes());
        let hms = format!("{hm}:{:02}", date.get_seconds());
        Some(match style {
            TimeStyle::DateMinutes => format!(
                "{:04}-{:02}-{:02} {}",
                date.get_full_year(),
                date.get_month() + 1,
                date.get_date(),
                hm
            ),
            TimeStyle::Clock => hms,
            TimeStyle::ClockMillis => format!("{hms}.{:03}", date.get_milliseconds()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{TimeStyle, utc_text};

    #[test]
    fn the_server_renders_utc_and_says_so() {
        let at = "2026-11-26T23:04:46.123Z";
        assert_eq!(utc_text(at, TimeStyle::DateMinutes), "2026-11-26 23:04 UTC");
        assert_eq!(utc_text(at, TimeStyle::Clock), "23:04:46 UTC");
        assert_eq!(utc_text(at, TimeStyle::ClockMillis), "23:04:46.123 UTC");
        // Another offset is shown as written, not called UTC.
        assert_eq!(utc_text("2026-11-26T23:04:46+08:00", TimeStyle::DateMinutes), "2026-11-26 23:04");
        // Not a time the UI can read: shown as it came.
        assert_eq!(utc_text("yesterday", TimeStyle::DateMinutes), "yesterday");
        assert_eq!(utc_text("yesterday", TimeStyle::Clock), "yesterday");
    }
}
