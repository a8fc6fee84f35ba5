/** What `rm-harness env` writes to its state file. */
export interface HarnessState {
  app_url: string;
  dead_registry_app_url: string;
  registry_url: string;
  registry_host: string;
  docker_host: string;
  fixtures: { browse: BrowseFixtures };
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
