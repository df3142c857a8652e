// gen-registry: writes a deterministic synthetic country as a CSD document (see gen_registry.h).
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "gen_registry.h"

int main(int argc, char** argv) {
  mhero::tools::GenRegistryOptions o;
  std::string out_path;
  CLI::App app{"gen-registry: a synthetic country's health workers in CSD XML (deterministic from --seed)"};
  app.add_option("--providers", o.providers, "Number of providers")->capture_default_str();
  app.add_option("--districts", o.districts, "Number of districts (codes D01, D02, …)")->capture_default_str();
  app.add_option("--facilities-per-district", o.facilities_per_district, "Facilities in each district")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Seed; the same seed gives the same file")->capture_default_str();
  app.add_option("--messy", o.messy_fraction, "Share of providers with a real-export defect (0..1)")
      ->capture_default_str();
  app.add_option("--region", o.region, "Phone region (only LR is generated)")->capture_default_str();
  app.add_flag("--prefixed", o.prefixed, "Write csd:-prefixed elements");
  app.add_option("--out", out_path, "Output file (default: stdout)");
  CLI11_PARSE(app, argc, argv);
  if (o.region != "LR") {
    std::cerr << "gen-registry: only --region LR is supported\n";
    return 2;
  }
  if (o.districts == 0) {
    std::cerr << "gen-registry: --districts must be at least 1\n";
    return 2;
  }
  std::ofstream file;
  if (!out_path.empty()) {
    file.open(out_path, std::ios::binary);
    if (!file) {
      std::cerr << "gen-registry: cannot write " << out_path << "\n";
      return 1;
    }
  }
  std::ostream& out = out_path.empty() ? std::cout : file;
  auto c = mhero::tools::generate_registry(o, out);
  out.flush();
  if (!out) {
    std::cerr << "gen-registry: write failed\n";
    return 1;
  }
  std::cerr << "generated " << c.providers << " providers (" << c.messy << " messy: " << c.without_mobile
            << " without a valid mobile, " << c.unassigned << " unassigned; " << c.inactive << " inactive), "
            << c.facilities << " facilities, " << c.organizations << " organizations\n";
  return 0;
}
