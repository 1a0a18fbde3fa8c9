"""Shared setup for the expert network suites (docs/api.md "Expert network (EXP)")."""

from veche_harness import expect, uniq

API = "/api/v1/experts"


def make_moderator(admin, make_user):
    """A fresh user the admin appoints moderator of the expert network."""
    u = make_user()
    expect(admin.put(f"{API}/moderators/{u.id}"), 204)
    return u


def make_community(moderator, visibility="all", **extra):
    slug = uniq("c").lower().replace("_", "-")
    body = {"slug": slug, "title": extra.pop("title", "Сообщество " + slug), "visibility": visibility, **extra}
    return expect(moderator.post(f"{API}/communities", json=body), 201)


def grant(moderator, community, user, role):
    return expect(moderator.put(f"{API}/communities/{community['id']}/roles/{user.id}", json={"role": role}), 200)


class Network:
    """A moderator, one community (or more) and its curator, for a test of its own."""

    def __init__(self, admin, make_user, communities=1, visibility="all"):
        self.admin = admin
        self.make_user = make_user
        self.moderator = make_moderator(admin, make_user)
        self.communities = [make_community(self.moderator, visibility) for _ in range(communities)]
        self.community = self.communities[0]
        self.curator = make_user()
        for c in self.communities:
            grant(self.moderator, c, self.curator, "curator")

    def me(self, who):
        return expect(who.get(f"{API}/me"), 200)


def roles_in(me, community_id):
    for c in me["communities"]:
        if c["community_id"] == community_id:
            return sorted(c["roles"])
    return []


ANSWERS = {
    "full_name": "Иванов Иван Иванович", "position": "Главный технолог", "department": "Обогатительная фабрика",
    "site": "Норильск", "phone": "+7 900 000-00-00", "experience_years": 12,
    "experience": "Запуск двух линий флотации, снижение потерь на 8 %.",
    "competences": ["Флотация", "Гидравлика"], "skills": "Расчёт реагентного режима, обучение смен.",
    "motivation": "Хочу помогать коллегам на других площадках.",
}


def apply(user, communities, submit=True, answers=None, status=201):
    body = {"answers": ANSWERS if answers is None else answers, "community_ids": [c["id"] for c in communities],
            "submit": submit}
    return expect(user.post(f"{API}/applications", json=body), status)


def step(who, application, name, body=None, status=200):
    return expect(who.post(f"{API}/applications/{application['id']}/{name}", json=body), status)


def notices(user):
    """The texts the expert network's bot sent the user, oldest first ([] when none yet)."""
    chats = expect(user.get("/api/v1/chats"), 200)["chats"]
    chat = next((c for c in chats if c.get("kind") == "experts_notice"), None)
    if chat is None:
        return []
    messages = expect(user.get(f"/api/v1/chats/{chat['id']}/messages"), 200)["messages"]
    return [m["text"] for m in sorted(messages, key=lambda m: int(m["id"]))]


def make_expert(net, community=None, competences=(), levels=("beginner", "basic", "advanced"), vacation_until=None):
    """A fresh user granted the expert role in the community, with a profile of those competences."""
    u = net.make_user()
    grant(net.moderator, community or net.community, u, "expert")
    body = {"competences": list(competences), "levels": list(levels)}
    if vacation_until is not None:
        body["vacation_until"] = vacation_until
    expect(u.put(f"{API}/profiles/{u.id}", json=body), 200)
    return u


def consult(user, community, status=201, **over):
    """Files a consultation request (every required field filled unless overridden)."""
    body = {"community_id": community["id"], "title": "Вибрация насоса после ремонта",
            "question": "После замены подшипников насос вибрирует на 40 Гц.", "expected_result": "Причина и план",
            "difficulty": "basic", "tags": [], **over}
    body = {k: v for k, v in body.items() if v is not None}
    return expect(user.post(f"{API}/consultations", json=body), status)


def cstep(who, consultation, name, body=None, status=200, method="post"):
    return expect(getattr(who, method)(f"{API}/consultations/{consultation['id']}/{name}", json=body), status)


def registry(who, **params):
    return expect(who.get(f"{API}/consultations", params=params), 200)["consultations"]
