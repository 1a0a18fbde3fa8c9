"""Every route the server serves, called as an attacker would (issue 26, point 6).

The list comes from the binary itself (`veche routes`), not from this file, so a route added
without being classified in ROUTES fails `test_every_route_is_classified`, and a classified route
that forgets a check fails one of the sweeps:
  * without a token: 401 unauthenticated, except the few public routes;
  * with the token of a user who has no business with the objects: 403 or 404 with an error body,
    and never a byte of the owner's private data (a marker planted in every private object);
  * with an unknown id, and with an id that is not a number: 4xx, never 2xx or 5xx;
  * with a malformed body, a body that is not an object, and fields of the wrong type, sent by a
    caller who is allowed to use the route: 400 with an error code.
"""

import os
import subprocess
import time
import urllib.parse
import uuid

import pytest
import websocket

from veche_harness import VECHE_BIN, Client, check_error_body, expect, expect_error, login, make_user

PUBLIC = {"GET /api/v1/health", "GET /api/v1/ready", "GET /metrics", "POST /api/v1/auth/login",
          "GET /.well-known/veche-signing-keys",
          # The support widget's visitors carry a visitor token, not a session (test_support.py sweeps them).
          "POST /api/v1/support/widget/messages", "GET /api/v1/support/widget/conversations",
          "GET /api/v1/support/widget/conversations/{id}/messages", "GET /api/v1/support/widget/files/{id}",
          "GET /api/v1/support/widget/conversations/{id}/csat", "POST /api/v1/support/widget/csat",
          # Before the first message a visitor has no token: the inbox token in the query names the inbox.
          "GET /api/v1/support/widget/topics"}

SWEEP_TYPE = {"name": "Sweep type", "stages": [{"key": "a", "name": "A"}, {"key": "b", "name": "B"}],
              "chats": [{"key": "org", "title": "{{object.title}}", "members": ["category_manager"]}]}

# route -> (who may use it, a body a legitimate caller sends, or None when it takes none)
#   "member": members of the owner's private chat (the outsider must get 403/404)
#   "admin":  system administrators (the outsider must get 403)
#   "self":   any user, on the caller's own things (the outsider may succeed, but must not see the
#             owner's private objects)
ROUTES = {
    "POST /api/v1/auth/logout": ("self", None),
    "GET /api/v1/auth/sessions": ("self", None),
    "DELETE /api/v1/auth/sessions/{id}": ("member", None),
    "GET /api/v1/users/me": ("self", None),
    "PATCH /api/v1/users/me": ("self", {"display_name": "Sweep"}),
    "PUT /api/v1/users/me/presence": ("self", {"presence": "away"}),
    "POST /api/v1/users/me/password": ("self", {"old_password": "wrong-old-password", "new_password": "x" * 12}),
    "GET /api/v1/users/me/storage": ("self", None),
    "GET /api/v1/users": ("self", None),
    "GET /api/v1/users/{id}": ("self", None),
    "POST /api/v1/users": ("admin", {"username": "sweep-made", "password": "x" * 12}),
    "PATCH /api/v1/users/{id}": ("admin", {"role": "admin"}),
    "POST /api/v1/users/{id}/password": ("admin", {"password": "y" * 12}),
    "POST /api/v1/chats": ("self", {"type": "group", "name": "sweep own"}),
    "GET /api/v1/chats": ("self", None),
    "GET /api/v1/chats/public": ("self", None),
    "GET /api/v1/chats/{id}": ("member", None),
    "PATCH /api/v1/chats/{id}": ("member", {"name": "renamed"}),
    "POST /api/v1/chats/{id}/archive": ("member", None),
    "POST /api/v1/chats/{id}/unarchive": ("member", None),
    "POST /api/v1/chats/{id}/join": ("member", None),
    "POST /api/v1/chats/{id}/leave": ("member", None),
    "GET /api/v1/chats/{id}/members": ("member", None),
    "POST /api/v1/chats/{id}/members": ("member", {"user_ids": ["{outsider}"]}),
    "PATCH /api/v1/chats/{id}/members/{user_id}": ("member", {"role": "admin"}),
    "DELETE /api/v1/chats/{id}/members/{user_id}": ("member", None),
    "POST /api/v1/chats/{id}/read": ("member", {"message_id": "{message}"}),
    "POST /api/v1/chats/{id}/messages": ("member", {"text": "hello"}),
    "GET /api/v1/chats/{id}/messages": ("member", None),
    "GET /api/v1/chats/{id}/pins": ("member", None),
    "GET /api/v1/chats/{id}/files": ("member", None),
    "PUT /api/v1/chats/{id}/notify": ("member", {"notify": "none"}),
    "POST /api/v1/chats/{id}/polls": ("member", {"question": "q?", "options": ["a", "b"]}),
    "POST /api/v1/chats/{id}/files": ("member", None),
    "GET /api/v1/messages/{id}": ("member", None),
    "PATCH /api/v1/messages/{id}": ("member", {"text": "edited"}),
    "DELETE /api/v1/messages/{id}": ("member", None),
    "GET /api/v1/messages/{id}/versions": ("member", None),
    "POST /api/v1/messages/{id}/restore": ("admin", None),
    "PUT /api/v1/messages/{id}/reactions/{emoji}": ("member", None),
    "DELETE /api/v1/messages/{id}/reactions/{emoji}": ("member", None),
    "GET /api/v1/messages/{id}/thread": ("member", None),
    "PUT /api/v1/messages/{id}/follow": ("member", None),
    "DELETE /api/v1/messages/{id}/follow": ("member", None),
    "PUT /api/v1/messages/{id}/pin": ("member", None),
    "DELETE /api/v1/messages/{id}/pin": ("member", None),
    "POST /api/v1/messages/{id}/forward": ("member", {"chat_id": "{outsider_chat}"}),
    "GET /api/v1/messages/{id}/seen": ("member", None),
    "PUT /api/v1/messages/{id}/poll/vote": ("member", {"options": [0]}),
    "POST /api/v1/messages/{id}/poll/close": ("member", None),
    "POST /api/v1/messages/{id}/interactions": ("member", {"row": 0, "col": 0}),
    "GET /api/v1/files/{id}": ("member", None),
    "GET /api/v1/files/{id}/thumbnail": ("member", None),
    "GET /api/v1/notifications": ("self", None),
    "POST /api/v1/notifications/read": ("self", {"ids": []}),
    "GET /api/v1/search": ("self", None),
    "POST /api/v1/chats/{id}/scheduled-messages": ("member", {"text": "later", "send_at": "{future}"}),
    "GET /api/v1/scheduled-messages": ("self", None),
    "GET /api/v1/scheduled-messages/{id}": ("member", None),
    "PATCH /api/v1/scheduled-messages/{id}": ("member", {"text": "edited later"}),
    "DELETE /api/v1/scheduled-messages/{id}": ("member", None),
    "GET /api/v1/admin/jobs": ("admin", None),
    "POST /api/v1/admin/jobs/{id}/retry": ("admin", None),
    "GET /api/v1/admin/audit": ("admin", None),
    "GET /api/v1/admin/audit.csv": ("admin", None),
    "GET /api/v1/timeline/{kind}/{id}": ("member", None),
    # Roles: "admin" here means a holder of roles.manage, which administrators are.
    "GET /api/v1/admin/permissions": ("admin", None),
    "GET /api/v1/admin/roles": ("admin", None),
    "POST /api/v1/admin/roles": ("admin", {"name": "sweep-role", "title": "Sweep", "permissions": ["audit.read"]}),
    "PATCH /api/v1/admin/roles/{id}": ("admin", {"title": "Sweep again"}),
    "POST /api/v1/admin/roles/{id}/archive": ("admin", None),
    "GET /api/v1/admin/users/{id}/roles": ("admin", None),
    "POST /api/v1/admin/users/{id}/roles": ("admin", {"role_id": "{role}"}),
    "DELETE /api/v1/admin/users/{id}/roles/{role_id}": ("admin", None),
    "GET /api/v1/users/me/permissions": ("self", None),
    "GET /api/v1/calendars": ("self", None),
    "POST /api/v1/calendars": ("admin", {"name": "sweep calendar"}),
    "GET /api/v1/calendars/{id}": ("self", None),
    "PATCH /api/v1/calendars/{id}": ("admin", {"name": "sweep renamed"}),
    "GET /api/v1/calendars/{id}/days": ("self", None),
    "PUT /api/v1/calendars/{id}/days/{date}": ("admin", {"kind": "day_off", "note": "sweep"}),
    "DELETE /api/v1/calendars/{id}/days/{date}": ("admin", None),
    "GET /api/v1/calendars/{id}/add": ("self", None),
    "GET /api/v1/calendars/{id}/next-working-day": ("self", None),
    # Business objects: "member" is the object's category manager (the owner here).
    "GET /api/v1/object-types": ("self", None),
    "GET /api/v1/object-types/{key}": ("self", None),
    "PUT /api/v1/object-types/{key}": ("admin", SWEEP_TYPE),
    "GET /api/v1/objects": ("self", None),
    "GET /api/v1/objects/{id}": ("member", None),
    "GET /api/v1/objects/{id}/chats": ("member", None),
    "GET /api/v1/chats/{id}/object": ("member", None),
    "GET /api/v1/objects/by-external/{type}/{external_id}": ("member", None),
    "POST /api/v1/objects/{id}/stage": ("member", {"from": "a", "to": "b"}),
    "POST /api/v1/objects/{id}/state": ("member", {"state": "closed"}),
    "POST /api/v1/objects/{id}/counterparties": ("member", {"org_ref": "sweep", "name": "Sweep", "users": []}),
    "DELETE /api/v1/objects/{id}/counterparties/{cp}": ("member", None),
    "PUT /api/v1/objects/{type}/{external_id}": ("admin", {"title": "sweep object"}),
    "GET /api/v1/objects/{id}/documents": ("member", None),
    "GET /api/v1/objects/{id}/search": ("member", None),
    "POST /api/v1/objects/{id}/documents": ("member", {"file_id": "{object_file}", "doc_type": "spec", "number": "1"}),
    "GET /api/v1/documents/{id}": ("member", None),
    "GET /api/v1/document-versions/{id}/download": ("member", None),
    "POST /api/v1/document-versions/{id}/approvals": ("member", {"steps": [{"order": 1, "groups": ["category_manager"]}]}),
    "GET /api/v1/approvals": ("self", None),
    "GET /api/v1/approvals/{id}": ("member", None),
    "POST /api/v1/approvals/{id}/decisions": ("member", {"decision": "approve", "comment": ""}),
    "POST /api/v1/approvals/{id}/cancel": ("member", None),
    "POST /api/v1/approvals/{id}/statement": ("member", {"decision": "approve"}),
    "GET /api/v1/signatures/{id}/verify": ("member", None),
    "POST /api/v1/chats/{id}/votes": ("member", {"title": "sweep vote", "groups": ["category_manager"],
                                                 "deadline_at": "{future}"}),
    "GET /api/v1/votes/{id}": ("member", None),
    "POST /api/v1/votes/{id}/ballots": ("member", {"option": 0}),
    "POST /api/v1/votes/{id}/close": ("member", None),
    # Support desk: "member" is an agent (the owner holds support.agent with scope all); the outsider
    # holds no support permission (403) and sees no conversation.
    "POST /api/v1/support/inboxes": ("admin", {"name": "sweep inbox", "channel": "widget"}),
    "GET /api/v1/support/inboxes": ("admin", None),
    "PATCH /api/v1/support/inboxes/{id}": ("admin", {"greeting": "sweep"}),
    "POST /api/v1/support/teams": ("admin", {"name": "sweep team {uuid}"}),
    "GET /api/v1/support/teams": ("member", None),
    "PUT /api/v1/support/teams/{id}/members": ("admin", {"members": [{"user_id": "{owner}", "capacity": 5}]}),
    "POST /api/v1/support/topics": ("admin", {"team_id": "{support_team}", "title": "sweep topic"}),
    "GET /api/v1/support/topics": ("member", None),
    "PATCH /api/v1/support/topics/{id}": ("admin", {"title": "sweep topic {uuid}"}),
    "GET /api/v1/support/agents": ("member", None),
    "PUT /api/v1/support/agents/{id}/scope": ("admin", {"scope": "all"}),
    "PUT /api/v1/support/agents/{id}/availability": ("member", {"availability": "online"}),
    "POST /api/v1/support/conversations": ("member", {"inbox_id": "{support_inbox}", "contact": {"name": "Sweep"},
                                                      "text": "sweep"}),
    "GET /api/v1/support/conversations": ("member", None),
    "GET /api/v1/support/conversations/{id}": ("member", None),
    "GET /api/v1/support/conversations/{id}/messages": ("member", None),
    "POST /api/v1/support/conversations/{id}/messages": ("member", {"text": "sweep reply"}),
    "POST /api/v1/support/conversations/{id}/notes": ("member", {"text": "sweep note"}),
    "POST /api/v1/support/conversations/{id}/incoming": ("member", {"text": "sweep incoming"}),
    "POST /api/v1/support/conversations/{id}/status": ("member", {"status": "open"}),
    "POST /api/v1/support/conversations/{id}/assign": ("member", {"auto": True}),
    "GET /api/v1/support/contacts/{id}": ("member", None),
    "PUT /api/v1/support/inboxes/{id}/email": ("admin", {"address": "sweep@desk.test", "starttls": False}),
    "GET /api/v1/support/inboxes/{id}/email": ("admin", None),
    "POST /api/v1/support/inboxes/{id}/email/poll": ("admin", None),
    "GET /api/v1/support/conversations/{id}/email": ("member", None),
    "GET /api/v1/support/teams/{id}/sla": ("member", None),
    "PUT /api/v1/support/teams/{id}/sla": ("admin", {"frt_minutes": 60, "business_hours_only": True}),
    "GET /api/v1/support/conversations/{id}/sla": ("member", None),
    "GET /api/v1/support/sla/clocks": ("member", None),
    "GET /api/v1/support/inboxes/{id}/csat": ("admin", None),
    "PUT /api/v1/support/inboxes/{id}/csat": ("admin", {"enabled": True}),
    "GET /api/v1/support/reports/summary": ("admin", None),
    "GET /api/v1/support/reports/heatmap": ("admin", None),
    "GET /api/v1/support/contacts": ("member", None),
    "POST /api/v1/support/contacts/{id}/merge": ("member", {"mergee_id": "{support_contact2}"}),
    "GET /api/v1/support/canned-replies": ("member", None),
    "POST /api/v1/support/canned-replies": ("member", {"short_code": "sweep{uuid}", "content": "sweep"}),
    "PATCH /api/v1/support/canned-replies/{id}": ("member", {"content": "sweep edited"}),
    "DELETE /api/v1/support/canned-replies/{id}": ("member", None),
    "GET /api/v1/support/labels": ("member", None),
    "POST /api/v1/support/labels": ("admin", {"title": "sweep {uuid}", "color": "#123456"}),
    "PATCH /api/v1/support/labels/{id}": ("admin", {"title": "sweep label {uuid}", "color": "#123456"}),
    "DELETE /api/v1/support/labels/{id}": ("admin", None),
    "POST /api/v1/support/conversations/{id}/labels": ("member", {"label_id": "{support_label}"}),
    "DELETE /api/v1/support/conversations/{id}/labels/{label_id}": ("member", None),
    "DELETE /api/v1/support/conversations/{id}": ("admin", None),
    "POST /api/v1/support/conversations/{id}/restore": ("admin", None),
    "PUT /api/v1/support/teams/{id}/calendar": ("admin", {"calendar_id": None}),
    # Expert network: "member" is the curator of a members-only community (the owner); the outsider
    # does not see it (404); moderators' acts are "admin" (administrators are moderators).
    "GET /api/v1/experts/communities": ("self", None),
    "POST /api/v1/experts/communities": ("admin", {"slug": "sweep-{uuid}", "title": "sweep community"}),
    "GET /api/v1/experts/communities/{id}": ("member", None),
    "PATCH /api/v1/experts/communities/{id}": ("member", {"description": "sweep edited"}),
    "POST /api/v1/experts/communities/{id}/subscription": ("member", {"user_id": "{owner}"}),
    "DELETE /api/v1/experts/communities/{id}/subscription": ("member", None),
    "GET /api/v1/experts/communities/{id}/members": ("member", None),
    "PUT /api/v1/experts/communities/{id}/roles/{user_id}": ("admin", {"role": "expert"}),
    "DELETE /api/v1/experts/communities/{id}/roles/{user_id}": ("admin", None),
    "PUT /api/v1/experts/moderators/{user_id}": ("admin", None),
    "DELETE /api/v1/experts/moderators/{user_id}": ("admin", None),
    "GET /api/v1/experts/me": ("self", None),
    "GET /api/v1/experts/profiles/{user_id}": ("self", None),
    "PUT /api/v1/experts/profiles/{user_id}": ("member", {"bio": "sweep bio"}),
    # An application by the member in that community, which the owner curates.
    "POST /api/v1/experts/applications": ("self", {"answers": {"full_name": "sweep"},
                                                   "community_ids": ["{experts_community}"]}),
    "GET /api/v1/experts/applications": ("self", None),
    "GET /api/v1/experts/application-form": ("self", None),
    "GET /api/v1/experts/applications/{id}": ("member", None),
    "PATCH /api/v1/experts/applications/{id}": ("member", {"answers": {"skills": "sweep"}}),
    "POST /api/v1/experts/applications/{id}/submit": ("member", None),
    "POST /api/v1/experts/applications/{id}/withdraw": ("member", None),
    "POST /api/v1/experts/applications/{id}/review": ("member", None),
    "POST /api/v1/experts/applications/{id}/questions": ("member", {"text": "sweep question"}),
    "POST /api/v1/experts/applications/{id}/answers": ("member", {"text": "sweep answer"}),
    "POST /api/v1/experts/applications/{id}/interview": ("member", {"at": "{future}", "link": "https://sweep.test/x"}),
    "POST /api/v1/experts/applications/{id}/decision": ("member", {"decision": "reject", "reason": "sweep"}),
    # Communities' content and events in that community; the owner curates it.
    "GET /api/v1/experts/communities/{id}/feed": ("member", None),
    "POST /api/v1/experts/communities/{id}/feed": ("member", {"text": "<p>sweep post</p>"}),
    "GET /api/v1/experts/communities/{id}/topics": ("member", None),
    "POST /api/v1/experts/communities/{id}/topics": ("member", {"title": "sweep topic"}),
    "POST /api/v1/experts/topics/{id}/join": ("member", None),
    "GET /api/v1/experts/communities/{id}/articles": ("member", None),
    "POST /api/v1/experts/communities/{id}/articles": ("member", {"kind": "best_practice", "title": "sweep",
                                                                  "body": "<p>sweep</p>"}),
    "GET /api/v1/experts/articles/{id}": ("member", None),
    "PATCH /api/v1/experts/articles/{id}": ("member", {"summary": "sweep"}),
    "POST /api/v1/experts/articles/{id}/submit": ("member", None),
    "POST /api/v1/experts/articles/{id}/publish": ("member", None),
    "POST /api/v1/experts/articles/{id}/return": ("member", {"reason": "sweep"}),
    "POST /api/v1/experts/articles/{id}/archive": ("member", None),
    "GET /api/v1/experts/practices": ("self", None),
    "GET /api/v1/experts/events": ("self", None),
    "GET /api/v1/experts/events.ics": ("self", None),
    "POST /api/v1/experts/events": ("member", {"community_id": "{experts_community}", "title": "sweep event",
                                               "starts_at": "{future}", "ends_at": "{future_end}"}),
    "GET /api/v1/experts/events/{id}": ("member", None),
    "PATCH /api/v1/experts/events/{id}": ("member", {"agenda": "sweep"}),
    "GET /api/v1/experts/events/{id}/registrations": ("member", None),
    "POST /api/v1/experts/events/{id}/registrations": ("member", {"status": "interested"}),
    "DELETE /api/v1/experts/events/{id}/registrations/me": ("member", None),
    "POST /api/v1/experts/events/{id}/summary": ("member", {"text": "sweep summary"}),
    "POST /api/v1/experts/events/{id}/cancel": ("member", {"reason": "sweep"}),
    "GET /api/v1/experts/consultations": ("self", None),
    "POST /api/v1/experts/consultations": ("self", {"community_id": "{experts_community}", "title": "sweep",
                                                    "question": "sweep?", "expected_result": "sweep",
                                                    "difficulty": "basic"}),
    "GET /api/v1/experts/consultations/{id}": ("member", None),
    "PATCH /api/v1/experts/consultations/{id}": ("member", {"title": "sweep edited"}),
    "POST /api/v1/experts/consultations/{id}/assign": ("member", {"expert_id": "{owner}"}),
    "GET /api/v1/experts/consultations/{id}/suggested-experts": ("member", None),
    "POST /api/v1/experts/consultations/{id}/accept": ("member", None),
    "POST /api/v1/experts/consultations/{id}/return": ("member", {"questions": "sweep?"}),
    "POST /api/v1/experts/consultations/{id}/resolve": ("member", {"text": "sweep answer"}),
    "POST /api/v1/experts/consultations/{id}/reject": ("member", {"reason_code": "other", "text": "sweep"}),
    "POST /api/v1/experts/consultations/{id}/cancel": ("member", None),
    "POST /api/v1/experts/consultations/{id}/call": ("member", {"at": "{future}", "link": "https://sweep.test/c"}),
    "POST /api/v1/experts/consultations/{id}/rating": ("member", {"rating": 5, "comment": "sweep"}),
    "PUT /api/v1/experts/consultations/{id}/rating": ("member", {"rating": 4}),
    "GET /api/v1/experts/communities/{id}/stats": ("member", None),
    "GET /api/v1/experts/communities/{id}/consultation-settings": ("member", None),
    "PUT /api/v1/experts/communities/{id}/consultation-settings": ("member", {"assign_within_working_days": 3}),
    "GET /api/v1/experts/profiles/{user_id}/stats": ("self", None),
    # Gamification: reads for every employee (own ledger rows only), edits for moderators.
    "GET /api/v1/experts/score-rules": ("self", None),
    "GET /api/v1/experts/score-rules/{key}": ("self", None),
    "PUT /api/v1/experts/score-rules/{key}": ("admin", {"points": 10}),
    "GET /api/v1/experts/score-settings": ("self", None),
    "PUT /api/v1/experts/score-settings": ("admin", {"recalculations_per_day": 5}),
    "GET /api/v1/experts/score-events": ("self", None),
    "POST /api/v1/experts/score-events": ("admin", {"user_id": "{owner}", "points": 1, "reason": "sweep"}),
    "POST /api/v1/experts/score-events/{id}/void": ("admin", {"reason": "sweep"}),
    "POST /api/v1/experts/scores/recalculate": ("admin", {"since": 0}),
    "GET /api/v1/experts/leaderboards/experts": ("self", None),
    "GET /api/v1/experts/leaderboards/communities": ("self", None),
    "GET /api/v1/experts/experts/{user_id}/card": ("self", None),
}
# Taken by the transport before the router; swept by their own tests below.
TRANSPORT = {"UPLOAD /api/v1/chats/{id}/files", "WEBSOCKET /api/v1/ws",
             # swept in test_support_realtime.py (a visitor token, not a session)
             "UPLOAD /api/v1/support/widget/conversations/{id}/files",
             # the inbound mail webhook: a mailbox token, not a session (swept in test_support_email.py)
             "UPLOAD /api/v1/support/email/inbound/{id}",
             # swept in test_experts_content.py (the author of a draft; 404 for an unknown article)
             "UPLOAD /api/v1/experts/articles/{id}/files",
             # swept in test_experts_consultations.py (unauthenticated, outsider, bad id, closed request)
             "UPLOAD /api/v1/experts/consultations/{id}/files"}


def served_routes():
    out = subprocess.run([VECHE_BIN, "routes"], capture_output=True, text=True, timeout=60, check=True).stdout
    routes = [line.strip() for line in out.splitlines() if line.strip()]
    assert len(routes) > 40, f"`veche routes` printed too few routes: {routes!r}"
    return routes


ROUTER_ROUTES = [r for r in served_routes() if r not in TRANSPORT]


def test_every_route_is_classified():
    served = set(served_routes())
    unknown = sorted(r for r in served if r not in ROUTES and r not in PUBLIC and r not in TRANSPORT)
    assert not unknown, ("routes the sweep does not know; classify each in ROUTES (who may call it, "
                         f"and a valid body): {unknown}")
    gone = sorted(r for r in list(ROUTES) + list(PUBLIC) + list(TRANSPORT) if r not in served)
    assert not gone, f"classified routes the server no longer serves: {gone}"


def test_every_route_is_documented():
    docs = open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "api.md"), encoding="utf-8").read()
    missing = []
    for r in ROUTER_ROUTES:
        method, pattern = r.split(" ", 1)
        if pattern not in docs:
            missing.append(r)
    assert not missing, f"routes missing from docs/api.md: {missing}"


class World:
    """The owner's private objects, each carrying a marker, and an outsider who may see none of them."""

    def __init__(self, server, admin):
        self.server = server
        self.admin = admin
        self.marker = "sweepsecret" + uuid.uuid4().hex[:10]
        self.owner = make_user(server, admin)
        self.member = make_user(server, admin)
        self.outsider = make_user(server, admin)
        chat = expect(self.owner.post("/api/v1/chats", json={
            "type": "channel", "visibility": "private", "name": f"{self.marker} chat",
            "topic": self.marker, "member_ids": [self.member.id]}), 201)
        self.chat_id = chat["id"]
        self.message_id = expect(self.owner.post(f"/api/v1/chats/{self.chat_id}/messages",
                                                 json={"text": f"{self.marker} message"}), 201)["id"]
        self.poll_id = expect(self.owner.post(f"/api/v1/chats/{self.chat_id}/polls", json={
            "question": f"{self.marker} poll?", "options": [f"{self.marker} a", "b"]}), 201)["id"]
        up = expect(self.owner.post(f"/api/v1/chats/{self.chat_id}/files?name={self.marker}.txt",
                                    data=f"{self.marker} file".encode()), 201)
        self.file_id = up["id"]
        expect(self.owner.post(f"/api/v1/chats/{self.chat_id}/messages",
                               json={"text": "", "file_ids": [self.file_id]}), 201)
        self.outsider_chat = expect(self.outsider.post("/api/v1/chats", json={"type": "group", "name": "mine"}), 201)["id"]
        # A day ahead: it stays pending (and its job with it) for the whole sweep.
        self.scheduled_id = expect(self.owner.post(f"/api/v1/chats/{self.chat_id}/scheduled-messages", json={
            "text": f"{self.marker} scheduled", "send_at": int(time.time() * 1000) + 86_400_000}), 201)["id"]
        self.role_id = expect(admin.post("/api/v1/admin/roles", json={
            "name": "sweep-" + uuid.uuid4().hex[:10], "title": "Sweep role", "permissions": ["audit.read"]}), 201)["id"]
        jobs = expect(admin.get("/api/v1/admin/jobs", params={"kind": "scheduled.send", "limit": "200"}), 200)["jobs"]
        self.job_id = next(j["id"] for j in jobs if j["payload"] == {"id": self.scheduled_id})
        # Calendars are not private (every user reads them); the sweep edits one of its own.
        self.calendar_id = expect(admin.post("/api/v1/calendars", json={"name": "sweep " + uuid.uuid4().hex[:8]}), 201)["id"]
        self.type_key = "sweep-" + uuid.uuid4().hex[:10]
        expect(admin.put(f"/api/v1/object-types/{self.type_key}", json=SWEEP_TYPE), 200)
        self.external_id = "S-" + uuid.uuid4().hex[:8]
        self.object_id = expect(admin.put(f"/api/v1/objects/{self.type_key}/{self.external_id}", json={
            "title": f"{self.marker} object", "members": [{"user_id": self.owner.id, "role": "category_manager"}]}),
            201)["id"]
        obj = expect(self.owner.get(f"/api/v1/objects/{self.object_id}"), 200)
        org = obj["chats"][0]["chat_id"]
        up = expect(self.owner.post(f"/api/v1/chats/{org}/files?name={self.marker}-doc.txt",
                                    data=f"{self.marker} document".encode()), 201)
        expect(self.owner.post(f"/api/v1/chats/{org}/messages", json={"text": "", "file_ids": [up["id"]]}), 201)
        self.object_file_id = up["id"]
        doc = expect(self.owner.get(f"/api/v1/objects/{self.object_id}/documents"), 200)["documents"][0]
        self.document_id, self.version_id = doc["id"], doc["versions"][0]["id"]
        approval = expect(self.owner.post(f"/api/v1/document-versions/{self.version_id}/approvals", json={
            "steps": [{"order": 1, "participants": [{"user_id": self.owner.id}]}]}), 201)
        self.approval_id = approval["id"]
        decided = expect(self.owner.post(f"/api/v1/approvals/{self.approval_id}/decisions",
                                         json={"decision": "approve_with_remarks", "comment": self.marker}), 200)
        self.signature_id = decided["steps"][0]["tasks"][0]["signature_id"]
        self.vote_id = expect(self.owner.post(f"/api/v1/chats/{org}/votes", json={
            "title": f"{self.marker} vote", "groups": ["category_manager"],
            "deadline_at": int(time.time() * 1000) + 86_400_000}), 201)["id"]
        self.counterparty_id = expect(self.owner.post(f"/api/v1/objects/{self.object_id}/counterparties", json={
            "org_ref": "sweep-cp", "name": f"{self.marker} supplier", "users": [self.member.username]}), 201)["id"]
        # Support desk: the owner is an agent of a team; a visitor's conversation carries the marker.
        role = next(r["id"] for r in expect(admin.get("/api/v1/admin/roles"), 200)["roles"] if r["name"] == "support.agent")
        expect(admin.post(f"/api/v1/admin/users/{self.owner.id}/roles", json={"role_id": role}), 201)
        expect(admin.put(f"/api/v1/support/agents/{self.owner.id}/scope", json={"scope": "all"}), 200)
        self.support_team_id = expect(admin.post("/api/v1/support/teams", json={
            "name": "sweep " + uuid.uuid4().hex[:10]}), 201)["id"]
        inbox = expect(admin.post("/api/v1/support/inboxes", json={
            "name": "sweep", "channel": "widget", "team_id": self.support_team_id}), 201)
        self.support_inbox_id = inbox["id"]
        mail_inbox = expect(admin.post("/api/v1/support/inboxes", json={
            "name": "sweep mail", "channel": "api", "team_id": self.support_team_id}), 201)
        expect(admin.put(f"/api/v1/support/inboxes/{mail_inbox['id']}/email", json={"address": "sweep@desk.test"}), 200)
        self.support_mail_inbox_id = mail_inbox["id"]
        posted = expect(Client(server).post("/api/v1/support/widget/messages", json={
            "inbox": inbox["token"], "text": f"{self.marker} visitor", "name": f"{self.marker} customer"}), 201)
        self.support_conversation_id = posted["conversation"]["id"]
        self.support_contact_id = expect(self.owner.get(
            f"/api/v1/support/conversations/{self.support_conversation_id}"), 200)["contact_id"]
        second = expect(Client(server).post("/api/v1/support/widget/messages", json={
            "inbox": inbox["token"], "text": f"{self.marker} second", "name": "Sweep"}), 201)["conversation"]
        self.support_contact2_id = expect(self.owner.get(f"/api/v1/support/conversations/{second['id']}"),
                                          200)["contact_id"]
        self.support_canned_id = expect(self.owner.post("/api/v1/support/canned-replies", json={
            "short_code": "sweep", "content": f"{self.marker} canned"}), 201)["id"]
        self.support_label_id = expect(admin.post("/api/v1/support/labels", json={
            "title": f"sweep {uuid.uuid4().hex[:8]}"}), 201)["id"]
        self.support_topic_id = expect(admin.post("/api/v1/support/topics", json={
            "team_id": self.support_team_id, "title": f"{self.marker} topic"}), 201)["id"]
        self.experts_community_id = expect(admin.post("/api/v1/experts/communities", json={
            "slug": "sweep-" + uuid.uuid4().hex[:10], "title": f"{self.marker} community",
            "description": self.marker, "visibility": "members"}), 201)["id"]
        expect(admin.put(f"/api/v1/experts/communities/{self.experts_community_id}/roles/{self.owner.id}",
                         json={"role": "curator"}), 200)
        expect(admin.post(f"/api/v1/experts/communities/{self.experts_community_id}/subscription",
                          json={"user_id": self.member.id}), 200)
        self.experts_application_id = expect(self.member.post("/api/v1/experts/applications", json={
            "answers": {"full_name": self.marker, "position": "p", "experience_years": 1, "experience": self.marker,
                        "competences": ["sweep"], "skills": self.marker},
            "community_ids": [self.experts_community_id], "submit": True}), 201)["id"]
        c = self.experts_community_id
        self.experts_topic_id = expect(self.owner.post(f"/api/v1/experts/communities/{c}/topics", json={
            "title": f"{self.marker} topic"}), 201)["id"]
        self.experts_article_id = expect(self.owner.post(f"/api/v1/experts/communities/{c}/articles", json={
            "kind": "best_practice", "title": f"{self.marker} article", "body": f"<p>{self.marker}</p>"}), 201)["id"]
        soon = int(time.time() * 1000) + 86_400_000
        self.experts_event_id = expect(self.owner.post("/api/v1/experts/events", json={
            "community_id": c, "title": f"{self.marker} event", "starts_at": soon, "ends_at": soon + 3_600_000}),
            201)["id"]
        # The owner (a curator there) asks in the members-only community: the outsider sees none of it.
        self.experts_consultation_id = expect(self.owner.post("/api/v1/experts/consultations", json={
            "community_id": self.experts_community_id, "title": f"{self.marker} consultation",
            "question": self.marker, "expected_result": self.marker, "difficulty": "basic"}), 201)["id"]
        self.experts_score_event_id = expect(admin.post("/api/v1/experts/score-events", json={
            "user_id": self.owner.id, "points": 1, "reason": "sweep award"}), 201)["events"][0]["id"]

    def fill(self, route, which_id="real"):
        """The path of `route` with its parameters set to the owner's objects."""
        method, pattern = route.split(" ", 1)
        if which_id == "real":
            if pattern.startswith("/api/v1/chats/{id}"):
                obj = self.chat_id
            elif pattern.startswith("/api/v1/messages/{id}/poll"):
                obj = self.poll_id
            elif pattern.startswith("/api/v1/messages/{id}"):
                obj = self.message_id
            elif pattern.startswith("/api/v1/files/{id}"):
                obj = self.file_id
            elif pattern.startswith("/api/v1/users/{id}"):
                obj = self.owner.id
            elif pattern.startswith("/api/v1/auth/sessions/{id}"):
                obj = self.owner.session_id
            elif pattern.startswith("/api/v1/scheduled-messages/{id}"):
                obj = self.scheduled_id
            elif pattern.startswith("/api/v1/admin/jobs/{id}"):
                obj = self.job_id
            elif pattern.startswith("/api/v1/timeline/{kind}/{id}"):
                obj = self.chat_id
            elif pattern.startswith("/api/v1/admin/roles/{id}"):
                obj = self.role_id
            elif pattern.startswith("/api/v1/admin/users/{id}"):
                obj = self.owner.id
            elif pattern.startswith("/api/v1/calendars/{id}"):
                obj = self.calendar_id
            elif pattern.startswith("/api/v1/objects/{id}"):
                obj = self.object_id
            elif pattern.startswith("/api/v1/documents/{id}"):
                obj = self.document_id
            elif pattern.startswith("/api/v1/document-versions/{id}"):
                obj = self.version_id
            elif pattern.startswith("/api/v1/approvals/{id}"):
                obj = self.approval_id
            elif pattern.startswith("/api/v1/signatures/{id}"):
                obj = self.signature_id
            elif pattern.startswith("/api/v1/votes/{id}"):
                obj = self.vote_id
            elif pattern.startswith("/api/v1/support/inboxes/{id}"):
                obj = self.support_mail_inbox_id
            elif pattern.startswith("/api/v1/support/email/inbound/{id}"):
                obj = self.support_mail_inbox_id
            elif pattern.startswith("/api/v1/support/teams/{id}"):
                obj = self.support_team_id
            elif pattern.startswith("/api/v1/support/agents/{id}"):
                obj = self.owner.id
            elif pattern.startswith("/api/v1/support/conversations/{id}"):
                obj = self.support_conversation_id
            elif pattern.startswith("/api/v1/support/widget/conversations/{id}"):
                obj = self.support_conversation_id
            elif pattern.startswith("/api/v1/support/widget/files/{id}"):
                obj = self.support_conversation_id  # no visitor token here: 401 whatever it names
            elif pattern.startswith("/api/v1/support/contacts/{id}"):
                obj = self.support_contact_id
            elif pattern.startswith("/api/v1/support/canned-replies/{id}"):
                obj = self.support_canned_id
            elif pattern.startswith("/api/v1/support/labels/{id}"):
                obj = self.support_label_id
            elif pattern.startswith("/api/v1/support/topics/{id}"):
                obj = self.support_topic_id
            elif pattern.startswith("/api/v1/experts/communities/{id}"):
                obj = self.experts_community_id
            elif pattern.startswith("/api/v1/experts/applications/{id}"):
                obj = self.experts_application_id
            elif pattern.startswith("/api/v1/experts/topics/{id}"):
                obj = self.experts_topic_id
            elif pattern.startswith("/api/v1/experts/articles/{id}"):
                obj = self.experts_article_id
            elif pattern.startswith("/api/v1/experts/events/{id}"):
                obj = self.experts_event_id
            elif pattern.startswith("/api/v1/experts/consultations/{id}"):
                obj = self.experts_consultation_id
            elif pattern.startswith("/api/v1/experts/score-events/{id}"):
                obj = self.experts_score_event_id
            else:
                obj = None
        else:
            obj = "987654321987654321" if which_id == "unknown" else "not-a-number"
        path = pattern
        if "{id}" in path:
            assert obj is not None, f"the sweep has no object for {{id}} in {route}; add one to World.fill"
            path = path.replace("{id}", str(obj))
        path = path.replace("{kind}", "chat").replace("{user_id}", str(self.member.id)).replace("{role_id}", str(self.role_id)).replace("{label_id}", str(self.support_label_id)).replace("{emoji}", urllib.parse.quote("👍"))
        path = path.replace("{date}", "2026-03-10").replace("{key}", self.type_key).replace("{type}", self.type_key)
        path = path.replace("{external_id}", self.external_id).replace("{cp}", str(self.counterparty_id))
        assert "{" not in path, f"the sweep cannot fill every parameter of {route}: {path}"
        return method, path

    def body(self, route):
        body = ROUTES[route][1]
        if body is None:
            return None
        subst = {"{outsider}": self.outsider.id, "{message}": self.message_id, "{outsider_chat}": self.outsider_chat,
                 "{future}": int(time.time() * 1000) + 86_400_000, "{role}": self.role_id,
                 "{object_file}": self.object_file_id, "{owner}": self.owner.id,
                 "{support_team}": self.support_team_id, "{support_inbox}": self.support_inbox_id,
                 "{support_label}": self.support_label_id, "{support_contact2}": self.support_contact2_id,
                 "{experts_community}": self.experts_community_id,
                 "{future_end}": int(time.time() * 1000) + 90_000_000}

        def fill(v):
            if isinstance(v, str):
                if v in subst:
                    return subst[v]
                return v.replace("{uuid}", uuid.uuid4().hex[:10])
            if isinstance(v, dict):
                return {k: fill(x) for k, x in v.items()}
            if isinstance(v, list):
                return [fill(x) for x in v]
            return v

        return {k: fill(v) for k, v in body.items()}

    def authorized(self, route):
        """A caller allowed to use the route, for the malformed-body sweep."""
        who = ROUTES[route][0]
        return {"member": self.owner, "admin": self.admin, "self": self.outsider}[who]


@pytest.fixture(scope="module")
def world(server, admin_client):
    return World(server, admin_client)


def call(client, method, path, body=None, auth=True, **kw):
    if body is not None:
        kw["json"] = body
    if method == "POST" and path.endswith("/files") and body is None and "data" not in kw:
        kw["data"] = b"bytes"  # an upload needs a body; that it is not an empty one is checked elsewhere
        path += "?name=x.txt"
    return client.request(method, path, auth=auth, **kw)


@pytest.mark.parametrize("route", ROUTER_ROUTES)
def test_without_a_token(server, world, route):
    method, path = world.fill(route)
    anon = Client(server)
    r = call(anon, method, path, world.body(route) if route in ROUTES else None, auth=False)
    assert r.status_code < 500, f"{route} without a token -> {r.status_code}: {r.text[:300]}"
    if route in PUBLIC:
        return
    expect_error(r, 401, "unauthenticated")
    assert world.marker not in r.text


@pytest.mark.parametrize("route", [r for r in ROUTER_ROUTES if r in ROUTES])
def test_as_a_user_with_no_business_there(server, world, route):
    who, _ = ROUTES[route]
    method, path = world.fill(route)
    # A throwaway session, so that routes acting on the caller's own session (logout) do not
    # sign the shared outsider out.
    outsider = login(server, world.outsider.username, world.outsider.password)
    r = call(outsider, method, path, world.body(route))
    assert r.status_code < 500, f"{route} as an outsider -> {r.status_code}: {r.text[:300]}"
    assert world.marker not in r.text, f"{route} showed the owner's private data to an outsider: {r.text[:300]}"
    if who == "member":
        assert r.status_code in (403, 404), f"{route} as an outsider -> {r.status_code}, expected 403/404: {r.text[:300]}"
        check_error_body(r)
    elif who == "admin":
        # 403 forbidden, or 404 when the object is one the caller may not even see
        assert r.status_code in (403, 404), f"{route} as a non-admin -> {r.status_code}: {r.text[:300]}"
        check_error_body(r)


@pytest.mark.parametrize("which", ["unknown", "malformed"])
@pytest.mark.parametrize("route", [r for r in ROUTER_ROUTES if "{id}" in r])
def test_with_an_id_that_names_nothing(server, world, route, which):
    method, path = world.fill(route, which)
    caller = world.authorized(route) if route in ROUTES else world.owner
    r = call(caller, method, path, world.body(route) if route in ROUTES else None)
    assert 400 <= r.status_code < 500, f"{route} with an {which} id -> {r.status_code}: {r.text[:300]}"
    check_error_body(r)


BODY_ROUTES = [r for r in ROUTER_ROUTES if r in ROUTES and ROUTES[r][1] is not None] + ["POST /api/v1/auth/login"]


def wrong_types(body):
    """One body per field, with that field's value replaced by a value of another JSON type."""
    for key, value in body.items():
        bad = {"x": 1} if not isinstance(value, dict) else "text"
        yield key, {**body, key: bad}


@pytest.mark.parametrize("route", BODY_ROUTES)
def test_with_a_malformed_body(server, world, route):
    method, path = world.fill(route)
    if route == "POST /api/v1/auth/login":
        caller, body = Client(server), {"username": world.outsider.username, "password": world.outsider.password}
    else:
        caller, body = world.authorized(route), world.body(route)
    for raw in (b'{"text": ', b"\xff\xfe{}", b"[1, 2]", b'"a string"', b"null"):
        r = caller.request(method, path, data=raw, headers={"Content-Type": "application/json"},
                           auth=route != "POST /api/v1/auth/login")
        err = expect_error(r, 400)
        assert err["code"] in ("malformed_json", "invalid_argument"), f"{route} body {raw!r}: {err}"
    for key, bad in wrong_types(body):
        r = caller.request(method, path, json=bad, auth=route != "POST /api/v1/auth/login")
        assert r.status_code == 400, f"{route} with {key} of the wrong type -> {r.status_code}: {r.text[:300]}"
        check_error_body(r)


def test_upload_without_a_token_and_as_an_outsider(server, world):
    path = f"/api/v1/chats/{world.chat_id}/files?name=x.txt"
    expect_error(Client(server).request("POST", path, auth=False, data=b"abc"), 401, "unauthenticated")
    expect_error(world.outsider.post(path, data=b"abc"), 404, "chat_not_found")


def test_websocket_without_a_token(server):
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(server.ws_url, timeout=10)
    assert e.value.status_code == 401
