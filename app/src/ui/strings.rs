//! Every user-visible string of the UI, in one place, so a translation (zh-CN first) is one new
//! table rather than a hunt through components.

/// The UI's text in one language.
pub struct Strings {
    pub app_name: &'static str,
    pub nav_label: &'static str,
    pub nav_repositories: &'static str,
    pub nav_local_images: &'static str,
    pub nav_jobs: &'static str,
    pub nav_status: &'static str,
    pub loading: &'static str,
    pub error_title: &'static str,

    pub repositories_title: &'static str,
    pub repositories_intro: &'static str,
    pub local_images_title: &'static str,
    pub local_images_intro: &'static str,
    pub jobs_title: &'static str,
    pub jobs_intro: &'static str,
    pub not_yet_available: &'static str,

    pub status_title: &'static str,
    pub status_intro: &'static str,
    pub status_check_again: &'static str,
    pub status_checked_at: &'static str,
    pub status_registry: &'static str,
    pub status_docker: &'static str,
    pub status_host: &'static str,
    pub status_reachable: &'static str,
    pub status_unreachable: &'static str,
    pub status_api_url: &'static str,
    pub status_push_host: &'static str,
    pub status_auth_mode: &'static str,
    pub status_credentials: &'static str,
    pub status_credentials_set: &'static str,
    pub status_credentials_unset: &'static str,
    pub status_reason: &'static str,
    pub status_docker_host: &'static str,
    pub status_docker_version: &'static str,
    pub status_detected_arch: &'static str,
    pub status_host_machine: &'static str,

    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub not_found_link: &'static str,
}

pub static EN: Strings = Strings {
    app_name: "Registry Manager",
    nav_label: "Main",
    nav_repositories: "Repositories",
    nav_local_images: "Local images",
    nav_jobs: "Jobs",
    nav_status: "Status",
    loading: "Loading…",
    error_title: "Something went wrong",

    repositories_title: "Repositories",
    repositories_intro: "Browse the registry's repositories and tags, and delete what is no longer needed.",
    local_images_title: "Local images",
    local_images_intro: "Push this host's Docker images to the registry in batch, renamed with a prefix and an architecture suffix.",
    jobs_title: "Jobs",
    jobs_intro: "Every sync, rename, push and delete runs as a job: watch it live and find it again later.",
    not_yet_available: "This view is not part of this build yet.",

    status_title: "Status",
    status_intro: "Whether the registry and the Docker daemon answer, and how this server reaches them.",
    status_check_again: "Check again",
    status_checked_at: "Checked at",
    status_registry: "Registry",
    status_docker: "Docker daemon",
    status_host: "Host",
    status_reachable: "Reachable",
    status_unreachable: "Unreachable",
    status_api_url: "API URL",
    status_push_host: "Push host",
    status_auth_mode: "Authentication",
    status_credentials: "Credentials",
    status_credentials_set: "configured",
    status_credentials_unset: "not configured",
    status_reason: "Reason",
    status_docker_host: "Address",
    status_docker_version: "Version",
    status_detected_arch: "Detected architecture",
    status_host_machine: "Machine",

    not_found_title: "Page not found",
    not_found_body: "There is nothing at this address.",
    not_found_link: "Go to the repositories",
};

/// The strings for the current language (English until a locale switch exists).
pub fn strings() -> &'static Strings {
    &EN
}
