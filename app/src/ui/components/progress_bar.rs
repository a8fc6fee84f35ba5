use leptos::prelude::*;

use crate::model::Progress;
use crate::ui::format;
use crate::ui::strings::strings;

/// A job's progress: a bar (by bytes once sizes are known, else by items) and the counts as text,
/// e.g. "3/9 items · 12.0 MiB / 30.0 MiB".
#[component]
pub fn ProgressBar(
    /// Items and bytes done so far.
    #[prop(into)]
    progress: Signal<Progress>,
    /// Accessible name of the bar.
    #[prop(into)]
    label: String,
) -> impl IntoView {
    let percent = move || format::percent(progress.get().fraction()).to_string();
    let text = move || format::progress(&progress.get(), strings().items_word);
    view! {
        <div class="progress">
            <div
                class="progress-track"
                role="progressbar"
                aria-label=label
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=percent
                aria-valuetext=text
            >
                <div class="progress-fill" style:width=move || format!("{}%", percent())></div>
            </div>
            <span class="progress-text">{text}</span>
        </div>
    }
}
