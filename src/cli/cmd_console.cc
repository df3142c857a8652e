// `mhero console user add|list|passwd|disable|enable`: staff accounts of this node's console
// (console/accounts.h), the same actions as the console's /users page, audited the same way
// (user "", client "cli:<unix user>").
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/context.h"
#include <spdlog/spdlog.h>

#include "console/accounts.h"
#include "console/console_server.h"

namespace mhero::cli {

namespace {

// Reads one line from the terminal of whoever typed the command, with echo off (cli/io.h).
// Errors: failed_precondition when the input ended (no terminal, nothing typed).
Result<std::string> ask_hidden(const std::string& prompt) {
  auto line = ask(prompt, /*secret=*/true);
  if (!line) return failed_precondition("no password was typed: pass --password-file FILE");
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return *line;
}

// The new password: the first line of `file`, or asked twice on the terminal.
Result<std::string> new_password(const std::string& file, const std::string& who) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return invalid_argument("--password-file " + file + " cannot be read");
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  MHERO_ASSIGN_OR_RETURN(auto first, ask_hidden("New password for " + who + " (at least 10 characters): "));
  MHERO_RETURN_IF_ERROR(console::check_password_policy(first));
  MHERO_ASSIGN_OR_RETURN(auto again, ask_hidden("The same password again: "));
  if (again != first) return invalid_argument("the two passwords differ; nothing changed");
  return first;
}

console::Actor cli_actor() {
  const passwd* pw = ::getpwuid(::geteuid());
  return console::Actor{"", std::string("cli:") + (pw && pw->pw_name ? pw->pw_name : "?")};
}

// Opens the node and runs `fn` with an account desk (interactive hashing cost).
int with_desk(Context& ctx, const std::function<int(console::AccountDesk&)>& fn) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  console::UserStore users((*node)->store(), ctx.clock);
  console::PasswordHasher hasher(console::HashCost::interactive());
  console::AccountDesk desk{**node, users, hasher, nullptr};
  return fn(desk);
}

int list_users(Context& ctx) {
  return with_desk(ctx, [](console::AccountDesk& desk) {
    auto users = desk.users.list();
    if (!users.ok()) return fail(users.status());
    if (users->empty()) cli::out() << "no console users yet; add one with `mhero console user add NAME --role admin`\n";
    for (const auto& u : *users) {
      cli::out() << u.name << "  " << console::staff_role_name(u.role) << "  " << (u.disabled ? "disabled" : "active")
                << "  created " << iso_time_ms(u.created_ms) << "  changed " << iso_time_ms(u.changed_ms) << "\n";
    }
    return 0;
  });
}

}  // namespace

void add_console_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string name, role, password_file;
  };
  auto args = std::make_shared<Args>();
  auto* console_cmd = app.add_subcommand("console", "The reconciliation console's staff accounts");
  console_cmd->require_subcommand(1);
  auto* user = console_cmd->add_subcommand("user", "Add, list, disable console users; set their passwords");
  user->require_subcommand(1);

  auto* add = user->add_subcommand("add", "Add a console user (password from --password-file or asked twice)");
  add_dir_option(*add, ctx);
  add->add_option("name", args->name, "User name: a-z, 0-9, '.', '_', '-'")->required();
  add->add_option("--role", args->role, "viewer, reviewer, operator or admin")->required();
  add->add_option("--password-file", args->password_file, "File whose first line is the password");
  add->callback([&ctx, args] {
    ctx.action = [&ctx, args]() -> int {
      auto role = console::parse_staff_role(args->role);
      if (!role) return usage_error("--role must be viewer, reviewer, operator or admin, not '" + args->role + "'");
      if (Status s = console::check_user_name(args->name); !s.ok()) return fail(s);
      auto password = new_password(args->password_file, args->name);
      if (!password.ok()) return fail(password.status());
      return with_desk(ctx, [&](console::AccountDesk& desk) {
        Status s = console::add_account(desk, cli_actor(), args->name, *role, *password);
        if (!s.ok()) return fail(s);
        cli::out() << "added console user " << args->name << " (" << args->role << ")\n";
        return 0;
      });
    };
  });

  auto* list = user->add_subcommand("list", "List console users: name, role, active or disabled, times");
  add_dir_option(*list, ctx);
  list->callback([&ctx] { ctx.action = [&ctx] { return list_users(ctx); }; });

  auto* passwd = user->add_subcommand("passwd", "Set a console user's password (ends their sessions)");
  add_dir_option(*passwd, ctx);
  passwd->add_option("name", args->name, "User name")->required();
  passwd->add_option("--password-file", args->password_file, "File whose first line is the password");
  passwd->callback([&ctx, args] {
    ctx.action = [&ctx, args]() -> int {
      auto password = new_password(args->password_file, args->name);
      if (!password.ok()) return fail(password.status());
      return with_desk(ctx, [&](console::AccountDesk& desk) {
        Status s = console::change_password(desk, cli_actor(), args->name, *password);
        if (!s.ok()) return fail(s);
        cli::out() << "new password set for " << args->name << "\n";
        return 0;
      });
    };
  });

  auto* role = user->add_subcommand("role", "Change a console user's role (ends their sessions)");
  add_dir_option(*role, ctx);
  role->add_option("name", args->name, "User name")->required();
  role->add_option("--role", args->role, "viewer, reviewer, operator or admin")->required();
  role->callback([&ctx, args] {
    ctx.action = [&ctx, args]() -> int {
      auto r = console::parse_staff_role(args->role);
      if (!r) return usage_error("--role must be viewer, reviewer, operator or admin, not '" + args->role + "'");
      return with_desk(ctx, [&](console::AccountDesk& desk) {
        Status s = console::set_account_role(desk, cli_actor(), args->name, *r);
        if (!s.ok()) return fail(s);
        cli::out() << args->name << " is now " << args->role << "\n";
        return 0;
      });
    };
  });

  for (bool disable : {true, false}) {
    auto* cmd = user->add_subcommand(disable ? "disable" : "enable",
                                     disable ? "Disable a console user (they cannot log in)" : "Enable it again");
    add_dir_option(*cmd, ctx);
    cmd->add_option("name", args->name, "User name")->required();
    cmd->callback([&ctx, args, disable] {
      ctx.action = [&ctx, args, disable]() -> int {
        return with_desk(ctx, [&](console::AccountDesk& desk) {
          Status s = console::set_account_disabled(desk, cli_actor(), args->name, disable);
          if (!s.ok()) return fail(s);
          cli::out() << (disable ? "disabled " : "enabled ") << args->name << "\n";
          return 0;
        });
      };
    });
  }
}

}  // namespace mhero::cli

namespace mhero::cli {

Result<std::unique_ptr<console::ConsoleServer>> start_console(Node& node, const Clock& clock,
                                                              const std::string& listen_flag, bool plain_http,
                                                              bool announce) {
  MHERO_ASSIGN_OR_RETURN(auto options, console::ConsoleOptions::from(node.config()));
  if (!listen_flag.empty()) options.listen = listen_flag;
  if (options.listen.empty()) return std::unique_ptr<console::ConsoleServer>();
  options.plain_http = plain_http;
  auto server = std::make_unique<console::ConsoleServer>(node, std::move(options), clock);
  if (Status s = server->start(); !s.ok()) {
    if (!listen_flag.empty()) return s;
    // From config.toml: sync must not stop because the console cannot start (a port in use).
    spdlog::error("console not served: {}", s.to_string());
    return std::unique_ptr<console::ConsoleServer>();
  }
  if (announce) {
    spdlog::info("console: {}", server->url());
    if (!server->fingerprint().empty()) {
      spdlog::info("console certificate SHA-256 fingerprint{}: {}",
                   server->generated_certificate() ? " (self-signed, just generated)" : "", server->fingerprint());
    }
    auto users = console::UserStore(node.store(), clock).list();
    if (users.ok() && users->empty()) {
      spdlog::warn("console: no users yet; add one with `mhero console user add NAME --role admin`");
    }
  }
  return server;
}

}  // namespace mhero::cli
