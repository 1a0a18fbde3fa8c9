#pragma once
// Private to the accounts module: its REST routes, /api/v1/auth/… and /api/v1/users/… (docs/api.md,
// "Auth and sessions" and "Users").

#include "veche/accounts/account_service.hpp"
#include "veche/api/kit.hpp"

namespace veche::accounts {

struct AccountRoutes {
    const api::HttpKit& kit;
    AccountService& accounts;
};

void AddAccountRoutes(api::Router& router, AccountRoutes& routes);

}  // namespace veche::accounts
