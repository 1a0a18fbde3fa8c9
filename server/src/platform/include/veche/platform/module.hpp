#pragma once
// What a business module contributes to the server, and the registry that assembles them.
//
// app/src/modules.cpp lists the modules once; the registry orders them by their dependencies,
// hands their migrations to storage, starts them (each builds its services and may Find what an
// earlier module Published), then collects their routes. Adding a module edits that list and the
// CMake line that builds it, nothing else (docs/architecture.md, "How to add a module").
// After userver's component list (ComponentList().Append<>(), FindComponent<T>()), kept narrow:
// everything a module gives is an Add…, and Find is for wiring at start-up, never per request.
//
// Thread safety: the registry and the context are used on the main thread, before serving (Stop:
// after); not thread-safe. What modules publish must be safe to use from the worker threads.

#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include "veche/platform/permissions.hpp"
#include "veche/storage/migration.hpp"

namespace veche::api {
class Router;
class UploadRegistry;
}  // namespace veche::api
namespace veche::storage {
class Database;
}
namespace veche::realtime {
class Hub;
}

namespace veche::platform {

class ModuleContext {
public:
    explicit ModuleContext(storage::Database& db) : db_(db) {}

    storage::Database& db() { return db_; }

    // Makes `service` findable by type for the modules started after this one (the registry starts
    // a module after everything it depends_on). Publishing one type twice is a wiring bug: throws.
    template <class T>
    void Publish(T& service) {
        auto [it, inserted] = services_.emplace(std::type_index(typeid(T)), &service);
        (void)it;
        if (!inserted) throw std::logic_error(std::string("published twice: ") + typeid(T).name());
    }

    // A service published earlier. Absent means a missing depends_on or module: throws at start-up.
    template <class T>
    T& Find() const {
        auto it = services_.find(std::type_index(typeid(T)));
        if (it == services_.end())
            throw std::logic_error(std::string("no module published ") + typeid(T).name());
        return *static_cast<T*>(it->second);
    }

    template <class T>
    bool Has() const {
        return services_.count(std::type_index(typeid(T))) != 0;
    }

private:
    storage::Database& db_;
    std::unordered_map<std::type_index, void*> services_;
};

class Module {
public:
    virtual ~Module() = default;
    // "support": the key of its migrations, the prefix of its tables, its route prefix and event kinds.
    virtual std::string_view name() const = 0;
    virtual std::vector<std::string_view> depends_on() const { return {}; }
    // Its schema, append-only (veche/storage/migration.hpp). Empty for a module without tables.
    virtual std::span<const storage::ModuleMigration> migrations() const { return {}; }
    // The permissions its services check and the system roles it ships (veche/platform/permissions.hpp);
    // names start with "<name>.". The roles service stores the roles at start.
    virtual std::span<const PermissionSpec> permissions() const { return {}; }
    virtual std::span<const RoleSpec> roles() const { return {}; }
    // Builds its services over ctx.db() and what it Finds; Publishes what other modules may call.
    virtual void Start(ModuleContext& ctx) = 0;
    // Its REST routes (/api/v1/<name>/… by convention; the messenger's predate the convention).
    virtual void AddRoutes(api::Router& /*router*/) {}
    // The streamed uploads it accepts (veche/api/uploads.hpp).
    virtual void AddUploads(api::UploadRegistry& /*uploads*/) {}
    // Who follows the topics of its kinds and the client frames it handles: hub.AddAudience,
    // hub.actions().Add (veche/realtime/audience.hpp). Called after every module has started.
    virtual void AddRealtime(realtime::Hub& /*hub*/) {}
    // After serving has ended, in reverse start order.
    virtual void Stop() {}
};

class ModuleRegistry {
public:
    // Orders the modules so that each comes after what it depends_on (stable otherwise). Throws
    // std::logic_error for a duplicate name, an unknown dependency or a cycle.
    explicit ModuleRegistry(std::vector<std::unique_ptr<Module>> modules);
    ~ModuleRegistry();

    // Every module's migrations in start order, for DatabaseOptions::modules.
    std::vector<storage::ModuleSchema> Schemas() const;
    // Every module's permissions and system roles, in start order. Throws std::logic_error for a
    // name outside the module's "<name>." prefix.
    std::vector<PermissionSpec> Permissions() const;
    std::vector<RoleSpec> Roles() const;
    void Start(ModuleContext& ctx);
    void AddRoutes(api::Router& router);
    void AddUploads(api::UploadRegistry& uploads);
    void AddRealtime(realtime::Hub& hub);
    void Stop();

    std::vector<std::string_view> Names() const;  // in start order

private:
    std::vector<std::unique_ptr<Module>> modules_;
    std::size_t started_ = 0;
};

}  // namespace veche::platform
