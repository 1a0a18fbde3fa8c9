// Wire objects for tests, typed against src/api/types.ts (whose kinds wire.test.ts checks against
// docs/api.md): one factory per object, shared by the logic, store and component tests. No Vue here,
// so pure logic tests stay light.
import type { Chat, Job, ScheduledMessage, User } from '@/api/types'

export function user(id: string, username: string, display_name: string, extra: Record<string, unknown> = {}): User {
  return {
    id,
    username,
    display_name,
    position: '',
    department: '',
    site: '',
    status_text: '',
    role: 'user',
    presence: 'online',
    deactivated: false,
    created_at: 0,
    ...extra,
  }
}

export function chat(over: Partial<Chat> = {}): Chat {
  return {
    id: 'c1',
    type: 'channel',
    visibility: 'public',
    name: 'general',
    topic: '',
    archived: false,
    immutable_after_minutes: null,
    created_by: 'u1',
    created_at: 0,
    last_activity_at: 0,
    member_count: 3,
    my_role: 'member',
    last_message: null,
    unread_count: 0,
    last_read_message_id: '0',
    ...over,
  }
}

export function scheduledMessage(over: Partial<ScheduledMessage> = {}): ScheduledMessage {
  return {
    id: 's1',
    chat_id: 'c1',
    author_id: 'u1',
    thread_root_id: null,
    text: 'Reminder: standup at 11:00',
    send_at: Date.now() + 3_600_000,
    state: 'pending',
    message_id: null,
    failure: null,
    created_at: 0,
    updated_at: 0,
    sent_at: null,
    ...over,
  }
}

export function job(over: Partial<Job> = {}): Job {
  return {
    id: 'j1',
    kind: 'scheduled.send',
    payload: { id: 's1' },
    dedupe_key: 'scheduled:s1',
    state: 'dead',
    due_at: 0,
    attempts: 10,
    max_attempts: 10,
    last_error: 'boom',
    lease_owner: null,
    lease_until: null,
    created_at: 0,
    updated_at: 0,
    ...over,
  }
}
