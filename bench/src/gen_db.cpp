// gen-db: a history/search database of realistic size, written with the server's own storage
// library (OpenSqlite applies the schema and registers the 'veche' FTS tokenizer, so the index is
// the one the server would build), and the `history` scenario that measures it over HTTP.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <random>

#include "scenarios.hpp"
#include "veche/core/crypto.hpp"
#include "veche/storage/database.hpp"

namespace veche::bench {

namespace {

constexpr std::int64_t kEpochMs = 1704067200000;  // the server's snowflake epoch (2024-01-01)
const char* const kPassword = "bench-password-1";
const char* const kAdminPassword = "bench-admin-password-1";

// Russian business vocabulary, each word in several inflections, and English office words.
const std::vector<std::vector<const char*>> kRu = {
    {"договор", "договора", "договору", "договором", "договоры", "договоров"},
    {"поставщик", "поставщика", "поставщику", "поставщиком", "поставщики"},
    {"согласование", "согласования", "согласованию", "согласованием"},
    {"счёт", "счета", "счету", "счетов", "счёта"},
    {"оплата", "оплаты", "оплате", "оплату", "оплатой"},
    {"заказ", "заказа", "заказу", "заказом", "заказы", "заказов"},
    {"проект", "проекта", "проекту", "проектом", "проекты"},
    {"отчёт", "отчета", "отчёту", "отчётом", "отчёты"},
    {"встреча", "встречи", "встрече", "встречу", "встречей"},
    {"клиент", "клиента", "клиенту", "клиентом", "клиенты", "клиентов"},
    {"склад", "склада", "складу", "складом", "складе"},
    {"поставка", "поставки", "поставке", "поставку", "поставок"},
    {"бюджет", "бюджета", "бюджету", "бюджетом"},
    {"смета", "сметы", "смете", "смету"},
    {"накладная", "накладной", "накладные", "накладных"},
    {"сотрудник", "сотрудника", "сотруднику", "сотрудники", "сотрудников"},
    {"руководитель", "руководителя", "руководителю", "руководителем"},
    {"задача", "задачи", "задаче", "задачу", "задач"},
    {"срок", "срока", "сроки", "сроков", "сроку"},
    {"цена", "цены", "цене", "цену", "ценой"},
    {"скидка", "скидки", "скидке", "скидку"},
    {"акт", "акта", "акту", "акты", "актов"},
    {"подпись", "подписи", "подписью"},
    {"юрист", "юриста", "юристу", "юристы"},
    {"бухгалтерия", "бухгалтерии", "бухгалтерию"},
    {"отгрузка", "отгрузки", "отгрузке", "отгрузку"},
    {"претензия", "претензии", "претензию", "претензий"},
    {"филиал", "филиала", "филиалу", "филиалы"},
    {"квартал", "квартала", "квартале", "кварталу"},
    {"презентация", "презентации", "презентацию"},
    {"согласовать", "согласовали", "согласуем", "согласует"},
    {"отправить", "отправил", "отправила", "отправим", "отправьте"},
    {"проверить", "проверил", "проверила", "проверьте", "проверим"},
    {"подписать", "подписал", "подписали", "подпишем"},
    {"обсудить", "обсудили", "обсудим", "обсуждаем"},
    {"срочно", "сегодня", "завтра", "вчера", "пожалуйста", "спасибо", "коллеги"},
    {"новый", "нового", "новому", "новые", "новых"},
    {"финансовый", "финансового", "финансовому", "финансовые"},
    {"годовой", "годового", "годовому", "годовые"},
    {"и", "в", "на", "с", "по", "для", "до", "от", "не", "что", "это", "уже", "ещё"},
};
const std::vector<const char*> kEn = {
    "contract", "contracts", "supplier",  "suppliers", "approval",  "approvals", "approved", "invoice",
    "invoices", "payment",   "payments",  "order",     "orders",    "project",   "projects", "report",
    "reports",  "meeting",   "meetings",  "customer",  "customers", "warehouse", "delivery", "deliveries",
    "budget",   "deadline",  "deadlines", "review",    "reviewed",  "release",   "deploy",   "deployed",
    "server",   "database",  "migration", "quarter",   "quarterly", "forecast",  "sales",    "revenue",
    "discount", "shipping",  "legal",     "signed",    "signing",   "draft",     "drafts",   "update",
    "updated",  "please",    "check",     "checked",   "today",     "tomorrow",  "the",      "and",
    "for",      "with",      "on",        "to",        "is",        "we",        "need",     "by",
    "of",
};

std::string RandomText(std::mt19937_64& rng) {
    std::uniform_int_distribution<int> len(4, 24), lang(0, 9);
    bool english = lang(rng) < 3;
    int n = len(rng);
    std::string s;
    for (int i = 0; i < n; ++i) {
        if (i) s += ' ';
        if (english) {
            s += kEn[rng() % kEn.size()];
        } else {
            const auto& forms = kRu[rng() % kRu.size()];
            s += forms[rng() % forms.size()];
        }
        if (i + 1 < n && rng() % 9 == 0) s += ',';
    }
    s += (rng() % 5 == 0) ? "?" : ".";
    s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return s;
}

Id MakeId(std::int64_t ms, std::uint64_t seq) {
    return static_cast<Id>((static_cast<std::uint64_t>(ms - kEpochMs) << 22) | (seq & 0xFFF));
}

}  // namespace

int GenDbMain(const Options& opt) {
    namespace fs = std::filesystem;
    std::string dir = opt.Str("data", "");
    if (dir.empty()) {
        std::cerr << "gen-db: --data DIR is required\n";
        return 2;
    }
    const std::int64_t n_msgs = opt.Int("messages", 1'000'000), n_chats = opt.Int("chats", 1000),
                       n_users = opt.Int("users", 1000);
    fs::create_directories(dir);
    if (fs::exists(fs::path(dir) / "veche.db")) {
        std::cerr << "gen-db: " << dir << "/veche.db exists; use an empty directory\n";
        return 2;
    }
    std::int64_t t0 = NowNs();
    storage::DatabaseOptions dbo;
    dbo.path = (fs::path(dir) / "veche.db").string();
    dbo.synchronous_full = false;
    auto db = storage::OpenSqlite(dbo);
    std::mt19937_64 rng(42);
    const std::string user_hash = crypto::HashPassword(kPassword),
                      admin_hash = crypto::HashPassword(kAdminPassword);
    const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    const std::int64_t start = now - 365LL * 24 * 3600 * 1000;

    std::vector<Id> users(static_cast<std::size_t>(n_users));
    std::vector<Id> chats(static_cast<std::size_t>(n_chats));
    std::vector<std::vector<Id>> members(chats.size());
    Id admin_id = MakeId(start - 2000, 0);
    auto st = db->Write([&](storage::Tx& tx) -> Status {
        tx.Exec(
            "INSERT INTO users(id, username, display_name, role, password_hash, created_at, updated_at) "
            "VALUES (?, 'admin', 'Administrator', 'admin', ?, ?, ?)",
            admin_id, admin_hash, start, start);
        for (std::size_t i = 0; i < users.size(); ++i) {
            users[i] = MakeId(start - 1000, i);
            std::string name = "user" + std::to_string(i);
            tx.Exec(
                "INSERT INTO users(id, username, display_name, role, password_hash, created_at, updated_at) "
                "VALUES (?, ?, ?, 'user', ?, ?, ?)",
                users[i], name, "User " + std::to_string(i), user_hash, start, start);
        }
        // Group chats of 2–40 members (never more than there are users: with fewer users than
        // the drawn size, filling the chat with distinct members would never end); every user is
        // in at least one chat.
        std::uniform_int_distribution<int> size(2, 40);
        for (std::size_t c = 0; c < chats.size(); ++c) {
            chats[c] = MakeId(start - 500, c);
            std::vector<Id>& m = members[c];
            m.push_back(users[c % users.size()]);
            int k = std::min(size(rng), static_cast<int>(users.size()));
            while (static_cast<int>(m.size()) < k) {
                Id u = users[rng() % users.size()];
                if (std::find(m.begin(), m.end(), u) == m.end()) m.push_back(u);
            }
            tx.Exec(
                "INSERT INTO chats(id, type, visibility, name, created_by, created_at, last_activity_at) "
                "VALUES (?, 'group', 'private', ?, ?, ?, ?)",
                chats[c], "Проект " + std::to_string(c), m[0], start, start);
            for (std::size_t j = 0; j < m.size(); ++j) {
                tx.Exec(
                    "INSERT INTO members(chat_id, user_id, role, joined_at, last_read_message_id) "
                    "VALUES (?, ?, ?, ?, 0)",
                    chats[c], m[j], j == 0 ? "owner" : "member", start);
            }
        }
        return {};
    });
    if (!st.ok()) {
        std::cerr << "gen-db: users/chats failed\n";
        return 1;
    }
    std::vector<Id> last_msg(chats.size(), 0);
    std::vector<std::int64_t> last_at(chats.size(), start);
    const std::int64_t batch = 50'000;
    const double step_ms = 365.0 * 24 * 3600 * 1000 / static_cast<double>(n_msgs);
    for (std::int64_t b = 0; b < n_msgs; b += batch) {
        st = db->Write([&](storage::Tx& tx) -> Status {
            for (std::int64_t k = b; k < std::min(n_msgs, b + batch); ++k) {
                std::size_t c = rng() % chats.size();
                const auto& m = members[c];
                Id author = m[rng() % m.size()];
                std::int64_t at = start + static_cast<std::int64_t>(static_cast<double>(k) * step_ms);
                Id id = MakeId(at, static_cast<std::uint64_t>(k));
                std::string text = RandomText(rng);
                tx.Exec(
                    "INSERT INTO messages(id, chat_id, author_id, text, created_at) VALUES (?, ?, ?, ?, ?)",
                    id, chats[c], author, text, at);
                tx.Exec("INSERT INTO messages_fts(rowid, text) VALUES (?, ?)", id, text);
                last_msg[c] = id;
                last_at[c] = at;
            }
            return {};
        });
        if (!st.ok()) {
            std::cerr << "gen-db: messages failed\n";
            return 1;
        }
        std::cerr << "\r[gen-db] " << std::min(n_msgs, b + batch) << "/" << n_msgs << " messages"
                  << std::flush;
    }
    st = db->Write([&](storage::Tx& tx) -> Status {
        for (std::size_t c = 0; c < chats.size(); ++c) {
            tx.Exec("UPDATE chats SET last_message_id = ?, last_activity_at = ? WHERE id = ?", last_msg[c],
                    last_at[c], chats[c]);
            tx.Exec("UPDATE members SET last_read_message_id = ? WHERE chat_id = ?", last_msg[c], chats[c]);
        }
        tx.Exec("INSERT INTO messages_fts(messages_fts) VALUES ('optimize')");
        return {};
    });
    db->Stop();
    db.reset();
    std::cerr << "\n[gen-db] " << n_msgs << " messages, " << n_chats << " chats, " << n_users << " users in "
              << (NowNs() - t0) / 1e9 << " s: " << dbo.path << " (users' password: " << kPassword
              << ", admin: " << kAdminPassword << ")\n";
    return st.ok() ? 0 : 1;
}

Task<bool> RunHistory(Context& c) {
    auto ex = co_await asio::this_coro::executor;
    std::size_t n_queries = static_cast<std::size_t>(c.opt.Int("queries", 1000));
    std::size_t n_pages = static_cast<std::size_t>(c.opt.Int("history-pages", 1000));
    std::size_t n_logins = static_cast<std::size_t>(c.opt.Int("logins", 20));
    std::size_t n_users = static_cast<std::size_t>(c.opt.Int("db-users", 1000));
    std::mt19937_64 rng(7);
    Http h(ex, c.server.host, c.server.port);
    struct U {
        std::string token;
        std::vector<std::string> chats;
    };
    std::vector<U> us;
    for (std::size_t i = 0; i < n_logins; ++i) {
        auto tok = co_await Login(h, "user" + std::to_string(rng() % n_users), kPassword);
        if (!tok) throw std::runtime_error("login failed: was the database made by gen-db?");
        auto r = co_await h.Request(http::verb::get, "/api/v1/chats", "", *tok);
        U u{*tok, {}};
        auto list = r.Json();
        if (!list.is_object()) throw std::runtime_error("GET /chats failed: " + r.body);
        for (auto& ch : list.as_object().at("chats").as_array())
            u.chats.emplace_back(ch.as_object().at("id").as_string());
        if (!u.chats.empty()) us.push_back(std::move(u));
    }
    auto url_encode = [](const std::string& s) {
        static const char* hex = "0123456789ABCDEF";
        std::string o;
        for (unsigned char ch : s) {
            if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.') {
                o += static_cast<char>(ch);
            } else {
                o += '%';
                o += hex[ch >> 4];
                o += hex[ch & 15];
            }
        }
        return o;
    };
    // Search: 1–3 content words (no stop words), mixed languages and inflections.
    Histogram search;
    std::uint64_t search_errors = 0, hits = 0, empty = 0;
    for (std::size_t q = 0; q < n_queries; ++q) {
        const U& u = us[rng() % us.size()];
        std::size_t words = 1 + rng() % 3;
        std::string query;
        bool english = rng() % 3 == 0;
        for (std::size_t w = 0; w < words; ++w) {
            if (w) query += ' ';
            if (english) {
                query += kEn[rng() % 55];
            } else {
                const auto& forms = kRu[rng() % (kRu.size() - 1)];
                query += forms[rng() % forms.size()];
            }
        }
        std::int64_t t = NowNs();
        auto r = co_await h.Request(http::verb::get, "/api/v1/search?limit=20&query=" + url_encode(query), "",
                                    u.token);
        search.Add((NowNs() - t) / 1000);
        if (r.status != 200) {
            search_errors++;
            continue;
        }
        auto found = r.Json();
        auto n = found.as_object().at("results").as_array().size();
        hits += n;
        if (n == 0) empty++;
    }
    Histogram history;
    std::uint64_t history_errors = 0;
    for (std::size_t p = 0; p < n_pages; ++p) {
        const U& u = us[rng() % us.size()];
        const std::string& chat = u.chats[rng() % u.chats.size()];
        std::int64_t t = NowNs();
        auto r =
            co_await h.Request(http::verb::get, "/api/v1/chats/" + chat + "/messages?limit=50", "", u.token);
        history.Add((NowNs() - t) / 1000);
        if (r.status != 200) {
            history_errors++;
            continue;
        }
        // The next older page, as a client scrolling up asks for it.
        auto page = r.Json();
        auto& msgs = page.as_object().at("messages").as_array();
        if (msgs.empty()) continue;
        std::string before(msgs.front().as_object().at("id").as_string());
        t = NowNs();
        r = co_await h.Request(http::verb::get,
                               "/api/v1/chats/" + chat + "/messages?limit=50&before=" + before, "", u.token);
        history.Add((NowNs() - t) / 1000);
        if (r.status != 200) history_errors++;
    }
    auto rss = SampleProc(c.server.pid);
    c.result = {
        {"scenario", "history"},
        {"search_queries", n_queries},
        {"search_latency_ms", search.ToJson()},
        {"search_errors", search_errors},
        {"search_avg_results", n_queries ? static_cast<double>(hits) / static_cast<double>(n_queries) : 0},
        {"search_empty_results", empty},
        {"history_pages", history.Count()},
        {"history_latency_ms", history.ToJson()},
        {"history_errors", history_errors},
        {"server_rss_kib", rss.rss_kib}};
    std::cerr << "[veche-bench] search p50 " << search.PercentileMs(0.5) << " p99 "
              << search.PercentileMs(0.99) << " ms; history p50 " << history.PercentileMs(0.5) << " p99 "
              << history.PercentileMs(0.99) << " ms\n";
    co_return search_errors == 0 && history_errors == 0;
}

}  // namespace veche::bench
