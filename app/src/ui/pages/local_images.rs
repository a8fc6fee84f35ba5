use leptos::prelude::*;

use super::PageHeader;
use crate::ui::strings::strings;

/// The local images page. Its content arrives with its own feature; until then it says so.
#[component]
pub fn LocalImagesPage() -> impl IntoView {
    let s = strings();
    view! {
        <section class="page">
            <PageHeader title=s.local_images_title intro=s.local_images_intro />
            <p class="empty-state">{s.not_yet_available}</p>
        </section>
    }
}
