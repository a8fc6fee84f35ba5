//! Samples, their summary (median, min, max) and the printed tables.

use std::fmt::Write as _;
use std::time::Duration;

/// Timings of one measured thing.
#[derive(Clone, Debug, Default)]
pub struct Samples(pub Vec<Duration>);

impl Samples {
    pub fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    fn sorted(&self) -> Vec<Duration> {
        let mut v = self.0.clone();
        v.sort();
        v
    }

    /// The median (mean of the two middle values for an even count).
    pub fn median(&self) -> Duration {
        let v = self.sorted();
        match v.len() {
            0 => Duration::ZERO,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2,
        }
    }

    pub fn min(&self) -> Duration {
        self.0.iter().min().copied().unwrap_or_default()
    }

    pub fn max(&self) -> Duration {
        self.0.iter().max().copied().unwrap_or_default()
    }

    /// `123.4 ms [110.2–130.9] n=5`
    pub fn summary(&self) -> String {
        if self.0.is_empty() {
            return "— (not measured)".into();
        }
        if self.0.len() == 1 {
            return format!("{} (1 run)", ms(self.median()));
        }
        format!("{} [{}–{}] n={}", ms(self.median()), ms_bare(self.min()), ms_bare(self.max()), self.0.len())
    }
}

fn ms_value(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else if ms < 1000.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

/// `12.3 ms`
pub fn ms(d: Duration) -> String {
    format!("{} ms", ms_value(d))
}

fn ms_bare(d: Duration) -> String {
    ms_value(d)
}

/// What a row is held to.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// ours / reference ≤ this.
    Ratio(f64),
    /// reference / ours ≥ this (ours is this many times faster); the ratio column shows
    /// reference / ours for such rows.
    Speedup(f64),
    /// ours (median) ≤ this many milliseconds.
    Millis(f64),
    /// ours (median) − reference (median) ≤ this many milliseconds: what ours adds to the same
    /// work (the ratio column shows the difference).
    Added(f64),
    /// Reported for information only.
    None,
}

/// One line of a scenario's table.
#[derive(Clone, Debug)]
pub struct Row {
    pub case: String,
    pub ours: Samples,
    /// Name and samples of what `ours` is compared with.
    pub reference: Option<(String, Samples)>,
    pub target: Target,
}

impl Row {
    pub fn ratio(&self) -> Option<f64> {
        let (_, r) = self.reference.as_ref()?;
        let r = r.median().as_secs_f64();
        (r > 0.0 && !self.ours.0.is_empty()).then(|| self.ours.median().as_secs_f64() / r)
    }

    /// reference / ours (how many times faster ours is).
    pub fn speedup(&self) -> Option<f64> {
        let (_, r) = self.reference.as_ref()?;
        let ours = self.ours.median().as_secs_f64();
        (ours > 0.0 && !r.0.is_empty()).then(|| r.median().as_secs_f64() / ours)
    }

    /// ours − reference in milliseconds, negative when ours is faster.
    fn added_ms(&self) -> Option<f64> {
        let (_, r) = self.reference.as_ref()?;
        (!r.0.is_empty() && !self.ours.0.is_empty())
            .then(|| (self.ours.median().as_secs_f64() - r.median().as_secs_f64()) * 1000.0)
    }

    /// `Some(true)` PASS, `Some(false)` MISS, `None` informational.
    pub fn passed(&self) -> Option<bool> {
        match self.target {
            Target::Ratio(max) => self.ratio().map(|r| r <= max + 1e-9),
            Target::Speedup(min) => self.speedup().map(|r| r >= min - 1e-9),
            Target::Millis(max) => Some(self.ours.median().as_secs_f64() * 1000.0 <= max),
            Target::Added(max) => self.added_ms().map(|d| d <= max + 1e-9),
            Target::None => None,
        }
    }

    fn ratio_text(&self) -> String {
        if let Target::Added(_) = self.target {
            // `+42 µs`, `-3 µs`, `+1.25 ms`: fits the 8-character column.
            return match self.added_ms() {
                Some(d) if d.abs() < 1.0 => format!("{:+.0} µs", d * 1000.0),
                Some(d) => format!("{d:+.2} ms"),
                None => "—".into(),
            };
        }
        if let Target::Speedup(_) = self.target {
            return match self.speedup() {
                Some(r) if r >= 100.0 => format!("{r:.0}×"),
                Some(r) => format!("{r:.1}×"),
                None => "—".into(),
            };
        }
        match self.ratio() {
            Some(r) if r < 0.01 => format!("{r:.4}×"),
            Some(r) => format!("{r:.3}×"),
            None => "—".into(),
        }
    }

    fn target_text(&self) -> String {
        match self.target {
            Target::Ratio(r) => format!("≤ {r:.2}×"),
            Target::Speedup(r) => format!("≥ {r:.0}× ref"),
            Target::Millis(m) => format!("≤ {m:.0} ms"),
            Target::Added(m) => format!("≤ +{m:.0} ms"),
            Target::None => "—".into(),
        }
    }

    fn result_text(&self) -> &'static str {
        match self.passed() {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "info",
        }
    }
}

/// A target on something other than a time (memory, say): printed under the rows and in the
/// summary.
#[derive(Clone, Debug)]
pub struct Check {
    pub case: String,
    /// What was measured, e.g. `12.5 MiB (runs: 12.5, 11.0, 12.9)`.
    pub value: String,
    /// e.g. `≤ 40 MiB`.
    pub target: String,
    pub passed: bool,
}

/// A scenario's results: title, notes printed under it, rows, other checks, and what could not be
/// measured (`errors`: the scenario then counts as failed, but what was measured still prints).
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub title: String,
    pub notes: Vec<String>,
    pub rows: Vec<Row>,
    pub checks: Vec<Check>,
    pub errors: Vec<String>,
}

/// Pads to `width` characters (not bytes: the table has `×`, `–`, `≤`).
fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width { s.to_string() } else { format!("{s}{}", " ".repeat(width - n)) }
}

fn rpad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width { s.to_string() } else { format!("{}{s}", " ".repeat(width - n)) }
}

const CASE_W: usize = 44;
const TIME_W: usize = 31;

impl Table {
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "\n{}", self.title);
        for n in &self.notes {
            let _ = writeln!(out, "  {n}");
        }
        let _ = writeln!(
            out,
            "  {} {} {} {} {} result",
            pad("case", CASE_W),
            pad("ours: median [min–max] runs", TIME_W),
            pad("reference: median [min–max] runs", TIME_W + 8),
            rpad("ratio", 8),
            pad("target", 9),
        );
        for r in &self.rows {
            let reference = match &r.reference {
                Some((name, s)) => format!("{name} {}", s.summary()),
                None => "—".into(),
            };
            let _ = writeln!(
                out,
                "  {} {} {} {} {} {}",
                pad(&r.case, CASE_W),
                pad(&r.ours.summary(), TIME_W),
                pad(&reference, TIME_W + 8),
                rpad(&r.ratio_text(), 8),
                pad(&r.target_text(), 9),
                r.result_text(),
            );
        }
        for c in &self.checks {
            let _ = writeln!(
                out,
                "  {} {} {} {}",
                pad(&c.case, CASE_W),
                pad(&c.value, TIME_W * 2 + 18),
                pad(&c.target, 9),
                if c.passed { "PASS" } else { "MISS" },
            );
        }
        for e in &self.errors {
            let _ = writeln!(out, "  NOT MEASURED: {e}");
        }
        out
    }

    /// `title / case: value vs target RESULT` lines for the final summary (targets only).
    pub fn summary_lines(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| r.passed().is_some())
            .map(|r| {
                let value = match r.target {
                    Target::Ratio(_) | Target::Speedup(_) | Target::Added(_) => {
                        format!("{} ({} vs {})", r.ratio_text(), ms(r.ours.median()), {
                            r.reference.as_ref().map(|(_, s)| ms(s.median())).unwrap_or_default()
                        })
                    }
                    _ => ms(r.ours.median()),
                };
                format!(
                    "{} {} {} target {}",
                    r.result_text(),
                    pad(&format!("{}: {}", self.short_title(), r.case), 64),
                    pad(&value, 34),
                    r.target_text()
                )
            })
            .chain(self.checks.iter().map(|c| {
                format!(
                    "{} {} {} target {}",
                    if c.passed { "PASS" } else { "MISS" },
                    pad(&format!("{}: {}", self.short_title(), c.case), 64),
                    pad(&c.value, 34),
                    c.target
                )
            }))
            .collect()
    }

    fn short_title(&self) -> &str {
        self.title.split(['.', ' ']).find(|s| !s.is_empty()).unwrap_or(&self.title)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(ms: &[u64]) -> Samples {
        Samples(ms.iter().map(|&m| Duration::from_millis(m)).collect())
    }

    #[test]
    fn median_min_max() {
        let s = samples(&[5, 1, 3]);
        assert_eq!(s.median(), Duration::from_millis(3));
        assert_eq!(s.min(), Duration::from_millis(1));
        assert_eq!(s.max(), Duration::from_millis(5));
        assert_eq!(samples(&[4, 1, 3, 2]).median(), Duration::from_micros(2500));
    }

    #[test]
    fn targets_decide_pass_and_miss() {
        let row = |ours: &[u64], target| Row {
            case: "c".into(),
            ours: samples(ours),
            reference: Some(("ref".into(), samples(&[100]))),
            target,
        };
        assert_eq!(row(&[70], Target::Ratio(0.7)).passed(), Some(true));
        assert_eq!(row(&[71], Target::Ratio(0.7)).passed(), Some(false));
        assert_eq!(row(&[50], Target::Millis(50.0)).passed(), Some(true));
        assert_eq!(row(&[51], Target::Millis(50.0)).passed(), Some(false));
        assert_eq!(row(&[51], Target::None).passed(), None);
        assert_eq!(row(&[10], Target::Speedup(10.0)).passed(), Some(true));
        assert_eq!(row(&[11], Target::Speedup(10.0)).passed(), Some(false));
        assert!(row(&[10], Target::Speedup(10.0)).ratio_text().starts_with("10.0×"));
        let added = |ours_us: u64, reference_us: u64| Row {
            reference: Some(("ref".into(), Samples(vec![Duration::from_micros(reference_us)]))),
            ours: Samples(vec![Duration::from_micros(ours_us)]),
            ..row(&[1], Target::Added(1.0))
        };
        assert_eq!(added(1_300, 400).passed(), Some(true));
        assert_eq!(added(1_500, 400).passed(), Some(false));
        assert_eq!(added(300, 400).passed(), Some(true));
        assert_eq!(added(442, 400).ratio_text(), "+42 µs");
        assert_eq!(added(300, 400).ratio_text(), "-100 µs");
        assert_eq!(added(1_650, 400).ratio_text(), "+1.25 ms");
        let t = Table {
            title: "[1] x".into(),
            rows: vec![row(&[71], Target::Ratio(0.7))],
            checks: vec![Check {
                case: "mem".into(),
                value: "1 MiB".into(),
                target: "≤ 2 MiB".into(),
                passed: true,
            }],
            ..Table::default()
        };
        assert!(t.render().contains("MISS"));
        assert!(t.summary_lines()[0].starts_with("MISS [1]: c"));
        assert!(t.summary_lines()[1].starts_with("PASS [1]: mem"));
        let empty = Row { ours: Samples::default(), ..row(&[1], Target::Ratio(1.0)) };
        assert_eq!(empty.passed(), None);
    }
}
