//! Keyboard shortcuts of the whole app: `/` moves focus to the page's search field (the first
//! `<input type="search">` in `<main>`, which carries `aria-keyshortcuts="/"`), as on many sites.
//! Not while the user types in a field (there `/` is a character), nor while a modal dialog is
//! open (the page behind it is inert), nor with a modifier held.

/// Whether a key pressed in an element of this kind is text typed into it.
pub fn is_typing_field(tag_name: &str, input_type: &str, content_editable: bool) -> bool {
    if content_editable {
        return true;
    }
    match tag_name.to_ascii_uppercase().as_str() {
        "TEXTAREA" | "SELECT" => true,
        "INPUT" => !matches!(
            input_type.to_ascii_lowercase().as_str(),
            "checkbox" | "radio" | "button" | "submit" | "reset" | "range" | "color" | "file" | "image"
        ),
        _ => false,
    }
}

/// Listens for `/` on the window while the calling component lives. Browser only.
pub fn focus_search_on_slash() {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::*;
        use leptos::wasm_bindgen::JsCast as _;

        let handle = window_event_listener(leptos::ev::keydown, |ev| {
            if ev.key() != "/" || ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.default_prevented() {
                return;
            }
            let typing =
                ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()).is_some_and(|el| {
                    let input_type = el.get_attribute("type").unwrap_or_default();
                    is_typing_field(&el.tag_name(), &input_type, el.is_content_editable())
                });
            let document = document();
            let modal_open = document.query_selector("dialog[open]").ok().flatten().is_some();
            if typing || modal_open {
                return;
            }
            let search = document
                .query_selector("main input[type=search]")
                .ok()
                .flatten()
                .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok());
            if let Some(search) = search {
                ev.prevent_default();
                let _ = search.focus();
                search.select();
            }
        });
        on_cleanup(move || handle.remove());
    }
}

#[cfg(test)]
mod tests {
    use super::is_typing_field;

    #[test]
    fn slash_is_text_in_text_fields_only() {
        assert!(is_typing_field("INPUT", "", false));
        assert!(is_typing_field("INPUT", "search", false));
        assert!(is_typing_field("input", "password", false));
        assert!(is_typing_field("TEXTAREA", "", false));
        assert!(is_typing_field("SELECT", "", false));
        assert!(is_typing_field("DIV", "", true));
        assert!(!is_typing_field("INPUT", "checkbox", false));
        assert!(!is_typing_field("INPUT", "radio", false));
        assert!(!is_typing_field("BUTTON", "button", false));
        assert!(!is_typing_field("A", "", false));
        assert!(!is_typing_field("BODY", "", false));
    }
}
