// `mhero openhim install-channels`: creates the mediator's default polling channels in OpenHIM
// (POST /mediators/{urn}/channels with []), once, on request (OpenHIM does not create them at
// registration; core src/api/mediators.js loadDefaultChannels).
#include "cli/command_line.h"
#include "cli/context.h"
#include "cli/io.h"
#include "integrations/openhim_api.h"
#include "integrations/openhim_mediator.h"

namespace mhero::cli {

namespace {

int run_install_channels(Context& ctx) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  if ((*node)->config().role != Role::central) {
    return fail(failed_precondition("openhim install-channels: only the central node is an OpenHIM mediator"));
  }
  if (!integrations::OpenHimConfig::configured((*node)->config())) {
    return fail(failed_precondition("openhim install-channels: [openhim] url is not set in " +
                                    (*node)->paths().config().string()));
  }
  auto config = integrations::OpenHimConfig::from((*node)->config());
  if (!config.ok()) return fail(config.status());
  integrations::OpenHimApi api(*config);
  // Registering first is harmless (the same version changes nothing) and makes sure the
  // mediator, whose defaultChannelConfig the channels come from, exists.
  Status s = api.register_mediator(integrations::mediator_document(*config, (*node)->config().table, version()));
  if (s.ok()) s = api.install_channels(nlohmann::json::array());
  if (!s.ok()) return fail(s.with_context("openhim install-channels"));
  cli::out() << "installed the polling channels \"" << integrations::kChannelRegistryPull << "\", \""
             << integrations::kChannelDispatch << "\" and \"" << integrations::kChannelResponses << "\" in "
             << config->url << " (mediator " << config->mediator_urn << ")\n";
  return 0;
}

}  // namespace

void add_openhim_commands(CLI::App& app, Context& ctx) {
  auto* openhim = app.add_subcommand("openhim", "Central: the node as an OpenHIM mediator ([openhim] in config.toml)");
  openhim->require_subcommand(1);
  auto* install = openhim->add_subcommand(
      "install-channels", "Register the mediator and create its default polling channels in OpenHIM (do it once)");
  add_dir_option(*install, ctx);
  install->callback([&ctx] { ctx.action = [&ctx] { return run_install_channels(ctx); }; });
}

}  // namespace mhero::cli
