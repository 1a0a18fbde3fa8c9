// The only list of modules. Adding a module adds one line here (and its folder to CMake).
#include "veche/app/modules.hpp"

#include "veche/accounts/module.hpp"
#include "veche/chat/module.hpp"
#include "veche/experts/module.hpp"
#include "veche/objects/module.hpp"
#include "veche/scheduled/module.hpp"
#include "veche/support/module.hpp"

namespace veche::app {

std::vector<std::unique_ptr<platform::Module>> AllModules(const Config& cfg) {
    std::vector<std::unique_ptr<platform::Module>> m;
    accounts::AccountsOptions ao;
    ao.login.account_failures = cfg.login_account_failures;
    ao.login.address_attempts = cfg.login_address_failures_per_minute;
    ao.sessions = {static_cast<std::int64_t>(cfg.session_idle_timeout_seconds) * 1000,
                   static_cast<std::int64_t>(cfg.session_max_age_seconds) * 1000};
    m.push_back(accounts::MakeModule(ao));
    m.push_back(chat::MakeModule({static_cast<std::uint64_t>(cfg.max_upload_mb) << 20,
                                  static_cast<std::uint64_t>(cfg.upload_quota_mb) << 20}));
    m.push_back(scheduled::MakeModule());
    m.push_back(objects::MakeModule());
    m.push_back(support::MakeModule());
    m.push_back(experts::MakeModule());
    return m;
}

}  // namespace veche::app
