//! Pure formatting of sizes, times and names, shared by the views and the command line.

/// `HH:MM:SS.mmm UTC` for a Unix time in milliseconds (the time of day is what a status check needs).
pub fn time_of_day_utc(unix_ms: u64) -> String {
    let ms = unix_ms % 1000;
    let secs = (unix_ms / 1000) % 86_400;
    format!("{:02}:{:02}:{:02}.{ms:03} UTC", secs / 3600, (secs / 60) % 60, secs % 60)
}

/// The one size policy, in the views, the job logs and the API alike: binary units with one
/// decimal, `512 B`, `1.5 KiB`, `20.0 MiB`.
pub fn bytes(n: u64) -> String {
    // humansize keeps the decimal on whole bytes too (`0.0 B`); a byte count has none.
    if n < 1024 {
        return format!("{n} B");
    }
    humansize::format_size(n, humansize::BINARY.decimal_places(1).decimal_zeroes(1))
}

/// `sha256:0123456789ab` — the algorithm and the first 12 hex digits, as `docker images` shows.
pub fn short_digest(digest: &str) -> String {
    match digest.split_once(':') {
        Some((algorithm, hex)) => format!("{algorithm}:{}", &hex[..hex.len().min(12)]),
        None => digest.chars().take(19).collect(),
    }
}

/// `0123456789ab` — the first 12 hex digits of an image ID, as `docker images` shows it.
pub fn short_image_id(id: &str) -> String {
    let hex = id.split_once(':').map_or(id, |(_, hex)| hex);
    hex.chars().take(12).collect()
}

/// `2026-11-26 23:04` from an RFC 3339 time (the registry's `created`), or the input unchanged.
pub fn created(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(date), Some(time)) if rfc3339.as_bytes().get(10) == Some(&b'T') => format!("{date} {time}"),
        _ => rfc3339.to_owned(),
    }
}

/// `2026-11-26T23:04:46.123Z` for a Unix time in milliseconds: the form the server writes times
/// in, fixed width, so two of them compare as strings (e.g. a token's `expires_at` against now).
/// A time outside years 0–9999 (only a corrupted value holds one) prints as the epoch.
pub fn rfc3339_utc(unix_ms: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        // The browser's own formatter writes exactly this form, and keeps `time` out of the WASM.
        let ms = if (-62_167_219_200_000..=253_402_300_799_999).contains(&unix_ms) { unix_ms } else { 0 };
        String::from(web_sys::js_sys::Date::new(&(ms as f64).into()).to_iso_string())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
            .ok()
            .filter(|t| (0..=9999).contains(&t.year()))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        t.format(FORMAT).expect("a UTC time within years 0-9999 always formats")
    }
}

/// The current time in Unix milliseconds, from the browser's clock in the browser.
pub fn now_unix_ms() -> u64 {
    #[cfg(feature = "hydrate")]
    {
        web_sys::js_sys::Date::now() as u64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
    }
}

/// `https://host:port` of a page's URL (what an API call from a script must be sent to).
pub fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find(['/', '?', '#']) {
        Some(end) => &url[..after_scheme + end],
        None => url,
    }
}

/// A done fraction (0..=1) as a whole percentage, for a progress bar's `aria-valuenow`.
pub fn percent(fraction: f64) -> u8 {
    (fraction.clamp(0.0, 1.0) * 100.0).round() as u8
}

/// `3/9 items · 12.0 MiB / 30.0 MiB`; the bytes only once the job knows some sizes.
pub fn progress(p: &crate::model::Progress, items_word: &str) -> String {
    let items = format!("{}/{} {items_word}", p.items_done, p.items_total);
    if p.bytes_total == 0 {
        items
    } else {
        format!("{items} · {} / {}", bytes(p.bytes_done), bytes(p.bytes_total))
    }
}

/// Percent-encodes a query-string value (everything but unreserved characters and `/`).
pub fn query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{
        bytes, created, origin, percent, progress, query_value, rfc3339_utc, short_digest, short_image_id,
        time_of_day_utc,
    };
    use crate::model::Progress;

    #[test]
    fn progress_shows_items_and_known_bytes() {
        let items_only = Progress { items_done: 1, items_total: 2, bytes_done: 0, bytes_total: 0 };
        assert_eq!(progress(&items_only, "items"), "1/2 items");
        let with_bytes =
            Progress { items_done: 3, items_total: 9, bytes_done: 12 << 20, bytes_total: 30 << 20 };
        assert_eq!(progress(&with_bytes, "items"), "3/9 items · 12.0 MiB / 30.0 MiB");
        assert_eq!(percent(with_bytes.fraction()), 40);
        assert_eq!(percent(1.5), 100);
        assert_eq!(percent(0.0), 0);
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(query_value("team/app-1.x_y"), "team/app-1.x_y");
        assert_eq!(query_value("a b&c=d#"), "a%20b%26c%3Dd%23");
        assert_eq!(query_value("é"), "%C3%A9");
    }

    #[test]
    fn sizes_use_binary_units() {
        let cases = [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (1536, "1.5 KiB"),
            (20 * 1024 * 1024, "20.0 MiB"),
            (3 << 40, "3.0 TiB"),
        ];
        for (n, expected) in cases {
            assert_eq!(bytes(n), expected, "{n}");
        }
    }

    #[test]
    fn digests_shorten_like_docker() {
        assert_eq!(short_digest("sha256:0123456789abcdef0123"), "sha256:0123456789ab");
        assert_eq!(short_digest("sha256:abc"), "sha256:abc");
        assert_eq!(short_digest("nodigest"), "nodigest");
    }

    #[test]
    fn image_ids_shorten_like_docker_images() {
        assert_eq!(short_image_id("sha256:0123456789abcdef0123"), "0123456789ab");
        assert_eq!(short_image_id("0123456789abcdef"), "0123456789ab");
        assert_eq!(short_image_id("sha256:abc"), "abc");
    }

    #[test]
    fn created_times_show_date_and_minute() {
        assert_eq!(created("2026-11-26T23:04:46.123456789Z"), "2026-11-26 23:04");
        assert_eq!(created("not a time"), "not a time");
    }

    #[test]
    fn formats_time_of_day() {
        assert_eq!(time_of_day_utc(0), "00:00:00.000 UTC");
        // 2026-11-26T23:04:46.123Z
        assert_eq!(time_of_day_utc(1_795_734_286_123), "23:04:46.123 UTC");
        assert_eq!(time_of_day_utc(86_399_999), "23:59:59.999 UTC");
    }

    #[test]
    fn unix_times_format_as_the_server_writes_them() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_utc(1_795_734_286_123), "2026-11-26T23:04:46.123Z");
        // A leap day, and the last millisecond of a century year that is a leap year.
        assert_eq!(rfc3339_utc(1_709_164_800_000), "2024-02-29T00:00:00.000Z");
        assert_eq!(rfc3339_utc(978_307_199_999), "2000-12-31T23:59:59.999Z");
        // Out of range (a corrupted value): the epoch, never a panic or a variable-width year.
        assert_eq!(rfc3339_utc(i64::MAX), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_utc(-62_167_219_200_001), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn origins_drop_path_query_and_fragment() {
        assert_eq!(origin("http://127.0.0.1:3000/tokens?all=1"), "http://127.0.0.1:3000");
        assert_eq!(origin("https://rm.example.com"), "https://rm.example.com");
        assert_eq!(origin("https://rm.example.com#x"), "https://rm.example.com");
    }
}
