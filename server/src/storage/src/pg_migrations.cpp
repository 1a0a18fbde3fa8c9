// PostgreSQL schema: the same append-only versions as the SQLite one (sqlite_migrations.cpp),
// expressed for PostgreSQL. Every integer is BIGINT (ids are 64-bit snowflakes), and full-text search
// is a tsvector table instead of FTS5. A shipped migration is never edited; fix forward.
#include "pg_internal.hpp"

namespace veche::storage::pg {

const std::vector<Migration>& Migrations() {
    static const std::vector<Migration> kMigrations = {
        {1, "accounts", R"sql(
CREATE TABLE users (
  id BIGINT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL DEFAULT '',
  position TEXT NOT NULL DEFAULT '',
  department TEXT NOT NULL DEFAULT '',
  site TEXT NOT NULL DEFAULT '',
  status_text TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL DEFAULT 'user',
  password_hash TEXT NOT NULL,
  must_change_password BIGINT NOT NULL DEFAULT 0,
  deactivated BIGINT NOT NULL DEFAULT 0,
  presence_pref TEXT NOT NULL DEFAULT 'online',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE sessions (
  id BIGINT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  user_agent TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  revoked_at BIGINT
);
CREATE INDEX sessions_by_user ON sessions(user_id);
)sql"},
        {2, "chats, messages and the event log", R"sql(
CREATE TABLE chats (
  id BIGINT PRIMARY KEY,
  type TEXT NOT NULL,
  visibility TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  topic TEXT NOT NULL DEFAULT '',
  archived BIGINT NOT NULL DEFAULT 0,
  immutable_after_minutes BIGINT,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  last_activity_at BIGINT NOT NULL,
  last_message_id BIGINT,
  direct_key TEXT UNIQUE
);
CREATE INDEX chats_public ON chats(visibility, type);
CREATE TABLE members (
  chat_id BIGINT NOT NULL REFERENCES chats(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  role TEXT NOT NULL,
  joined_at BIGINT NOT NULL,
  last_read_message_id BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX members_by_user ON members(user_id, chat_id);
CREATE TABLE messages (
  id BIGINT PRIMARY KEY,
  chat_id BIGINT NOT NULL REFERENCES chats(id),
  author_id BIGINT NOT NULL REFERENCES users(id),
  text TEXT NOT NULL,
  client_id TEXT,
  created_at BIGINT NOT NULL,
  edited_at BIGINT,
  deleted_at BIGINT,
  deleted_by BIGINT
);
CREATE INDEX messages_by_chat ON messages(chat_id, id);
CREATE UNIQUE INDEX messages_client_id ON messages(chat_id, author_id, client_id) WHERE client_id IS NOT NULL;
CREATE TABLE events (
  pos BIGINT PRIMARY KEY,
  chat_id BIGINT NOT NULL DEFAULT 0,
  target_user_id BIGINT NOT NULL DEFAULT 0,
  broadcast BIGINT NOT NULL DEFAULT 0,
  kind TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX events_by_chat ON events(chat_id, pos);
CREATE INDEX events_by_target ON events(target_user_id, pos) WHERE target_user_id <> 0;
CREATE INDEX events_broadcast ON events(pos) WHERE broadcast <> 0;
-- Positions: one row, incremented by each committing batch (see AssignPositionsAndStore).
CREATE TABLE event_counter (id BIGINT PRIMARY KEY, last BIGINT NOT NULL);
INSERT INTO event_counter VALUES (1, 0);
-- Node ids for snowflake ids: every node takes the next value when it starts.
CREATE SEQUENCE node_ids;
)sql"},
        {3, "message versions and reactions", R"sql(
CREATE TABLE message_versions (
  message_id BIGINT NOT NULL REFERENCES messages(id),
  version BIGINT NOT NULL,
  text TEXT NOT NULL,
  editor_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (message_id, version)
);
CREATE TABLE reactions (
  message_id BIGINT NOT NULL REFERENCES messages(id),
  emoji TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (message_id, emoji, user_id)
);
)sql"},
        {4, "full-text search over messages", R"sql(
-- Configuration `veche`: the Russian one (Snowball Russian for Cyrillic words, Snowball English for
-- Latin ones) without stop words, so that every word a user types counts as in the SQLite index.
-- Ё is folded to Е on both sides, as the SQLite tokenizer does.
CREATE TEXT SEARCH DICTIONARY veche_russian_stem (TEMPLATE = snowball, Language = russian);
CREATE TEXT SEARCH DICTIONARY veche_english_stem (TEMPLATE = snowball, Language = english);
CREATE TEXT SEARCH CONFIGURATION veche (COPY = russian);
ALTER TEXT SEARCH CONFIGURATION veche ALTER MAPPING FOR asciiword, asciihword, hword_asciipart WITH veche_english_stem;
ALTER TEXT SEARCH CONFIGURATION veche ALTER MAPPING FOR word, hword, hword_part WITH veche_russian_stem;
CREATE TABLE message_search (
  message_id BIGINT PRIMARY KEY REFERENCES messages(id),
  search TSVECTOR NOT NULL
);
CREATE INDEX message_search_gin ON message_search USING GIN (search);
INSERT INTO message_search(message_id, search)
  SELECT id, to_tsvector('veche', translate(text, 'Ёё', 'Ее')) FROM messages WHERE deleted_at IS NULL;
)sql"},
        {5, "threads, pins, forwards, quotes, polls, mentions and notifications", R"sql(
ALTER TABLE messages ADD COLUMN thread_root_id BIGINT;
ALTER TABLE messages ADD COLUMN reply_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN last_reply_at BIGINT;
ALTER TABLE messages ADD COLUMN forwarded_author_id BIGINT;
ALTER TABLE messages ADD COLUMN forwarded_at BIGINT;
ALTER TABLE messages ADD COLUMN quote_id BIGINT;
ALTER TABLE messages ADD COLUMN pinned_at BIGINT;
ALTER TABLE messages ADD COLUMN pinned_by BIGINT;
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
CREATE INDEX messages_by_thread ON messages(thread_root_id, id) WHERE thread_root_id IS NOT NULL;
CREATE INDEX messages_pinned ON messages(chat_id, pinned_at) WHERE pinned_at IS NOT NULL;
CREATE TABLE thread_followers (
  root_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  PRIMARY KEY (root_id, user_id)
);
ALTER TABLE members ADD COLUMN notify TEXT NOT NULL DEFAULT 'all';
CREATE TABLE mentions (
  user_id BIGINT NOT NULL,
  chat_id BIGINT NOT NULL,
  message_id BIGINT NOT NULL,
  PRIMARY KEY (user_id, chat_id, message_id)
);
CREATE TABLE notifications (
  id BIGINT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  chat_id BIGINT NOT NULL,
  message_id BIGINT NOT NULL,
  actor_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  read_at BIGINT
);
CREATE INDEX notifications_by_user ON notifications(user_id, id);
CREATE TABLE polls (
  message_id BIGINT PRIMARY KEY,
  question TEXT NOT NULL,
  multiple BIGINT NOT NULL,
  anonymous BIGINT NOT NULL,
  deadline BIGINT,
  closed_at BIGINT
);
CREATE TABLE poll_options (
  message_id BIGINT NOT NULL,
  idx BIGINT NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (message_id, idx)
);
CREATE TABLE poll_votes (
  message_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  idx BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (message_id, user_id, idx)
);
)sql"},
        {6, "files", R"sql(
CREATE TABLE files (
  id BIGINT PRIMARY KEY,
  chat_id BIGINT NOT NULL REFERENCES chats(id),
  uploader_id BIGINT NOT NULL REFERENCES users(id),
  message_id BIGINT REFERENCES messages(id),
  name TEXT NOT NULL,
  size BIGINT NOT NULL,
  content_type TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  width BIGINT NOT NULL DEFAULT 0,
  height BIGINT NOT NULL DEFAULT 0,
  has_thumbnail BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX files_by_chat ON files(chat_id, id);
CREATE INDEX files_by_message ON files(message_id) WHERE message_id IS NOT NULL;
)sql"},
        {7, "event_subjects", R"sql(
ALTER TABLE events ADD COLUMN subject_id BIGINT NOT NULL DEFAULT 0;
UPDATE events SET subject_id = (data::jsonb->>'id')::bigint
  WHERE kind IN ('message.created', 'message.updated', 'message.restored') AND data::jsonb->>'id' ~ '^[0-9]{1,18}$';
CREATE INDEX events_by_subject ON events(subject_id) WHERE subject_id <> 0;
UPDATE events e SET data = jsonb_build_object('id', e.data::jsonb->'id', 'chat_id', e.data::jsonb->'chat_id',
    'author_id', e.data::jsonb->'author_id', 'created_at', e.data::jsonb->'created_at',
    'deleted', true, 'text', '', 'reactions', '[]'::jsonb)::text
  FROM messages m WHERE m.id = e.subject_id AND m.deleted_at IS NOT NULL;
UPDATE events e SET data = (e.data::jsonb || jsonb_build_object('text', m.text, 'edited_at', m.edited_at))::text
  FROM messages m WHERE m.id = e.subject_id AND m.edited_at IS NOT NULL AND m.deleted_at IS NULL;
CREATE INDEX messages_by_quote ON messages(quote_id) WHERE quote_id IS NOT NULL;
UPDATE messages SET reply_count = (SELECT COUNT(*) FROM messages r WHERE r.thread_root_id = messages.id AND
    r.deleted_at IS NULL) WHERE reply_count > 0;
)sql"},
        {8, "upload quota and cleanup of unattached uploads", R"sql(
CREATE INDEX files_by_uploader ON files(uploader_id, size);
CREATE INDEX files_unattached ON files(created_at) WHERE message_id IS NULL;
CREATE INDEX files_by_sha256 ON files(sha256);
)sql"},
        // The event log is addressed by topic (veche/core/topic.hpp): chat_id becomes the topic's id,
        // beside it its kind, and `follow` says whether the event starts or ends its target user's
        // following of the topic (today only member.added / member.removed do), so that a node
        // catching up on the log applies it without knowing any module's event kinds.
        // The baseline lists keep growing only for storage's own tables (events, event_counter);
        // every other table is a module's (veche/storage/migration.hpp).
        {9, "events addressed by topic", R"sql(
ALTER TABLE events RENAME COLUMN chat_id TO topic_id;
ALTER TABLE events ADD COLUMN topic_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN follow SMALLINT NOT NULL DEFAULT 0;
UPDATE events SET topic_kind = 'chat' WHERE topic_id <> 0;
UPDATE events SET follow = 1 WHERE kind = 'member.added';
UPDATE events SET follow = 2 WHERE kind = 'member.removed';
)sql"},
    };
    return kMigrations;
}

}  // namespace veche::storage::pg
