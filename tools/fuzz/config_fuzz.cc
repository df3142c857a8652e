// Fuzz target: a node's config.toml as every command opens it (node/config.h NodeConfig::load:
// TOML syntax, the key table of node/config_keys.h, the [node] rules), then each subsystem's own
// table ([sync], [registry], [openinfoman], [rapidpro]).
#include "fuzz_support.h"
#include "integrations/openinfoman_pull.h"
#include "messaging/messaging_service.h"
#include "node/config.h"
#include "registry/registry_config.h"
#include "replication/sync_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mhero;
  auto config = NodeConfig::load(fuzz::scratch_file(fuzz::as_text(data, size), "config.toml"));
  if (!config.ok()) return 0;
  (void)SyncConfig::from(*config);
  (void)registry::RegistryConfig::from(*config);
  (void)integrations::OpenInfoManConfig::from(*config);
  (void)load_rapidpro_config(config->table);
  return 0;
}
