#include <map>
#include <set>

#include "veche/platform/module.hpp"

namespace veche::platform {

ModuleRegistry::ModuleRegistry(std::vector<std::unique_ptr<Module>> modules) {
    std::map<std::string_view, Module*> by_name;
    for (const auto& m : modules) {
        if (!by_name.emplace(m->name(), m.get()).second)
            throw std::logic_error("module listed twice: " + std::string(m->name()));
    }
    for (const auto& m : modules) {
        for (auto dep : m->depends_on()) {
            if (!by_name.count(dep))
                throw std::logic_error("module " + std::string(m->name()) + " depends on " +
                                       std::string(dep) + ", which is not in the list");
        }
    }
    // Depth-first, in list order: a module goes after its dependencies; "visiting" finds cycles.
    std::set<std::string_view> done, visiting;
    std::vector<std::string_view> order;
    auto visit = [&](auto&& self, Module* m) -> void {
        if (done.count(m->name())) return;
        if (!visiting.insert(m->name()).second)
            throw std::logic_error("modules depend on each other in a circle through " +
                                   std::string(m->name()));
        for (auto dep : m->depends_on()) self(self, by_name.at(dep));
        visiting.erase(m->name());
        done.insert(m->name());
        order.push_back(m->name());
    };
    for (const auto& m : modules) visit(visit, m.get());
    for (auto name : order) {
        for (auto& m : modules) {
            if (m && m->name() == name) modules_.push_back(std::move(m));
        }
    }
}

ModuleRegistry::~ModuleRegistry() { Stop(); }

std::vector<storage::ModuleSchema> ModuleRegistry::Schemas() const {
    std::vector<storage::ModuleSchema> out;
    for (const auto& m : modules_) {
        if (!m->migrations().empty()) out.push_back({std::string(m->name()), m->migrations()});
    }
    return out;
}

namespace {
void CheckPrefix(const Module& m, std::string_view what, std::string_view name) {
    std::string prefix = std::string(m.name()) + ".";
    if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix)
        throw std::logic_error("module " + std::string(m.name()) + " declares " + std::string(what) + " " +
                               std::string(name) + " outside its prefix " + prefix);
}
}  // namespace

std::vector<PermissionSpec> ModuleRegistry::Permissions() const {
    std::vector<PermissionSpec> out;
    for (const auto& m : modules_) {
        for (const auto& p : m->permissions()) {
            CheckPrefix(*m, "permission", p.name);
            out.push_back(p);
        }
    }
    return out;
}

std::vector<RoleSpec> ModuleRegistry::Roles() const {
    std::vector<RoleSpec> out;
    for (const auto& m : modules_) {
        for (const auto& r : m->roles()) {
            CheckPrefix(*m, "role", r.name);
            out.push_back(r);
        }
    }
    return out;
}

void ModuleRegistry::Start(ModuleContext& ctx) {
    for (; started_ < modules_.size(); ++started_) modules_[started_]->Start(ctx);
}

void ModuleRegistry::AddRoutes(api::Router& router) {
    for (const auto& m : modules_) m->AddRoutes(router);
}

void ModuleRegistry::AddUploads(api::UploadRegistry& uploads) {
    for (const auto& m : modules_) m->AddUploads(uploads);
}

void ModuleRegistry::AddRealtime(realtime::Hub& hub) {
    for (const auto& m : modules_) m->AddRealtime(hub);
}

void ModuleRegistry::Stop() {
    while (started_ > 0) modules_[--started_]->Stop();
}

std::vector<std::string_view> ModuleRegistry::Names() const {
    std::vector<std::string_view> out;
    for (const auto& m : modules_) out.push_back(m->name());
    return out;
}

}  // namespace veche::platform
