use leptos::prelude::*;

/// A modal confirmation dialog. The caller renders it only while it is open.
#[component]
pub fn Dialog(
    /// Heading, also the dialog's accessible name.
    #[prop(into)]
    title: String,
    children: Children,
) -> impl IntoView {
    let label = title.clone();
    view! {
        <div class="dialog-backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-label=label>
                <h2>{title}</h2>
                {children()}
            </div>
        </div>
    }
}
