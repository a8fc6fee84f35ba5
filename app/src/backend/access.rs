//! The one gate every change passes through.
//!
//! Server functions and REST handlers that change anything (delete a tag, start a job, remove a
//! local image…) call [`AppState::authorize`](super::AppState::authorize) with the [`Operation`]
//! first. Today the policy knows one rule, `READ_ONLY`; per-user permissions can later sit here
//! without touching any caller.

use crate::model::AppError;

/// A change a user can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    DeleteTag,
    DeleteRepository,
    StartJob,
    CancelJob,
    DeleteLocalImage,
}

impl Operation {
    pub fn describe(self) -> &'static str {
        match self {
            Self::DeleteTag => "delete a tag",
            Self::DeleteRepository => "delete a repository",
            Self::StartJob => "start a job",
            Self::CancelJob => "cancel a job",
            Self::DeleteLocalImage => "delete a local image",
        }
    }
}

/// What the server allows, from its configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    pub read_only: bool,
}

impl Policy {
    pub fn check(self, operation: Operation) -> Result<(), AppError> {
        if self.read_only {
            return Err(AppError::Forbidden(format!(
                "this server is read-only, so it cannot {}: restart it without READ_ONLY=true to allow changes",
                operation.describe()
            )));
        }
        Ok(())
    }
}

/// Deleting a repository removes every tag in it, so the caller must repeat its name.
pub fn confirm_repository_delete(repository: &str, confirmation: &str) -> Result<(), AppError> {
    if confirmation == repository {
        Ok(())
    } else {
        Err(AppError::BadRequest(format!(
            "deleting a repository removes all its tags: confirm by repeating its name exactly (\"{repository}\")"
        )))
    }
}

/// Deleting several repositories at once: the caller must type the phrase
/// [`crate::naming::batch_delete_phrase`] shows (`delete 3 repositories`).
pub fn confirm_batch_delete(count: usize, confirmation: &str) -> Result<(), AppError> {
    let phrase = crate::naming::batch_delete_phrase(count);
    if confirmation.trim() == phrase {
        Ok(())
    } else {
        Err(AppError::BadRequest(format!(
            "deleting {count} repositories removes all their tags: confirm by typing \"{phrase}\""
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::{Operation, Policy, confirm_batch_delete, confirm_repository_delete};
    use crate::model::AppError;

    #[test]
    fn read_only_refuses_every_change_and_says_how_to_allow_it() {
        let policy = Policy { read_only: true };
        for op in [
            Operation::DeleteTag,
            Operation::DeleteRepository,
            Operation::StartJob,
            Operation::CancelJob,
            Operation::DeleteLocalImage,
        ] {
            let Err(AppError::Forbidden(message)) = policy.check(op) else {
                panic!("{op:?} was allowed on a read-only server");
            };
            assert!(message.contains(op.describe()), "{message}");
            assert!(message.contains("READ_ONLY"), "{message}");
        }
    }

    #[test]
    fn repository_deletes_need_the_exact_name() {
        assert_eq!(confirm_repository_delete("team/app", "team/app"), Ok(()));
        for wrong in ["", "team", "Team/app", "team/app "] {
            let Err(AppError::BadRequest(message)) = confirm_repository_delete("team/app", wrong) else {
                panic!("{wrong:?} confirmed the delete");
            };
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
        assert!(message.contains("\"delete 3 repositories\""), "{message}");
    }

    #[test]
    fn default_policy_allows_changes() {
        assert_eq!(Policy::default().check(Operation::DeleteTag), Ok(()));
    }
}
