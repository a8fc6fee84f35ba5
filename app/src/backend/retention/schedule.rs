//! Retention schedules: 5-field cron expressions (minute hour day-of-month month day-of-week, in
//! UTC), parsed by `croner` (a maintained crate following POSIX/Vixie cron), and the next fire time
//! after a given moment, which the scheduler (`service/retention.rs`) waits for.

use std::str::FromStr;

use crate::model::AppError;
use crate::msg;

/// A checked schedule.
#[derive(Clone, Debug)]
pub struct Schedule {
    cron: croner::Cron,
}

impl Schedule {
    /// Parses a 5-field expression. croner also takes a seconds field; a policy's schedule may not
    /// have one (a minute is the finest step a retention run needs), so the field count is checked
    /// first and said plainly.
    pub fn parse(expression: &str) -> Result<Schedule, AppError> {
        let fields = expression.split_whitespace().count();
        if fields != 5 {
            return Err(AppError::BadRequest(msg!(ScheduleFieldCount, expression, fields)));
        }
        let cron = croner::Cron::from_str(expression)
            .map_err(|e| AppError::BadRequest(msg!(ScheduleInvalid, expression, e.to_string())))?;
        Ok(Schedule { cron })
    }

    /// The first fire time strictly after `after` (unix seconds), if there is one.
    pub fn next_after(&self, after: i64) -> Option<i64> {
        let at = chrono::DateTime::<chrono::Utc>::from_timestamp(after, 0)?;
        self.cron.find_next_occurrence(&at, false).ok().map(|t| t.timestamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fire_times_are_whole_minutes_in_utc() {
        // 2026-12-02T10:04:30Z
        let at = 1_796_205_870;
        assert_eq!(at % 60, 30);
        let every_five = Schedule::parse("*/5 * * * *").unwrap();
        assert_eq!(every_five.next_after(at), Some(at - 270 + 300)); // 10:05:00
        let daily = Schedule::parse("0 3 * * *").unwrap();
        let next = daily.next_after(at).unwrap();
        assert_eq!(next % 86_400, 3 * 3600);
        assert!(next > at && next - at <= 86_400);
        // Strictly after: a fire time is not found again.
        assert_eq!(every_five.next_after(at - 270 + 300), Some(at - 270 + 600));
    }

    #[test]
    fn six_fields_and_nonsense_are_refused() {
        assert!(Schedule::parse("0 0 3 * * *").unwrap_err().to_string().contains("it needs 5 fields"));
        assert!(Schedule::parse("every day").unwrap_err().to_string().contains("2 fields"));
        assert!(
            Schedule::parse("99 * * * *").unwrap_err().to_string().contains("not a valid cron expression")
        );
    }
}
