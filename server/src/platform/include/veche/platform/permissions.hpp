#pragma once
// What a module declares about authorization (docs/architecture.md, "Roles and permissions"):
// the permissions its routes check ("support.agent") and the system roles it ships ("support.agent"
// holding them). Plain constant data, so a module lists them in constexpr arrays; the registry
// collects them and the roles service (veche/roles/role_service.hpp) stores the roles.

#include <span>
#include <string_view>

namespace veche::platform {

struct PermissionSpec {
    std::string_view name;   // "<module>.<verb>": [a-z0-9_.-], up to 64 bytes
    std::string_view title;  // one line for the admin console (English; the client translates by name)
};

struct RoleSpec {
    std::string_view name;  // "<module>.<role>", unique; a system role: not renamable, not archivable
    std::string_view title;
    std::string_view description;
    std::span<const std::string_view> permissions;  // names declared by some module or the platform
};

}  // namespace veche::platform
