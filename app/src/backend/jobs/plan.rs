//! What a job will do, known before it is queued ([`Plan`]), and the checks of a request's lists
//! that more than one kind makes: bad input is refused whole, before anything runs.

use crate::backend::registry::reference::RepositoryName;
use crate::model::{AppError, JobItem, Message};

/// What a job will do, known before it is queued.
pub struct Plan {
    /// For people and the original's `source_image` field: names verbatim, our words keyed.
    pub source_image: Message,
    /// For people and the original's `target_image` field.
    pub target_image: Message,
    /// Items known up front (a rename learns its tags when it starts).
    pub items: Vec<JobItem>,
}

/// Repository names from a request: trimmed, de-duplicated (first occurrence kept), each valid.
pub(super) fn repository_list(field: &str, names: &[String]) -> Result<Vec<RepositoryName>, AppError> {
    let mut out: Vec<RepositoryName> = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        let name = name.trim().trim_matches('/');
        match name.parse::<RepositoryName>() {
            Err(reason) => errors.push(crate::msg!(Labelled, &format!("{name:?}"), reason.message())),
            Ok(name) if !out.contains(&name) => out.push(name),
            Ok(_) => {}
        }
    }
    if !errors.is_empty() {
        return Err(AppError::BadRequest(crate::msg!(Labelled, field, crate::messages::joined(errors))));
    }
    if out.is_empty() {
        return Err(AppError::BadRequest(crate::msg!(ListEmpty, field)));
    }
    Ok(out)
}

/// Local image references from a request: trimmed, de-duplicated (first kept), at least one.
pub(super) fn image_refs(refs: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for reference in refs.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        if !out.iter().any(|r| r == reference) {
            out.push(reference.to_owned());
        }
    }
    if out.is_empty() {
        return Err(AppError::BadRequest(crate::msg!(ImageRefsEmpty)));
    }
    Ok(out)
}

/// One message per pair of sources that would get the same target name.
pub(super) fn collisions<N: Ord + std::fmt::Display>(pairs: &[(N, N)]) -> Vec<Message> {
    let mut seen = std::collections::BTreeMap::new();
    pairs
        .iter()
        .filter_map(|(source, target)| {
            seen.insert(target, source).map(|other| crate::msg!(Collision, other, source, target))
        })
        .collect()
}

/// What a list of names in a job's label is of.
#[derive(Clone, Copy, Debug)]
pub(super) enum Things {
    Repositories,
    Images,
    Tags,
}

/// A list of names for people: the name itself when there is one, else `3 images (a, b, c)`,
/// shortened past a few names (`…, … 2 more`), in the reader's language.
pub(super) fn describe(names: &[String], things: Things) -> Message {
    const SHOWN: usize = 3;
    if let [name] = names {
        return Message::from(name);
    }
    let listed = names.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    let listed = if names.len() > SHOWN {
        crate::msg!(LabelMore, listed, names.len() - SHOWN)
    } else {
        Message::Text(listed)
    };
    match things {
        Things::Repositories => crate::msg!(LabelRepositories, names.len(), listed),
        Things::Images => crate::msg!(LabelImages, names.len(), listed),
        Things::Tags => crate::msg!(LabelTags, names.len(), listed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_lists_are_cleaned_and_checked() {
        let names = ["a/b".to_owned(), " a/b ".to_owned(), "/c/".to_owned()];
        assert_eq!(repository_list("repositories", &names).unwrap(), ["a/b", "c"]);
        let bad = repository_list("repositories", &["ok".into(), "Bad".into()]);
        assert!(matches!(bad, Err(AppError::BadRequest(_))));
        assert!(matches!(repository_list("repositories", &[]), Err(AppError::BadRequest(_))));
        assert_eq!(describe(&["a".into()], Things::Repositories), "a");
        let four = describe(&["a".into(), "b".into(), "c".into(), "d".into()], Things::Repositories);
        assert_eq!(four, "4 repositories (a, b, c, … 1 more)");
        assert_eq!(four.render(crate::ui::lang::Lang::ZhCn), "4 个仓库（a, b, c，……另有 1 个）");
        assert_eq!(describe(&["a".into(), "b".into()], Things::Images), "2 images (a, b)");
        assert_eq!(
            describe(&["a".into(), "b".into()], Things::Tags).render(crate::ui::lang::Lang::ZhCn),
            "2 个标签（a, b）"
        );
    }

    #[test]
    fn image_references_are_cleaned_and_at_least_one() {
        assert_eq!(
            image_refs(&["app:v1".into(), " app:v1 ".into(), "web".into()]).unwrap(),
            ["app:v1", "web"]
        );
        assert!(image_refs(&[" ".into()]).unwrap_err().to_string().contains("image_refs is empty"));
        let found = collisions(&[("a", "x"), ("b", "x")]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code(), Some("collision"));
        assert_eq!(found[0], "a and b would both become x");
    }
}
