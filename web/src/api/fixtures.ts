// Wire objects for tests, typed against src/api/types.ts (whose kinds wire.test.ts checks against
// docs/api.md): one factory per object, shared by the logic, store and component tests. No Vue here,
// so pure logic tests stay light.
import type { Chat, User } from '@/api/types'

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
