#include "veche/objects/object_service.hpp"

#include <algorithm>
#include <map>
#include <limits>
#include <set>
#include <variant>

#include <boost/json/parse.hpp>

#include "object_store.hpp"
#include "veche/audit/audit.hpp"
#include "veche/chat/bound_chats.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/core/text.hpp"
#include "veche/roles/role_service.hpp"
#include "veche/timeline/timeline.hpp"

namespace veche::objects {

namespace bj = boost::json;

namespace {

constexpr std::string_view kManage = "objects.manage";
constexpr std::string_view kIntegrate = "objects.integrate";

// The strongest chat role among a user's object roles: who runs the procedure moderates its chats,
// the commission talks, an observer reads.
int Strength(const std::string& chat_role) { return chat_role == "admin" ? 3 : chat_role == "member" ? 2 : 1; }
std::string ChatRoleOf(const std::string& object_role) {
    if (object_role == "owner" || object_role == "category_manager") return "admin";
    if (object_role == "commission") return "member";
    return "guest";
}

std::string Utf8Prefix(std::string s, std::size_t max_chars) {
    std::size_t chars = 0, i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
        if (chars == max_chars) {
            s.resize(i);
            return s;
        }
        i += len;
        ++chars;
    }
    return s;
}

void ReplaceAll(std::string& s, std::string_view what, std::string_view with) {
    for (std::size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size()))
        s.replace(pos, what.size(), with);
}

std::string ChatTitle(const ChatTemplate& t, const BusinessObject& obj, const ObjectType& type,
                      const Counterparty* cp) {
    std::string s = t.title;
    ReplaceAll(s, "{{object.title}}", obj.title);
    ReplaceAll(s, "{{object.external_id}}", obj.external_id);
    const StageDef* stage = t.stage == "*" ? type.Stage(obj.stage) : type.Stage(t.stage);
    ReplaceAll(s, "{{stage.name}}", stage ? stage->name : "");
    ReplaceAll(s, "{{counterparty.name}}", cp ? cp->name : "");
    s = std::string(text::Trim(s));
    if (s.empty()) s = obj.title;
    return Utf8Prefix(std::move(s), 100);
}

Result<ObjectType> ParseStoredType(const std::string& key, const std::string& definition, std::int64_t updated_at) {
    boost::system::error_code ec;
    auto v = bj::parse(definition, ec);
    if (ec || !v.is_object()) return Error::Internal("a stored object type does not parse");
    VECHE_ASSIGN_OR_RETURN(auto t, ParseObjectType(key, v.get_object()));
    t.updated_at = updated_at;
    return t;
}

// The object's history (timeline item "object:<id>").
Status Log(Tx& tx, Id object_id, std::string type, Id actor_id, const bj::object& data) {
    VECHE_ASSIGN_OR_RETURN(Id entry, timeline::Record(tx, {Topic{"object", object_id}, std::move(type), actor_id,
                                                            json::Serialize(data)}));
    (void)entry;
    return {};
}

}  // namespace

ObjectService::ObjectService(storage::Database& db, roles::RoleService& roles, std::function<Id()> make_assistant)
    : db_(db), roles_(roles), make_assistant_(std::move(make_assistant)) {}

Result<Id> ObjectService::Assistant() {
    std::lock_guard lock(assistant_mu_);
    if (!assistant_id_) {
        try {
            assistant_id_ = make_assistant_();
        } catch (const std::exception&) {
            return Error::Unavailable("the assistant bot's account cannot be created now");
        }
        if (on_assistant_) on_assistant_(assistant_id_);
    }
    return assistant_id_;
}

void ObjectService::KnowAssistant(Id id) {
    std::lock_guard lock(assistant_mu_);
    if (assistant_id_) return;
    assistant_id_ = id;
    if (on_assistant_) on_assistant_(id);
}

// ---------- types ----------

Result<ObjectType> ObjectService::LoadType(Tx& tx, std::string_view key) const {
    auto& st = tx.Query("SELECT definition, updated_at FROM objects_types WHERE key = ?", std::string(key));
    if (!st.Step()) return Error::NotFound("object_type");
    std::string def = st.Text(0);
    std::int64_t at = st.Int(1);
    while (st.Step()) {
    }
    return ParseStoredType(std::string(key), def, at);
}

Result<ObjectType> ObjectService::PutType(const Actor& actor, const ObjectType& type) {
    return db_.Write([&](Tx& tx) -> Result<ObjectType> {
        VECHE_RETURN_IF_ERROR(roles_.Require(tx, actor.user_id, kManage));
        ObjectType t = type;
        t.updated_at = NowMs();
        bj::object def = ObjectTypeToJson(t);
        def.erase("key");
        def.erase("updated_at");
        std::string text = json::Serialize(def);
        bool existed = tx.QueryInt("SELECT 1 FROM objects_types WHERE key = ?", t.key).has_value();
        if (existed) {
            tx.Exec("UPDATE objects_types SET name = ?, definition = ?, updated_at = ?, updated_by = ? WHERE key = ?",
                    t.name, text, t.updated_at, actor.user_id, t.key);
        } else {
            tx.Exec(
                "INSERT INTO objects_types(key, name, definition, created_at, updated_at, updated_by) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                t.key, t.name, text, t.updated_at, t.updated_at, actor.user_id);
        }
        audit::Entry entry;
        entry.actor_id = actor.user_id;
        entry.action = existed ? "objects.type_updated" : "objects.type_created";
        entry.target_kind = "object_type";
        entry.data_json = json::Serialize(bj::object{{"key", t.key}, {"name", t.name}});
        VECHE_RETURN_IF_ERROR(audit::Record(tx, std::move(entry)));
        return t;
    });
}

Result<std::vector<ObjectType>> ObjectService::ListTypes() {
    return db_.Read([&](Tx& tx) -> Result<std::vector<ObjectType>> {
        std::vector<std::tuple<std::string, std::string, std::int64_t>> rows;
        {
            auto& st = tx.Query("SELECT key, definition, updated_at FROM objects_types ORDER BY key");
            while (st.Step()) rows.emplace_back(st.Text(0), st.Text(1), st.Int(2));
        }
        std::vector<ObjectType> out;
        for (const auto& [k, d, at] : rows) {
            VECHE_ASSIGN_OR_RETURN(auto t, ParseStoredType(k, d, at));
            out.push_back(std::move(t));
        }
        return out;
    });
}

Result<ObjectType> ObjectService::GetType(std::string_view key) {
    return db_.Read([&](Tx& tx) { return LoadType(tx, key); });
}

// ---------- views ----------

Result<ObjectView> ObjectService::ViewIn(Tx& tx, const Actor& actor, Id object_id) const {
    auto obj = LoadObject(tx, object_id);
    if (!obj) return Error::NotFound("object");
    ObjectView v;
    v.object = std::move(*obj);
    auto members = LoadMembers(tx, object_id);
    for (const auto& m : members)
        if (m.user_id == actor.user_id) v.my_roles.push_back(m.role);
    VECHE_ASSIGN_OR_RETURN(bool manage, roles_.Can(tx, actor.user_id, kManage));
    VECHE_ASSIGN_OR_RETURN(bool integrate, roles_.Can(tx, actor.user_id, kIntegrate));
    v.staff = manage || integrate || !v.my_roles.empty();
    v.can_manage = manage || integrate ||
                   std::any_of(v.my_roles.begin(), v.my_roles.end(),
                               [](const std::string& r) { return r == "owner" || r == "category_manager"; });
    if (v.staff) {
        v.members = std::move(members);
        v.counterparties = LoadCounterparties(tx, object_id);
        v.chats = LoadChats(tx, object_id);
        return v;
    }
    Id cp = CounterpartyOfUser(tx, object_id, actor.user_id);
    if (!cp) return Error::NotFound("object");  // exactly as an unknown id
    v.my_roles.push_back("supplier");
    v.counterparties = LoadCounterparties(tx, object_id, cp);
    for (auto& c : LoadChats(tx, object_id))
        if (IsChatMember(tx, c.chat_id, actor.user_id)) v.chats.push_back(std::move(c));
    return v;
}

Result<bool> ObjectService::CanManage(Tx& tx, const Actor& actor, const ObjectView& view) const {
    (void)tx;
    (void)actor;
    return view.can_manage;
}

Status ObjectService::RequireManage(Tx& tx, const Actor& actor, const ObjectView& view) const {
    (void)tx;
    (void)actor;
    if (!view.can_manage)
        return Error{ErrorCode::kForbidden, "permission_required",
                     "only the object's owner, its category manager or holders of objects.manage do this"};
    return {};
}

Result<ObjectView> ObjectService::Get(const Actor& actor, Id object_id) {
    return db_.Read([&](Tx& tx) { return ViewIn(tx, actor, object_id); });
}

Result<ObjectView> ObjectService::GetByExternal(const Actor& actor, std::string_view type_key,
                                                std::string_view external_id) {
    return db_.Read([&](Tx& tx) -> Result<ObjectView> {
        auto id = tx.QueryInt("SELECT id FROM objects_items WHERE type_key = ? AND external_id = ?",
                              std::string(type_key), std::string(external_id));
        if (!id) return Error::NotFound("object");
        return ViewIn(tx, actor, *id);
    });
}

Result<std::vector<ObjectView>> ObjectService::List(const Actor& actor, const ObjectFilter& f) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<ObjectView>> {
        VECHE_ASSIGN_OR_RETURN(bool manage, roles_.Can(tx, actor.user_id, kManage));
        VECHE_ASSIGN_OR_RETURN(bool integrate, roles_.Can(tx, actor.user_id, kIntegrate));
        std::string sql = "SELECT id FROM objects_items WHERE id < ?";
        std::vector<std::variant<std::int64_t, std::string>> params;
        params.emplace_back(static_cast<std::int64_t>(f.before.value_or(std::numeric_limits<Id>::max())));
        if (!manage && !integrate) {
            sql += " AND (id IN (SELECT object_id FROM objects_roles WHERE user_id = ?) OR id IN (SELECT u.object_id "
                   "FROM objects_counterparty_users u JOIN objects_counterparties c ON c.id = u.counterparty_id "
                   "WHERE u.user_id = ? AND c.removed_at IS NULL))";
            params.emplace_back(static_cast<std::int64_t>(actor.user_id));
            params.emplace_back(static_cast<std::int64_t>(actor.user_id));
        }
        if (f.type_key) {
            sql += " AND type_key = ?";
            params.emplace_back(*f.type_key);
        }
        if (f.stage) {
            sql += " AND stage_key = ?";
            params.emplace_back(*f.stage);
        }
        if (f.state) {
            sql += " AND state = ?";
            params.emplace_back(*f.state);
        }
        if (!f.query.empty()) {
            sql += " AND (LOWER(title) LIKE ? OR LOWER(external_id) LIKE ?)";
            std::string like = "%" + text::ToLowerAscii(f.query) + "%";
            params.emplace_back(like);
            params.emplace_back(like);
        }
        sql += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(static_cast<std::int64_t>(f.limit));
        std::vector<Id> ids;
        {
            auto& st = tx.Prepare(sql);
            st.Reset();
            int i = 1;
            for (const auto& p : params) std::visit([&](const auto& v) { st.Bind(i++, v); }, p);
            while (st.Step()) ids.push_back(st.Int(0));
        }
        std::vector<ObjectView> out;
        for (Id id : ids) {
            auto v = ViewIn(tx, actor, id);
            if (v.ok()) out.push_back(std::move(*v));
        }
        return out;
    });
}

// ---------- chats ----------

Status ObjectService::OpenStageChats(Tx& tx, const BusinessObject& obj, const ObjectType& type,
                                     std::optional<Id> only_counterparty) {
    auto existing = LoadChats(tx, obj.id);
    auto exists = [&](const std::string& key, Id cp) {
        return std::any_of(existing.begin(), existing.end(),
                           [&](const ObjectChat& c) { return c.template_key == key && c.counterparty_id == cp; });
    };
    auto cps = LoadCounterparties(tx, obj.id);
    std::vector<std::pair<const ChatTemplate*, const Counterparty*>> to_open;
    for (const auto& t : type.chats) {
        if (t.stage != "*" && t.stage != obj.stage) continue;
        if (t.scope == "shared") {
            if (!only_counterparty && !exists(t.key, 0)) to_open.emplace_back(&t, nullptr);
            continue;
        }
        for (const auto& cp : cps) {
            if (cp.removed || (only_counterparty && *only_counterparty != cp.id)) continue;
            if (!exists(t.key, cp.id)) to_open.emplace_back(&t, &cp);
        }
    }
    std::int64_t now = NowMs();
    for (const auto& [t, cp] : to_open) {
        chat::BoundChatSpec spec;
        spec.kind = "object";
        spec.owner_id = assistant_id_;
        spec.name = ChatTitle(*t, obj, type, cp);
        spec.topic = obj.url;
        spec.immutable_after_minutes = type.immutable_after_minutes;
        if (type.immutable_after_minutes) spec.edit_window_minutes = type.edit_window_minutes;
        VECHE_ASSIGN_OR_RETURN(auto chat, chat::CreateBoundChat(tx, spec));
        tx.Exec(
            "INSERT INTO objects_chats(chat_id, object_id, template_key, stage_key, category, counterparty_id, state, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?)",
            chat.id, obj.id, t->key, t->stage, t->category, cp ? cp->id : 0, now);
        VECHE_RETURN_IF_ERROR(chat::PostSystemMessage(
            tx, chat.id, assistant_id_,
            "Чат создан: «" + chat.name + "» — " + type.name + " «" + obj.title + "» (" + obj.external_id + ")."));
        EmitObjectEvent(tx, obj.id, "objects.chat_opened",
                        bj::object{{"object_id", IdToString(obj.id)}, {"chat_id", IdToString(chat.id)}});
    }
    return SyncChatMembers(tx, obj, type);
}

Status ObjectService::SyncChatMembers(Tx& tx, const BusinessObject& obj, const ObjectType& type) {
    auto members = LoadMembers(tx, obj.id);
    auto cps = LoadCounterparties(tx, obj.id);
    for (const auto& c : LoadChats(tx, obj.id)) {
        if (c.state != "open") continue;
        const ChatTemplate* t = nullptr;
        for (const auto& tt : type.chats)
            if (tt.key == c.template_key) t = &tt;
        std::map<Id, std::string> want;
        if (t) {
            for (const auto& m : members) {
                if (std::find(t->members.begin(), t->members.end(), m.role) == t->members.end()) continue;
                std::string role = ChatRoleOf(m.role);
                auto [it, inserted] = want.emplace(m.user_id, role);
                if (!inserted && Strength(role) > Strength(it->second)) it->second = role;
            }
        } else {
            // A template removed from the type: the chat keeps who it has.
            for (const auto& m : chat::BoundMembers(tx, c.chat_id))
                if (m.role != "owner") want[m.user_id] = m.role;
        }
        if (c.counterparty_id) {
            for (const auto& cp : cps)
                if (cp.id == c.counterparty_id && !cp.removed)
                    for (Id u : cp.user_ids) want[u] = "member";
        }
        std::vector<chat::BoundMember> list;
        for (const auto& [u, r] : want) list.push_back({u, r});
        VECHE_RETURN_IF_ERROR(chat::SetBoundMembers(tx, c.chat_id, assistant_id_, list));
    }
    return {};
}

// ---------- objects ----------

Result<std::pair<ObjectView, bool>> ObjectService::Upsert(const Actor& actor, std::string_view type_key,
                                                          std::string_view external_id, const ObjectUpsert& spec) {
    VECHE_RETURN_IF_ERROR(Assistant());
    return db_.Write([&](Tx& tx) -> Result<std::pair<ObjectView, bool>> {
        VECHE_ASSIGN_OR_RETURN(bool manage, roles_.Can(tx, actor.user_id, kManage));
        VECHE_ASSIGN_OR_RETURN(bool integrate, roles_.Can(tx, actor.user_id, kIntegrate));
        if (!manage && !integrate)
            return Error{ErrorCode::kForbidden, "permission_required",
                         "registering objects needs objects.integrate or objects.manage"};
        VECHE_ASSIGN_OR_RETURN(auto type, LoadType(tx, type_key));
        std::int64_t now = NowMs();
        auto existing = tx.QueryInt("SELECT id FROM objects_items WHERE type_key = ? AND external_id = ?",
                                    std::string(type_key), std::string(external_id));
        bool created = !existing;
        BusinessObject obj;
        if (created) {
            obj.id = GlobalIds().Next();
            obj.type_key = std::string(type_key);
            obj.external_id = std::string(external_id);
            obj.system = spec.system.value_or("");
            obj.url = spec.url.value_or("");
            obj.title = spec.title;
            obj.attributes = spec.attributes.value_or(bj::object{});
            obj.stage = type.stages.front().key;
            obj.state = "active";
            obj.version = 1;
            obj.created_by = actor.user_id;
            obj.created_at = obj.updated_at = now;
            tx.Exec(
                "INSERT INTO objects_items(id, type_key, external_id, system, url, title, attributes, stage_key, state, "
                "version, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                obj.id, obj.type_key, obj.external_id, obj.system, obj.url, obj.title, json::Serialize(obj.attributes),
                obj.stage, obj.state, obj.version, obj.created_by, obj.created_at, obj.updated_at);
        } else {
            obj = *LoadObject(tx, *existing);
            BusinessObject next = obj;
            next.title = spec.title;
            if (spec.url) next.url = *spec.url;
            if (spec.system) next.system = *spec.system;
            if (spec.attributes) next.attributes = *spec.attributes;
            if (next.title != obj.title || next.url != obj.url || next.system != obj.system ||
                next.attributes != obj.attributes) {
                next.version = obj.version + 1;
                next.updated_at = now;
                tx.Exec(
                    "UPDATE objects_items SET title = ?, url = ?, system = ?, attributes = ?, version = ?, "
                    "updated_at = ? WHERE id = ?",
                    next.title, next.url, next.system, json::Serialize(next.attributes), next.version,
                    next.updated_at, next.id);
                obj = std::move(next);
            }
        }
        bool members_changed = false;
        if (spec.members) {
            std::set<std::pair<Id, std::string>> want, have;
            for (const auto& m : *spec.members) want.emplace(m.user_id, m.role);
            for (const auto& m : LoadMembers(tx, obj.id)) have.emplace(m.user_id, m.role);
            for (const auto& [u, r] : want) {
                if (CounterpartyOfUser(tx, obj.id, u))
                    return Error::Conflict("counterparty_user", "a counterparty's user cannot hold an object role");
            }
            for (const auto& m : have) {
                if (want.count(m)) continue;
                tx.Exec("DELETE FROM objects_roles WHERE object_id = ? AND user_id = ? AND role = ?", obj.id, m.first,
                        m.second);
                bool still = std::any_of(want.begin(), want.end(), [&](const auto& w) { return w.first == m.first; });
                if (!still)
                    EmitObjectEvent(tx, obj.id, "objects.member_removed", {{"object_id", IdToString(obj.id)}},
                                    MembershipChange::kRemove, m.first);
                members_changed = true;
            }
            for (const auto& m : want) {
                if (have.count(m)) continue;
                tx.Exec("INSERT INTO objects_roles(object_id, user_id, role) VALUES (?, ?, ?)", obj.id, m.first,
                        m.second);
                EmitObjectEvent(tx, obj.id, "objects.member_added", {{"object_id", IdToString(obj.id)}},
                                MembershipChange::kAdd, m.first);
                members_changed = true;
            }
        }
        if (created) {
            VECHE_RETURN_IF_ERROR(OpenStageChats(tx, obj, type, std::nullopt));
            VECHE_RETURN_IF_ERROR(Log(tx, obj.id, "created", actor.user_id, (bj::object{{"type", obj.type_key}, {"external_id", obj.external_id},
                                                {"title", obj.title}, {"stage", obj.stage}})));
        } else if (members_changed) {
            VECHE_RETURN_IF_ERROR(SyncChatMembers(tx, obj, type));
        }
        if (created || members_changed || obj.updated_at == now)
            EmitObjectEvent(tx, obj.id, "objects.object_upserted", ObjectJson(obj));
        VECHE_ASSIGN_OR_RETURN(auto view, ViewIn(tx, actor, obj.id));
        return std::pair<ObjectView, bool>{std::move(view), created};
    });
}

Result<ObjectView> ObjectService::ChangeStage(const Actor& actor, Id object_id, std::string_view from,
                                              std::string_view to) {
    VECHE_RETURN_IF_ERROR(Assistant());
    return db_.Write([&](Tx& tx) -> Result<ObjectView> {
        VECHE_ASSIGN_OR_RETURN(auto view, ViewIn(tx, actor, object_id));
        VECHE_RETURN_IF_ERROR(RequireManage(tx, actor, view));
        VECHE_ASSIGN_OR_RETURN(auto type, LoadType(tx, view.object.type_key));
        BusinessObject obj = view.object;
        if (obj.state != "active") return Error::Conflict("object_not_active", "the object is " + obj.state);
        int to_index = type.StageIndex(to);
        if (to_index < 0) return Error::NotFound("stage");
        if (obj.stage != from)
            return Error::Conflict("stage_conflict", "the object is at stage '" + obj.stage + "', not '" +
                                                         std::string(from) + "'");
        if (to_index != type.StageIndex(from) + 1)
            return Error::Conflict("stage_out_of_order", "the stage after '" + obj.stage + "' is not '" +
                                                             std::string(to) + "'");
        std::int64_t now = NowMs();
        bj::array archived;
        for (const auto& c : LoadChats(tx, obj.id)) {
            if (c.state != "open" || c.stage != from) continue;
            VECHE_RETURN_IF_ERROR(chat::PostSystemMessage(
                tx, c.chat_id, assistant_id_,
                "Этап «" + type.Stage(from)->name + "» завершён: чат перенесён в архив и доступен только для чтения."));
            VECHE_RETURN_IF_ERROR(chat::ArchiveBoundChat(tx, c.chat_id, assistant_id_));
            tx.Exec("UPDATE objects_chats SET state = 'archived', archived_at = ? WHERE chat_id = ?", now, c.chat_id);
            archived.push_back(bj::value(IdToString(c.chat_id)));
        }
        obj.stage = std::string(to);
        obj.version += 1;
        obj.updated_at = now;
        tx.Exec("UPDATE objects_items SET stage_key = ?, version = ?, updated_at = ? WHERE id = ?", obj.stage,
                obj.version, obj.updated_at, obj.id);
        auto before = LoadChats(tx, obj.id);
        VECHE_RETURN_IF_ERROR(OpenStageChats(tx, obj, type, std::nullopt));
        bj::array opened;
        for (const auto& c : LoadChats(tx, obj.id)) {
            bool was = std::any_of(before.begin(), before.end(), [&](const ObjectChat& b) { return b.chat_id == c.chat_id; });
            if (!was) opened.push_back(bj::value(IdToString(c.chat_id)));
            // The life-long chats hear of the change; the new stage's chats said they were created.
            if (c.state == "open" && c.stage == "*")
                VECHE_RETURN_IF_ERROR(chat::PostSystemMessage(
                    tx, c.chat_id, assistant_id_,
                    "Этап изменён: «" + type.Stage(from)->name + "» → «" + type.Stage(to)->name + "»."));
        }
        bj::object data{{"object_id", IdToString(obj.id)}, {"from", std::string(from)}, {"to", std::string(to)},
                        {"version", obj.version}, {"archived_chat_ids", archived}, {"opened_chat_ids", opened}};
        EmitObjectEvent(tx, obj.id, "objects.stage_changed", data);
        VECHE_RETURN_IF_ERROR(Log(tx, obj.id, "stage_changed", actor.user_id, (bj::object{{"from", std::string(from)}, {"to", std::string(to)}})));
        return ViewIn(tx, actor, obj.id);
    });
}

Result<ObjectView> ObjectService::SetState(const Actor& actor, Id object_id, std::string_view state) {
    VECHE_RETURN_IF_ERROR(Assistant());
    if (state != "active" && state != "closed" && state != "cancelled")
        return Error::InvalidArgument("field 'state' must be active, closed or cancelled");
    return db_.Write([&](Tx& tx) -> Result<ObjectView> {
        VECHE_ASSIGN_OR_RETURN(auto view, ViewIn(tx, actor, object_id));
        VECHE_RETURN_IF_ERROR(RequireManage(tx, actor, view));
        if (view.object.state == state) return view;
        std::int64_t now = NowMs();
        if (state != "active") {
            // A finished procedure is kept as it was: every chat read-only, all of it readable.
            for (const auto& c : LoadChats(tx, object_id)) {
                if (c.state != "open") continue;
                VECHE_RETURN_IF_ERROR(chat::ArchiveBoundChat(tx, c.chat_id, assistant_id_));
                tx.Exec("UPDATE objects_chats SET state = 'archived', archived_at = ? WHERE chat_id = ?", now,
                        c.chat_id);
            }
        } else {
            return Error::Conflict("object_finished", "a closed or cancelled object is not reopened");
        }
        tx.Exec("UPDATE objects_items SET state = ?, version = version + 1, updated_at = ? WHERE id = ?",
                std::string(state), now, object_id);
        EmitObjectEvent(tx, object_id, "objects.state_changed",
                        {{"object_id", IdToString(object_id)}, {"from", view.object.state}, {"to", std::string(state)}});
        VECHE_RETURN_IF_ERROR(Log(tx, object_id, "state_changed", actor.user_id, (bj::object{{"from", view.object.state}, {"to", std::string(state)}})));
        return ViewIn(tx, actor, object_id);
    });
}

Result<std::pair<Counterparty, bool>> ObjectService::UpsertCounterparty(const Actor& actor, Id object_id,
                                                                        const CounterpartyUpsert& spec) {
    VECHE_RETURN_IF_ERROR(Assistant());
    return db_.Write([&](Tx& tx) -> Result<std::pair<Counterparty, bool>> {
        VECHE_ASSIGN_OR_RETURN(auto view, ViewIn(tx, actor, object_id));
        VECHE_RETURN_IF_ERROR(RequireManage(tx, actor, view));
        VECHE_ASSIGN_OR_RETURN(auto type, LoadType(tx, view.object.type_key));
        if (view.object.state != "active") return Error::Conflict("object_not_active", "the object is " + view.object.state);
        for (Id u : spec.user_ids) {
            if (tx.QueryInt("SELECT 1 FROM objects_roles WHERE object_id = ? AND user_id = ?", object_id, u))
                return Error::Conflict("object_member", "a member of the object's staff cannot be a counterparty's user");
        }
        auto id = tx.QueryInt("SELECT id FROM objects_counterparties WHERE object_id = ? AND org_ref = ?", object_id,
                              spec.org_ref);
        bool created = !id;
        std::int64_t now = NowMs();
        Id cp_id = id.value_or(GlobalIds().Next());
        if (created) {
            tx.Exec("INSERT INTO objects_counterparties(id, object_id, org_ref, name, created_at) VALUES (?, ?, ?, ?, ?)",
                    cp_id, object_id, spec.org_ref, spec.name, now);
        } else {
            tx.Exec("UPDATE objects_counterparties SET name = ?, removed_at = NULL WHERE id = ?", spec.name, cp_id);
        }
        // One supplier's user is never another's: that is what keeps their chats apart.
        for (Id u : spec.user_ids) {
            Id other = tx.QueryInt("SELECT counterparty_id FROM objects_counterparty_users WHERE object_id = ? AND "
                                   "user_id = ?",
                                   object_id, u)
                           .value_or(0);
            if (other && other != cp_id)
                return Error::Conflict("user_in_other_counterparty", "the user belongs to another counterparty of this object");
        }
        tx.Exec("DELETE FROM objects_counterparty_users WHERE counterparty_id = ?", cp_id);
        for (Id u : spec.user_ids)
            tx.Exec("INSERT INTO objects_counterparty_users(counterparty_id, object_id, user_id) VALUES (?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    cp_id, object_id, u);
        VECHE_RETURN_IF_ERROR(OpenStageChats(tx, view.object, type, cp_id));
        auto cp = LoadCounterparties(tx, object_id, cp_id).front();
        EmitObjectEvent(tx, object_id, "objects.counterparty_upserted", CounterpartyJson(cp));
        if (created)
            VECHE_RETURN_IF_ERROR(Log(tx, object_id, "counterparty_added", actor.user_id, (bj::object{{"counterparty_id", IdToString(cp_id)}, {"name", spec.name}})));
        return std::pair<Counterparty, bool>{std::move(cp), created};
    });
}

Status ObjectService::RemoveCounterparty(const Actor& actor, Id object_id, Id counterparty_id) {
    VECHE_RETURN_IF_ERROR(Assistant());
    return db_.Write([&](Tx& tx) -> Status {
        VECHE_ASSIGN_OR_RETURN(auto view, ViewIn(tx, actor, object_id));
        VECHE_RETURN_IF_ERROR(RequireManage(tx, actor, view));
        auto cps = LoadCounterparties(tx, object_id, counterparty_id);
        if (cps.empty() || cps.front().removed) return Error::NotFound("counterparty");
        std::int64_t now = NowMs();
        tx.Exec("UPDATE objects_counterparties SET removed_at = ? WHERE id = ?", now, counterparty_id);
        std::set<Id> users(cps.front().user_ids.begin(), cps.front().user_ids.end());
        tx.Exec("DELETE FROM objects_counterparty_users WHERE counterparty_id = ?", counterparty_id);
        for (const auto& c : LoadChats(tx, object_id)) {
            // Its users lose every chat of the object, archived ones included.
            std::vector<chat::BoundMember> keep;
            for (const auto& m : chat::BoundMembers(tx, c.chat_id))
                if (m.role != "owner" && !users.count(m.user_id)) keep.push_back({m.user_id, m.role});
            VECHE_RETURN_IF_ERROR(chat::SetBoundMembers(tx, c.chat_id, assistant_id_, keep));
            if (c.counterparty_id == counterparty_id && c.state == "open") {
                VECHE_RETURN_IF_ERROR(chat::ArchiveBoundChat(tx, c.chat_id, assistant_id_));
                tx.Exec("UPDATE objects_chats SET state = 'archived', archived_at = ? WHERE chat_id = ?", now, c.chat_id);
            }
        }
        EmitObjectEvent(tx, object_id, "objects.counterparty_removed",
                        {{"object_id", IdToString(object_id)}, {"counterparty_id", IdToString(counterparty_id)}});
        return Log(tx, object_id, "counterparty_removed", actor.user_id, (bj::object{{"counterparty_id", IdToString(counterparty_id)},
                                                                {"name", cps.front().name}}));
    });
}

Result<std::pair<ObjectView, ObjectChat>> ObjectService::ObjectOfChat(const Actor& actor, Id chat_id) {
    return db_.Read([&](Tx& tx) -> Result<std::pair<ObjectView, ObjectChat>> {
        auto c = LoadObjectChat(tx, chat_id);
        if (!c || !IsChatMember(tx, chat_id, actor.user_id)) return Error::NotFound("chat");
        VECHE_ASSIGN_OR_RETURN(auto view, ViewIn(tx, actor, c->object_id));
        return std::pair<ObjectView, ObjectChat>{std::move(view), std::move(*c)};
    });
}

}  // namespace veche::objects
