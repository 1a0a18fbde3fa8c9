// The scoring hook of consultations (veche/experts/outcomes.hpp): the observer hears every state and
// rating change in the change's transaction — so its error undoes the change — and
// ForEachConsultationOutcome replays the same outcomes from the table for a recalculation.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <map>

#include "test_util.hpp"
#include "veche/api/kit.hpp"
#include "veche/app/assembly.hpp"
#include "veche/app/modules.hpp"
#include "veche/core/crypto.hpp"
#include "veche/experts/outcomes.hpp"
#include "veche/files/file_store.hpp"
#include "veche/realtime/hub.hpp"

namespace veche {
namespace {

namespace bj = boost::json;

class ExpertsOutcomes : public ::testing::Test {
protected:
    void SetUp() override {
        crypto::InitCrypto();
        modules_ = std::make_unique<app::Assembly>(app::Config{}, app::AllModules(app::Config{}));
        db_ = test::OpenServiceDatabase(dir_.File("experts.db"), 2, modules_->Schemas());
        files_ = std::make_unique<files::FileStore>(dir_.File("files"));
        modules_->Start(*db_, kit_, *files_);
        modules_->AddRoutes(router_);
        hub_ = std::make_unique<realtime::Hub>(*db_);
        modules_->AddRealtime(*hub_);
        db_->SetEventSink(hub_.get());
        admin_ = Login("admin", admin_id_, "admin");
        expert_ = Login("expert", expert_id_);
        requester_ = Login("requester", requester_id_);
        experts::SetConsultationObserver(
            [this](storage::Tx&, const experts::ConsultationOutcome& o) -> Status {
                if (fail_) return Error::Conflict("scoring_failed", "the scoring part refused");
                seen_.push_back(o);
                return {};
            });
    }
    void TearDown() override {
        experts::SetConsultationObserver(nullptr);
        hub_->Stop();
        modules_->Stop();
        db_->Stop();
    }

    std::string Login(const std::string& name, Id& user, const std::string& role = "user") {
        user = test::InsertUser(*db_, name, role);
        std::string token = "vch_experts_" + name;
        auto st = db_->Write([&](storage::Tx& tx) -> Status {
            tx.Exec(
                "INSERT INTO sessions(id, user_id, token_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?, "
                "?)",
                GlobalIds().Next(), user, crypto::Sha256Hex(token), NowMs(), NowMs());
            return {};
        });
        EXPECT_TRUE(st.ok());
        return token;
    }

    api::Response Call(const std::string& method, const std::string& path, const std::string& token,
                       const std::string& body = "") {
        api::Request req;
        req.method = method;
        req.path = path;
        req.body = body;
        if (!body.empty()) req.content_type = "application/json";
        req.authorization = "Bearer " + token;
        std::string route;
        return router_.Dispatch(req, route);
    }
    std::string Field(const api::Response& r, const char* key) {
        return std::string(bj::parse(r.body).at(key).as_string());
    }

    test::TempDir dir_;
    api::HttpKit kit_;
    std::unique_ptr<app::Assembly> modules_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<files::FileStore> files_;
    api::Router router_;
    std::unique_ptr<realtime::Hub> hub_;
    std::string admin_, expert_, requester_;
    Id admin_id_ = 0, expert_id_ = 0, requester_id_ = 0;
    bool fail_ = false;
    std::vector<experts::ConsultationOutcome> seen_;
};

TEST_F(ExpertsOutcomes, EveryChangeReachesTheObserverAndARefusalUndoesIt) {
    auto community =
        Call("POST", "/api/v1/experts/communities", admin_, R"({"slug": "repair", "title": "Ремонт"})");
    ASSERT_EQ(community.status, 201) << community.body;
    std::string cid = Field(community, "id");
    ASSERT_EQ(Call("PUT", "/api/v1/experts/communities/" + cid + "/roles/" + IdToString(expert_id_), admin_,
                   R"({"role": "expert"})")
                  .status,
              200);
    auto created = Call(
        "POST", "/api/v1/experts/consultations", requester_,
        R"({"community_id": ")" + cid +
            R"(", "title": "Насос", "question": "Вибрация?", "expected_result": "Причина", "difficulty": "advanced"})");
    ASSERT_EQ(created.status, 201) << created.body;
    std::string id = Field(created, "id");
    std::string base = "/api/v1/experts/consultations/" + id;
    ASSERT_EQ(Call("POST", base + "/assign", admin_, R"({"expert_id": ")" + IdToString(expert_id_) + R"("})")
                  .status,
              200);
    ASSERT_EQ(Call("POST", base + "/accept", expert_).status, 200);
    ASSERT_EQ(Call("POST", base + "/resolve", expert_, R"({"text": "Замените муфту"})").status, 200);
    ASSERT_EQ(Call("POST", base + "/rating", requester_, R"({"rating": 5})").status, 201);

    // The scoring part refuses: the rating change is undone with its error.
    fail_ = true;
    auto refused = Call("PUT", base + "/rating", requester_, R"({"rating": 2})");
    EXPECT_EQ(refused.status, 409);
    fail_ = false;
    EXPECT_EQ(bj::parse(Call("GET", base, requester_).body).at("rating").at("rating").as_int64(), 5);
    ASSERT_EQ(Call("PUT", base + "/rating", requester_, R"({"rating": 2})").status, 200);

    std::vector<std::string> states;
    for (const auto& o : seen_) states.push_back(o.state);
    EXPECT_EQ(states, (std::vector<std::string>{"new", "assigned", "in_progress", "resolved", "resolved",
                                                "resolved"}));
    const auto& last = seen_.back();
    EXPECT_EQ(IdToString(last.id), id);
    EXPECT_EQ(last.requester_id, requester_id_);
    EXPECT_EQ(last.expert_id, std::optional<Id>(expert_id_));
    EXPECT_EQ(last.curator_id, std::optional<Id>(admin_id_));
    EXPECT_EQ(last.difficulty, "advanced");
    EXPECT_EQ(last.rating, std::optional<int>(2));
    ASSERT_TRUE(last.resolved_at.has_value());
    EXPECT_FALSE(seen_[2].resolved_at.has_value());
    EXPECT_EQ(seen_[4].rating, std::optional<int>(5));

    // The recalculation reads the same final outcome from the table.
    std::vector<experts::ConsultationOutcome> replay;
    auto st = db_->Read([&](storage::Tx& tx) -> Status {
        return experts::ForEachConsultationOutcome(tx, 0,
                                                   [&](const experts::ConsultationOutcome& o) -> Status {
                                                       replay.push_back(o);
                                                       return {};
                                                   });
    });
    ASSERT_TRUE(st.ok());
    ASSERT_EQ(replay.size(), 1u);
    EXPECT_EQ(replay[0].state, "resolved");
    EXPECT_EQ(replay[0].rating, std::optional<int>(2));
    EXPECT_EQ(replay[0].resolved_at, last.resolved_at);
    EXPECT_EQ(replay[0].expert_id, last.expert_id);
    std::size_t later = 0;
    ASSERT_TRUE(db_->Read([&](storage::Tx& tx) -> Status {
                       return experts::ForEachConsultationOutcome(
                           tx, last.changed_at + 1, [&](const experts::ConsultationOutcome&) -> Status {
                               ++later;
                               return {};
                           });
                   })
                    .ok());
    EXPECT_EQ(later, 0u);
}

}  // namespace
}  // namespace veche
