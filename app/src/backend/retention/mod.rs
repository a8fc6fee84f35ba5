//! Retention policies' rules, checked and compiled ([`CompiledPolicy`]), the one decision
//! function that says which tags go and why ([`decide`]), and how the tags that go are deleted
//! without touching a kept tag ([`deletions`]). The `retention` job kind runs these for its dry
//! run and its real run alike, so the run deletes exactly what the dry run listed; the service
//! layer compiles a policy to validate it before storing. The scheduler's fire times are in
//! [`schedule`].
//!
//! Patterns are compiled here, on the server: the `regex` and `globset` crates never reach the
//! browser's WASM.

pub mod schedule;

use std::collections::{BTreeMap, BTreeSet};

use globset::GlobMatcher;
use regex::Regex;

use crate::backend::registry::reference::{Digest, Tag};
use crate::model::{AppError, Message, RetentionPolicySpec};
use crate::msg;

/// The longest name, pattern or regex a policy may hold.
const MAX_TEXT: usize = 1000;
/// The largest `keep_last` and `older_than_days` (100 years of days).
const MAX_NUMBER: i64 = 36_500;
/// A day in milliseconds.
const DAY_MS: i64 = 86_400_000;
/// Compiled regexes may take at most this much memory (a pathological pattern is refused).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A policy's rules, checked and compiled.
#[derive(Clone, Debug)]
pub struct CompiledPolicy {
    pub repositories: GlobMatcher,
    pub keep_last: Option<usize>,
    pub keep_regex: Option<Regex>,
    pub older_than_days: Option<u32>,
    pub protect_regex: Option<Regex>,
    pub schedule: Option<schedule::Schedule>,
}

fn bad(message: Message) -> AppError {
    AppError::BadRequest(message)
}

fn regex(field: &str, value: &Option<String>) -> Result<Option<Regex>, AppError> {
    let Some(value) = value.as_deref().filter(|v| !v.is_empty()) else { return Ok(None) };
    if value.len() > MAX_TEXT {
        return Err(bad(msg!(FieldTooLong, field, MAX_TEXT)));
    }
    regex::RegexBuilder::new(value)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map(Some)
        .map_err(|e| bad(msg!(RegexInvalid, field, value, e.to_string())))
}

fn number(field: &str, value: Option<i64>) -> Result<Option<i64>, AppError> {
    match value {
        Some(n) if !(0..=MAX_NUMBER).contains(&n) => Err(bad(msg!(NumberOutOfRange, field, n, MAX_NUMBER))),
        other => Ok(other),
    }
}

/// Trims the text fields and turns empty optional ones into `None`: what is stored and run.
pub fn normalize(spec: &RetentionPolicySpec) -> RetentionPolicySpec {
    let optional =
        |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    RetentionPolicySpec {
        name: spec.name.trim().to_owned(),
        repositories: spec.repositories.trim().to_owned(),
        keep_last: spec.keep_last,
        keep_regex: optional(&spec.keep_regex),
        older_than_days: spec.older_than_days,
        protect_regex: optional(&spec.protect_regex),
        schedule: optional(&spec.schedule).map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")),
        gc_after: spec.gc_after,
    }
}

impl CompiledPolicy {
    /// Checks every rule (the first problem found is the error, saying what to fix) and compiles
    /// the patterns. Expects a [`normalize`]d spec.
    pub fn compile(spec: &RetentionPolicySpec) -> Result<CompiledPolicy, AppError> {
        if spec.name.is_empty() {
            return Err(bad(msg!(PolicyNameEmpty)));
        }
        if spec.name.len() > 200 {
            return Err(bad(msg!(PolicyNameTooLong)));
        }
        if spec.repositories.is_empty() {
            return Err(bad(msg!(PolicyRepositoriesEmpty)));
        }
        if spec.repositories.len() > MAX_TEXT {
            return Err(bad(msg!(FieldTooLong, "repositories", MAX_TEXT)));
        }
        let repositories = globset::GlobBuilder::new(&spec.repositories)
            .literal_separator(true)
            .build()
            .map_err(|e| bad(msg!(PolicyGlobInvalid, spec.repositories.as_str(), e.kind().to_string())))?
            .compile_matcher();
        let keep_last = number("keep_last", spec.keep_last)?.map(|n| n as usize);
        let older_than_days = number("older_than_days", spec.older_than_days)?.map(|n| n as u32);
        if keep_last.is_none() && older_than_days.is_none() {
            return Err(bad(msg!(PolicyDeletesNothing)));
        }
        let keep_regex = regex("keep_regex", &spec.keep_regex)?;
        let protect_regex = regex("protect_regex", &spec.protect_regex)?;
        let schedule = match spec.schedule.as_deref() {
            Some(expression) => Some(schedule::Schedule::parse(expression)?),
            None => None,
        };
        Ok(CompiledPolicy { repositories, keep_last, keep_regex, older_than_days, protect_regex, schedule })
    }

    pub fn matches_repository(&self, name: &str) -> bool {
        self.repositories.is_match(name)
    }
}

/// What the decision needs of one tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagFacts {
    pub tag: Tag,
    pub digest: Digest,
    /// Created time, unix milliseconds; `None` when the image does not say.
    pub created: Option<i64>,
}

/// Why a tag stays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kept {
    Protected,
    KeepRegex,
    /// One of the newest `keep_last` (1 = the newest).
    Newest(usize),
    /// Not older than `older_than_days`.
    Young,
    /// Its created time is unknown, so its age cannot be judged.
    UnknownAge,
}

/// Why a tag goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gone {
    /// Beyond the newest `keep_last` (and no age rule).
    BeyondKeepLast { keep_last: usize },
    /// Older than `older_than_days` (and not one of the newest `keep_last`, if set).
    OlderThan { days: u32, age_days: i64 },
}

impl Gone {
    /// Why, in the reader's language.
    pub fn message(&self) -> crate::model::Message {
        match self {
            Gone::BeyondKeepLast { keep_last } => msg!(RetentionBeyondKeepLast, *keep_last),
            Gone::OlderThan { days, age_days } => msg!(RetentionOlderThan, *age_days, *days),
        }
    }
}

/// In English.
impl std::fmt::Display for Gone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message())
    }
}

pub type Verdict = Result<Kept, Gone>;

/// The one decision: for each tag (in the order given), whether it stays and why. `now` is unix
/// milliseconds. Protect beats everything, then the keep regex, then the newest `keep_last` by
/// created time (ties by name), then age: with `older_than_days` only older tags go; without it
/// every tag beyond `keep_last` goes.
pub fn decide(policy: &CompiledPolicy, tags: &[TagFacts], now: i64) -> Vec<Verdict> {
    let mut verdicts: Vec<Option<Verdict>> = vec![None; tags.len()];
    let mut ranked: Vec<(i64, &str, usize)> = Vec::new();
    for (index, facts) in tags.iter().enumerate() {
        let name = facts.tag.as_str();
        verdicts[index] = if policy.protect_regex.as_ref().is_some_and(|r| r.is_match(name)) {
            Some(Ok(Kept::Protected))
        } else if policy.keep_regex.as_ref().is_some_and(|r| r.is_match(name)) {
            Some(Ok(Kept::KeepRegex))
        } else if let Some(created) = facts.created {
            ranked.push((created, name, index));
            None
        } else {
            Some(Ok(Kept::UnknownAge))
        };
    }
    // Newest first; equal times by name, so the order never depends on the registry's listing.
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    for (rank, (created, _, index)) in ranked.into_iter().enumerate() {
        verdicts[index] = Some(match (policy.keep_last, policy.older_than_days) {
            (Some(keep), _) if rank < keep => Ok(Kept::Newest(rank + 1)),
            (_, Some(days)) => {
                let age_days = (now - created).div_euclid(DAY_MS);
                if now - created > i64::from(days) * DAY_MS {
                    Err(Gone::OlderThan { days, age_days })
                } else {
                    Ok(Kept::Young)
                }
            }
            (Some(keep_last), None) => Err(Gone::BeyondKeepLast { keep_last }),
            (None, None) => Ok(Kept::Young), // refused by `compile`; keeping is the safe answer
        });
    }
    verdicts.into_iter().map(|v| v.expect("every tag decided")).collect()
}

/// How one digest's tags that go are deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deletion {
    /// No kept tag points at the digest: delete the manifest, which takes all these tags.
    Manifest { digest: Digest, tags: Vec<Tag> },
    /// Kept tags point at the digest: delete these tags one by one, the manifest stays for `kept`.
    TagsOnly { digest: Digest, tags: Vec<Tag>, kept: Vec<Tag> },
}

/// Groups the tags that go by digest: a digest is deleted only when every tag on it goes.
/// Ordered by digest, tags by name.
pub fn deletions(tags: &[TagFacts], verdicts: &[Verdict]) -> Vec<Deletion> {
    let mut by_digest: BTreeMap<&Digest, (BTreeSet<&Tag>, BTreeSet<&Tag>)> = BTreeMap::new();
    for (facts, verdict) in tags.iter().zip(verdicts) {
        let entry = by_digest.entry(&facts.digest).or_default();
        let side = if verdict.is_ok() { &mut entry.1 } else { &mut entry.0 };
        side.insert(&facts.tag);
    }
    by_digest
        .into_iter()
        .filter(|(_, (gone, _))| !gone.is_empty())
        .map(|(digest, (gone, kept))| {
            let gone: Vec<Tag> = gone.into_iter().cloned().collect();
            if kept.is_empty() {
                Deletion::Manifest { digest: digest.clone(), tags: gone }
            } else {
                Deletion::TagsOnly {
                    digest: digest.clone(),
                    tags: gone,
                    kept: kept.into_iter().cloned().collect(),
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = DAY_MS;
    const NOW: i64 = 1_800_000_000_000;

    fn spec(
        keep_last: Option<i64>,
        keep: Option<&str>,
        older: Option<i64>,
        protect: Option<&str>,
    ) -> RetentionPolicySpec {
        RetentionPolicySpec {
            name: "p".into(),
            repositories: "**".into(),
            keep_last,
            keep_regex: keep.map(str::to_owned),
            older_than_days: older,
            protect_regex: protect.map(str::to_owned),
            schedule: None,
            gc_after: false,
        }
    }

    fn digest(n: u8) -> Digest {
        format!("sha256:{}", format!("{n:02x}").repeat(32)).parse().unwrap()
    }

    /// `(tag, digest number, age in days or None)`.
    fn facts(rows: &[(&str, u8, Option<i64>)]) -> Vec<TagFacts> {
        rows.iter()
            .map(|(tag, d, age)| TagFacts {
                tag: tag.parse().unwrap(),
                digest: digest(*d),
                created: age.map(|a| NOW - a * DAY - 60_000),
            })
            .collect()
    }

    fn gone(policy: &RetentionPolicySpec, rows: &[(&str, u8, Option<i64>)]) -> Vec<String> {
        let tags = facts(rows);
        let verdicts = decide(&CompiledPolicy::compile(policy).unwrap(), &tags, NOW);
        tags.iter().zip(&verdicts).filter(|(_, v)| v.is_err()).map(|(t, _)| t.tag.to_string()).collect()
    }

    #[test]
    fn the_decision_table() {
        let rows = [
            ("latest", 1, Some(0)),
            ("v1.0.0", 2, Some(100)),
            ("v1.1.0", 3, Some(50)),
            ("dev-a", 4, Some(40)),
            ("dev-b", 5, Some(10)),
            ("dev-c", 6, Some(1)),
            ("unknown", 7, None),
        ];
        let cases: &[(&str, RetentionPolicySpec, &[&str])] = &[
            (
                "keep_last alone keeps the newest N",
                spec(Some(3), None, None, None),
                &["v1.0.0", "v1.1.0", "dev-a"],
            ),
            (
                "keep_last 0 deletes every dated tag",
                spec(Some(0), None, None, None),
                &["latest", "v1.0.0", "v1.1.0", "dev-a", "dev-b", "dev-c"],
            ),
            ("older_than_days alone", spec(None, None, Some(30), None), &["v1.0.0", "v1.1.0", "dev-a"]),
            ("keep_last saves old tags from the age rule", spec(Some(5), None, Some(30), None), &["v1.0.0"]),
            (
                "keep regex keeps and does not count towards keep_last",
                spec(Some(1), Some(r"^v\d+\.\d+\.\d+$"), None, None),
                &["dev-a", "dev-b", "dev-c"],
            ),
            (
                "protect beats everything",
                spec(Some(0), Some("^dev-"), Some(0), Some("^(latest|v1.0.0)$")),
                &["v1.1.0"],
            ),
            (
                "a day boundary: exactly older",
                spec(None, None, Some(10), None),
                &["v1.0.0", "v1.1.0", "dev-a", "dev-b"],
            ),
        ];
        for (name, policy, expected) in cases {
            assert_eq!(gone(policy, &rows), *expected, "{name}");
        }
    }

    #[test]
    fn reasons_say_why() {
        let tags = facts(&[("a", 1, Some(40)), ("b", 2, Some(1)), ("c", 3, Some(2)), ("p", 4, Some(90))]);
        let policy = CompiledPolicy::compile(&spec(Some(1), None, Some(30), Some("^p$"))).unwrap();
        let verdicts = decide(&policy, &tags, NOW);
        assert_eq!(
            verdicts,
            [
                Err(Gone::OlderThan { days: 30, age_days: 40 }),
                Ok(Kept::Newest(1)),
                Ok(Kept::Young),
                Ok(Kept::Protected)
            ]
        );
        assert_eq!(verdicts[0].clone().unwrap_err().to_string(), "created 40 days ago, older than 30 days");
    }

    #[test]
    fn a_digest_goes_only_when_no_kept_tag_points_at_it() {
        // `old` and `old-alias` share digest 1, both go: the manifest goes. `stale` shares digest
        // 2 with `release`, which the keep regex keeps: only the tag goes.
        let tags = facts(&[
            ("old", 1, Some(90)),
            ("old-alias", 1, Some(90)),
            ("stale", 2, Some(90)),
            ("release", 2, Some(90)),
            ("new", 3, Some(0)),
        ]);
        let policy = CompiledPolicy::compile(&spec(None, Some("^release$"), Some(30), None)).unwrap();
        let verdicts = decide(&policy, &tags, NOW);
        let t = |s: &str| s.parse::<Tag>().unwrap();
        assert_eq!(
            deletions(&tags, &verdicts),
            [
                Deletion::Manifest { digest: digest(1), tags: vec![t("old"), t("old-alias")] },
                Deletion::TagsOnly { digest: digest(2), tags: vec![t("stale")], kept: vec![t("release")] },
            ]
        );
    }

    #[test]
    fn bad_rules_are_refused_with_what_to_fix() {
        let error = |s: RetentionPolicySpec| CompiledPolicy::compile(&normalize(&s)).unwrap_err().to_string();
        assert!(error(spec(None, None, None, None)).contains("deletes nothing"));
        assert!(error(spec(Some(-1), None, None, None)).contains("keep_last is -1"));
        assert!(
            error(spec(Some(1), Some("(unclosed"), None, None))
                .contains("keep_regex `(unclosed` is not a valid regular expression")
        );
        assert!(error(spec(Some(1), None, None, Some("[z-a]"))).contains("protect_regex"));
        assert!(
            error(RetentionPolicySpec { repositories: "team/[".into(), ..spec(Some(1), None, None, None) })
                .contains("not a valid glob")
        );
        assert!(
            error(RetentionPolicySpec {
                schedule: Some("* * * * * *".into()),
                ..spec(Some(1), None, None, None)
            })
            .contains("5 fields")
        );
        assert!(
            error(RetentionPolicySpec {
                schedule: Some("61 * * * *".into()),
                ..spec(Some(1), None, None, None)
            })
            .contains("schedule")
        );
        assert!(
            error(RetentionPolicySpec { name: "  ".into(), ..spec(Some(1), None, None, None) })
                .contains("name is empty")
        );
    }

    #[test]
    fn globs_stay_within_a_segment_unless_doubled() {
        let glob = |g: &str| {
            CompiledPolicy::compile(&RetentionPolicySpec {
                repositories: g.into(),
                ..spec(Some(1), None, None, None)
            })
            .unwrap()
        };
        assert!(glob("team/*").matches_repository("team/app"));
        assert!(!glob("team/*").matches_repository("team/x/app"));
        assert!(glob("team/**").matches_repository("team/x/app"));
        assert!(glob("**").matches_repository("a/b/c"));
        assert!(!glob("team/*").matches_repository("other/app"));
    }
}
