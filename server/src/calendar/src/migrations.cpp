// The calendar tables, both dialects side by side (storage/migration.hpp). Append-only.
// A week is stored as JSON text, [[[start, end] …] × 7] in minutes after midnight, Monday first:
// it is read and written whole. Days are keyed by their ISO date text, which sorts by date.
#include "veche/calendar/calendar_service.hpp"

namespace veche::calendar {
namespace {

constexpr storage::ModuleMigration kMigrations[] = {
    {1, "create calendars, their days, the seeded years and the version head",
     R"(CREATE TABLE calendar_calendars (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    time_zone TEXT NOT NULL,
    week TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX calendar_calendars_one_default ON calendar_calendars(is_default) WHERE is_default = 1;
CREATE TABLE calendar_days (
    calendar_id INTEGER NOT NULL REFERENCES calendar_calendars(id),
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (calendar_id, day)
);
CREATE TABLE calendar_seeded_years (
    seeded_year INTEGER PRIMARY KEY,
    seeded_at INTEGER NOT NULL
);
CREATE TABLE calendar_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);)",
     R"(CREATE TABLE calendar_calendars (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    time_zone TEXT NOT NULL,
    week TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX calendar_calendars_one_default ON calendar_calendars(is_default) WHERE is_default = 1;
CREATE TABLE calendar_days (
    calendar_id BIGINT NOT NULL REFERENCES calendar_calendars(id),
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (calendar_id, day)
);
CREATE TABLE calendar_seeded_years (
    seeded_year INTEGER PRIMARY KEY,
    seeded_at BIGINT NOT NULL
);
CREATE TABLE calendar_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);)"},
};

}  // namespace

storage::ModuleSchema Schema() { return {"calendar", kMigrations}; }

}  // namespace veche::calendar
