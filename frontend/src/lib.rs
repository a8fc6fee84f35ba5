//! WASM entry point: hydrates the HTML the server rendered.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // As `leptos::mount::hydrate_lazy`, which this is plus the marker: the pages are lazy routes
    // (app::ui::lazy_pages), so hydration first loads the chunk of the page the server rendered.
    // (`hydrate_from_async` starts leptos' executor itself, so this first task is spawned directly.)
    wasm_bindgen_futures::spawn_local(async {
        let app = leptos::mount::hydrate_from_async(
            leptos::prelude::document().body().expect("a <body>"),
            app::App,
        )
        .await;
        app.forget();
        app::ui::mark_hydrated();
    });
}
