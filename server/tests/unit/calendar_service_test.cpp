// The business calendars on storage (veche/calendar/calendar_service.hpp), on SQLite and, under
// VECHE_TEST_STORAGE=postgresql, on PostgreSQL: the production calendar is seeded once and never
// over an administrator's edits, every edit is audited and seen by the next Get (also by another
// service instance over the same database, as another node of a cluster), and bad input is refused.
#include "veche/calendar/calendar_service.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"
#include "veche/audit/audit.hpp"
#include "veche/jobs/scheduler.hpp"

namespace veche::calendar_testing {
namespace {

using namespace calendar;

using namespace std::chrono;
using storage::Tx;

constexpr year_month_day Ymd(int y, unsigned m, unsigned d) { return year(y) / month(m) / day(d); }

class CalendarService : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = test::OpenServiceDatabase(dir_.File("cal.db"), 2,
                                        {audit::Schema(), jobs::Schema(), calendar::Schema()});
        svc_.emplace(*db_);
        auto seeded = svc_->EnsureSeeded();
        ASSERT_TRUE(seeded.ok());
        ASSERT_EQ(*seeded, (std::vector<int>{2026, 2027}));
    }
    void TearDown() override {
        svc_.reset();
        if (db_) db_->Stop();
    }

    Id DefaultId() {
        auto list = svc_->List();
        EXPECT_TRUE(list.ok());
        EXPECT_FALSE(list->empty());
        EXPECT_TRUE(list->front().is_default);
        return list->front().id;
    }

    std::vector<audit::Row> AuditOf(Id calendar_id) {
        audit::Filter f;
        f.target_kind = "calendar";
        f.target_id = calendar_id;
        f.limit = 100;
        auto rows = audit::List(*db_, f);
        EXPECT_TRUE(rows.ok());
        return rows.ok() ? *rows : std::vector<audit::Row>{};
    }

    test::TempDir dir_;
    std::unique_ptr<storage::Database> db_;
    std::optional<calendar::CalendarService> svc_;
    Who admin_{Id{42}, "192.0.2.1"};
};

TEST_F(CalendarService, SeedsTheProductionCalendarOnceIntoTheDefault) {
    Id def = DefaultId();
    auto info = svc_->Info(def);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->time_zone, "Europe/Moscow");
    EXPECT_EQ(info->week, StandardOfficeWeek());
    auto days = svc_->Days(def, 2026);
    ASSERT_TRUE(days.ok());
    EXPECT_EQ(days->size(), RussianProductionCalendar(2026).size());
    EXPECT_EQ(days->front().date, Ymd(2026, 1, 1));
    EXPECT_EQ(days->front().kind, DayKind::kHoliday);

    auto again = svc_->EnsureSeeded();
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->empty());
    auto list = svc_->List();
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(list->size(), 1u);
    std::size_t seeded = 0;
    for (const auto& r : AuditOf(def)) seeded += r.action == "calendar.seeded" && !r.actor_id;
    EXPECT_EQ(seeded, 2u);
}

TEST_F(CalendarService, ReseedingAYearKeepsWhatAnAdministratorEntered) {
    Id def = DefaultId();
    ASSERT_TRUE(svc_->SetDay(admin_, def, {Ymd(2027, 1, 1), DayKind::kWorking, "by decree"}).ok());
    ASSERT_TRUE(svc_->DeleteDay(admin_, def, Ymd(2026, 1, 2)).ok());
    // A later release shipping a year again (its row gone) adds only what is missing.
    ASSERT_TRUE(db_->Write([](Tx& tx) -> Status {
                       tx.Exec("DELETE FROM calendar_seeded_years WHERE seeded_year = 2027");
                       return {};
                   })
                    .ok());
    auto seeded = svc_->EnsureSeeded();
    ASSERT_TRUE(seeded.ok());
    EXPECT_EQ(*seeded, std::vector<int>{2027});
    auto d27 = svc_->Days(def, 2027);
    ASSERT_TRUE(d27.ok());
    EXPECT_EQ(d27->front().date, Ymd(2027, 1, 1));
    EXPECT_EQ(d27->front().kind, DayKind::kWorking);
    EXPECT_EQ(d27->front().note, "by decree");
    auto d26 = svc_->Days(def, 2026);
    ASSERT_TRUE(d26.ok());
    for (const auto& d : *d26) EXPECT_NE(d.date, Ymd(2026, 1, 2));
}

TEST_F(CalendarService, GetSeesEveryEditAlsoFromAnotherNode) {
    Id def = DefaultId();
    calendar::CalendarService other_node(*db_);
    auto before = other_node.Get();
    ASSERT_TRUE(before.ok());
    EXPECT_TRUE(before->IsWorkingDay(Ymd(2026, 3, 10)));
    EXPECT_FALSE(before->IsWorkingDay(Ymd(2026, 1, 1)));
    ASSERT_TRUE(svc_->SetDay(admin_, def, {Ymd(2026, 3, 10), DayKind::kDayOff, ""}).ok());
    auto after = other_node.Get(def);
    ASSERT_TRUE(after.ok());
    EXPECT_FALSE(after->IsWorkingDay(Ymd(2026, 3, 10)));
    ASSERT_TRUE(svc_->DeleteDay(admin_, def, Ymd(2026, 3, 10)).ok());
    auto back = other_node.Get();
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(back->IsWorkingDay(Ymd(2026, 3, 10)));
}

TEST_F(CalendarService, CreatesAndUpdatesWithAuditEntries) {
    WeekHours split{};
    for (int d = 0; d < 5; ++d) split[static_cast<std::size_t>(d)] = {{8 * 60, 12 * 60}, {16 * 60, 20 * 60}};
    auto made = svc_->Create(admin_, {"Support", "Asia/Yekaterinburg", split, false});
    ASSERT_TRUE(made.ok()) << made.error().message;
    EXPECT_FALSE(made->is_default);
    auto copied = svc_->Days(made->id, 2026);
    ASSERT_TRUE(copied.ok());
    EXPECT_EQ(copied->size(), RussianProductionCalendar(2026).size());

    CalendarPatch p;
    p.is_default = true;
    p.name = "Support desk";
    auto updated = svc_->Update(admin_, made->id, p);
    ASSERT_TRUE(updated.ok());
    EXPECT_TRUE(updated->is_default);
    EXPECT_EQ(updated->name, "Support desk");
    auto list = svc_->List();
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ(list->front().id, made->id);
    EXPECT_FALSE(list->back().is_default);
    // The schema itself keeps one default, whatever two nodes do at once.
    auto second = db_->Write([&](Tx& tx) -> Status {
        tx.Exec("UPDATE calendar_calendars SET is_default = 1");
        return {};
    });
    EXPECT_FALSE(second.ok());
    auto cal = svc_->Get();  // the new default
    ASSERT_TRUE(cal.ok());
    EXPECT_EQ(cal->HoursOn(Ymd(2026, 2, 2)), split[0]);

    auto entries = AuditOf(made->id);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].action, "calendar.updated");
    EXPECT_EQ(entries[1].action, "calendar.created");
    EXPECT_EQ(entries[0].actor_id, Id{42});
    EXPECT_EQ(entries[0].actor_ip, "192.0.2.1");
}

TEST_F(CalendarService, RefusesBadInputAndUnknownCalendars) {
    Id def = DefaultId();
    auto bad_zone = svc_->Create(admin_, {"Mars", "Mars/Olympus", StandardOfficeWeek(), false});
    ASSERT_FALSE(bad_zone.ok());
    EXPECT_EQ(bad_zone.error().code, ErrorCode::kInvalidArgument);
    WeekHours overlapping{};
    overlapping[0] = {{9 * 60, 13 * 60}, {12 * 60, 18 * 60}};
    auto bad_week = svc_->Create(admin_, {"Overlap", "Europe/Moscow", overlapping, false});
    ASSERT_FALSE(bad_week.ok());
    EXPECT_EQ(bad_week.error().code, ErrorCode::kInvalidArgument);
    auto taken = svc_->Create(admin_, {"Russia, 5-day week", "Europe/Moscow", StandardOfficeWeek(), false});
    ASSERT_FALSE(taken.ok());
    EXPECT_EQ(taken.error().api_code, "calendar_name_taken");
    CalendarPatch undefault;
    undefault.is_default = false;
    EXPECT_EQ(svc_->Update(admin_, def, undefault).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(svc_->Info(987654321).error().api_code, "calendar_not_found");
    EXPECT_EQ(svc_->Get(987654321).error().api_code, "calendar_not_found");
    EXPECT_EQ(svc_->SetDay(admin_, 987654321, {Ymd(2026, 3, 10), DayKind::kDayOff, ""}).error().api_code,
              "calendar_not_found");
    EXPECT_EQ(svc_->DeleteDay(admin_, def, Ymd(2026, 3, 10)).error().api_code, "day_not_found");
    EXPECT_EQ(AuditOf(987654321).size(), 0u);

    EXPECT_FALSE(ParseDate("2026-02-29").has_value());
    EXPECT_TRUE(ParseDate("2028-02-29").has_value());
    EXPECT_FALSE(ParseDate("2026-1-01").has_value());
    EXPECT_EQ(FormatDate(Ymd(2026, 3, 9)), "2026-03-09");
    EXPECT_EQ(KindFromName(KindName(DayKind::kShortened)), DayKind::kShortened);
    EXPECT_FALSE(KindFromName("party").has_value());
}

}  // namespace
}  // namespace veche::calendar_testing
