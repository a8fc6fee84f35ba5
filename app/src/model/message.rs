//! [`Message`]: the text an error, a job log line or an item's detail carries. On the server it is
//! a typed key of [`crate::messages`] with its arguments, rendered in the language of whoever
//! reads it; on the wire and in the browser it is finished text (the tables never reach the WASM
//! bundle).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Text for the user: finished text (what the browser receives, and wording that comes verbatim
/// from elsewhere), or on the server a key with arguments still to be rendered in a language.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Message {
    /// Finished text, shown as it is.
    Text(String),
    /// A message of ours, rendered when the reader's language is known.
    #[cfg(feature = "ssr")]
    Keyed(crate::messages::Keyed),
}

impl Message {
    /// The stable code of a keyed message (`job_not_found`), for scripts that match errors
    /// without parsing text; `None` for finished text.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Message::Text(_) => None,
            #[cfg(feature = "ssr")]
            Message::Keyed(keyed) => Some(keyed.key.code()),
        }
    }

    /// The text in `lang`.
    #[cfg(feature = "ssr")]
    pub fn render(&self, lang: crate::ui::lang::Lang) -> String {
        match self {
            Message::Text(text) => text.clone(),
            Message::Keyed(keyed) => keyed.render(lang),
        }
    }

    /// The same message as finished text in `lang`.
    #[cfg(feature = "ssr")]
    pub fn localized(self, lang: crate::ui::lang::Lang) -> Message {
        match self {
            Message::Text(_) => self,
            Message::Keyed(keyed) => Message::Text(keyed.render(lang)),
        }
    }

    /// Whether this is empty text (no detail yet).
    pub fn is_empty(&self) -> bool {
        matches!(self, Message::Text(text) if text.is_empty())
    }

    /// Whether the text (English for a keyed message) contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        self.to_string().contains(needle)
    }
}

/// English for a keyed message: server logs, the command line, and the original contract's `logs`.
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Message::Text(text) => f.write_str(text),
            #[cfg(feature = "ssr")]
            Message::Keyed(keyed) => f.write_str(&keyed.render(crate::ui::lang::Lang::En)),
        }
    }
}

/// Compares the text (English for a keyed message), as tests and old callers of a `String` did.
impl PartialEq<&str> for Message {
    fn eq(&self, other: &&str) -> bool {
        match self {
            Message::Text(text) => text == other,
            #[cfg(feature = "ssr")]
            Message::Keyed(_) => {
                let text = self.to_string();
                text == *other
            }
        }
    }
}

impl PartialEq<String> for Message {
    fn eq(&self, other: &String) -> bool {
        *self == other.as_str()
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message::Text(text)
    }
}

impl From<&String> for Message {
    fn from(text: &String) -> Self {
        Message::Text(text.clone())
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message::Text(text.to_owned())
    }
}

/// On the wire a message is its text (English for a keyed one not yet localized).
impl Serialize for Message {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Message::Text(text) => serializer.serialize_str(text),
            #[cfg(feature = "ssr")]
            Message::Keyed(_) => serializer.serialize_str(&self.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Message::Text)
    }
}
