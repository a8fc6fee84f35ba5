//! A modal dialog on the browser's own `<dialog>`, opened with `showModal()`: the browser makes
//! the rest of the page inert (focus stays inside, clicks and screen readers do not reach it),
//! moves focus into the dialog, and closes it on Escape. Focus goes back to what had it before.

use leptos::prelude::*;

/// A modal dialog. The caller renders it only while it is open, and stops rendering it when
/// `on_close` runs (the user pressed Escape) as when its own Cancel button is pressed.
#[component]
pub fn Dialog(
    /// Heading, also the dialog's accessible name.
    #[prop(into)]
    title: String,
    /// The user dismissed the dialog (Escape): the caller closes it.
    #[prop(into)]
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let label = title.clone();
    let node = NodeRef::<leptos::html::Dialog>::new();
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast as _;
        // What had focus when the dialog opened (the button that opened it, usually).
        let opener = StoredValue::new_local(
            document().active_element().and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()),
        );
        Effect::new(move |_| {
            if let Some(dialog) = node.get() {
                show_when_connected(dialog);
            }
        });
        on_cleanup(move || {
            // After the dialog has left the document: until then the page behind it is inert
            // and cannot take focus.
            if let Some(Some(opener)) = opener.try_get_value() {
                request_animation_frame(move || {
                    if opener.is_connected() {
                        let _ = opener.focus();
                    }
                });
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = &node;
    // Escape: the browser closes the dialog itself (`cancel`, then `close`); the caller is told, so
    // its state agrees and the same dialog can open again.
    view! {
        <dialog class="dialog" node_ref=node aria-label=label on:close=move |_| on_close.run(())>
            <h2>{title}</h2>
            {children()}
        </dialog>
    }
}

/// `showModal()` once the dialog is in the document: a dialog under a `<Suspense>` (the lazy ones)
/// is created before it is inserted, and a dialog that is not connected cannot be shown.
#[cfg(feature = "hydrate")]
fn show_when_connected(dialog: web_sys::HtmlDialogElement) {
    if dialog.open() {
        return;
    }
    if dialog.is_connected() {
        let _ = dialog.show_modal();
    } else {
        request_animation_frame(move || show_when_connected(dialog));
    }
}
