#pragma once
// The accounts module: users, sessions, login, profiles, presence. It is the server's
// api::Authenticator and publishes its AccountService for the modules that show users.

#include <memory>

#include "veche/accounts/account_service.hpp"
#include "veche/platform/module.hpp"

namespace veche::api {
struct HttpKit;
}

namespace veche::accounts {

struct AccountsOptions {
    LoginLimits login{};
    SessionLimits sessions{};
};

// Finds the api::HttpKit at Start (app publishes it) and becomes its authenticator.
std::unique_ptr<platform::Module> MakeModule(AccountsOptions options);

}  // namespace veche::accounts
