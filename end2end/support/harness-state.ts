/** What `rm-harness env` writes to its state file. */
export interface HarnessState {
  app_url: string;
  dead_registry_app_url: string;
  /** An app started with no account: it logged a one-time first-run link, `setup_url`. */
  fresh_app_url: string;
  /** An app in `REGISTRY_MODE=embedded`: it runs its own registry, at `embedded_registry_url`. */
  embedded_app_url: string;
  embedded_registry_url: string;
  /** `<fresh_app_url>/setup?token=…`, as the fresh app logged it. */
  setup_url: string;
  /** The admin the main and dead-registry apps start with (`ADMIN_USERNAME`/`ADMIN_PASSWORD`). */
  admin_username: string;
  admin_password: string;
  registry_url: string;
  registry_host: string;
  docker_host: string;
  /** host:port of a "registry" that accepts connections and never answers. */
  stalled_source_host: string;
  fixtures: { browse: BrowseFixtures; local: LocalFixtures };
}

/** What `rm_harness::scenarios::seed_browse` pushed. */
export interface BrowseFixtures {
  repository: string;
  v1_digest: string;
  v2_digest: string;
  multi_digest: string;
  html_label: string;
  delete_repository: string;
}

/** What `rm_harness::scenarios::seed_local` loaded into the private dockerd (all linux/amd64 but `other`). */
export interface LocalFixtures {
  /** Two images for the push flow. */
  push: string[];
  /** One image under two tags (one image ID), for the delete flow. */
  shared: string[];
  shared_id: string;
  /** An unrelated image (linux/arm64) that a delete of `shared` must leave alone. */
  other: string;
}
