// SQLite schema, as an append-only list: a shipped migration is never edited; fix forward with a
// new one. Each migration runs in its own transaction together with its version row.
#include "sqlite_internal.hpp"

namespace veche::storage::sqlite {

const std::vector<Migration>& Migrations() {
    static const std::vector<Migration> kMigrations = {
        {1, "accounts", R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL DEFAULT '',
  position TEXT NOT NULL DEFAULT '',
  department TEXT NOT NULL DEFAULT '',
  site TEXT NOT NULL DEFAULT '',
  status_text TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL DEFAULT 'user',
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  deactivated INTEGER NOT NULL DEFAULT 0,
  presence_pref TEXT NOT NULL DEFAULT 'online',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  user_agent TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  revoked_at INTEGER
);
CREATE INDEX sessions_by_user ON sessions(user_id);
)sql"},
        {2, "chats, messages and the event log", R"sql(
CREATE TABLE chats (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  visibility TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  topic TEXT NOT NULL DEFAULT '',
  archived INTEGER NOT NULL DEFAULT 0,
  immutable_after_minutes INTEGER,
  created_by INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL,
  last_message_id INTEGER,
  direct_key TEXT UNIQUE
);
CREATE INDEX chats_public ON chats(visibility, type);
CREATE TABLE members (
  chat_id INTEGER NOT NULL REFERENCES chats(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  role TEXT NOT NULL,
  joined_at INTEGER NOT NULL,
  last_read_message_id INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members(user_id, chat_id);
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  chat_id INTEGER NOT NULL REFERENCES chats(id),
  author_id INTEGER NOT NULL REFERENCES users(id),
  text TEXT NOT NULL,
  client_id TEXT,
  created_at INTEGER NOT NULL,
  edited_at INTEGER,
  deleted_at INTEGER,
  deleted_by INTEGER
);
CREATE INDEX messages_by_chat ON messages(chat_id, id);
CREATE UNIQUE INDEX messages_client_id ON messages(chat_id, author_id, client_id) WHERE client_id IS NOT NULL;
CREATE TABLE events (
  pos INTEGER PRIMARY KEY AUTOINCREMENT,
  chat_id INTEGER NOT NULL DEFAULT 0,
  target_user_id INTEGER NOT NULL DEFAULT 0,
  broadcast INTEGER NOT NULL DEFAULT 0,
  kind TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX events_by_chat ON events(chat_id, pos);
CREATE INDEX events_by_target ON events(target_user_id, pos) WHERE target_user_id <> 0;
CREATE INDEX events_broadcast ON events(pos) WHERE broadcast <> 0;
)sql"},
        {3, "message versions and reactions", R"sql(
CREATE TABLE message_versions (
  message_id INTEGER NOT NULL REFERENCES messages(id),
  version INTEGER NOT NULL,
  text TEXT NOT NULL,
  editor_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (message_id, version)
) WITHOUT ROWID;
CREATE TABLE reactions (
  message_id INTEGER NOT NULL REFERENCES messages(id),
  emoji TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (message_id, emoji, user_id)
) WITHOUT ROWID;
)sql"},
        {4, "full-text search over messages", R"sql(
CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='id', tokenize='veche');
INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages WHERE deleted_at IS NULL;
)sql"},
        {5, "threads, pins, forwards, quotes, polls, mentions and notifications", R"sql(
ALTER TABLE messages ADD COLUMN thread_root_id INTEGER;
ALTER TABLE messages ADD COLUMN reply_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN last_reply_at INTEGER;
ALTER TABLE messages ADD COLUMN forwarded_author_id INTEGER;
ALTER TABLE messages ADD COLUMN forwarded_at INTEGER;
ALTER TABLE messages ADD COLUMN quote_id INTEGER;
ALTER TABLE messages ADD COLUMN pinned_at INTEGER;
ALTER TABLE messages ADD COLUMN pinned_by INTEGER;
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
CREATE INDEX messages_by_thread ON messages(thread_root_id, id) WHERE thread_root_id IS NOT NULL;
CREATE INDEX messages_pinned ON messages(chat_id, pinned_at) WHERE pinned_at IS NOT NULL;
CREATE TABLE thread_followers (
  root_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  PRIMARY KEY (root_id, user_id)
) WITHOUT ROWID;
ALTER TABLE members ADD COLUMN notify TEXT NOT NULL DEFAULT 'all';
CREATE TABLE mentions (
  user_id INTEGER NOT NULL,
  chat_id INTEGER NOT NULL,
  message_id INTEGER NOT NULL,
  PRIMARY KEY (user_id, chat_id, message_id)
) WITHOUT ROWID;
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  chat_id INTEGER NOT NULL,
  message_id INTEGER NOT NULL,
  actor_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  read_at INTEGER
);
CREATE INDEX notifications_by_user ON notifications(user_id, id);
CREATE TABLE polls (
  message_id INTEGER PRIMARY KEY,
  question TEXT NOT NULL,
  multiple INTEGER NOT NULL,
  anonymous INTEGER NOT NULL,
  deadline INTEGER,
  closed_at INTEGER
);
CREATE TABLE poll_options (
  message_id INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (message_id, idx)
) WITHOUT ROWID;
CREATE TABLE poll_votes (
  message_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (message_id, user_id, idx)
) WITHOUT ROWID;
)sql"},
        {6, "files", R"sql(
CREATE TABLE files (
  id INTEGER PRIMARY KEY,
  chat_id INTEGER NOT NULL REFERENCES chats(id),
  uploader_id INTEGER NOT NULL REFERENCES users(id),
  message_id INTEGER REFERENCES messages(id),
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  width INTEGER NOT NULL DEFAULT 0,
  height INTEGER NOT NULL DEFAULT 0,
  has_thumbnail INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX files_by_chat ON files(chat_id, id);
CREATE INDEX files_by_message ON files(message_id) WHERE message_id IS NOT NULL;
)sql"},
        // Events name the message they show, so that editing or hiding it can rewrite them (replay
        // never shows more than the current state). Events logged before this version are marked and
        // brought to the current state here: deleted messages become tombstones, edited ones show
        // their current text.
        {7, "event_subjects", R"sql(
ALTER TABLE events ADD COLUMN subject_id INTEGER NOT NULL DEFAULT 0;
UPDATE events SET subject_id = COALESCE(CAST(json_extract(data, '$.id') AS INTEGER), 0)
  WHERE kind IN ('message.created', 'message.updated', 'message.restored') AND json_valid(data);
CREATE INDEX events_by_subject ON events(subject_id) WHERE subject_id <> 0;
UPDATE events SET data = json_object('id', json_extract(data, '$.id'), 'chat_id', json_extract(data, '$.chat_id'),
    'author_id', json_extract(data, '$.author_id'), 'created_at', json_extract(data, '$.created_at'),
    'deleted', json('true'), 'text', '', 'reactions', json('[]'))
  WHERE subject_id IN (SELECT id FROM messages WHERE deleted_at IS NOT NULL);
UPDATE events SET data = json_set(data, '$.text', (SELECT text FROM messages WHERE id = events.subject_id),
    '$.edited_at', (SELECT edited_at FROM messages WHERE id = events.subject_id))
  WHERE subject_id IN (SELECT id FROM messages WHERE edited_at IS NOT NULL AND deleted_at IS NULL);
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
ALTER TABLE events ADD COLUMN follow INTEGER NOT NULL DEFAULT 0;
UPDATE events SET topic_kind = 'chat' WHERE topic_id <> 0;
UPDATE events SET follow = 1 WHERE kind = 'member.added';
UPDATE events SET follow = 2 WHERE kind = 'member.removed';
)sql"},
    };
    return kMigrations;
}

}  // namespace veche::storage::sqlite
