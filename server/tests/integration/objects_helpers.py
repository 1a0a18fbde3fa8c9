"""Shared setup for the business-objects suites (docs/api.md "Business objects")."""

from veche_harness import expect, uniq

TENDER_TYPE = {
    "name": "Тендер",
    "stages": [
        {"key": "offers", "name": "Приём предложений"},
        {"key": "commission", "name": "Работа комиссии"},
        {"key": "contract", "name": "Договор"},
    ],
    "chats": [
        {"key": "org", "stage": "*", "category": "organization", "scope": "shared",
         "title": "Организационный чат — {{object.title}}",
         "members": ["owner", "category_manager", "commission", "observer"]},
        {"key": "supplier", "stage": "offers", "category": "supplier", "scope": "per_counterparty",
         "title": "{{counterparty.name}} — {{object.title}}", "members": ["category_manager"]},
        {"key": "commission", "stage": "commission", "category": "commission", "scope": "shared",
         "title": "Комиссия — {{object.title}}", "members": ["category_manager", "commission"]},
        {"key": "contract", "stage": "contract", "category": "specification", "scope": "per_counterparty",
         "title": "Договор: {{counterparty.name}}", "members": ["category_manager", "owner"]},
    ],
    "vote_fields": [
        {"key": "supplier", "label": "Поставщик", "type": "text"},
        {"key": "delivery_days", "label": "Срок поставки, дней", "type": "number"},
        {"key": "price", "label": "Цена без НДС", "type": "money"},
        {"key": "price_vat", "label": "Цена с НДС", "type": "money"},
    ],
}


def role_id(admin, name):
    roles = expect(admin.get("/api/v1/admin/roles"), 200)["roles"]
    return next(r["id"] for r in roles if r["name"] == name)


def grant(admin, user, role_name):
    expect(admin.post(f"/api/v1/admin/users/{user.id}/roles", json={"role_id": role_id(admin, role_name)}), 201)


def define_tender_type(admin, key=None, **overrides):
    key = key or uniq("tender").lower().replace("_", "-")
    body = dict(TENDER_TYPE, **overrides)
    expect(admin.put(f"/api/v1/object-types/{key}", json=body), 200)
    return key


class Tender:
    """A tender with its people: an integration account, a category manager, two commission members,
    an observer and two suppliers (A, B) with two users each."""

    def __init__(self, admin, make_user, type_key=None):
        self.admin = admin
        self.type = type_key or define_tender_type(admin)
        self.erp = make_user()
        grant(admin, self.erp, "objects.integrator")
        self.manager, self.owner = make_user(), make_user()
        self.commission = [make_user(), make_user()]
        self.observer = make_user()
        self.a_users, self.b_users = [make_user(), make_user()], [make_user(), make_user()]
        self.external_id = uniq("T-")
        self.obj = None

    def members(self):
        return ([{"username": self.manager.username, "role": "category_manager"},
                 {"username": self.owner.username, "role": "owner"},
                 {"username": self.observer.username, "role": "observer"}] +
                [{"user_id": c.id, "role": "commission"} for c in self.commission])

    def upsert(self, expected_status=None, **extra):
        body = {"title": "Поставка труб " + self.external_id, "url": "https://erp.example.com/t/" + self.external_id,
                "system": "erp", "attributes": {"budget": 1200000}, "members": self.members(), **extra}
        r = self.erp.put(f"/api/v1/objects/{self.type}/{self.external_id}", json=body)
        self.obj = expect(r, expected_status or r.status_code)
        assert r.status_code in (200, 201), r.text
        return self.obj, r.status_code

    def add_suppliers(self):
        self.a = expect(self.erp.post(f"/api/v1/objects/{self.obj['id']}/counterparties", json={
            "org_ref": "7701000001", "name": "ООО Альфа", "users": [u.username for u in self.a_users]}), 201)
        self.b = expect(self.erp.post(f"/api/v1/objects/{self.obj['id']}/counterparties", json={
            "org_ref": "7701000002", "name": "АО Бета", "users": [u.username for u in self.b_users]}), 201)
        self.obj = expect(self.manager.get(f"/api/v1/objects/{self.obj['id']}"), 200)

    def chat(self, template, counterparty=None):
        for c in self.obj["chats"]:
            if c["template"] == template and (counterparty is None or c["counterparty_id"] == counterparty["id"]):
                return c
        raise AssertionError(f"no chat {template} in {self.obj['chats']}")

    def refresh(self, client=None):
        self.obj = expect((client or self.manager).get(f"/api/v1/objects/{self.obj['id']}"), 200)
        return self.obj
