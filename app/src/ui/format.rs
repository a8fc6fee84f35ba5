//! Pure formatting helpers for the views.

/// `HH:MM:SS.mmm UTC` for a Unix time in milliseconds (the time of day is what a status check needs).
pub fn time_of_day_utc(unix_ms: u64) -> String {
    let ms = unix_ms % 1000;
    let secs = (unix_ms / 1000) % 86_400;
    format!("{:02}:{:02}:{:02}.{ms:03} UTC", secs / 3600, (secs / 60) % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::time_of_day_utc;

    #[test]
    fn formats_time_of_day() {
        assert_eq!(time_of_day_utc(0), "00:00:00.000 UTC");
        // 2026-11-26T23:04:46.123Z
        assert_eq!(time_of_day_utc(1_795_734_286_123), "23:04:46.123 UTC");
        assert_eq!(time_of_day_utc(86_399_999), "23:59:59.999 UTC");
    }
}
