#include <optional>
#include <stdexcept>

#include "article_files.hpp"
#include "consultation_events.hpp"
#include "consultation_files.hpp"
#include "routes.hpp"
#include "veche/files/attachments.hpp"
#include "veche/accounts/account_service.hpp"
#include "veche/experts/access.hpp"
#include "veche/experts/applications.hpp"
#include "veche/experts/communities.hpp"
#include "veche/experts/content.hpp"
#include "veche/experts/meetings.hpp"
#include "veche/experts/module.hpp"
#include "veche/experts/notices.hpp"
#include "veche/experts/consultations.hpp"
#include "veche/calendar/calendar_service.hpp"
#include "veche/chat/bound_chats.hpp"
#include "veche/files/attachments.hpp"
#include "veche/files/file_store.hpp"
#include "veche/experts/outcomes.hpp"
#include "veche/experts/scores.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/realtime/hub.hpp"
#include "veche/roles/role_service.hpp"

namespace veche::experts {
namespace {

constexpr platform::PermissionSpec kPermissions[] = {
    {"experts.reservist", "Has applied to become an expert (an application is under review)"},
    {"experts.expert", "Answers consultations in a community (granted per community)"},
    {"experts.curate",
     "Curates a community (per community): reviews expert applications, assigns experts, creates events, "
     "reviews articles"},
    {"experts.moderate", "Moderates the expert network: creates communities and assigns its roles"},
};
constexpr std::string_view kReservistPermissions[] = {"experts.reservist"};
constexpr std::string_view kExpertPermissions[] = {"experts.expert"};
constexpr std::string_view kCuratorPermissions[] = {"experts.curate"};
constexpr std::string_view kModeratorPermissions[] = {"experts.moderate"};
constexpr platform::RoleSpec kRoles[] = {
    {"experts.reservist", "Expert reservist",
     "Has applied to become an expert; granted on submitting an application", kReservistPermissions},
    {"experts.expert", "Expert", "Answers consultations of a community", kExpertPermissions},
    {"experts.curator", "Community curator",
     "Reviews expert applications, assigns experts, creates events and reviews articles of a community",
     kCuratorPermissions},
    {"experts.moderator", "Expert network moderator",
     "Creates communities and assigns the expert network's roles; left out of leaderboards",
     kModeratorPermissions},
};

class ExpertsModule final : public platform::Module {
public:
    std::string_view name() const override { return "experts"; }
    std::vector<std::string_view> depends_on() const override { return {"accounts", "chat"}; }
    std::span<const storage::ModuleMigration> migrations() const override { return Schema().migrations; }
    std::span<const platform::PermissionSpec> permissions() const override { return kPermissions; }
    std::span<const platform::RoleSpec> roles() const override { return kRoles; }

    void Start(platform::ModuleContext& ctx) override {
        access_.emplace(ctx.Find<roles::RoleService>());
        communities_.emplace(ctx.db(), *access_);
        auto& accounts = ctx.Find<accounts::AccountService>();
        // The bot «Экспертная сеть» writes the notices, made on first use (after the first run's admin).
        notices_.emplace([&accounts] { return accounts.SystemUserId("experts", "Экспертная сеть"); });
        applications_.emplace(ctx.db(), *access_, *notices_);
        content_.emplace(ctx.db(), *access_, *notices_);
        meetings_.emplace(ctx.db(), *access_, *notices_);
        meetings_->UseScheduler(ctx.Find<jobs::Scheduler>());
        // Who downloads an article's files: whoever sees the article.
        ctx.Find<files::AttachmentOwners>().Add(
            std::string(kArticleFileOwner), [this](storage::Tx& tx, const Actor& actor, Id article_id, Id) {
                return content_->CanDownload(tx, actor, article_id);
            });
        consultations_.emplace(ctx.db(), *access_, *notices_, ctx.Find<calendar::CalendarService>(),
                               ctx.Find<jobs::Scheduler>());
        consultations_->RegisterJobs();
        ctx.Find<files::AttachmentOwners>().Add(
            std::string(kAttachmentOwnerKind),
            [this](storage::Tx& tx, const Actor& actor, Id owner_id, Id) {
                return consultations_->CheckDownload(tx, actor, owner_id);
            });
        consultation_uploads_.emplace(ctx.Find<api::HttpKit>(), *consultations_, ctx.Find<files::FileStore>());
        scores_.emplace(ctx.db(), *access_, ctx.Find<calendar::CalendarService>());
        if (auto st = scores_->EnsureDefaults(); !st.ok())
            throw std::runtime_error("experts: cannot write the default score rules: " + st.error().message);
        SetConsultationObserver(
            [this](storage::Tx& tx, const ConsultationOutcome& outcome) { return scores_->Score(tx, outcome); });
        SetContentObserver([this](storage::Tx& tx, const ContentOutcome& outcome) { return scores_->Score(tx, outcome); });
        kit_ = &ctx.Find<api::HttpKit>();
        article_uploads_.emplace(*kit_, *content_, ctx.Find<files::FileStore>());
    }

    void AddUploads(api::UploadRegistry& uploads) override {
        uploads.Add(*article_uploads_);
        uploads.Add(*consultation_uploads_);
    }

    void AddRoutes(api::Router& router) override {
        AddCommunityRoutes(router, *kit_, *communities_);
        AddApplicationRoutes(router, *kit_, *applications_);
        AddContentRoutes(router, *kit_, *content_);
        AddEventRoutes(router, *kit_, *meetings_);
        AddConsultationRoutes(router, *kit_, *consultations_);
        AddScoreRoutes(router, *kit_, *scores_);
    }

    // The observers point into this module: unset them before it goes.
    void Stop() override {
        SetConsultationObserver(nullptr);
        SetContentObserver(nullptr);
    }
    void AddRealtime(realtime::Hub& hub) override { hub.AddAudience(consultation_audience_); }

private:
    std::optional<Access> access_;
    std::optional<CommunityService> communities_;
    std::optional<Notices> notices_;
    std::optional<ApplicationService> applications_;
    std::optional<ContentService> content_;
    std::optional<MeetingService> meetings_;
    std::optional<ArticleUploads> article_uploads_;
    std::optional<ConsultationService> consultations_;
    ConsultationAudience consultation_audience_;
    std::optional<ConsultationUploads> consultation_uploads_;
    std::optional<ScoreService> scores_;
    const api::HttpKit* kit_ = nullptr;
};

}  // namespace

std::unique_ptr<platform::Module> MakeModule() { return std::make_unique<ExpertsModule>(); }

}  // namespace veche::experts
