use leptos::prelude::*;

use crate::api::registry::get_tag_detail;
use crate::model::{ImageConfigSummary, ImageDetail, TagDetail};
use crate::ui::components::{CopyButton, ErrorList, LocalTime};
use crate::ui::format;
use crate::ui::strings::strings;

/// One tag: manifest, platforms, layers, config, history, labels. Every registry-provided string is
/// rendered as text (Leptos escapes it), never as markup.
#[component]
pub fn TagPage(repository: String, tag: String) -> impl IntoView {
    let s = strings();
    let detail = {
        let (repository, tag) = (repository.clone(), tag.clone());
        crate::ui::resource::resource(|| (), move |_| get_tag_detail(repository.clone(), tag.clone()))
    };
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <p class="breadcrumb">
                        <a href="/">{s.repositories_title}</a>
                        " / "
                        <a href=format!("/repositories/{repository}")>{repository.clone()}</a>
                    </p>
                    <h1>{format!("{repository}:{tag}")}</h1>
                </div>
            </header>
            <Transition fallback=move || view! { <p class="muted">{s.loading}</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move { detail.await.map(|d| view! { <TagDetailView detail=d /> }) })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn TagDetailView(detail: TagDetail) -> impl IntoView {
    let s = strings();
    view! {
        <section class="card" aria-label=s.manifest_label>
            <dl>
                <dt>{s.digest_label}</dt>
                <dd>
                    <code>{detail.digest.clone()}</code>
                    <CopyButton text=detail.digest.clone() label=s.copy_digest />
                </dd>
                <dt>{s.media_type_label}</dt>
                <dd><code>{detail.media_type.clone()}</code></dd>
                <dt>{s.column_size}</dt>
                <dd>{format::bytes(detail.size_bytes)}</dd>
                <dt>{s.sibling_tags_label}</dt>
                <dd>
                    {if detail.sibling_tags.is_empty() {
                        s.none.into_any()
                    } else {
                        detail.sibling_tags.join(", ").into_any()
                    }}
                </dd>
            </dl>
            <KeyValues title=s.annotations_label values=detail.annotations.clone().into_iter().collect() />
        </section>
        {detail.images.into_iter().map(|image| view! { <ImageView image /> }).collect_view()}
    }
}

#[component]
fn ImageView(image: ImageDetail) -> impl IntoView {
    let s = strings();
    let title = image.platform.as_ref().map(|p| p.to_string()).unwrap_or_else(|| s.image_label.to_owned());
    let label = title.clone();
    view! {
        <section class="card image" aria-label=label>
            <h2>{title}</h2>
            <dl>
                <dt>{s.digest_label}</dt>
                <dd><code>{image.digest.clone()}</code></dd>
                <dt>{s.media_type_label}</dt>
                <dd><code>{image.media_type.clone()}</code></dd>
                <dt>{s.column_size}</dt>
                <dd>{format::bytes(image.size_bytes)}</dd>
                {image.config_media_type.clone().map(|m| view! { <dt>{s.config_media_type_label}</dt><dd><code>{m}</code></dd> })}
            </dl>
            {image.config.clone().map(|config| view! { <ConfigView config /> })}
            <h3>{s.layers_label}</h3>
            <table class="table">
                <thead>
                    <tr><th>{s.column_digest}</th><th class="num">{s.column_size}</th><th>{s.media_type_label}</th></tr>
                </thead>
                <tbody>
                    {image.layers.into_iter().map(|layer| view! {
                        <tr>
                            <td><code title=layer.digest.clone()>{format::short_digest(&layer.digest)}</code></td>
                            <td class="num">{format::bytes(layer.size_bytes)}</td>
                            <td><code>{layer.media_type}</code></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <KeyValues title=s.annotations_label values=image.annotations.into_iter().collect() />
        </section>
    }
}

#[component]
fn ConfigView(config: ImageConfigSummary) -> impl IntoView {
    let s = strings();
    let platform = [config.os.clone(), config.architecture.clone(), config.variant.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("/");
    let join = |v: &[String]| (!v.is_empty()).then(|| v.join(" "));
    let rows: Vec<(&'static str, Option<String>)> = vec![
        (s.platform_label, Some(platform).filter(|p| !p.is_empty())),
        (s.entrypoint_label, join(&config.entrypoint)),
        (s.cmd_label, join(&config.cmd)),
        (s.working_dir_label, config.working_dir.clone()),
        (s.user_label, config.user.clone()),
        (s.ports_label, (!config.exposed_ports.is_empty()).then(|| config.exposed_ports.join(", "))),
        (s.author_label, config.author.clone()),
    ];
    view! {
        <h3>{s.config_label}</h3>
        <dl>
            {config.created.map(|at| view! { <dt>{s.column_created}</dt><dd><LocalTime at /></dd> })}
            {rows
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| view! { <dt>{k}</dt><dd><code>{v}</code></dd> }))
                .collect_view()}
        </dl>
        {(!config.env.is_empty()).then(|| view! {
            <h3>{s.env_label}</h3>
            <ul class="plain">{config.env.into_iter().map(|e| view! { <li><code>{e}</code></li> }).collect_view()}</ul>
        })}
        <KeyValues title=s.labels_label values=config.labels.into_iter().collect() />
        {(!config.history.is_empty()).then(|| view! {
            <h3>{s.history_label}</h3>
            <ol class="history">
                {config.history.into_iter().map(|step| view! {
                    <li class:empty-layer=step.empty_layer>
                        <code>{step.created_by.unwrap_or_default()}</code>
                        {step.created.map(|at| view! { <span class="muted">" " <LocalTime at /></span> })}
                    </li>
                }).collect_view()}
            </ol>
        })}
    }
}

/// A titled key/value table, omitted when empty (labels, annotations).
#[component]
fn KeyValues(title: &'static str, values: Vec<(String, String)>) -> impl IntoView {
    (!values.is_empty()).then(|| {
        view! {
            <h3>{title}</h3>
            <table class="table kv" aria-label=title>
                <tbody>
                    {values.into_iter().map(|(k, v)| view! { <tr><th scope="row"><code>{k}</code></th><td>{v}</td></tr> }).collect_view()}
                </tbody>
            </table>
        }
    })
}
