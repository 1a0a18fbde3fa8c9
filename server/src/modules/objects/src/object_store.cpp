#include "object_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "veche/core/event.hpp"
#include "veche/core/json.hpp"

namespace veche::objects {

namespace bj = boost::json;

namespace {

constexpr const char* kObjectSelect =
    "SELECT id, type_key, external_id, system, url, title, attributes, stage_key, state, version, created_by, "
    "created_at, updated_at FROM objects_items ";

BusinessObject ReadObject(storage::Statement& st) {
    BusinessObject o;
    o.id = st.Int(0);
    o.type_key = st.Text(1);
    o.external_id = st.Text(2);
    o.system = st.Text(3);
    o.url = st.Text(4);
    o.title = st.Text(5);
    boost::system::error_code ec;
    auto v = bj::parse(st.Text(6), ec);
    if (!ec && v.is_object()) o.attributes = std::move(v.get_object());
    o.stage = st.Text(7);
    o.state = st.Text(8);
    o.version = st.Int(9);
    o.created_by = st.Int(10);
    o.created_at = st.Int(11);
    o.updated_at = st.Int(12);
    return o;
}

constexpr const char* kChatSelect =
    "SELECT oc.chat_id, oc.object_id, oc.template_key, oc.stage_key, oc.category, oc.counterparty_id, oc.state, "
    "c.name, oc.created_at, oc.archived_at FROM objects_chats oc JOIN chats c ON c.id = oc.chat_id ";

ObjectChat ReadChat(storage::Statement& st) {
    ObjectChat c;
    c.chat_id = st.Int(0);
    c.object_id = st.Int(1);
    c.template_key = st.Text(2);
    c.stage = st.Text(3);
    c.category = st.Text(4);
    c.counterparty_id = st.Int(5);
    c.state = st.Text(6);
    c.name = st.Text(7);
    c.created_at = st.Int(8);
    c.archived_at = st.OptInt(9);
    return c;
}

}  // namespace

std::optional<BusinessObject> LoadObject(Tx& tx, Id object_id) {
    auto& st = tx.Query(std::string(kObjectSelect) + "WHERE id = ?", object_id);
    if (!st.Step()) return std::nullopt;
    auto o = ReadObject(st);
    while (st.Step()) {
    }
    return o;
}

std::vector<ObjectMember> LoadMembers(Tx& tx, Id object_id) {
    std::vector<ObjectMember> out;
    auto& st = tx.Query("SELECT user_id, role FROM objects_roles WHERE object_id = ? ORDER BY role, user_id",
                        object_id);
    while (st.Step()) out.push_back({st.Int(0), st.Text(1)});
    return out;
}

std::vector<Counterparty> LoadCounterparties(Tx& tx, Id object_id, std::optional<Id> only) {
    std::vector<Counterparty> out;
    {
        auto& st = tx.Query(
            "SELECT id, org_ref, name, removed_at, created_at FROM objects_counterparties WHERE object_id = ? "
            "ORDER BY created_at, id",
            object_id);
        while (st.Step()) {
            Counterparty c;
            c.id = st.Int(0);
            c.object_id = object_id;
            c.org_ref = st.Text(1);
            c.name = st.Text(2);
            c.removed = st.OptInt(3).has_value();
            c.created_at = st.Int(4);
            if (!only || *only == c.id) out.push_back(std::move(c));
        }
    }
    for (auto& c : out) {
        auto& st = tx.Query(
            "SELECT user_id FROM objects_counterparty_users WHERE counterparty_id = ? ORDER BY user_id", c.id);
        while (st.Step()) c.user_ids.push_back(st.Int(0));
    }
    return out;
}

std::vector<ObjectChat> LoadChats(Tx& tx, Id object_id) {
    std::vector<ObjectChat> out;
    auto& st = tx.Query(std::string(kChatSelect) + "WHERE oc.object_id = ? ORDER BY oc.created_at, oc.chat_id",
                        object_id);
    while (st.Step()) out.push_back(ReadChat(st));
    return out;
}

std::optional<ObjectChat> LoadObjectChat(Tx& tx, Id chat_id) {
    auto& st = tx.Query(std::string(kChatSelect) + "WHERE oc.chat_id = ?", chat_id);
    if (!st.Step()) return std::nullopt;
    auto c = ReadChat(st);
    while (st.Step()) {
    }
    return c;
}

Id CounterpartyOfUser(Tx& tx, Id object_id, Id user_id) {
    return tx
        .QueryInt(
            "SELECT u.counterparty_id FROM objects_counterparty_users u JOIN objects_counterparties c ON "
            "c.id = u.counterparty_id WHERE u.object_id = ? AND u.user_id = ? AND c.removed_at IS NULL",
            object_id, user_id)
        .value_or(0);
}

bool IsChatMember(Tx& tx, Id chat_id, Id user_id) {
    return tx.QueryInt("SELECT 1 FROM members WHERE chat_id = ? AND user_id = ?", chat_id, user_id).has_value();
}

void EmitObjectEvent(Tx& tx, Id object_id, std::string kind, const bj::object& data, MembershipChange membership,
                     Id target) {
    Event e;
    e.topic = Topic{"object", object_id};
    e.target_user_id = target;
    e.kind = std::move(kind);
    e.data_json = json::Serialize(data);
    e.membership = membership;
    tx.Emit(std::move(e));
}

bj::object ObjectJson(const BusinessObject& o) {
    return {{"id", IdToString(o.id)},
            {"type", o.type_key},
            {"external_id", o.external_id},
            {"system", o.system},
            {"url", o.url},
            {"title", o.title},
            {"attributes", o.attributes},
            {"stage", o.stage},
            {"state", o.state},
            {"version", o.version},
            {"created_at", o.created_at},
            {"updated_at", o.updated_at}};
}

bj::object CounterpartyJson(const Counterparty& c) {
    bj::array users;
    for (Id u : c.user_ids) users.push_back(bj::value(IdToString(u)));
    return {{"id", IdToString(c.id)},
            {"org_ref", c.org_ref},
            {"name", c.name},
            {"user_ids", std::move(users)},
            {"removed", c.removed},
            {"created_at", c.created_at}};
}

bj::object ObjectChatJson(const ObjectChat& c) {
    return {{"chat_id", IdToString(c.chat_id)},
            {"object_id", IdToString(c.object_id)},
            {"template", c.template_key},
            {"stage", c.stage},
            {"category", c.category},
            {"counterparty_id", c.counterparty_id ? bj::value(IdToString(c.counterparty_id)) : bj::value(nullptr)},
            {"state", c.state},
            {"name", c.name},
            {"created_at", c.created_at},
            {"archived_at", c.archived_at ? bj::value(*c.archived_at) : bj::value(nullptr)}};
}

bj::object ViewJson(const ObjectView& v) {
    bj::object o = ObjectJson(v.object);
    bj::array roles, members, cps, chats;
    for (const auto& r : v.my_roles) roles.push_back(bj::value(r));
    for (const auto& m : v.members) members.push_back(bj::object{{"user_id", IdToString(m.user_id)}, {"role", m.role}});
    for (const auto& c : v.counterparties) cps.push_back(CounterpartyJson(c));
    for (const auto& c : v.chats) chats.push_back(ObjectChatJson(c));
    o["my_roles"] = std::move(roles);
    o["staff"] = v.staff;
    o["can_manage"] = v.can_manage;
    o["members"] = std::move(members);
    o["counterparties"] = std::move(cps);
    o["chats"] = std::move(chats);
    return o;
}

}  // namespace veche::objects
