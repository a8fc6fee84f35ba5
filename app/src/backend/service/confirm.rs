//! Typed confirmation phrases: the one place where the UI's door and the REST door differ.

use crate::backend::auth::principal::{Channel, Principal};
use crate::model::AppError;

/// Typed confirmation phrases (a repository's name, `delete 3 repositories`). Our UI must send
/// them; a REST caller may (scripts keep the original tool's bodies, which have none, and hold a
/// token with the role the change needs), and a phrase that is sent is always checked.
pub fn confirmation(
    who: &Principal,
    given: Option<&str>,
    check: impl FnOnce(&str) -> Result<(), AppError>,
) -> Result<(), AppError> {
    match (given, who.channel) {
        (Some(phrase), _) => check(phrase),
        (None, Channel::Rest | Channel::Cli) => Ok(()),
        (None, Channel::Ui) => check(""),
    }
}

/// Deleting a repository removes every tag in it, so the caller must repeat its name.
pub fn confirm_repository_delete(repository: &str, confirmation: &str) -> Result<(), AppError> {
    if confirmation == repository {
        Ok(())
    } else {
        Err(AppError::BadRequest(crate::msg!(ConfirmRepositoryDelete, repository)))
    }
}

/// Deleting several repositories at once: the caller must type the phrase
/// [`crate::naming::batch_delete_phrase`] shows (`delete 3 repositories`).
pub fn confirm_batch_delete(count: usize, confirmation: &str) -> Result<(), AppError> {
    let phrase = crate::naming::batch_delete_phrase(count);
    if confirmation.trim() == phrase {
        Ok(())
    } else {
        Err(AppError::BadRequest(crate::msg!(ConfirmBatchDelete, count, &phrase)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_deletes_need_the_exact_name() {
        assert_eq!(confirm_repository_delete("team/app", "team/app"), Ok(()));
        for wrong in ["", "team", "Team/app", "team/app "] {
            let Err(AppError::BadRequest(message)) = confirm_repository_delete("team/app", wrong) else {
                panic!("{wrong:?} confirmed the delete");
            };
            assert_eq!(message.code(), Some("confirm_repository_delete"));
            assert!(message.contains("\"team/app\""), "{message}");
        }
    }

    #[test]
    fn batch_deletes_need_the_phrase_with_the_count() {
        assert_eq!(confirm_batch_delete(3, "delete 3 repositories"), Ok(()));
        assert_eq!(confirm_batch_delete(1, "delete 1 repository"), Ok(()));
        let Err(AppError::BadRequest(message)) = confirm_batch_delete(3, "delete 2 repositories") else {
            panic!("a wrong count confirmed the delete");
        };
        assert_eq!(message.code(), Some("confirm_batch_delete"));
        assert!(message.contains("\"delete 3 repositories\""), "{message}");
    }

    #[test]
    fn the_ui_must_type_the_phrase_and_rest_may() {
        let ui = Principal::local(Channel::Ui, None);
        let rest = Principal::local(Channel::Rest, None);
        let check = |phrase: &str| confirm_repository_delete("team/app", phrase);
        assert!(matches!(confirmation(&ui, None, check), Err(AppError::BadRequest(_))));
        assert_eq!(confirmation(&rest, None, check), Ok(()));
        // A phrase that is sent is checked, whichever door it came through.
        assert!(matches!(confirmation(&rest, Some("team"), check), Err(AppError::BadRequest(_))));
        assert_eq!(confirmation(&ui, Some("team/app"), check), Ok(()));
    }
}
