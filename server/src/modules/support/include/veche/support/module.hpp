#pragma once
// The support desk module (SUP, MODULES.md §2): inboxes (API and web widget), teams with members,
// topics, agents with access scopes and availability, contacts, and conversations numbered
// SUP-000001…, each bound to a core chat of kind "support". Depends on accounts, chat and roles.

#include <memory>

#include "veche/platform/module.hpp"
#include "veche/storage/migration.hpp"

namespace veche::support {

storage::ModuleSchema Schema();
std::unique_ptr<platform::Module> MakeModule();

}  // namespace veche::support
