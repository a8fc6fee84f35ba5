use leptos::prelude::*;

use crate::ui::strings::strings;

/// Shows the errors an `ErrorBoundary` caught, as text (never as markup).
#[component]
pub fn ErrorList(
    /// The boundary's errors.
    errors: ArcRwSignal<Errors>,
) -> impl IntoView {
    view! {
        <div class="error-box" role="alert">
            <strong>{strings().error_title}</strong>
            <ul>
                {move || {
                    errors
                        .get()
                        .into_iter()
                        .map(|(_, e)| view! { <li>{e.to_string()}</li> })
                        .collect_view()
                }}
            </ul>
        </div>
    }
}
