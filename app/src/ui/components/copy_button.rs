use leptos::prelude::*;

use crate::ui::strings::strings;

/// A button that copies `text` to the clipboard and says so.
#[component]
pub fn CopyButton(
    /// What is copied.
    #[prop(into)]
    text: String,
    /// Accessible name, e.g. "Copy digest".
    #[prop(into)]
    label: String,
) -> impl IntoView {
    let s = strings();
    let copied = RwSignal::new(false);
    let tooltip = text.clone();
    let copy = move |_| {
        // The clipboard exists only in the browser; the promise's outcome is not worth a wait.
        #[cfg(feature = "hydrate")]
        let _ = window().navigator().clipboard().write_text(&text);
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
        copied.set(true);
    };
    view! {
        <button type="button" class="copy" aria-label=label title=tooltip on:click=copy>
            {move || if copied.get() { s.copied } else { s.copy }}
        </button>
    }
}
