"""Roles and permissions (docs/api.md "Roles and permissions").

A custom role with audit.read opens the audit routes to a plain user and revoking it closes them
again; an archived role confers nothing and cannot be granted; the last administrator keeps the
admin role (409); bad names, unknown permissions and unknown ids are 4xx with codes; plain users get
403 on every roles route; every change is in the audit log.
"""

from veche_harness import expect, expect_error, uniq


def new_role(admin, permissions, name=None):
    name = name or uniq("r").lower().replace("_", "-")
    return expect(admin.post("/api/v1/admin/roles", json={
        "name": name, "title": "Role " + name, "description": "made by a test", "permissions": permissions}), 201)


def test_a_granted_role_opens_the_audit_routes_and_revoking_closes_them(server, admin_client, make_user):
    u = make_user()
    expect_error(u.get("/api/v1/admin/audit"), 403, "forbidden")
    me = expect(u.get("/api/v1/users/me/permissions"), 200)
    assert me == {"is_admin": False, "permissions": [], "grants": []}

    role = new_role(admin_client, ["audit.read"])
    assert role["system"] is False and role["permissions"] == ["audit.read"] and role["archived_at"] is None
    grant = expect(admin_client.post(f"/api/v1/admin/users/{u.id}/roles", json={"role_id": role["id"]}), 201)
    assert grant["role_name"] == role["name"] and grant["granted_by"] == admin_client.id
    expect_error(admin_client.post(f"/api/v1/admin/users/{u.id}/roles", json={"role_id": role["id"]}), 409,
                 "already_granted")

    expect(u.get("/api/v1/admin/audit"), 200)
    expect(u.get("/api/v1/admin/audit.csv"), 200)
    expect_error(u.get("/api/v1/admin/jobs"), 403, "forbidden")  # only what the role holds
    expect_error(u.get("/api/v1/admin/roles"), 403, "forbidden")
    me = expect(u.get("/api/v1/users/me/permissions"), 200)
    assert me["permissions"] == ["audit.read"] and [g["role_id"] for g in me["grants"]] == [role["id"]]
    listed = expect(admin_client.get(f"/api/v1/admin/users/{u.id}/roles"), 200)["grants"]
    assert [g["role_name"] for g in listed] == [role["name"]]

    r = admin_client.delete(f"/api/v1/admin/users/{u.id}/roles/{role['id']}")
    assert r.status_code == 204, r.text
    expect_error(u.get("/api/v1/admin/audit"), 403, "forbidden")
    expect_error(admin_client.delete(f"/api/v1/admin/users/{u.id}/roles/{role['id']}"), 404, "grant_not_found")

    log = expect(admin_client.get("/api/v1/admin/audit", params={"target_id": u.id, "limit": "50"}), 200)["entries"]
    actions = [e["action"] for e in log if e["action"].startswith("role.")]
    assert actions == ["role.revoked", "role.granted"], actions
    assert all(e["actor_id"] == admin_client.id for e in log if e["action"].startswith("role."))
    created = expect(admin_client.get("/api/v1/admin/audit", params={"action": "role.created", "target_id": role["id"]}),
                     200)["entries"]
    assert len(created) == 1 and created[0]["data"]["permissions"] == ["audit.read"]


def test_an_archived_role_confers_nothing_and_cannot_be_granted(server, admin_client, make_user):
    u, v = make_user(), make_user()
    role = new_role(admin_client, ["audit.read", "jobs.manage"])
    expect(admin_client.post(f"/api/v1/admin/users/{u.id}/roles", json={"role_id": role["id"]}), 201)
    expect(u.get("/api/v1/admin/jobs"), 200)

    archived = expect(admin_client.post(f"/api/v1/admin/roles/{role['id']}/archive"), 200)
    assert archived["archived_at"] is not None
    expect_error(u.get("/api/v1/admin/jobs"), 403, "forbidden")
    expect_error(admin_client.post(f"/api/v1/admin/users/{v.id}/roles", json={"role_id": role["id"]}), 409,
                 "role_archived")
    expect_error(admin_client.post(f"/api/v1/admin/roles/{role['id']}/archive"), 409, "role_archived")
    expect_error(admin_client.patch(f"/api/v1/admin/roles/{role['id']}", json={"title": "x"}), 409, "role_archived")
    # The grant is kept for history, marked archived.
    grants = expect(admin_client.get(f"/api/v1/admin/users/{u.id}/roles"), 200)["grants"]
    assert [(g["role_id"], g["role_archived"]) for g in grants] == [(role["id"], True)]
    active = expect(admin_client.get("/api/v1/admin/roles"), 200)["roles"]
    assert role["id"] not in [r["id"] for r in active]
    everything = expect(admin_client.get("/api/v1/admin/roles", params={"archived": "true"}), 200)["roles"]
    assert role["id"] in [r["id"] for r in everything]


def test_admin_is_a_system_role_and_the_last_admin_keeps_it(fresh_server):
    admin = fresh_server.admin()
    roles = expect(admin.get("/api/v1/admin/roles"), 200)["roles"]
    admin_role = next(r for r in roles if r["name"] == "admin")
    assert admin_role["system"] is True
    perms = [p["name"] for p in expect(admin.get("/api/v1/admin/permissions"), 200)["permissions"]]
    assert {"audit.read", "jobs.manage", "users.manage", "roles.manage"} <= set(perms)
    assert sorted(admin_role["permissions"]) == sorted(perms)
    expect_error(admin.patch(f"/api/v1/admin/roles/{admin_role['id']}", json={"title": "Boss"}), 409, "system_role")
    expect_error(admin.post(f"/api/v1/admin/roles/{admin_role['id']}/archive"), 409, "system_role")

    expect_error(admin.delete(f"/api/v1/admin/users/{admin.id}/roles/{admin_role['id']}"), 409, "last_admin")

    # Granting admin here is the same as role "admin" on the user, and the other way round.
    from veche_harness import make_user
    other = make_user(fresh_server, admin)
    expect(admin.post(f"/api/v1/admin/users/{other.id}/roles", json={"role_id": admin_role["id"]}), 201)
    assert expect(admin.get(f"/api/v1/users/{other.id}"), 200)["role"] == "admin"
    assert expect(other.get("/api/v1/users/me/permissions"), 200)["is_admin"] is True
    r = other.delete(f"/api/v1/admin/users/{admin.id}/roles/{admin_role['id']}")
    assert r.status_code == 204, r.text
    assert expect(other.get(f"/api/v1/users/{admin.id}"), 200)["role"] == "user"
    expect_error(admin.get("/api/v1/admin/audit"), 403, "forbidden")
    expect_error(other.delete(f"/api/v1/admin/users/{other.id}/roles/{admin_role['id']}"), 409, "last_admin")
    expect(other.patch(f"/api/v1/users/{admin.id}", json={"role": "admin"}), 200)
    grants = expect(other.get(f"/api/v1/admin/users/{admin.id}/roles"), 200)["grants"]
    assert [g["role_name"] for g in grants] == ["admin"]


def test_a_roles_manager_cannot_give_away_what_they_do_not_hold(server, admin_client, make_user):
    manager, u = make_user(), make_user()
    managing = new_role(admin_client, ["roles.manage", "audit.read"])
    expect(admin_client.post(f"/api/v1/admin/users/{manager.id}/roles", json={"role_id": managing["id"]}), 201)
    expect(manager.get("/api/v1/admin/roles"), 200)
    mine = new_role(manager, ["audit.read"])
    expect(manager.post(f"/api/v1/admin/users/{u.id}/roles", json={"role_id": mine["id"]}), 201)
    expect_error(manager.post("/api/v1/admin/roles", json={"name": uniq("j").lower(), "title": "J",
                                                           "permissions": ["jobs.manage"]}), 403, "permission_not_held")
    roles = expect(manager.get("/api/v1/admin/roles"), 200)["roles"]
    admin_role = next(r for r in roles if r["name"] == "admin")
    expect_error(manager.post(f"/api/v1/admin/users/{manager.id}/roles", json={"role_id": admin_role["id"]}), 403)


def test_bad_input_and_unknown_ids(server, admin_client, make_user):
    u = make_user()
    for body, code in [
        ({"name": "Upper", "title": "x"}, "invalid_argument"),
        ({"name": "has space", "title": "x"}, "invalid_argument"),
        ({"name": "a" * 65, "title": "x"}, "invalid_argument"),
        ({"name": "support.boss", "title": "x"}, "role_name_reserved"),
        ({"name": "admin", "title": "x"}, "role_name_reserved"),
        ({"name": "ok-name", "title": ""}, "invalid_argument"),
        ({"name": "ok-name", "title": "x", "permissions": ["no.such"]}, "unknown_permission"),
        ({"name": "ok-name", "title": "x", "permissions": "audit.read"}, "invalid_argument"),
        ({"name": "ok-name", "title": "x", "permissions": [1]}, "invalid_argument"),
        ({"title": "x"}, "invalid_argument"),
    ]:
        expect_error(admin_client.post("/api/v1/admin/roles", json=body), 400, code)
    role = new_role(admin_client, [])
    expect_error(admin_client.post("/api/v1/admin/roles", json={"name": role["name"], "title": "again"}), 409,
                 "role_name_taken")
    expect_error(admin_client.patch(f"/api/v1/admin/roles/{role['id']}", json={"name": "renamed"}), 400)
    expect_error(admin_client.patch(f"/api/v1/admin/roles/{role['id']}", json={"permissions": ["no.such"]}), 400,
                 "unknown_permission")
    changed = expect(admin_client.patch(f"/api/v1/admin/roles/{role['id']}",
                                        json={"title": "Renamed title", "permissions": ["jobs.manage"]}), 200)
    assert changed["title"] == "Renamed title" and changed["permissions"] == ["jobs.manage"]
    expect_error(admin_client.patch("/api/v1/admin/roles/987654321987654321", json={"title": "x"}), 404,
                 "role_not_found")
    expect_error(admin_client.post(f"/api/v1/admin/users/{u.id}/roles", json={"role_id": "987654321987654321"}), 404,
                 "role_not_found")
    expect_error(admin_client.post("/api/v1/admin/users/987654321987654321/roles", json={"role_id": role["id"]}), 404,
                 "user_not_found")
    expect_error(admin_client.get("/api/v1/admin/users/987654321987654321/roles"), 404, "user_not_found")
    expect_error(admin_client.post(f"/api/v1/admin/users/{u.id}/roles",
                                   json={"role_id": role["id"], "scope_kind": "support_queue"}), 400)
    expect_error(admin_client.get("/api/v1/admin/roles", params={"archived": "maybe"}), 400)
    # A scoped grant is its own grant, revoked with its scope.
    expect(admin_client.post(f"/api/v1/admin/users/{u.id}/roles",
                             json={"role_id": role["id"], "scope_kind": "support_queue", "scope_id": "42"}), 201)
    expect_error(u.get("/api/v1/admin/jobs"), 403)
    expect_error(admin_client.delete(f"/api/v1/admin/users/{u.id}/roles/{role['id']}"), 404, "grant_not_found")
    r = admin_client.delete(f"/api/v1/admin/users/{u.id}/roles/{role['id']}",
                            params={"scope_kind": "support_queue", "scope_id": "42"})
    assert r.status_code == 204, r.text


def test_plain_users_get_403_on_every_roles_route(server, admin_client, make_user):
    u, v = make_user(), make_user()
    role = new_role(admin_client, ["audit.read"])
    for method, path, body in [
        ("GET", "/api/v1/admin/permissions", None),
        ("GET", "/api/v1/admin/roles", None),
        ("POST", "/api/v1/admin/roles", {"name": "mine", "title": "Mine"}),
        ("PATCH", f"/api/v1/admin/roles/{role['id']}", {"title": "x"}),
        ("POST", f"/api/v1/admin/roles/{role['id']}/archive", None),
        ("GET", f"/api/v1/admin/users/{v.id}/roles", None),
        ("POST", f"/api/v1/admin/users/{u.id}/roles", {"role_id": role["id"]}),
        ("DELETE", f"/api/v1/admin/users/{v.id}/roles/{role['id']}", None),
    ]:
        expect_error(u.request(method, path, json=body), 403, "forbidden")
    assert expect(admin_client.get(f"/api/v1/admin/roles"), 200)
    assert role["id"] in [r["id"] for r in expect(admin_client.get("/api/v1/admin/roles"), 200)["roles"]]


def test_users_manage_administers_plain_users_but_not_administrators(server, admin_client, make_user):
    manager, plain = make_user(), make_user()
    expect_error(manager.post("/api/v1/users", json={"username": uniq("x"), "password": "pw-xxxxxxxx"}), 403, "forbidden")
    role = new_role(admin_client, ["users.manage"])
    expect(admin_client.post(f"/api/v1/admin/users/{manager.id}/roles", json={"role_id": role["id"]}), 201)

    made = expect(manager.post("/api/v1/users", json={"username": uniq("m"), "password": "pw-xxxxxxxx"}), 201)
    assert made["role"] == "user"
    assert expect(manager.patch(f"/api/v1/users/{plain.id}", json={"deactivated": True}), 200)["deactivated"] is True
    expect(manager.patch(f"/api/v1/users/{plain.id}", json={"deactivated": False}), 200)
    assert "password" in expect(manager.post(f"/api/v1/users/{made['id']}/password", json={}), 200)
    # Administrators are the administrators' business.
    expect_error(manager.post("/api/v1/users", json={"username": uniq("a"), "password": "pw-xxxxxxxx", "role": "admin"}),
                 403, "forbidden")
    expect_error(manager.patch(f"/api/v1/users/{plain.id}", json={"role": "admin"}), 403, "forbidden")
    expect_error(manager.patch(f"/api/v1/users/{admin_client.id}", json={"deactivated": True}), 403, "forbidden")
    expect_error(manager.post(f"/api/v1/users/{admin_client.id}/password", json={}), 403, "forbidden")
    assert expect(admin_client.get(f"/api/v1/users/{plain.id}"), 200)["role"] == "user"

    r = admin_client.delete(f"/api/v1/admin/users/{manager.id}/roles/{role['id']}")
    assert r.status_code == 204
    expect_error(manager.patch(f"/api/v1/users/{plain.id}", json={"deactivated": True}), 403, "forbidden")
