//! rm-harness: the shared end-to-end test harness of Registry Manager.
//!
//! Everything runs against real processes on 127.0.0.1: `docker-registry` (distribution
//! 2.8.2) in four flavours ([`Registry`]), a private `dockerd` ([`Dockerd`],
//! [`dockerd::shared`]), the app server ([`app::AppServer`]), and synthetic images built
//! here and pushed through the registry HTTP API ([`fixtures`]). Children cannot outlive the
//! test process (see [`process`]), and every temp dir is `/tmp/rmh-*`, removed on drop.

pub mod app;
pub mod certs;
pub mod dockerd;
pub mod fixtures;
pub mod hostile;
pub mod process;
pub mod proxy;
pub mod registry;
pub mod registry_image;
pub mod scenarios;
pub mod serve;
pub mod token;

pub use app::{AppConfig, AppServer};
pub use dockerd::Dockerd;
pub use fixtures::{ImageSpec, ManifestFormat, PushedImage, PushedIndex};
pub use hostile::{Behaviour, HostileRegistry};
pub use process::{PROCESS_MARKER, free_port};
pub use proxy::{Fault, FaultKind, FaultProxy, ProxiedRequest};
pub use registry::{Flavour, Registry, RegistryBuilder};
