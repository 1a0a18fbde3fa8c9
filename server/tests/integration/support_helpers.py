"""Shared setup for the support desk suites (docs/api.md "Support desk")."""

import hashlib
import hmac

from objects_helpers import grant
from veche_harness import Client, expect, uniq


class Visitor:
    """A widget visitor: no account, the visitor token the first message returned."""

    def __init__(self, server, inbox_token):
        self.client = Client(server)
        self.inbox_token = inbox_token
        self.token = None

    def say(self, text, status=201, **extra):
        r = self.client.post("/api/v1/support/widget/messages", json={"inbox": self.inbox_token, "text": text, **extra})
        body = expect(r, status)
        if status == 201 and body.get("visitor_token"):
            self.token = body["visitor_token"]
            self.client.token = self.token
        return body

    def conversations(self):
        return expect(self.client.get("/api/v1/support/widget/conversations"), 200)["conversations"]

    def history(self, conversation_id):
        return expect(self.client.get(f"/api/v1/support/widget/conversations/{conversation_id}/messages"),
                      200)["messages"]


class Desk:
    """A team of its own with agents, and a widget inbox routing to it."""

    def __init__(self, admin, make_user, agents=0, capacity=5, scope="all", online=True, hmac_mandatory=False):
        self.admin = admin
        self.make_user = make_user
        self.team = expect(admin.post("/api/v1/support/teams", json={"name": uniq("team")}), 201)
        self.inbox = expect(admin.post("/api/v1/support/inboxes", json={
            "name": uniq("inbox"), "channel": "widget", "team_id": self.team["id"],
            "hmac_mandatory": hmac_mandatory}), 201)
        self.agents = [self.new_agent(scope) for _ in range(agents)]
        self.capacity = {a.id: capacity for a in self.agents}
        self.set_members()
        if online:
            for a in self.agents:
                self.availability(a, "online")

    def new_agent(self, scope="all"):
        u = self.make_user()
        grant(self.admin, u, "support.agent")
        expect(self.admin.put(f"/api/v1/support/agents/{u.id}/scope", json={"scope": scope}), 200)
        return u

    def set_members(self):
        members = [{"user_id": a.id, "capacity": self.capacity[a.id]} for a in self.agents]
        return expect(self.admin.put(f"/api/v1/support/teams/{self.team['id']}/members", json={"members": members}), 200)

    def availability(self, agent, value):
        return expect(agent.put(f"/api/v1/support/agents/{agent.id}/availability", json={"availability": value}), 200)

    def visitor(self, server):
        return Visitor(server, self.inbox["token"])

    def conversation(self, conversation_id, who=None):
        return expect((who or self.admin).get(f"/api/v1/support/conversations/{conversation_id}"), 200)

    def status(self, who, conversation_id, status, **extra):
        return expect(who.post(f"/api/v1/support/conversations/{conversation_id}/status",
                               json={"status": status, **extra}), 200)

    def messages(self, who, conversation_id):
        return expect(who.get(f"/api/v1/support/conversations/{conversation_id}/messages"), 200)["messages"]

    def identity_hash(self, identifier):
        return hmac.new(self.inbox["hmac_secret"].encode(), identifier.encode(), hashlib.sha256).hexdigest()
