/** What `rm-harness env` writes to its state file. */
export interface HarnessState {
  app_url: string;
  dead_registry_app_url: string;
  registry_url: string;
  registry_host: string;
  docker_host: string;
}
