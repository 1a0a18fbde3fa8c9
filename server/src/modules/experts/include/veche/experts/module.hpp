#pragma once
// The expert network module (EXP, MODULES.md §3): communities by topic with subscribers, the roles
// reservist, expert, curator and moderator on the platform's role model (experts and curators per
// community: scope kind "experts_community"), expert profiles with competences, and the expert
// applications. Depends on accounts and chat.

#include <memory>

#include "veche/platform/module.hpp"
#include "veche/storage/migration.hpp"

namespace veche::experts {

storage::ModuleSchema Schema();
std::unique_ptr<platform::Module> MakeModule();

}  // namespace veche::experts
