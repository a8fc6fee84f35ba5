//! How an error from a library reads in our messages: the error and its causes, each said once.
//! hyper and reqwest keep the useful part ("Connection refused", "invalid peer certificate:
//! UnknownIssuer") in the `source` chain behind a wrapper that says little.

use std::error::Error;

/// The error and its causes, `: `-joined, each text once: a cause whose text is already shown is
/// left out, and so is reqwest's "error sending request for url (…)" wrapper (the URL is shown by
/// the caller, scrubbed).
pub fn error_chain(error: &(dyn Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if !text.starts_with("error sending request") && !parts.iter().any(|shown| shown.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    if parts.is_empty() { error.to_string() } else { parts.join(": ") }
}

#[cfg(test)]
mod tests {
    use super::error_chain;

    #[derive(Debug, thiserror::Error)]
    #[error("{text}")]
    struct Layer {
        text: &'static str,
        #[source]
        source: Option<Box<Layer>>,
    }

    fn chain(texts: &[&'static str]) -> Layer {
        texts
            .iter()
            .rev()
            .fold(None, |source, text| Some(Layer { text, source: source.map(Box::new) }))
            .unwrap()
    }

    #[test]
    fn causes_are_joined_once_and_the_request_wrapper_is_dropped() {
        let error = chain(&[
            "error sending request for url (http://r/v2/)",
            "client error (Connect)",
            "Connection refused",
        ]);
        assert_eq!(error_chain(&error), "client error (Connect): Connection refused");
        let repeated = chain(&["cannot connect: Connection refused", "Connection refused"]);
        assert_eq!(error_chain(&repeated), "cannot connect: Connection refused");
        assert_eq!(error_chain(&chain(&["error sending request"])), "error sending request");
    }
}
