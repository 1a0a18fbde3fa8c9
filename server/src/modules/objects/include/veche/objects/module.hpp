#pragma once
// The business-objects module (CTX, MODULES.md §1): object types as templates, objects registered
// by an external system, their stages, counterparties and chat trees, documents, approvals with
// signatures and voting cards. Depends on accounts, chat, roles, jobs, calendar and signing.

#include <memory>

#include "veche/platform/module.hpp"
#include "veche/storage/migration.hpp"

namespace veche::objects {

storage::ModuleSchema Schema();
std::unique_ptr<platform::Module> MakeModule();

}  // namespace veche::objects
